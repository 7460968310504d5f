using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

using FhirKetamine.Bench.Cli;

namespace FhirKetamine.Bench.Fake;

/// <summary>
/// <c>fake-server</c>: a tiny in-memory stand-in (HttpListener, loopback only) that answers the five
/// interactions the load client makes, so the client can be checked without the real server. It
/// checks request shapes (content type, transaction entries) and answers 400 when they are wrong.
/// </summary>
internal static class FakeServer
{
    public static async Task<int> RunAsync(Args args, CancellationToken ct)
    {
        var port = args.String("urls") is { } urls ? new Uri(urls).Port : args.Int("port", 5099);
        var seconds = args.Double("seconds", 300);
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        Console.WriteLine($"fake server on http://127.0.0.1:{port}/fhir for at most {seconds:F0} s");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        using var registration = cts.Token.Register(listener.Stop);

        var store = new ConcurrentDictionary<string, byte[]>();
        var nextId = 0L;
        while (!cts.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                break;
            }

            _ = Task.Run(() => Handle(context, store, () => Interlocked.Increment(ref nextId).ToString("x", System.Globalization.CultureInfo.InvariantCulture)));
        }

        return 0;
    }

    private static void Handle(HttpListenerContext context, ConcurrentDictionary<string, byte[]> store, Func<string> newId)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            var path = request.Url!.AbsolutePath.TrimEnd('/');
            var body = ReadBody(request);
            if (request.HttpMethod == "GET" && path is "/health/ready" or "/health/live")
            {
                Send(response, 200, "text/plain", "Healthy"u8.ToArray());
            }
            else if (request.HttpMethod == "POST" && !(request.ContentType ?? "").StartsWith("application/fhir+json", StringComparison.Ordinal))
            {
                Send(response, 415, "application/fhir+json", Outcome("unsupported media type"));
            }
            else if (request.HttpMethod == "POST" && path.StartsWith("/fhir/", StringComparison.Ordinal) && path.Count(c => c == '/') == 2)
            {
                var type = path["/fhir/".Length..];
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.GetProperty("resourceType").GetString() != type)
                {
                    Send(response, 400, "application/fhir+json", Outcome("resourceType does not match the URL"));
                    return;
                }

                var id = newId();
                store[$"{type}/{id}"] = body;
                response.Headers["Location"] = $"http://{request.Url.Authority}/fhir/{type}/{id}/_history/1";
                Send(response, 201, "application/fhir+json", body);
            }
            else if (request.HttpMethod == "POST" && path == "/fhir")
            {
                Send(response, 200, "application/fhir+json", Transaction(body, store, newId));
            }
            else if (request.HttpMethod == "GET" && path.StartsWith("/fhir/", StringComparison.Ordinal) && path.Count(c => c == '/') == 3)
            {
                if (store.TryGetValue(path["/fhir/".Length..], out var stored))
                {
                    Send(response, 200, "application/fhir+json", stored);
                }
                else
                {
                    Send(response, 404, "application/fhir+json", Outcome("not found"));
                }
            }
            else if (request.HttpMethod == "GET" && path is "/fhir/Observation" or "/fhir/Patient")
            {
                var type = path["/fhir/".Length..];
                var matches = store.Where(kv => kv.Key.StartsWith(type + "/", StringComparison.Ordinal)).Take(10)
                    .Select(kv => $"{{\"fullUrl\":\"{kv.Key}\",\"resource\":{Encoding.UTF8.GetString(kv.Value)[..^1]},\"id\":\"{kv.Key.Split('/')[1]}\"}}}}");
                Send(response, 200, "application/fhir+json",
                    Encoding.UTF8.GetBytes($"{{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[{string.Join(',', matches)}]}}"));
            }
            else
            {
                Send(response, 404, "application/fhir+json", Outcome($"no route {request.HttpMethod} {path}"));
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Send(response, 400, "application/fhir+json", Outcome(ex.Message));
        }
    }

    private static byte[] Transaction(byte[] body, ConcurrentDictionary<string, byte[]> store, Func<string> newId)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        if (root.GetProperty("resourceType").GetString() != "Bundle" || root.GetProperty("type").GetString() != "transaction")
        {
            throw new InvalidOperationException("not a transaction Bundle");
        }

        var entries = new List<string>();
        foreach (var entry in root.GetProperty("entry").EnumerateArray())
        {
            if (!entry.GetProperty("fullUrl").GetString()!.StartsWith("urn:uuid:", StringComparison.Ordinal) ||
                entry.GetProperty("request").GetProperty("method").GetString() != "POST")
            {
                throw new InvalidOperationException("entries must be POST with urn:uuid fullUrls");
            }

            var type = entry.GetProperty("request").GetProperty("url").GetString()!;
            if (entry.GetProperty("resource").GetProperty("resourceType").GetString() != type)
            {
                throw new InvalidOperationException("entry resourceType does not match request.url");
            }

            var id = newId();
            store[$"{type}/{id}"] = Encoding.UTF8.GetBytes(entry.GetProperty("resource").GetRawText());
            entries.Add($"{{\"response\":{{\"status\":\"201 Created\",\"location\":\"{type}/{id}/_history/1\"}}}}");
        }

        return Encoding.UTF8.GetBytes($"{{\"resourceType\":\"Bundle\",\"type\":\"transaction-response\",\"entry\":[{string.Join(',', entries)}]}}");
    }

    private static byte[] ReadBody(HttpListenerRequest request)
    {
        using var ms = new MemoryStream();
        request.InputStream.CopyTo(ms);
        return ms.ToArray();
    }

    private static byte[] Outcome(string text) => Encoding.UTF8.GetBytes(
        $"{{\"resourceType\":\"OperationOutcome\",\"issue\":[{{\"severity\":\"error\",\"code\":\"invalid\",\"diagnostics\":{JsonSerializer.Serialize(text)}}}]}}");

    private static void Send(HttpListenerResponse response, int status, string contentType, byte[] body)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
        response.Close();
    }
}