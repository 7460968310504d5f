using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Subscriptions;

/// <summary>The channels this server delivers to, and the checks a Subscription's channel must pass when it is written.</summary>
public static class SubscriptionChannels
{
    public const string RestHook = "rest-hook";

    public const string WebSocket = "websocket";

    /// <summary>Where clients open the R4 websocket (bind-with-id), relative to the server root.</summary>
    public const string WebSocketPath = "/fhir-ws";

    /// <summary>The CapabilityStatement extension that advertises the websocket URL.</summary>
    public const string WebSocketExtension = "http://hl7.org/fhir/StructureDefinition/capabilitystatement-websocket";

    public const string FhirJson = "application/fhir+json";

    /// <summary>The websocket URL for a FHIR base URL such as <c>https://host/fhir</c>: <c>wss://host/fhir-ws</c>.</summary>
    public static string WebSocketUrl(string baseUrl)
    {
        var uri = new Uri(baseUrl);
        var scheme = uri.Scheme == Uri.UriSchemeHttps ? "wss" : "ws";
        return $"{scheme}://{uri.Authority}{WebSocketPath}";
    }

    public static string Of(Subscription subscription) => subscription.Channel?.Type switch
    {
        Subscription.SubscriptionChannelType.RestHook => RestHook,
        Subscription.SubscriptionChannelType.Websocket => WebSocket,
        null => throw FhirException.Unprocessable("Subscription.channel.type is required.", "Subscription.channel.type"),
        var other => throw FhirException.Unprocessable(
            $"Subscription.channel.type '{other}' is not supported here: use rest-hook or websocket.", "Subscription.channel.type"),
    };

    /// <summary>Refuses (422) a channel this server cannot deliver to.</summary>
    public static void Check(Subscription subscription)
    {
        var channel = Of(subscription);
        var payload = subscription.Channel.Payload;
        if (channel == RestHook)
        {
            if (!Uri.TryCreate(subscription.Channel.Endpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw FhirException.Unprocessable("A rest-hook Subscription needs an absolute http or https channel.endpoint.", "Subscription.channel.endpoint");
            }

            if (!string.IsNullOrEmpty(payload) && payload != FhirJson && payload != "application/json")
            {
                throw FhirException.Unprocessable(
                    $"Subscription.channel.payload '{payload}' is not supported: use {FhirJson}, or no payload for an empty notification.", "Subscription.channel.payload");
            }

            foreach (var header in subscription.Channel.Header)
            {
                if (header is null || header.IndexOf(':', StringComparison.Ordinal) <= 0)
                {
                    throw FhirException.Unprocessable($"Subscription.channel.header '{header}' is not 'Name: value'.", "Subscription.channel.header");
                }
            }
        }
        else if (!string.IsNullOrEmpty(payload))
        {
            throw FhirException.Unprocessable("A websocket Subscription sends only 'ping <id>' (R4 bind-with-id): leave channel.payload empty.", "Subscription.channel.payload");
        }
    }
}
