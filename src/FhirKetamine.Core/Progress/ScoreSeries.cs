namespace FhirKetamine.Core.Progress;

/// <summary>
/// One instrument's totals over time and what DOMAIN.md §6 reads from them: the baseline (the last total at most
/// 7 days before infusion 1, not after it), each later total's change from it, response (a reduction of at least
/// 50 %; 25–49 % is partial) and remission (a total below 5), each with the first total that reached it.
/// Pure arithmetic over the scores; the caller loads them.
/// </summary>
public sealed class ScoreSeries
{
    public static readonly TimeSpan BaselineWindow = TimeSpan.FromDays(7);

    public ScoreSeries(IEnumerable<Score> scores, DateTimeOffset? firstInfusion)
    {
        Scores = scores.OrderBy(s => s.When).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        if (firstInfusion is { } start)
        {
            Baseline = Scores.LastOrDefault(s => s.When <= start && s.When >= start - BaselineWindow);
        }

        After = Baseline is null ? [] : Scores.Skip(Scores.ToList().IndexOf(Baseline) + 1).ToList();
        FirstResponse = After.FirstOrDefault(s => Reduction(s) >= 0.5m);
        FirstRemission = After.FirstOrDefault(s => s.Value < RemissionBelow);
    }

    /// <summary>A total below this is remission (PHQ-9 &lt; 5; GAD-7 by the same default).</summary>
    public const int RemissionBelow = 5;

    public IReadOnlyList<Score> Scores { get; }

    public Score? Baseline { get; }

    /// <summary>The totals after the baseline, oldest first: the ones response and remission are read from.</summary>
    public IReadOnlyList<Score> After { get; }

    public Score? FirstResponse { get; }

    public Score? FirstRemission { get; }

    public Score? Latest => After.Count > 0 ? After[^1] : null;

    /// <summary>Why response cannot be judged, or null when it can.</summary>
    public string? NotEvaluable(bool hasInfusion) =>
        !hasInfusion ? "No infusion has started, so there is no baseline."
        : Baseline is null ? $"No total in the {BaselineWindow.Days} days before infusion 1 to serve as baseline."
        : Baseline.Value == 0 ? "The baseline total is 0: a reduction cannot be computed."
        : After.Count == 0 ? "No total after the baseline yet."
        : null;

    /// <summary>score − baseline (negative is better), for totals after the baseline.</summary>
    public int? ChangePoints(Score score) => Baseline is { } b && After.Contains(score) ? score.Value - b.Value : null;

    /// <summary>(score − baseline) / baseline × 100, one decimal; negative is better.</summary>
    public decimal? ChangePercent(Score score) =>
        Baseline is { Value: > 0 } b && After.Contains(score) ? Math.Round((score.Value - b.Value) * 100m / b.Value, 1, MidpointRounding.AwayFromZero) : null;

    /// <summary>response, partial-response or no-response, judged on the latest total after the baseline.</summary>
    public string ResponseStatus => Latest is { } latest && Baseline is { Value: > 0 }
        ? Reduction(latest) switch
        {
            >= 0.5m => "response",
            >= 0.25m => "partial-response",
            _ => "no-response",
        }
        : "not-evaluable";

    /// <summary>remission or no-remission, judged on the latest total after the baseline.</summary>
    public string RemissionStatus => Latest is { } latest ? latest.Value < RemissionBelow ? "remission" : "no-remission" : "not-evaluable";

    private decimal Reduction(Score score) => Baseline is { Value: > 0 } b ? (b.Value - score.Value) / (decimal)b.Value : 0m;

    /// <summary>One stored total: its Observation id, when it was taken (as stored, with its offset) and its value.</summary>
    public sealed record Score(string Id, string Effective, DateTimeOffset When, int Value);
}
