using System.Net;
using FhirKetamine.Server.Tests.Smart;
using FhirKetamine.Server.WebApp;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;

namespace FhirKetamine.Server.Tests.WebApp;

/// <summary>
/// <c>Seed:Examples=true</c>: the demo clinic is loaded through the validating write path, once, and tells the
/// stories the README promises (a remitter, a responder, a non-responder with an open safety Flag).
/// </summary>
public sealed class DemoClinicTests : IAsyncLifetime
{
    private readonly FhirServerFactory factory = new();
    private HttpClient client = null!;

    public Task InitializeAsync()
    {
        factory.Settings["Seed:Examples"] = "true";
        client = factory.CreateFhirClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await factory.DisposeAsync();
    }

    [Fact]
    public async Task The_demo_patients_show_a_remission_a_response_and_no_response()
    {
        Assert.Equal(("response", "remission"), await Phq9OutcomeAsync(DemoClinic.MarkerPatient));
        Assert.Equal(("response", "no-remission"), await Phq9OutcomeAsync("demo-responder"));
        Assert.Equal(("no-response", "no-remission"), await Phq9OutcomeAsync("demo-nonresponder"));

        using var flags = await client.GetAsync("Flag?patient=demo-nonresponder&status=active");
        var bundle = await flags.ReadAsync<Bundle>();
        Assert.Equal("demo-nonresponder-flag-bp", Assert.Single(bundle.Entry, e => e.Resource is Flag).Resource?.Id);
    }

    [Fact]
    public async Task Seeding_is_skipped_when_the_clinic_is_already_there()
    {
        using var before = await client.GetAsync("Patient/demo-responder");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var version = before.Headers.ETag?.Tag;

        await using var restarted = new FhirServerFactory(factory.Database) { OwnsDatabase = false };
        restarted.Settings["Seed:Examples"] = "true";
        using var second = restarted.CreateFhirClient();
        using var after = await second.GetAsync("Patient/demo-responder");
        Assert.Equal(version, after.Headers.ETag?.Tag);
    }

    private async Task<(string Response, string Remission)> Phq9OutcomeAsync(string patient)
    {
        using var response = await client.GetAsync($"Patient/{patient}/$ketamine-progress");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var parameters = await response.ReadAsync<Parameters>();
        var phq9 = parameters.Parameter.First(p => p.Name == "instrument" && p.Part.Any(x => x.Name == "name" && x.Value is FhirString { Value: "PHQ-9" }));
        string Status(string name) => phq9.Part.Single(p => p.Name == name).Part.Single(p => p.Name == "status").Value is Code { Value: { } status } ? status : "";
        return (Status("response"), Status("remission"));
    }
}

/// <summary>The Progress app's public client is registered out of the box, with /app/ on the server's own origins.</summary>
public sealed class ProgressAppClientTests : IClassFixture<SmartServerFactory>
{
    private readonly SmartServerFactory factory;

    public ProgressAppClientTests(SmartServerFactory factory)
    {
        this.factory = factory;
        factory.CreateClient().Dispose(); // start the host (the client sync runs at start)
    }

    [Fact]
    public async Task The_progress_client_is_a_public_PKCE_client_redirecting_to_app()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var application = await manager.FindByClientIdAsync("progress");
        Assert.NotNull(application);
        Assert.Equal(OpenIddictConstants.ClientTypes.Public, await manager.GetClientTypeAsync(application));
        var redirects = await manager.GetRedirectUrisAsync(application);
        Assert.Contains("http://localhost:5080/app/", redirects);
        Assert.Contains("http://127.0.0.1:5080/app/", redirects);
        Assert.Contains(OpenIddictConstants.Requirements.Features.ProofKeyForCodeExchange, await manager.GetRequirementsAsync(application));
    }

    [Theory]
    [InlineData("http://+:8080", "http://localhost:8080/app/ http://127.0.0.1:8080/app/")]
    [InlineData("http://[::]:8080", "http://localhost:8080/app/ http://127.0.0.1:8080/app/")]
    [InlineData("http://127.0.0.1:41234", "http://localhost:41234/app/ http://127.0.0.1:41234/app/")]
    [InlineData("https://fhir.clinic.example/base/", "https://fhir.clinic.example/base/app/")]
    [InlineData("not a url", "")]
    public void Redirect_uris_are_app_on_each_origin(string origin, string expected) =>
        Assert.Equal(expected, string.Join(' ', ProgressAppClient.RedirectUris([origin])));
}
