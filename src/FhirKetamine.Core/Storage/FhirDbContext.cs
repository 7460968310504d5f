using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Smart;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FhirKetamine.Core.Storage;

/// <summary>
/// The one database of the server. Provider-neutral: the SQLite and PostgreSQL projects only choose
/// the provider and own their migrations; nothing here is specific to either.
/// </summary>
public class FhirDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    public DbSet<ResourceRow> Resources => Set<ResourceRow>();

    public DbSet<ResourceVersionRow> Versions => Set<ResourceVersionRow>();

    public DbSet<StringIndexRow> StringIndex => Set<StringIndexRow>();

    public DbSet<TokenIndexRow> TokenIndex => Set<TokenIndexRow>();

    public DbSet<DateIndexRow> DateIndex => Set<DateIndexRow>();

    public DbSet<ReferenceIndexRow> ReferenceIndex => Set<ReferenceIndexRow>();

    public DbSet<QuantityIndexRow> QuantityIndex => Set<QuantityIndexRow>();

    public DbSet<NumberIndexRow> NumberIndex => Set<NumberIndexRow>();

    public DbSet<UriIndexRow> UriIndex => Set<UriIndexRow>();

    public DbSet<TokenQuantityIndexRow> TokenQuantityIndex => Set<TokenQuantityIndexRow>();

    public DbSet<CompositeIndexRow> CompositeIndex => Set<CompositeIndexRow>();

    public DbSet<SmartKeyRow> SmartKeys => Set<SmartKeyRow>();

    public DbSet<ClientAssertionUse> ClientAssertionUses => Set<ClientAssertionUse>();

    /// <summary>
    /// ASP.NET Core Data Protection's key ring (login cookies, antiforgery tokens of the SMART forms), so
    /// that a form served by one instance can be posted to another behind the same load balancer.
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Export.ExportJobRow> ExportJobs => Set<Export.ExportJobRow>();

    public DbSet<Search.Reindex.ReindexJobRow> ReindexJobs => Set<Search.Reindex.ReindexJobRow>();

    public DbSet<Subscriptions.SubscriptionOwnerRow> SubscriptionOwners => Set<Subscriptions.SubscriptionOwnerRow>();

    public DbSet<Subscriptions.NotificationRow> Notifications => Set<Subscriptions.NotificationRow>();

    /// <summary>Index rows of resources added to this context, inserted in bulk by the next SaveChanges (<see cref="AddIndexRows"/>).</summary>
    private List<IndexRow> _pendingIndexRows = [];

    /// <summary>
    /// Adds the search-index rows of <paramref name="resource"/> (a tracked row, new or existing): the next SaveChanges stores
    /// the resource first, then inserts them with multi-row statements (<see cref="IndexRowInserter"/>) in the same
    /// transaction, instead of one change-tracked entity per row. Rows whose resource is no longer tracked when that
    /// SaveChanges runs (the change tracker was cleared after a failed attempt) are dropped with it.
    /// </summary>
    public void AddIndexRows(ResourceRow resource, IEnumerable<IndexRow> rows)
    {
        foreach (var row in rows)
        {
            row.Resource = resource;
            _pendingIndexRows.Add(row);
        }
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) => _pendingIndexRows.Count == 0
        ? base.SaveChanges(acceptAllChangesOnSuccess)
        : SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult(); // only where index rows were added: the write paths, all async

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        var pending = _pendingIndexRows;
        if (pending.Count == 0)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        _pendingIndexRows = [];
        pending.RemoveAll(row => row.Resource is null || Entry(row.Resource).State == EntityState.Detached);
        if (Database.CurrentTransaction is not null)
        {
            return await SaveWithIndexRowsAsync(pending, acceptAllChangesOnSuccess, cancellationToken);
        }

        // No transaction open: the resource and its index rows still commit together.
        await using var transaction = await Database.BeginTransactionAsync(cancellationToken);
        var saved = await SaveWithIndexRowsAsync(pending, acceptAllChangesOnSuccess, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return saved;
    }

    private async Task<int> SaveWithIndexRowsAsync(List<IndexRow> rows, bool acceptAllChangesOnSuccess, CancellationToken ct)
    {
        var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, ct);
        foreach (var row in rows)
        {
            row.ResourceKey = row.Resource!.Key;
            row.Resource = null;
        }

        await IndexRowInserter.InsertAsync(this, rows, ct);
        return saved + rows.Count;
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        // SMART: OpenIddict's applications, authorizations, scopes and tokens (default entities, provider-neutral),
        // the embedded server's keys, and the client-assertion jti ledger that refuses replays.
        modelBuilder.UseOpenIddict();
        modelBuilder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        modelBuilder.Entity<SmartKeyRow>(e =>
        {
            e.ToTable("smart_keys");
            e.HasKey(k => k.KeyId);
            e.Property(k => k.KeyId).HasMaxLength(64);
            e.Property(k => k.Use).HasMaxLength(8);
        });
        modelBuilder.Entity<ClientAssertionUse>(e =>
        {
            e.ToTable("smart_client_assertions");
            e.HasKey(a => new { a.ClientId, a.Jti });
            e.Property(a => a.ClientId).HasMaxLength(100);
            e.Property(a => a.Jti).HasMaxLength(200);
            e.HasIndex(a => a.ExpiresUtc);
        });

        // Bulk Data $export jobs: the queue the export workers claim from, and what the status URL answers.
        modelBuilder.Entity<Export.ExportJobRow>(e =>
        {
            e.ToTable("export_jobs");
            e.HasKey(j => j.Id);
            e.Property(j => j.Id).HasMaxLength(32);
            e.Property(j => j.Status).HasMaxLength(16);
            e.Property(j => j.Level).HasMaxLength(16);
            e.Property(j => j.GroupId).HasMaxLength(64);
            e.Property(j => j.ClientId).HasMaxLength(100);
            e.Property(j => j.Owner).HasMaxLength(100);
            e.HasIndex(j => new { j.Status, j.CreatedUtc });
            e.HasIndex(j => j.ExpiresUtc);
        });

        // $reindex jobs: ActiveScope is unique (NULLs aside) so one job per scope is active at a time.
        modelBuilder.Entity<Search.Reindex.ReindexJobRow>(e =>
        {
            e.ToTable("reindex_jobs");
            e.HasKey(j => j.Id);
            e.Property(j => j.Id).HasMaxLength(32);
            e.Property(j => j.Status).HasMaxLength(16);
            e.Property(j => j.Scope).HasMaxLength(64);
            e.Property(j => j.ActiveScope).HasMaxLength(64);
            e.Property(j => j.ClientId).HasMaxLength(100);
            e.Property(j => j.Owner).HasMaxLength(100);
            e.HasIndex(j => j.ActiveScope).IsUnique();
            e.HasIndex(j => new { j.Status, j.CreatedUtc });
        });

        // Subscriptions: each one's owner grant, and the outbox of notifications the delivery workers claim.
        modelBuilder.Entity<Subscriptions.SubscriptionOwnerRow>(e =>
        {
            e.ToTable("subscription_owners");
            e.HasKey(o => o.SubscriptionId);
            e.Property(o => o.SubscriptionId).HasMaxLength(64);
            e.Property(o => o.ClientId).HasMaxLength(100);
            e.Property(o => o.FhirUser).HasMaxLength(256);
            e.Property(o => o.PatientId).HasMaxLength(64);
        });
        modelBuilder.Entity<Subscriptions.NotificationRow>(e =>
        {
            e.ToTable("subscription_outbox");
            e.HasKey(n => n.Id);
            e.Property(n => n.SubscriptionId).HasMaxLength(64);
            e.Property(n => n.Channel).HasMaxLength(16);
            e.Property(n => n.ResourceType).HasMaxLength(64);
            e.Property(n => n.ResourceId).HasMaxLength(64);
            e.Property(n => n.ClaimedBy).HasMaxLength(100);
            e.HasIndex(n => new { n.Channel, n.DueMs });
            e.HasIndex(n => n.SubscriptionId);
        });

        modelBuilder.Entity<ResourceRow>(e =>
        {
            e.ToTable("resources");
            e.HasKey(r => r.Key);
            e.Property(r => r.Type).HasMaxLength(64);
            e.Property(r => r.LogicalId).HasMaxLength(64);
            e.Property(r => r.VersionId).IsConcurrencyToken();
            e.HasIndex(r => new { r.Type, r.LogicalId }).IsUnique();
            e.HasIndex(r => new { r.Type, r.LastUpdated });
        });

        modelBuilder.Entity<ResourceVersionRow>(e =>
        {
            e.ToTable("resource_versions");
            e.HasKey(v => v.Sequence);
            e.Property(v => v.Type).HasMaxLength(64);
            e.Property(v => v.LogicalId).HasMaxLength(64);
            e.Property(v => v.Method).HasMaxLength(8);
            e.HasOne(v => v.Resource).WithMany().HasForeignKey(v => v.ResourceKey).OnDelete(DeleteBehavior.Cascade);
            e.HasIndex(v => new { v.ResourceKey, v.VersionId }).IsUnique();
            e.HasIndex(v => new { v.Type, v.Sequence });
            e.HasIndex(v => v.LastUpdated);
        });

        Index<StringIndexRow>(modelBuilder, "search_string", e =>
        {
            e.Property(r => r.Normalized).HasMaxLength(256);
            e.Property(r => r.Exact).HasMaxLength(256);
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Normalized });
        });
        Index<TokenIndexRow>(modelBuilder, "search_token", e =>
        {
            e.Property(r => r.System).HasMaxLength(256);
            e.Property(r => r.Code).HasMaxLength(256);
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Code, r.System });
            e.HasIndex(r => new { r.ResourceKey, r.ParamName, r.System, r.Code });
        }, covered: true);
        Index<DateIndexRow>(modelBuilder, "search_date", e =>
        {
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Start });
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.End });
            e.HasIndex(r => new { r.ResourceKey, r.ParamName, r.Start, r.End });
        }, covered: true);
        Index<ReferenceIndexRow>(modelBuilder, "search_reference", e =>
        {
            e.Property(r => r.TargetType).HasMaxLength(64);
            e.Property(r => r.TargetId).HasMaxLength(512);
            // ResourceKey last: a patient's resources are read from the index alone, without a table row each.
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.TargetId, r.TargetType, r.ResourceKey });
        });
        Index<QuantityIndexRow>(modelBuilder, "search_quantity", e =>
        {
            e.Property(r => r.System).HasMaxLength(256);
            e.Property(r => r.Code).HasMaxLength(64);
            e.Property(r => r.CanonicalCode).HasMaxLength(64);
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Code, r.Value });
            // A UCUM search drives from the base unit and value; a probe by resource finds its few rows by the one below.
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.CanonicalCode, r.CanonicalValue });
            e.HasIndex(r => new { r.ResourceKey, r.ParamName, r.Value, r.Code });
        }, covered: true);
        Index<TokenQuantityIndexRow>(modelBuilder, "search_token_quantity", e =>
        {
            e.Property(r => r.System).HasMaxLength(256);
            e.Property(r => r.Code).HasMaxLength(256);
            e.Property(r => r.QuantitySystem).HasMaxLength(256);
            e.Property(r => r.QuantityCode).HasMaxLength(64);
            e.Property(r => r.CanonicalCode).HasMaxLength(64);
            // Driven by the code (blood pressure: 8480-6), then the value range within it.
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Code, r.System, r.Value });
            e.HasIndex(r => new { r.ResourceKey, r.ParamName, r.Code, r.Value });
        }, covered: true);
        Index<CompositeIndexRow>(modelBuilder, "search_composite", e =>
        {
            e.Property(r => r.System).HasMaxLength(256);
            e.Property(r => r.Code).HasMaxLength(256);
            e.Property(r => r.ValueSystem).HasMaxLength(256);
            e.Property(r => r.ValueCode).HasMaxLength(256);
            e.Property(r => r.ValueText).HasMaxLength(256);
            // Driven by the first component's code, like search_token_quantity; the second is checked on its few rows.
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Code, r.System });
        });
        Index<NumberIndexRow>(modelBuilder, "search_number", e =>
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Value }));
        Index<UriIndexRow>(modelBuilder, "search_uri", e =>
        {
            e.Property(r => r.Uri).HasMaxLength(512);
            e.HasIndex(r => new { r.ResourceType, r.ParamName, r.Uri });
        });
    }

    /// <param name="covered">
    /// The table declares its own by-resource index, led by (ResourceKey, ParamName) and followed by the values that
    /// the probes read, so that an <c>EXISTS</c> probe of a multi-parameter search, a sort key or
    /// <c>$ketamine-progress</c>'s per-Observation code, date and value come from the index alone instead of one
    /// table row each (about nine B-tree seeks per Observation before). Without it, a plain (ResourceKey, ParamName).
    /// </param>
    private static void Index<T>(ModelBuilder modelBuilder, string table, Action<Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<T>> configure, bool covered = false)
        where T : IndexRow
    {
        modelBuilder.Entity<T>(e =>
        {
            e.ToTable(table);
            e.HasKey(r => r.Id);
            e.HasOne(r => r.Resource).WithMany().HasForeignKey(r => r.ResourceKey).OnDelete(DeleteBehavior.Cascade);
            e.Property(r => r.ResourceType).HasMaxLength(64);
            e.Property(r => r.ParamName).HasMaxLength(64);
            // Probe by resource: EXISTS sub-queries of multi-parameter searches, and re-indexing on update.
            if (!covered)
            {
                e.HasIndex(r => new { r.ResourceKey, r.ParamName });
            }

            configure(e);
        });
    }
}
