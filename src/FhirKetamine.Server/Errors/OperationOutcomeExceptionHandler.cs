using System.Net;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;
using FhirKetamine.Server.Rest;
using FhirKetamine.Server.Smart;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Diagnostics;

namespace FhirKetamine.Server.Errors;

/// <summary>
/// The one place errors become responses: a <see cref="FhirException"/> keeps its status and
/// OperationOutcome; request-size and malformed-HTTP errors get theirs; anything else is a 500 whose
/// OperationOutcome names the request id to find in the logs, never the exception or a stack trace.
/// </summary>
internal sealed partial class OperationOutcomeExceptionHandler(ILogger<OperationOutcomeExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var (status, outcome) = exception switch
        {
            FhirException fhir => (fhir.Status, fhir.Outcome),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (HttpStatusCode.RequestEntityTooLarge,
                Outcomes.Error(OperationOutcome.IssueType.TooCostly, "The request body is larger than this server accepts (Fhir:MaxRequestBodyBytes).")),
            BadHttpRequestException bad => ((HttpStatusCode)bad.StatusCode, Outcomes.Error(OperationOutcome.IssueType.Invalid, "The HTTP request is malformed.")),
            OperationCanceledException when http.RequestAborted.IsCancellationRequested => ((HttpStatusCode)499, Outcomes.Error(OperationOutcome.IssueType.Incomplete, "The client closed the request.")),
            _ when DatabaseErrors.IsBusy(exception) => (HttpStatusCode.ServiceUnavailable, Outcomes.Error(OperationOutcome.IssueType.Transient,
                "The database is busy; nothing was stored. Retry the request.")),
            _ => (HttpStatusCode.InternalServerError, Outcomes.Error(OperationOutcome.IssueType.Exception,
                $"The server failed to process the request. Quote request id {http.TraceIdentifier} to the operator.")),
        };

        if (status != (HttpStatusCode)499 && http.TryAccess()?.Origin is { Committed: true })
        {
            // The error came after a commit (an audit that could not be stored, a response that could not be built):
            // "nothing was stored, retry" would make a client repeat writes that are stored.
            LogFailedAfterCommit(logger, exception, http.Request.Method, http.Request.Path, http.TraceIdentifier);
            await WriteAsync(http, HttpStatusCode.InternalServerError, Outcomes.Error(OperationOutcome.IssueType.Exception,
                $"The writes of this request were committed (stored), but the server failed before it could answer. " +
                $"Read the resources before repeating the request. Quote request id {http.TraceIdentifier} to the operator."));
            return true;
        }

        if (status == HttpStatusCode.ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "1";
        }

        if (exception is FhirException && status == HttpStatusCode.ServiceUnavailable)
        {
            // A 503 the server chose (a search timeout, an access that could not be audited): an event, not a bug.
            LogUnavailable(logger, http.Request.Method, http.Request.Path, http.TraceIdentifier, exception.Message);
        }
        else if (status is HttpStatusCode.InternalServerError or HttpStatusCode.ServiceUnavailable)
        {
            LogUnhandled(logger, exception, http.Request.Method, http.Request.Path, http.TraceIdentifier);
        }
        else
        {
            LogRefused(logger, http.Request.Method, http.Request.Path, (int)status, exception.Message);
        }

        await WriteAsync(http, status, outcome);
        return true;
    }

    /// <summary>Status codes produced without an exception (405 from routing, 404 with no route) also get an OperationOutcome.</summary>
    public static async Task WriteStatusCodeAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = (HttpStatusCode)http.Response.StatusCode;
        var outcome = status switch
        {
            HttpStatusCode.MethodNotAllowed => Outcomes.Error(OperationOutcome.IssueType.NotSupported, $"{http.Request.Method} is not allowed on {http.Request.Path}."),
            HttpStatusCode.NotFound => Outcomes.Error(OperationOutcome.IssueType.NotFound, $"Nothing is at {http.Request.Path}."),
            _ => Outcomes.Error(OperationOutcome.IssueType.Processing, $"HTTP {(int)status}."),
        };
        await WriteAsync(http, status, outcome);
    }

    internal static async Task WriteAsync(HttpContext http, HttpStatusCode status, OperationOutcome outcome)
    {
        http.Response.StatusCode = (int)status;
        OutputShape shape;
        try
        {
            shape = FhirHttp.ResponseShape(http) with { Summary = null, Elements = null };
        }
        catch (FhirException)
        {
            shape = OutputShape.Json;
        }

        await FhirResult.WriteAsync(http, shape, outcome);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path} (request {RequestId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path, string requestId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "{Method} {Path} failed after its writes were committed (request {RequestId}); answered 500 saying so")]
    private static partial void LogFailedAfterCommit(ILogger logger, Exception exception, string method, string path, string requestId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 (request {RequestId}): {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string method, string path, string requestId, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "{Method} {Path} refused with {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, int status, string reason);
}
