using System.Diagnostics;

namespace FhirKetamine.Bench.Load;

/// <summary>Exact percentiles from every recorded latency (a sorted array: no bucketing error).</summary>
internal sealed record LatencyStats(int Count, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static LatencyStats From(List<long> ticks)
    {
        if (ticks.Count == 0)
        {
            return new LatencyStats(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        var sorted = ticks.ToArray();
        Array.Sort(sorted);
        return new LatencyStats(
            sorted.Length,
            Ms(Percentile(sorted, 0.50)),
            Ms(Percentile(sorted, 0.95)),
            Ms(Percentile(sorted, 0.99)),
            Ms(sorted[^1]),
            Ms((long)sorted.Average()));
    }

    /// <summary>Nearest-rank percentile: the smallest value with at least p of the samples at or below it.</summary>
    public static long Percentile(long[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}