using FhirKetamine.Core.Export;

using Microsoft.Data.Sqlite;

namespace FhirKetamine.Server.Export;

/// <summary>Registers Bulk Data export: <c>Export:*</c> options, the kick-off and runner services, and the background worker.</summary>
internal static class ExportSetup
{
    public static IServiceCollection AddBulkExport(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var defaultDirectory = DefaultDirectory(configuration, environment);
        services.AddOptions<ExportOptions>().BindConfiguration("Export")
            .PostConfigure(o => o.Directory = string.IsNullOrWhiteSpace(o.Directory)
                ? defaultDirectory
                : Path.GetFullPath(o.Directory, environment.ContentRootPath))
            .Validate(o => o.MaxConcurrentJobs >= 1 && o.PageSize >= 1 && o.RetentionHours > 0 && o.LeaseSeconds >= 5,
                "Export:MaxConcurrentJobs and Export:PageSize must be at least 1, Export:RetentionHours above 0, Export:LeaseSeconds at least 5.")
            .ValidateOnStart();
        services.AddSingleton<ExportCancellations>();
        services.AddSingleton<ExportSignal>();
        services.AddScoped<BulkExport>();
        services.AddScoped<ExportRunner>();
        services.AddHostedService<ExportWorker>();
        return services;
    }

    /// <summary><c>export/</c> next to the SQLite file (the data directory), or under the content root's <c>data/</c>.</summary>
    private static string DefaultDirectory(IConfiguration configuration, IHostEnvironment environment)
    {
        if ((configuration["Storage:Provider"] ?? "Sqlite") == "Sqlite")
        {
            var sqlite = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Fhir") ?? "Data Source=data/fhirketamine.db");
            if (sqlite.DataSource is { Length: > 0 } file && file != ":memory:")
            {
                var folder = Path.GetDirectoryName(Path.GetFullPath(file, environment.ContentRootPath));
                if (folder is not null)
                {
                    return Path.Combine(folder, "export");
                }
            }
        }

        return Path.Combine(environment.ContentRootPath, "data", "export");
    }
}