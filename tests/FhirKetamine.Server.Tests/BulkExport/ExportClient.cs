using System.Net;
using System.Text.Json;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Server.Tests.BulkExport;

/// <summary>What a Bulk Data client does: kick off with Prefer: respond-async, poll the status URL, download the NDJSON files.</summary>
public static class ExportClient
{
    /// <summary>Strict: an unknown element or a wrong type in an exported line fails the test.</summary>
    private static readonly FhirJsonDeserializer StrictParser = new();

    public static HttpRequestMessage KickOffRequest(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Prefer", "respond-async");
        return request;
    }

    /// <summary>Kicks off and returns the status URL (asserting 202 and Content-Location).</summary>
    public static async Task<string> KickOffAsync(this HttpClient client, string url)
    {
        using var response = await client.SendAsync(KickOffRequest(url));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var location = response.Content.Headers.ContentLocation ?? (response.Headers.TryGetValues("Content-Location", out var values) ? new Uri(values.Single()) : null);
        Assert.NotNull(location);
        return location.ToString();
    }

    /// <summary>Polls until the manifest is there; every 202 on the way must carry Retry-After and X-Progress.</summary>
    public static async Task<JsonElement> WaitForManifestAsync(this HttpClient client, string statusUrl, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            using var response = await client.GetAsync(statusUrl);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"status: {(int)response.StatusCode} {body}");
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.True(response.Headers.Contains("X-Progress"), "a 202 status answer has X-Progress");
            Assert.True(DateTime.UtcNow < deadline, "the export did not finish in time");
            await Task.Delay(100);
        }
    }

    /// <summary>The manifest's output entries by type: (url, count).</summary>
    public static Dictionary<string, (string Url, long Count)> Outputs(this JsonElement manifest, string array = "output") =>
        manifest.GetProperty(array).EnumerateArray().ToDictionary(
            o => o.GetProperty("type").GetString()!,
            o => (o.GetProperty("url").GetString()!, o.GetProperty("count").GetInt64()));

    /// <summary>Downloads one file and parses every line strictly; each must be a <typeparamref name="T"/>.</summary>
    public static async Task<List<T>> DownloadAsync<T>(this HttpClient client, string url)
        where T : Resource
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/fhir+ndjson", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => Assert.IsAssignableFrom<T>(StrictParser.DeserializeResource(line))).ToList();
    }

    public static async Task<List<Resource>> DownloadAnyAsync(this HttpClient client, string url) => await client.DownloadAsync<Resource>(url);

    /// <summary>Sends each resource to $validate of its type and asserts no error or fatal issue.</summary>
    public static async Task AssertValidAsync(this HttpClient client, IEnumerable<Resource> resources)
    {
        foreach (var resource in resources)
        {
            using var response = await client.PostAsync($"{resource.TypeName}/$validate", Fhir.Json(resource));
            var outcome = await response.ReadAsync<OperationOutcome>();
            Assert.True(
                !outcome.Issue.Any(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal),
                $"{resource.TypeName}/{resource.Id} does not validate: {Fhir.ToJson(outcome)}");
        }
    }

    /// <summary>A test server on a fresh database whose export files go to a fresh temporary folder.</summary>
    public static FhirServerFactory NewServer(TestDatabase? database = null, Action<Dictionary<string, string?>>? settings = null)
    {
        var factory = database is null ? new FhirServerFactory() : new FhirServerFactory(database) { OwnsDatabase = false };
        factory.Settings["Export:Directory"] = ExportFolder();
        settings?.Invoke(factory.Settings);
        return factory;
    }

    public static string ExportFolder() => Path.Combine(Path.GetTempPath(), "fhirketamine-tests", Guid.NewGuid().ToString("N"), "export");

    public static string JobId(string statusUrl) => statusUrl[(statusUrl.LastIndexOf('/') + 1)..];
}