using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace FhirKetamine.Bench.Profiling;

/// <summary>
/// <c>jit-report FILE.nettrace</c>: which methods the server JIT-compiled during a trace taken under
/// load (collect with <c>dotnet-trace collect -p PID --providers Microsoft-Windows-DotNETRuntime:0x10:5</c>).
/// A steady stream after warm-up means code is generated per request (compiled expressions, uncached queries).
/// </summary>
internal static class JitReport
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || !File.Exists(args[0]))
        {
            throw new ArgumentException("Usage: jit-report FILE.nettrace");
        }

        var byType = new Dictionary<string, (int Count, bool Dynamic, string Sample)>(StringComparer.Ordinal);
        var total = 0;
        var dynamic = 0;
        using (var source = new EventPipeEventSource(args[0]))
        {
            source.Clr.MethodLoadVerbose += (MethodLoadUnloadVerboseTraceData e) =>
            {
                var isDynamic = (e.MethodFlags & MethodFlags.Dynamic) != 0;
                total++;
                dynamic += isDynamic ? 1 : 0;
                var key = string.IsNullOrEmpty(e.MethodNamespace) ? "(no type)" : e.MethodNamespace;
                byType[key] = byType.TryGetValue(key, out var v)
                    ? (v.Count + 1, v.Dynamic || isDynamic, v.Sample)
                    : (1, isDynamic, e.MethodName + e.MethodSignature);
            };
            source.Process();
        }

        Console.WriteLine($"{total} methods compiled, {dynamic} of them dynamic (LCG: compiled expressions, EF/serializer delegates)");
        Console.WriteLine("count  dynamic  type (sample method)");
        foreach (var (type, (count, isDyn, sample)) in byType.OrderByDescending(kv => kv.Value.Count).Take(30))
        {
            Console.WriteLine($"{count,5}  {(isDyn ? "yes" : "   "),7}  {Clip(type, 110)}  ({Clip(sample, 80)})");
        }

        return 0;
    }

    private static string Clip(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}