using System.Diagnostics;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Validation;

using Resource = Hl7.Fhir.Model.Resource;
using Task = System.Threading.Tasks.Task;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Bench.Load;

/// <summary>
/// The ceiling of any validating server on this machine: the bare validator (the server's own
/// <see cref="ResourceValidator"/>, core R4 plus the ketamine IG profiles, Enforce mode) validating the
/// same readings the gateways send, already parsed, on every core, with no HTTP and no database.
/// </summary>
internal static class ValidatorCeiling
{
    public static async Task<double> MeasureAsync(IReadOnlyList<byte[]> readings, TimeSpan warmup, TimeSpan duration, CancellationToken ct)
    {
        var fhir = new FhirSerialization();
        var validator = new ResourceValidator(
            Options.Create(new ValidationOptions { Mode = ValidationMode.Enforce, PackageFolders = [Path.Combine(Workspace.RepoRoot, "profiles", "package")] }),
            new NoStore(), fhir, NullLogger<ResourceValidator>.Instance);
        var parsed = readings.Select(r => fhir.ParseJson(r)).ToList();
        Console.WriteLine($"  validator warm-up {warmup.TotalSeconds:F0} s (schemas compile on first use) ...");
        await RunAsync(validator, parsed, warmup, ct);
        Console.WriteLine($"  measuring the bare validator {duration.TotalSeconds:F0} s on {Environment.ProcessorCount} cores ...");
        var started = Stopwatch.GetTimestamp();
        var count = await RunAsync(validator, parsed, duration, ct);
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<long> RunAsync(ResourceValidator validator, List<Resource> parsed, TimeSpan duration, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var total = 0L;
        await Task.WhenAll(Enumerable.Range(0, Environment.ProcessorCount).Select(worker => Task.Run(async () =>
        {
            var n = 0L;
            for (var i = worker; Stopwatch.GetTimestamp() < deadline && !ct.IsCancellationRequested; i++)
            {
                await validator.CheckWriteAsync(parsed[i % parsed.Count], ct);
                n++;
            }

            Interlocked.Add(ref total, n);
        }, ct)));
        return total;
    }

    private sealed class NoStore : IConformanceStore
    {
        public Task<IReadOnlyList<Resource>> LoadAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<Resource>>([]);
    }
}
