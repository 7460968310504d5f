using System.Net.WebSockets;
using System.Text;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Storage;
using FhirKetamine.Core.Subscriptions;

namespace FhirKetamine.Server.Subscriptions;

/// <summary>
/// The R4 websocket channel (subscription.html#2.46.7.2, bind-with-id): the client opens the websocket the
/// CapabilityStatement advertises, sends <c>bind &lt;subscription id&gt;</c>, is answered <c>bound &lt;id&gt;</c>,
/// and then gets <c>ping &lt;id&gt;</c> for each notification, after which it searches the server (with its own
/// token) for what changed. The socket itself carries no resource content, so it needs no token; a bind of an
/// id that is not an active websocket Subscription is answered <c>error &lt;id&gt; …</c>.
/// </summary>
internal static class SubscriptionWebSocket
{
    private const int MaxMessageBytes = 1024;

    public static async Task HandleAsync(HttpContext http, SubscriptionSockets sockets, ActiveSubscriptions active, IServiceScopeFactory scopes)
    {
        if (!http.WebSockets.IsWebSocketRequest)
        {
            throw FhirException.BadRequest($"{SubscriptionChannels.WebSocketPath} takes websocket connections only (R4 Subscription websocket channel).");
        }

        var ct = http.RequestAborted;
        using var socket = await http.WebSockets.AcceptWebSocketAsync();
        using var connection = new SubscriptionSockets.Connection(socket);
        var buffer = new byte[MaxMessageBytes];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, ct);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, ct);
                    break;
                }

                if (!received.EndOfMessage)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.MessageTooBig, "Messages are 'bind <id>'.", ct);
                    break;
                }

                var message = Encoding.UTF8.GetString(buffer, 0, received.Count).Trim();
                if (!message.StartsWith("bind ", StringComparison.Ordinal))
                {
                    await connection.TrySendAsync("error unknown message: send 'bind <subscription id>'", ct);
                    continue;
                }

                var id = message["bind ".Length..].Trim();
                if (await IsActiveWebSocketAsync(id, active, scopes, ct))
                {
                    sockets.Bind(id, connection);
                    await connection.TrySendAsync($"bound {id}", ct);
                }
                else
                {
                    await connection.TrySendAsync($"error {id} is not an active websocket Subscription", ct);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            sockets.Unbind(connection);
        }
    }

    private static async Task<bool> IsActiveWebSocketAsync(string id, ActiveSubscriptions active, IServiceScopeFactory scopes, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        return (await active.GetAsync(db, ct)).Any(s => s.Id == id && s.Channel == SubscriptionChannels.WebSocket);
    }
}
