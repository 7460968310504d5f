namespace FhirKetamine.Bench.Load;

/// <summary>The result of one request: success, or a one-line description of what went wrong.</summary>
internal readonly record struct Outcome(bool Ok, string? Error)
{
    public static readonly Outcome Success = new(true, null);

    public static Outcome Fail(string error) => new(false, error);
}