using FhirKetamine.Bench.Cli;
using FhirKetamine.Bench.Fake;
using FhirKetamine.Bench.Load;
using FhirKetamine.Bench.Micro;
using FhirKetamine.Bench.Prefill;

const string Usage = """
    FhirKetamine bench (see bench/README.md)

      load        --scenario create|read|search|transaction|progress|all (or a comma list; all = the first four) --clients 16 --duration 30 --warmup 5
                  [--server-url http://127.0.0.1:PORT] [--server-dll PATH] [--no-build] [--results FILE.md]
                  [--patients 2000 --per-patient 500 | --observations 1000000]   (dataset for search)
              [--entries 100]   (entries per transaction Bundle: a Patient and its vitals)
      gateway     [--phases ceiling,single,batch,half] --clients 16 --gateways 8 --batch 50 --chairs 16 [--interval K]
                  --duration 30 --warmup 10 --retry-rate 0.02 --duplicate-rate 0.02 [--group-commit false] [--server-args "--Key=Value …"] [--results FILE.md]
                  (bedside gateways with If-None-Exist, retries and racing duplicates; bare-validator ceiling; exactly-once count check)
      prefill     --patients 2000 --per-patient 500 (or --observations N) [--bundle 1000] [--concurrency 2] [--force]
      dataset     [--observations 1000000 --copies 100 --seed-patients 100 --heavy 1 --heavy-count 1000 --organizations 10 --practitioners 20] [--force]
                  (issue 7's search database: a seed through HTTP, copied inside SQLite with every index row; checked by searches)
      issue7      [--warmup 5 --duration 20] [--no-index-server-dll PATH] [--chain organization|general-practitioner] [--only 1,2,3,4,5]
                  [--results FILE.md]   (issue 7's five figures on a copy of the dataset database, 1 client)
      ready       --runs 5 [--with-dataset]
      export      [--database FILE.db | --patients 200 --per-patient 500 [--schema-key K]] [--page-size 2000] [--ready-timeout 120]
                  (Bulk Data $export of every Observation: time to the manifest, resources/s, server RSS growth)
      micro       [BenchmarkDotNet switches, e.g. --filter *]
      selftest    (checks generated FHIR against the server's strict parser, percentiles, Location parsing)
      jit-report  FILE.nettrace   (which methods the server JIT-compiled during a trace; see profile.sh)
      fake-server --port 5099 --seconds 300   (an in-memory stand-in to check the client)

    The bench starts the server itself (Release build, temp SQLite file, free loopback port) unless
    --server-url is given; it only ever targets loopback addresses, and every loop is bounded in time.
    """;

// Anywhere: "load --help" once started a full run (and the two-hour 1M prefill) because options are not declared per command.
if (args.Length == 0 || args.Any(a => a is "-h" or "--help" or "help"))
{
    Console.WriteLine(Usage);
    return 0;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

try
{
    Args Rest() => new(args.Skip(1));
    return args[0] switch
    {
        "load" => await LoadCommand.RunAsync(Rest(), cts.Token),
        "gateway" => await GatewayCommand.RunAsync(Rest(), cts.Token),
        "prefill" => await PrefillCommand.RunAsync(Rest(), cts.Token),
        "dataset" => await DatasetCommand.RunAsync(Rest(), cts.Token),
        "issue7" => await Issue7Command.RunAsync(Rest(), cts.Token),
        "ready" => await ReadyCommand.RunAsync(Rest(), cts.Token),
        "export" => await FhirKetamine.Bench.Export.ExportCommand.RunAsync(Rest(), cts.Token),
        "fake-server" => await FakeServer.RunAsync(Rest(), cts.Token),
        "selftest" => SelfTest.Run(),
        "jit-report" => FhirKetamine.Bench.Profiling.JitReport.Run(args.Skip(1).ToArray()),
        "micro" => MicroCommand.Run(args.Skip(1).ToArray()),
        _ => throw new ArgumentException($"Unknown command '{args[0]}'.\n{Usage}"),
    };
}
catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FileNotFoundException or TimeoutException)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}