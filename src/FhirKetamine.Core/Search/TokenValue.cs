namespace FhirKetamine.Core.Search;

/// <summary>
/// A token search value as the spec writes it: <c>code</c> (any system), <c>system|code</c>, <c>|code</c> (no system:
/// <see cref="System"/> is empty) or <c>system|</c> (any code of the system: <see cref="Code"/> is null).
/// </summary>
internal readonly record struct TokenValue(string? System, string? Code)
{
    public static TokenValue Parse(string value)
    {
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? new TokenValue(null, value) : new TokenValue(value[..bar], bar == value.Length - 1 ? null : value[(bar + 1)..]);
    }
}
