using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;

using FhirKetamine.Core.Rest;
using FhirKetamine.Server.Errors;
using FhirKetamine.Server.Smart;

using Hl7.Fhir.Model;

using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Hardening;

/// <summary>
/// Per-client rate limiting with ASP.NET Core's rate limiter: a token bucket per SMART client id, or per
/// remote IP address when the caller has no token. A refused request gets 429 with <c>Retry-After</c> and an
/// OperationOutcome (<c>throttled</c>). <c>/fhir/metadata</c>, SMART discovery and the health probes are never limited.
/// </summary>
internal static class ClientRateLimiting
{
    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitingOptions>().BindConfiguration("RateLimiting")
            .Validate(o => o.TokenLimit > 0 && o.TokensPerPeriod > 0 && o.ReplenishmentPeriodSeconds > 0 && o.QueueLimit >= 0,
                "RateLimiting: TokenLimit, TokensPerPeriod and ReplenishmentPeriodSeconds must be positive, QueueLimit not negative.")
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddSingleton<IConfigureOptions<RateLimiterOptions>, ConfigureLimiter>();
        return services;
    }

    /// <summary>The partition of a request: null when it is exempt.</summary>
    internal static string? PartitionKey(HttpContext http)
    {
        var path = http.Request.Path;
        if (path.StartsWithSegments("/health") || path.StartsWithSegments("/fhir/metadata") || path.StartsWithSegments("/fhir/.well-known"))
        {
            return null;
        }

        return CallerAccess.FromPrincipal(http.User).ClientId is { Length: > 0 } client
            ? "client:" + client
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }

    internal static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var outcome = Outcomes.Error(OperationOutcome.IssueType.Throttled,
            $"Too many requests from this client; retry after {seconds} s (limits: RateLimiting:*).");
        await OperationOutcomeExceptionHandler.WriteAsync(http, HttpStatusCode.TooManyRequests, outcome);
    }

    private sealed class ConfigureLimiter(IOptions<RateLimitingOptions> settings) : IConfigureOptions<RateLimiterOptions>
    {
        public void Configure(RateLimiterOptions options)
        {
            var limits = settings.Value;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = RejectAsync;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                !limits.Enabled || PartitionKey(http) is not { } key
                    ? RateLimitPartition.GetNoLimiter(string.Empty)
                    : RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.TokenLimit,
                        TokensPerPeriod = limits.TokensPerPeriod,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(limits.ReplenishmentPeriodSeconds),
                        QueueLimit = limits.QueueLimit,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                        AutoReplenishment = true,
                    }));
        }
    }
}
