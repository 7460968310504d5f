using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// The public keys of Backend clients registered with a <c>JwksUrl</c> instead of an inline <c>Jwks</c>: fetched over
/// HTTP, cached (<see cref="SmartOptions.JwksMaxAge"/>), and fetched again when an assertion names a kid the cache does
/// not hold (key rotation), at most once per <see cref="SmartOptions.JwksMinRefreshInterval"/> per client so that
/// assertions with made-up kids cannot make the server hammer the client's URL.
/// </summary>
internal sealed partial class ClientJwks(IHttpClientFactory http, IOptions<SmartOptions> options, TimeProvider clock, ILogger<ClientJwks> logger)
{
    public const string HttpClientName = "smart-jwks";

    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    /// <summary>The client's key set (null when it was never fetched successfully); <paramref name="kid"/> forces a refresh when unknown.</summary>
    public async Task<JsonWebKeySet?> GetAsync(SmartClientOptions client, string? kid, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var entry = _cache.GetValueOrDefault(client.ClientId);
        var stale = entry is null || now - entry.FetchedAt > options.Value.JwksMaxAge
            || (kid is not null && !entry.Keys.Keys.Any(k => k.Kid == kid) && now - entry.FetchedAt >= options.Value.JwksMinRefreshInterval);
        if (!stale)
        {
            return entry!.Keys;
        }

        try
        {
            using var response = await http.CreateClient(HttpClientName).GetAsync(new Uri(client.JwksUrl!), ct);
            response.EnsureSuccessStatusCode();
            var keys = JsonWebKeySet.Create(await response.Content.ReadAsStringAsync(ct));
            _cache[client.ClientId] = new Entry(keys, now);
            return keys;
        }
        catch (Exception e) when (e is HttpRequestException or ArgumentException or TaskCanceledException or UriFormatException)
        {
            LogFetchFailed(logger, client.ClientId, client.JwksUrl!, e.Message);
            _cache[client.ClientId] = new Entry(entry?.Keys ?? new JsonWebKeySet(), now); // keep what we had, and wait before retrying
            return entry?.Keys;
        }
    }

    /// <summary>
    /// Before OpenIddict picks the keys to check a client assertion with: when the assertion's client uses a JwksUrl,
    /// make the application store hold the client's current key set (fetching it if the kid is new).
    /// </summary>
    public static OpenIddictServerHandlerDescriptor Refresh { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
            .UseScopedHandler<RefreshHandler>()
            .SetOrder(OpenIddictServerHandlers.Protection.ResolveTokenValidationParameters.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    internal sealed class RefreshHandler(ClientJwks jwks, IOptions<SmartOptions> options, IOpenIddictApplicationManager applications)
        : IOpenIddictServerHandler<ValidateTokenContext>
    {
        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            if (context.ValidTokenTypes.Count != 1 || !context.ValidTokenTypes.Contains(OpenIddictConstants.TokenTypeIdentifiers.Private.ClientAssertion)
                || string.IsNullOrEmpty(context.Token))
            {
                return;
            }

            JsonWebToken unvalidated;
            try
            {
                unvalidated = new JsonWebToken(context.Token);
            }
            catch (ArgumentException)
            {
                return; // not a JWT: OpenIddict refuses it
            }

            var clientId = unvalidated.Issuer;
            var client = options.Value.Clients.FirstOrDefault(c => c.ClientId == clientId && !string.IsNullOrWhiteSpace(c.JwksUrl));
            if (client is null || await jwks.GetAsync(client, unvalidated.Kid, context.CancellationToken) is not { } keys)
            {
                return;
            }

            if (await applications.FindByClientIdAsync(client.ClientId, context.CancellationToken) is not { } application)
            {
                // Its keys could not be fetched at start, so it was not registered then.
                await applications.CreateAsync(SmartClientSync.Describe(client, keys), context.CancellationToken);
                return;
            }

            var stored = await applications.GetJsonWebKeySetAsync(application, context.CancellationToken);
            var storedKids = (stored?.Keys ?? []).Select(k => k.Kid).Order(StringComparer.Ordinal);
            if (!storedKids.SequenceEqual(keys.Keys.Select(k => k.Kid).Order(StringComparer.Ordinal)))
            {
                var descriptor = new OpenIddictApplicationDescriptor();
                await applications.PopulateAsync(descriptor, application, context.CancellationToken);
                descriptor.JsonWebKeySet = keys;
                await applications.UpdateAsync(application, descriptor, context.CancellationToken);
            }
        }
    }

    private sealed record Entry(JsonWebKeySet Keys, DateTimeOffset FetchedAt);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Could not fetch the JWKS of SMART client {ClientId} from {Url}: {Error}")]
    private static partial void LogFetchFailed(ILogger logger, string clientId, string url, string error);
}
