// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion
// (a NullReferenceException names it), not something to guard against.
#nullable disable warnings

using System.Net;
using System.Net.Http.Json;

using FhirKetamine.Core.Search;
using FhirKetamine.Core.Search.Index;
using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FhirKetamine.Server.Tests.Storage;

/// <summary>
/// The search-index rows are inserted with multi-row statements outside EF Core's change tracker
/// (<c>IndexRowInserter</c>): every column must still hold what EF Core itself would have stored and read back —
/// dates, doubles, nulls and strings — for a create through the group-commit writer, a create in its own transaction,
/// and an update that replaces the rows, on whichever database the suite runs.
/// </summary>
public sealed class IndexRowInsertTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    private readonly HttpClient client = factory.CreateFhirClient();

    private static Observation BloodPressure(string patient, decimal systolic) => new()
    {
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "85354-9", "Blood pressure panel"),
        Subject = new ResourceReference($"Patient/{patient}"),
        Effective = new FhirDateTime("2026-03-01T10:00:30.125+02:00"), // a range of one millisecond, in UTC
        Issued = new DateTimeOffset(2026, 3, 1, 10, 1, 0, TimeSpan.FromHours(2)),
        Identifier = [new Identifier("urn:gateway:chair-7", Guid.NewGuid().ToString())],
        Component =
        [
            new Observation.ComponentComponent
            {
                Code = new CodeableConcept("http://loinc.org", "8480-6", "Systolic blood pressure"),
                Value = new Quantity { Value = systolic, Unit = "mmHg", System = "http://unitsofmeasure.org", Code = "mm[Hg]" },
            },
            new Observation.ComponentComponent
            {
                Code = new CodeableConcept("http://loinc.org", "8462-4", "Diastolic blood pressure"),
                Value = new Quantity { Value = 80.25m, Unit = "mmHg", System = "http://unitsofmeasure.org", Code = "mm[Hg]" },
            },
        ],
    };

    [Fact]
    public async Task A_create_through_the_writer_stores_every_index_column_as_extracted()
    {
        var patient = await client.CreateAsync(Fhir.Patient("Ösz-Nguyen", mrn: "MRN-IDX-1"));
        var observation = await client.CreateAsync(BloodPressure(patient.Id, 150.5m));

        await AssertRowsMatchExtractionAsync(patient);
        await AssertRowsMatchExtractionAsync(observation);
    }

    [Fact]
    public async Task An_update_replaces_the_rows_with_the_new_versions_values()
    {
        var observation = await client.CreateAsync(BloodPressure((await client.CreateAsync(Fhir.Patient())).Id, 120));
        observation.Component[0].Value = new Quantity { Value = 181, Unit = "mmHg", System = "http://unitsofmeasure.org", Code = "mm[Hg]" };
        observation.Note = [new Annotation { Text = "re-measured" }];

        using var response = await client.PutAsync($"Observation/{observation.Id}", Fhir.Json(observation));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = await response.ReadAsync<Observation>();
        Assert.Equal("2", updated.Meta.VersionId);
        await AssertRowsMatchExtractionAsync(updated);
        Assert.Single(await SearchIdsAsync($"Observation?component-code-value-quantity=http://loinc.org|8480-6$181&_id={observation.Id}"));
        Assert.Empty(await SearchIdsAsync($"Observation?component-code-value-quantity=http://loinc.org|8480-6$120&_id={observation.Id}"));
    }

    [Fact]
    public async Task A_transactions_entries_are_indexed_and_found()
    {
        var patient = await client.CreateAsync(Fhir.Patient());
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        for (var i = 0; i < 120; i++) // more rows of one table than one statement holds (100)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                Resource = Fhir.HeartRate(patient.Id, $"2026-03-01T10:{i / 60:00}:{i % 60:00}Z", 60 + i),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Observation" },
            });
        }

        using var response = await client.PostAsync("", Fhir.Json(bundle));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync<Bundle>();
        Assert.Equal(120, result.Entry.Count);
        var ids = await SearchIdsAsync($"Observation?subject=Patient/{patient.Id}&value-quantity=ge170&_count=200");
        Assert.Equal(10, ids.Count); // 170 … 179 bpm
        Assert.Equal(120, (await SearchIdsAsync($"Observation?subject=Patient/{patient.Id}&date=ge2026-03-01T10:00:00Z&_count=200")).Count);
    }

    private async Task<List<string>> SearchIdsAsync(string query)
    {
        var bundle = await (await client.GetAsync(query)).ReadAsync<Bundle>();
        return bundle.Entry.Where(e => e.Search?.Mode == Bundle.SearchEntryMode.Match).Select(e => e.Resource.Id).ToList();
    }

    /// <summary>Each index table's rows of the resource, read back through EF Core, equal what the indexer extracts from it.</summary>
    private async Task AssertRowsMatchExtractionAsync(Resource resource)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FhirDbContext>();
        var indexer = scope.ServiceProvider.GetRequiredService<SearchIndexer>();
        var key = await db.Resources.Where(r => r.Type == resource.TypeName && r.LogicalId == resource.Id).Select(r => r.Key).SingleAsync();
        var expected = indexer.Extract(resource).All.ToList();
        Assert.NotEmpty(expected);

        var stored = new List<IndexRow>();
        stored.AddRange(await db.StringIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.TokenIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.DateIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.ReferenceIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.QuantityIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.NumberIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.UriIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.TokenQuantityIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());
        stored.AddRange(await db.CompositeIndex.AsNoTracking().Where(r => r.ResourceKey == key).ToListAsync());

        Assert.Equal(Describe(db, expected), Describe(db, stored));
        Assert.All(stored, row => Assert.NotEqual(0, row.Id));
    }

    /// <summary>Every mapped column but the generated key and the resource key, as text; sorted, one line per row.</summary>
    private static List<string> Describe(FhirDbContext db, IEnumerable<IndexRow> rows) => rows
        .Select(row =>
        {
            var type = db.Model.FindEntityType(row.GetType());
            var values = type.GetProperties()
                .Where(p => p.Name is not (nameof(IndexRow.Id) or nameof(IndexRow.ResourceKey)))
                .Select(p => $"{p.Name}={Text(p.PropertyInfo.GetValue(row))}");
            return $"{type.GetTableName()}: {string.Join("; ", values)}";
        })
        .Order(StringComparer.Ordinal)
        .ToList();

    private static string Text(object value) => value switch
    {
        null => "null",
        DateTime d => d.ToString("O")[..27], // the ticks, without the Kind, which a provider may not keep
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
