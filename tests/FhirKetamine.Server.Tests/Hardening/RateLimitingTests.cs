using System.Net;

using FhirKetamine.Server.Tests.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Hardening;

/// <summary>
/// Per-client rate limiting: a server whose buckets hold 4 requests and refill one an hour, so a burst is
/// refused deterministically. Each SMART client (and each IP address without a token) has its own bucket.
/// </summary>
public sealed class RateLimitingTests(RateLimitingTests.Server server) : IClassFixture<RateLimitingTests.Server>
{
    [Fact]
    public async Task A_burst_from_one_client_gets_429_with_retry_after_and_another_client_is_not_affected()
    {
        var ehr = server.Factory.CreateFhirClient(await server.Factory.EhrTokenAsync());
        var gateway = server.Factory.CreateFhirClient(await server.Factory.GatewayTokenAsync());

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 6; i++)
        {
            var response = await ehr.GetAsync("Patient?_count=1");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 4), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(refused!.Headers.RetryAfter?.Delta > TimeSpan.Zero, "a 429 carries Retry-After in seconds");
        var outcome = await refused.ReadAsync<OperationOutcome>();
        Assert.Equal(OperationOutcome.IssueType.Throttled, outcome.Issue[0].Code);
        Assert.Contains("RateLimiting", outcome.Issue[0].Diagnostics, StringComparison.Ordinal);

        // The gateway has its own bucket: the EHR's burst costs it nothing.
        using var created = await gateway.PostAsync("Observation", Fhir.Json(Fhir.HeartRate("p-1", "2026-03-01T10:00:00Z", 72)));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Fact]
    public async Task Metadata_discovery_and_health_are_never_limited()
    {
        var anonymous = server.Factory.CreateFhirClient();

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("metadata")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(".well-known/smart-configuration")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        }
    }

    /// <summary>The SMART test server with tiny buckets.</summary>
    public sealed class Server : IAsyncLifetime
    {
        public Server()
        {
            Factory.Settings["RateLimiting:TokenLimit"] = "4";
            Factory.Settings["RateLimiting:TokensPerPeriod"] = "1";
            Factory.Settings["RateLimiting:ReplenishmentPeriodSeconds"] = "3600";
        }

        public SmartServerFactory Factory { get; } = new();

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }
}
