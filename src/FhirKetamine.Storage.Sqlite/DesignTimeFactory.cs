using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FhirKetamine.Storage.Sqlite;

/// <summary>Lets <c>dotnet ef migrations add X --project src/FhirKetamine.Storage.Sqlite</c> build the model.</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<FhirDbContext>
{
    public FhirDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<FhirDbContext>();
        SqliteStorage.Configure(options, "Data Source=design.db");
        return new FhirDbContext(options.Options);
    }
}
