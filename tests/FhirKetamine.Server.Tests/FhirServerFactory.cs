using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirKetamine.Server.Tests;

/// <summary>
/// The real server in-process on its own database (<see cref="TestDatabase"/>: a SQLite file, or a
/// PostgreSQL database when CI runs the suite against PostgreSQL). One per test class
/// (IClassFixture); tests build their own data and never depend on each other's writes.
/// </summary>
public sealed class FhirServerFactory : WebApplicationFactory<Program>
{
    public FhirServerFactory()
        : this(TestDatabase.Create())
    {
    }

    /// <summary>A second server on the same database: a restart, or another instance.</summary>
    internal FhirServerFactory(TestDatabase database)
    {
        Database = database;
    }

    public TestDatabase Database { get; }

    /// <summary>Set false on a second factory sharing the database, so only the owner drops it.</summary>
    public bool OwnsDatabase { get; init; } = true;

    public Dictionary<string, string?> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", Database.Provider);
        builder.UseSetting("ConnectionStrings:Fhir", Database.ConnectionString);
        builder.UseSetting("Auth:Mode", "Disabled");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (OwnsDatabase)
        {
            await Database.DropAsync();
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
