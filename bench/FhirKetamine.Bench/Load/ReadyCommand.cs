using FhirKetamine.Bench.Cli;
using FhirKetamine.Bench.Prefill;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// <c>ready</c>: starts and stops the server several times and prints the time from process start to
/// the first 200 from <c>/health/ready</c>: first on an empty file (migrations run), then on the same
/// file again, and with <c>--with-dataset</c> on a copy of the cached 1M-Observation database.
/// </summary>
internal static class ReadyCommand
{
    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var runs = Math.Clamp(args.Int("runs", 5), 1, 50);
        var dll = await Workspace.EnsureServerBuiltAsync(args.String("server-dll"), !args.Has("no-build"), ct);
        var work = Workspace.NewTempDir("ready");
        var db = Path.Combine(work, "fhir.db");
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            await using var server = await ServerHost.StartAsync(dll, db, work, [], ct);
            var ms = server.ReadyTime!.Value.TotalMilliseconds;
            times.Add(ms);
            Console.WriteLine($"  run {i + 1}: ready in {ms:F0} ms{(i == 0 ? " (new database, migrations applied)" : "")}");
        }

        Console.WriteLine($"ready time, empty database: first {times[0]:F0} ms, then median {Median(times.Skip(1)):F0} ms, max {times.Max():F0} ms over {runs} starts");

        if (args.Has("with-dataset"))
        {
            var dataset = await PrefillCommand.EnsureAsync(args.Int("patients", 2000), args.Int("per-patient", 500), args, ct);
            var copyDir = Workspace.NewTempDir("ready-ds");
            var copy = dataset.CopyTo(Workspace.CacheDir, copyDir);
            var big = new List<double>();
            for (var i = 0; i < Math.Min(runs, 3); i++)
            {
                await using var server = await ServerHost.StartAsync(dll, copy, copyDir, [], ct);
                big.Add(server.ReadyTime!.Value.TotalMilliseconds);
                Console.WriteLine($"  {dataset.Observations:N0} Observations, run {i + 1}: ready in {big[^1]:F0} ms");
            }

            Directory.Delete(copyDir, recursive: true);
        }

        Directory.Delete(work, recursive: true);
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}