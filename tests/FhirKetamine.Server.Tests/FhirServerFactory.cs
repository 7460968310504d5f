using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirKetamine.Server.Tests;

/// <summary>
/// The real server in-process on its own SQLite file in a temporary folder. One per test class
/// (IClassFixture); tests build their own data and never depend on each other's writes.
/// </summary>
public sealed class FhirServerFactory : WebApplicationFactory<Program>
{
    public FhirServerFactory()
        : this(Path.Combine(Path.GetTempPath(), "fhirketamine-tests", Guid.NewGuid().ToString("N"), "fhir.db"))
    {
    }

    internal FhirServerFactory(string databasePath)
    {
        DatabasePath = databasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(databasePath)!);
    }

    public string DatabasePath { get; }

    public Dictionary<string, string?> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Fhir", $"Data Source={DatabasePath}");
        builder.UseSetting("Auth:Mode", "Disabled");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>An HttpClient whose base address is the FHIR base (http://localhost/fhir/).</summary>
    public HttpClient CreateFhirClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost/fhir/"), AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return client;
    }
}
