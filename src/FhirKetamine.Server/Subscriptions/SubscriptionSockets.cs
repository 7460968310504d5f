using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace FhirKetamine.Server.Subscriptions;

/// <summary>
/// The websocket connections of this instance and the Subscriptions each is bound to (R4 bind-with-id). A
/// notification of a websocket Subscription is claimed only by an instance that holds a binding for it.
/// </summary>
internal sealed class SubscriptionSockets
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Connection, byte>> _bound = new(StringComparer.Ordinal);

    /// <summary>The Subscriptions some connection here is bound to.</summary>
    public IReadOnlyList<string> BoundIds => [.. _bound.Where(b => !b.Value.IsEmpty).Select(b => b.Key)];

    public void Bind(string subscriptionId, Connection connection) =>
        _bound.GetOrAdd(subscriptionId, _ => new ConcurrentDictionary<Connection, byte>())[connection] = 0;

    public void Unbind(Connection connection)
    {
        foreach (var bindings in _bound.Values)
        {
            bindings.TryRemove(connection, out _);
        }
    }

    /// <summary>Sends <c>ping &lt;id&gt;</c> to every connection bound to the Subscription; the number that got it.</summary>
    public async Task<int> PingAsync(string subscriptionId, CancellationToken ct)
    {
        if (!_bound.TryGetValue(subscriptionId, out var bindings))
        {
            return 0;
        }

        var sent = 0;
        foreach (var connection in bindings.Keys)
        {
            if (await connection.TrySendAsync($"ping {subscriptionId}", ct))
            {
                sent++;
            }
            else
            {
                Unbind(connection);
            }
        }

        return sent;
    }

    /// <summary>One client connection; sends are serialised (a WebSocket allows one send at a time).</summary>
    internal sealed class Connection(WebSocket socket) : IDisposable
    {
        private readonly SemaphoreSlim _sending = new(1, 1);

        public async Task<bool> TrySendAsync(string text, CancellationToken ct)
        {
            await _sending.WaitAsync(ct);
            try
            {
                if (socket.State != WebSocketState.Open)
                {
                    return false;
                }

                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, ct);
                return true;
            }
            catch (WebSocketException)
            {
                return false;
            }
            finally
            {
                _sending.Release();
            }
        }

        public void Dispose() => _sending.Dispose();
    }
}
