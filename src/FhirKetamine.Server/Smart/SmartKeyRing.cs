using System.Security.Cryptography;
using FhirKetamine.Core.Smart;
using FhirKetamine.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace FhirKetamine.Server.Smart;

/// <summary>
/// Gives the embedded server its signing and encryption keys from the database, creating them on first
/// start, so restarts and every instance on the same database sign, verify and decrypt alike. Runs when the
/// server options are first needed (the first request), after migrations. The newest key of each use comes
/// first and signs; older rows stay in the JWKS (rotation: insert a newer row, remove the old one later).
/// </summary>
internal sealed partial class SmartKeyRing(IServiceScopeFactory scopes, TimeProvider clock, ILogger<SmartKeyRing> logger)
    : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        var keys = LoadOrCreate(db);
        foreach (var key in keys.Where(k => k.Use == "sig").OrderByDescending(k => k.CreatedUtc))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(key.Material);
            options.SigningCredentials.Add(new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = key.KeyId }, SecurityAlgorithms.RsaSha256));
        }

        foreach (var key in keys.Where(k => k.Use == "enc").OrderByDescending(k => k.CreatedUtc))
        {
            var symmetric = new SymmetricSecurityKey(Convert.FromBase64String(key.Material)) { KeyId = key.KeyId };
            options.EncryptionCredentials.Add(new EncryptingCredentials(symmetric, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
        }
    }

    private List<SmartKeyRow> LoadOrCreate(FhirDbContext db)
    {
        var keys = db.SmartKeys.AsNoTracking().ToList();
        var missing = new List<SmartKeyRow>();
        var now = clock.GetUtcNow().UtcDateTime;
        if (!keys.Any(k => k.Use == "sig"))
        {
            using var rsa = RSA.Create(2048);
            missing.Add(new SmartKeyRow { KeyId = "sig-" + Guid.NewGuid().ToString("N")[..12], Use = "sig", Material = rsa.ExportPkcs8PrivateKeyPem(), CreatedUtc = now });
        }

        if (!keys.Any(k => k.Use == "enc"))
        {
            missing.Add(new SmartKeyRow { KeyId = "enc-" + Guid.NewGuid().ToString("N")[..12], Use = "enc", Material = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CreatedUtc = now });
        }

        if (missing.Count == 0)
        {
            return keys;
        }

        try
        {
            db.SmartKeys.AddRange(missing);
            db.SaveChanges();
            LogCreated(logger, missing.Count);
        }
        catch (DbUpdateException)
        {
            // Another instance created them at the same moment: use whatever is stored now.
        }

        db.ChangeTracker.Clear();
        var stored = db.SmartKeys.AsNoTracking().ToList();

        // Two instances racing on an empty table may both insert; the newest row of each use wins everywhere.
        return stored;
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Created {Count} new SMART server key(s) in the database")]
    private static partial void LogCreated(ILogger logger, int count);
}
