using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// Makes OpenIddict's application store say exactly what <c>Smart:Clients</c> says, at every start:
/// configured clients are created or updated, clients no longer configured are removed.
/// Scope limits are ours (<see cref="FhirKetamine.Core.Smart.ScopeGrant"/>), so no scope permissions are stored.
/// </summary>
internal sealed partial class SmartClientSync(IServiceScopeFactory scopes, IOptions<SmartOptions> options, ClientJwks jwks, ILogger<SmartClientSync> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var configured = options.Value.Clients.Where(c => !string.IsNullOrWhiteSpace(c.ClientId)).ToList();
        foreach (var client in configured)
        {
            // A JwksUrl client whose keys cannot be fetched now is registered on its first assertion (ClientJwks.Refresh).
            var keys = string.IsNullOrWhiteSpace(client.JwksUrl) ? null : await jwks.GetAsync(client, null, cancellationToken);
            if (!string.IsNullOrWhiteSpace(client.JwksUrl) && keys is null)
            {
                continue;
            }

            var descriptor = Describe(client, keys);
            if (await manager.FindByClientIdAsync(client.ClientId, cancellationToken) is { } existing)
            {
                await manager.UpdateAsync(existing, descriptor, cancellationToken);
            }
            else
            {
                await manager.CreateAsync(descriptor, cancellationToken);
            }
        }

        var known = configured.Select(c => c.ClientId).ToHashSet(StringComparer.Ordinal);
        var stale = new List<object>();
        await foreach (var application in manager.ListAsync(count: null, offset: null, cancellationToken))
        {
            if (await manager.GetClientIdAsync(application, cancellationToken) is not { } id || !known.Contains(id))
            {
                stale.Add(application);
            }
        }

        foreach (var application in stale)
        {
            await manager.DeleteAsync(application, cancellationToken);
        }

        LogSynced(logger, configured.Count, stale.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    internal static OpenIddictApplicationDescriptor Describe(SmartClientOptions client, JsonWebKeySet? fetchedKeys = null)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.ClientId,
            DisplayName = client.ClientId,
            ClientType = client.Kind == "Public" ? ClientTypes.Public : ClientTypes.Confidential,
        };
        if (!string.IsNullOrWhiteSpace(client.Jwks))
        {
            descriptor.JsonWebKeySet = JsonWebKeySet.Create(client.Jwks);
        }
        else if (fetchedKeys is not null)
        {
            descriptor.JsonWebKeySet = fetchedKeys;
        }

        if (client.Kind == "Confidential" && !string.IsNullOrEmpty(client.ClientSecret))
        {
            descriptor.ClientSecret = client.ClientSecret;
        }

        descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation]);
        if (client.Kind == "Backend")
        {
            descriptor.Permissions.Add(Permissions.GrantTypes.ClientCredentials);
        }
        else
        {
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Authorization, Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
            foreach (var uri in client.RedirectUris)
            {
                descriptor.RedirectUris.Add(new Uri(uri));
            }
        }

        return descriptor;
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "SMART clients: {Configured} configured, {Removed} removed from the store")]
    private static partial void LogSynced(ILogger logger, int configured, int removed);
}
