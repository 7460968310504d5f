namespace FhirKetamine.Server.Tests.Progress;

/// <summary>A server with the journey loaded once for a test class whose tests only read it.</summary>
public sealed class JourneyServer : IAsyncLifetime
{
    public FhirServerFactory Server { get; } = new();

    public async Task InitializeAsync()
    {
        using var client = Server.CreateFhirClient();
        await Journey.LoadAsync(client);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
