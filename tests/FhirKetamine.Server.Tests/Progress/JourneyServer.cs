namespace FhirKetamine.Server.Tests.Progress;

/// <summary>A server with the journey loaded once for a test class whose tests only read it.</summary>
public sealed class JourneyServer : IAsyncLifetime
{
    public FhirServerFactory Server { get; } = new();

    public async Task InitializeAsync()
    {
        // The journey carries, as records, what the safety rules raised at infusion 4; loading it with the rules on
        // would raise them a second time (and the PHQ-9 item-9 answers of its questionnaires too).
        Server.Settings["Safety:Enabled"] = "false";
        using var client = Server.CreateFhirClient();
        await Journey.LoadAsync(client);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
