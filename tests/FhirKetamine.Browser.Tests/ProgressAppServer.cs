using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FhirKetamine.Browser.Tests;

/// <summary>
/// The real server on a free loopback port (Kestrel, not the in-memory TestServer, so a browser can reach it), on its
/// own SQLite file, with the embedded SMART server, one clinician user and the demo clinic (Seed:Examples=true).
/// The Progress app is registered by the server itself; nothing here configures it.
/// </summary>
public sealed class ProgressAppServer : WebApplicationFactory<Program>
{
    public const string Username = "dr.rivera";
    public const string Password = "correct horse battery";
    public const string FhirUser = "Practitioner/journey-referrer";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "fhirketamine-browser-" + Guid.NewGuid().ToString("N"));

    public ProgressAppServer()
    {
        Directory.CreateDirectory(directory);
        this.UseKestrel(0);
        StartServer();
        BaseUrl = ClientOptions.BaseAddress.ToString().TrimEnd('/');
    }

    /// <summary>e.g. http://127.0.0.1:41234</summary>
    public string BaseUrl { get; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", "Sqlite");
        builder.UseSetting("ConnectionStrings:Fhir", $"Data Source={Path.Combine(directory, "fhir.db")}");
        builder.UseSetting("Auth:Mode", "Embedded");
        builder.UseSetting("Seed:Examples", "true");
        builder.UseSetting("Smart:Users:0:Username", Username);
        builder.UseSetting("Smart:Users:0:Password", Password);
        builder.UseSetting("Smart:Users:0:FhirUser", FhirUser);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open: the temp folder is left behind
        }
    }
}
