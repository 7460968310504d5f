namespace FhirKetamine.Core.Safety;

/// <summary>
/// One critical interval of an ObservationDefinition (IG convention, profiles/input/fsh/conformance.fsh): a value
/// of <see cref="Code"/> within [<see cref="Low"/>, <see cref="High"/>] (inclusive, either may be open) breaks
/// <see cref="Rule"/>, in <see cref="Phase"/> only when one is given.
/// </summary>
public sealed record VitalThreshold(string Rule, string System, string Code, string Name, decimal? Low, decimal? High, string? Unit, string? Phase, string Definition)
{
    public bool Contains(decimal value) => (Low is null || value >= Low) && (High is null || value <= High);

    public bool AppliesIn(string? phase) => Phase is null || Phase == phase;

    /// <summary>"≥ 181 mm[Hg]", "≤ 89 %", "121–200 /min".</summary>
    public string Describe() => (Low, High) switch
    {
        ({ } low, null) => $"≥ {low} {Unit}".TrimEnd(),
        (null, { } high) => $"≤ {high} {Unit}".TrimEnd(),
        ({ } low, { } high) => $"{low}–{high} {Unit}".TrimEnd(),
        _ => "any value",
    };
}
