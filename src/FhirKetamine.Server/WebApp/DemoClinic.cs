using System.Net;
using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Smart;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.WebApp;

/// <summary>
/// <c>Seed:Examples=true</c>: loads the demo clinic that ships in the build output (<c>demo/</c>: the IG's journey
/// patient from examples/journey and the patients of examples/demo) in one transaction, validated like any write.
/// Skipped when the journey patient is already stored, so a restart does not add versions.
/// </summary>
internal sealed partial class DemoClinic(IServiceScopeFactory scopes, ILogger<DemoClinic> logger) : IHostedService
{
    public const string MarkerPatient = "journey-patient";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var rest = scope.ServiceProvider.GetRequiredService<ResourceInteractions>();
        try
        {
            await rest.ReadAsync(new FhirRequest(Interaction.Read, SmartAccess.Unrestricted) { ResourceType = "Patient", Id = MarkerPatient }, cancellationToken);
            LogSkipped(logger);
            return;
        }
        catch (FhirException ex) when (ex.Status is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
        }

        var fhir = scope.ServiceProvider.GetRequiredService<FhirSerialization>();
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var file in Files())
        {
            var resource = fhir.ParseJson(await File.ReadAllBytesAsync(file, cancellationToken));
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = resource,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{resource.TypeName}/{resource.Id}" },
            });
        }

        var processor = scope.ServiceProvider.GetRequiredService<BundleProcessor>();
        // Past events with their own Flags and DetectedIssues: the safety rules must not raise them a second time.
        await processor.ProcessAsync(bundle, SmartAccess.HistoricalImport, "http://localhost/fhir", cancellationToken);
        LogSeeded(logger, bundle.Entry.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Every JSON file under <c>demo/</c> of the build output, in a stable order.</summary>
    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "demo"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Seed:Examples: the demo clinic is already loaded")]
    private static partial void LogSkipped(ILogger logger);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "Seed:Examples: demo clinic loaded ({Count} resources)")]
    private static partial void LogSeeded(ILogger logger, int count);
}
