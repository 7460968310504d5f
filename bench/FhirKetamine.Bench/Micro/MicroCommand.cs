using BenchmarkDotNet.Running;

namespace FhirKetamine.Bench.Micro;

/// <summary><c>micro</c>: the BenchmarkDotNet micro-benchmarks (parse, index) in this assembly.</summary>
internal static class MicroCommand
{
    public static int Run(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(args.Length == 0 ? ["--filter", "*"] : args);
        return 0;
    }
}