using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// The one error type of the server: a status and the OperationOutcome the client receives.
/// Mapped to an HTTP response in one place (the Server's exception handler); bundle entries use the same mapping.
/// </summary>
public sealed class FhirException : Exception
{
    public FhirException(HttpStatusCode status, OperationOutcome outcome)
        : base(FirstDiagnostics(outcome))
    {
        Status = status;
        Outcome = outcome;
    }

    public FhirException(HttpStatusCode status, OperationOutcome.IssueType code, string diagnostics, string? expression = null)
        : this(status, Outcomes.Error(code, diagnostics, expression))
    {
    }

    public HttpStatusCode Status { get; }

    public OperationOutcome Outcome { get; }

    public static FhirException BadRequest(string diagnostics, string? expression = null) =>
        new(HttpStatusCode.BadRequest, OperationOutcome.IssueType.Invalid, diagnostics, expression);

    public static FhirException NotFound(string diagnostics) =>
        new(HttpStatusCode.NotFound, OperationOutcome.IssueType.NotFound, diagnostics);

    public static FhirException Unprocessable(string diagnostics, string? expression = null) =>
        new(HttpStatusCode.UnprocessableEntity, OperationOutcome.IssueType.Processing, diagnostics, expression);

    public static FhirException Conflict(string diagnostics) =>
        new(HttpStatusCode.Conflict, OperationOutcome.IssueType.Conflict, diagnostics);

    public static FhirException PreconditionFailed(string diagnostics) =>
        new(HttpStatusCode.PreconditionFailed, OperationOutcome.IssueType.Conflict, diagnostics);

    /// <summary>The message of the most severe issue (a validator's outcome may open with information or trace issues).</summary>
    private static string FirstDiagnostics(OperationOutcome outcome) =>
        outcome.Issue
            .Where(i => i.Text() is not null)
            .OrderBy(i => i.Severity ?? OperationOutcome.IssueSeverity.Information)
            .Select(i => i.Text())
            .FirstOrDefault() ?? "FHIR error";
}
