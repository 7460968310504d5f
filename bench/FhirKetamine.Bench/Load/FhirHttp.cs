using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace FhirKetamine.Bench.Load;

/// <summary>One shared <see cref="HttpClient"/> (SocketsHttpHandler, a connection per client) and the FHIR calls the scenarios make.</summary>
internal sealed class FhirHttp : IDisposable
{
    public static readonly MediaTypeHeaderValue FhirJson = new("application/fhir+json");

    private readonly HttpClient _http;

    public FhirHttp(Uri fhirBase, int connections)
    {
        if (!IsLoopback(fhirBase))
        {
            throw new ArgumentException($"Refusing to load {fhirBase}: the bench only targets loopback addresses.");
        }

        FhirBase = new Uri(fhirBase.ToString().TrimEnd('/') + "/");
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
        };
        _http = new HttpClient(handler) { BaseAddress = FhirBase, Timeout = TimeSpan.FromSeconds(120) };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
    }

    public Uri FhirBase { get; }

    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    public Task<HttpResponseMessage> PostAsync(string relative, byte[] body, CancellationToken ct)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = FhirJson;
        return _http.PostAsync(relative, content, ct);
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct) => _http.SendAsync(request, ct);

    public Task<HttpResponseMessage> GetAsync(string relative, CancellationToken ct) =>
        _http.GetAsync(relative, HttpCompletionOption.ResponseContentRead, ct);

    /// <summary>Creates a resource and returns its server-assigned id (from <c>Location</c>).</summary>
    public async Task<string> CreateAsync(string type, byte[] body, CancellationToken ct)
    {
        using var response = await PostAsync(type, body, ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException(await DescribeAsync($"POST {type}", body, response, ct));
        }

        return IdFromLocation(response.Headers.Location)
            ?? throw new InvalidOperationException($"POST {type} returned 201 without a usable Location header.");
    }

    /// <summary>Posts a transaction and returns each entry's id, in entry order.</summary>
    public async Task<IReadOnlyList<string>> TransactionAsync(byte[] bundle, CancellationToken ct)
    {
        using var response = await PostAsync("", bundle, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException(Describe("POST /fhir (transaction)", null, response, text));
        }

        using var doc = JsonDocument.Parse(text);
        var ids = new List<string>();
        foreach (var entry in doc.RootElement.GetProperty("entry").EnumerateArray())
        {
            var location = entry.GetProperty("response").GetProperty("location").GetString();
            ids.Add(IdFromLocation(location is null ? null : new Uri(location, UriKind.RelativeOrAbsolute))
                ?? throw new InvalidOperationException($"Transaction entry without a usable location: {location}"));
        }

        return ids;
    }

    /// <summary><c>…/Observation/{id}/_history/{v}</c> or <c>Observation/{id}</c> → id.</summary>
    public static string? IdFromLocation(Uri? location)
    {
        if (location is null)
        {
            return null;
        }

        var path = location.IsAbsoluteUri ? location.AbsolutePath : location.OriginalString.Split('?')[0];
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.IndexOf(parts, "_history");
        var idIndex = history > 0 ? history - 1 : parts.Length - 1;
        return idIndex >= 1 ? parts[idIndex] : null;
    }

    public static async Task<string> DescribeAsync(string request, byte[]? body, HttpResponseMessage response, CancellationToken ct) =>
        Describe(request, body, response, await response.Content.ReadAsStringAsync(ct));

    public static string Describe(string request, byte[]? body, HttpResponseMessage response, string responseText)
    {
        var sb = new StringBuilder();
        sb.Append(request).Append(" -> ").Append((int)response.StatusCode).Append(' ').Append(response.ReasonPhrase);
        sb.Append(" | response: ").Append(Clip(responseText, 600));
        if (body is not null)
        {
            sb.Append(" | request body: ").Append(Clip(Encoding.UTF8.GetString(body), 600));
        }

        return sb.ToString();
    }

    public static string Clip(string text, int max) =>
        text.Length <= max ? text.ReplaceLineEndings(" ") : text[..max].ReplaceLineEndings(" ") + "…";

    public void Dispose() => _http.Dispose();
}