using System.Globalization;
using System.Net;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Hardening;

/// <summary>
/// Bounds searches, history and <c>$everything</c> by <c>Fhir:SearchTimeoutSeconds</c>: the request's
/// cancellation token (the one every handler passes to EF Core, which cancels the database command) is
/// replaced by one that also fires at the deadline. A search cut this way answers 503 with an
/// OperationOutcome (<c>timeout</c>) that tells the client to narrow the search, never a hung connection.
/// </summary>
internal static class SearchTimeout
{
    public const double DefaultSeconds = 30;

    /// <summary>The named routes that run open-ended queries.</summary>
    private static readonly HashSet<string> Bounded = new(StringComparer.Ordinal)
    {
        "search-type", "search-type-post", "history-system", "history-type", "history-instance", "patient-everything",
    };

    public static IApplicationBuilder UseSearchTimeout(this IApplicationBuilder app, IConfiguration configuration)
    {
        var seconds = configuration.GetValue("Fhir:SearchTimeoutSeconds", DefaultSeconds);
        if (seconds <= 0)
        {
            return app;
        }

        var timeout = TimeSpan.FromSeconds(seconds);
        return app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>() is not { } name || !Bounded.Contains(name.EndpointName))
            {
                await next(http);
                return;
            }

            var aborted = http.RequestAborted;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            deadline.CancelAfter(timeout);
            http.RequestAborted = deadline.Token;
            try
            {
                await next(http);
            }
            catch (Exception e) when (e is not FhirException && deadline.IsCancellationRequested && !aborted.IsCancellationRequested)
            {
                // OperationCanceledException from EF Core, or the provider's own error for an interrupted command.
                throw new FhirException(HttpStatusCode.ServiceUnavailable, OperationOutcome.IssueType.Timeout,
                    $"The search did not finish within {seconds.ToString(CultureInfo.InvariantCulture)} s (Fhir:SearchTimeoutSeconds) and was stopped. "
                    + "Narrow it (a patient, a code, a date range) or ask for fewer results with _count.");
            }
            finally
            {
                http.RequestAborted = aborted;
            }
        });
    }
}
