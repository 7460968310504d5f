using FhirKetamine.Server.Smart;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;

namespace FhirKetamine.Server.WebApp;

/// <summary>
/// Once the server listens, adds <c>/app/</c> on each address it really bound (port 0 in tests, <c>http://+:8080</c> in
/// Docker) to the Progress app's redirect URIs in OpenIddict's store. Runs after <see cref="SmartClientSync"/>.
/// </summary>
internal sealed partial class ProgressAppRedirects(IServer server, IServiceScopeFactory scopes, IOptions<ProgressAppOptions> app, ILogger<ProgressAppRedirects> logger)
    : IHostedLifecycleService
{
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var extra = ProgressAppClient.RedirectUris(addresses).ToList();
        if (extra.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        if (await manager.FindByClientIdAsync(app.Value.ClientId, cancellationToken) is not { } application)
        {
            return;
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        await manager.PopulateAsync(descriptor, application, cancellationToken);
        var before = descriptor.RedirectUris.Count;
        descriptor.RedirectUris.UnionWith(extra.Select(u => new Uri(u)));
        if (descriptor.RedirectUris.Count != before)
        {
            await manager.UpdateAsync(application, descriptor, cancellationToken);
            LogRedirects(logger, app.Value.ClientId, string.Join(' ', descriptor.RedirectUris));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Progress app client {ClientId}: redirect URIs {RedirectUris}")]
    private static partial void LogRedirects(ILogger logger, string clientId, string redirectUris);
}
