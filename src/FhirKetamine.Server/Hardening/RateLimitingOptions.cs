namespace FhirKetamine.Server.Hardening;

/// <summary>
/// The <c>RateLimiting</c> configuration section: one token bucket per SMART client (the token's
/// <c>client_id</c>), or per remote IP address for callers without a token. The defaults are a flood guard
/// (far above what the bench or a busy clinic sends); tighten them per deployment.
/// </summary>
public sealed class RateLimitingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The bucket's size: how many requests a client may send at once after a quiet spell.</summary>
    public int TokenLimit { get; set; } = 20_000;

    /// <summary>Requests added back to each bucket every <see cref="ReplenishmentPeriodSeconds"/>.</summary>
    public int TokensPerPeriod { get; set; } = 10_000;

    public double ReplenishmentPeriodSeconds { get; set; } = 1;

    /// <summary>Requests over the limit that wait for a token instead of getting 429 at once (0: none wait).</summary>
    public int QueueLimit { get; set; }
}
