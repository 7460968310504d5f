namespace FhirKetamine.Core.Rest;

/// <summary>Limits on what one request may ask of the engine (the <c>Fhir</c> configuration section).</summary>
public sealed class FhirLimits
{
    public const int DefaultMaxBundleEntries = 10_000;

    /// <summary>A batch or transaction with more entries is refused with 413 before any entry runs.</summary>
    public int MaxBundleEntries { get; set; } = DefaultMaxBundleEntries;
}
