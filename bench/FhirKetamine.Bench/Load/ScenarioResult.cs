using System.Globalization;

namespace FhirKetamine.Bench.Load;

/// <summary>What one scenario measured; <see cref="ItemsPerRequest"/> turns bundles into resources/s.</summary>
internal sealed record ScenarioResult(
    string Scenario,
    int Clients,
    double Seconds,
    long Ok,
    long Errors,
    LatencyStats Latency,
    int ItemsPerRequest,
    double ServerCpuPercent,
    double ClientCpuPercent,
    double MachineCpuPercent,
    IReadOnlyList<string> SampleErrors)
{
    public double Throughput => Ok / Seconds;

    public static string TableHeader =>
        "| scenario | clients | duration (s) | requests ok | throughput (req/s) | resources/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | errors | server CPU | client CPU | machine CPU |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    public string TableRow => string.Create(CultureInfo.InvariantCulture,
        $"| {Scenario} | {Clients} | {Seconds:F0} | {Ok} | {Throughput:F0} | {Throughput * ItemsPerRequest:F0} | {Latency.P50Ms:F2} | {Latency.P95Ms:F2} | {Latency.P99Ms:F2} | {Latency.MaxMs:F1} | {Errors} | {Cpu(ServerCpuPercent)} | {Cpu(ClientCpuPercent)} | {Cpu(MachineCpuPercent)} |");

    private static string Cpu(double percent) =>
        double.IsNaN(percent) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{percent:F0}%");
}