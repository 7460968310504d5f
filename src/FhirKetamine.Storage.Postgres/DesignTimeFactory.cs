using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FhirKetamine.Storage.Postgres;

/// <summary>Lets <c>dotnet ef migrations add X --project src/FhirKetamine.Storage.Postgres</c> build the model (no connection is opened).</summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<FhirDbContext>
{
    public FhirDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<FhirDbContext>();
        PostgresStorage.Configure(options, "Host=localhost;Database=fhirketamine_design");
        return new FhirDbContext(options.Options);
    }
}
