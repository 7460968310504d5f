// Firely's model is nullable-annotated throughout; in these tests a missing element is a failed assertion.
#nullable disable warnings

using System.Net;
using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Safety;

/// <summary>
/// The thresholds are the clinic's data: a PUT of an ObservationDefinition changes the rule for the very next
/// reading. Its own database, since it changes the shared heart-rate definition.
/// </summary>
public sealed class SafetyThresholdTests(FhirServerFactory factory) : IClassFixture<FhirServerFactory>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Changing_a_threshold_through_the_api_changes_the_rule_at_once(bool groupCommit)
    {
        await using var server = factory.WithWebHostBuilder(b => b.UseSetting("Storage:GroupCommit:Enabled", groupCommit ? "true" : "false"));
        using var client = server.CreateClient(new() { BaseAddress = new Uri("http://localhost/fhir/") });
        var clinic = await new SafetyClinic(client).StartAsync();
        var definition = await (await client.GetAsync("ObservationDefinition/heart-rate-thresholds")).ReadAsync<ObservationDefinition>();
        var high = definition.QualifiedInterval.Single(i => i.Range.Low is not null);
        high.Range.Low.Value = 121;
        (await client.PutAsync("ObservationDefinition/heart-rate-thresholds", Fhir.Json(definition))).EnsureSuccessStatusCode();

        // 110 /min is within the IG's default range (≤ 120).
        var (_, before, _) = await clinic.PostAsync(clinic.HeartRate(110, TimeSpan.FromMinutes(-9)));
        Assert.DoesNotContain(before.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Empty(await clinic.FlagsAsync());

        // The clinic lowers the upper limit: above 100 /min is now critical.
        high.Range.Low.Value = 101;
        using var put = await client.PutAsync("ObservationDefinition/heart-rate-thresholds", Fhir.Json(definition));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var (_, after, _) = await clinic.PostAsync(clinic.HeartRate(110, TimeSpan.FromMinutes(-8)));
        var warning = Assert.Single(after.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Contains("≥ 101 /min", warning.Diagnostics, StringComparison.Ordinal);
        Assert.Equal("hr", Assert.Single(await clinic.FlagsAsync()).Code.Coding.Single().Code);

        // A second breach adds nothing; a deleted definition watches nothing, so nothing more is raised or closed.
        await clinic.PostAsync(clinic.HeartRate(115, TimeSpan.FromMinutes(-7)));
        Assert.Single(await clinic.FlagsAsync());
        (await client.DeleteAsync("ObservationDefinition/heart-rate-thresholds")).EnsureSuccessStatusCode();
        var (_, deleted, _) = await clinic.PostAsync(clinic.HeartRate(160, TimeSpan.FromMinutes(-6)));
        Assert.DoesNotContain(deleted.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        Assert.Equal(Flag.FlagStatus.Active, Assert.Single(await clinic.FlagsAsync()).Status);

        // Restored (PUT after a delete re-creates it) for the other run of this theory.
        definition.QualifiedInterval.Single(i => i.Range.Low is not null).Range.Low.Value = 121;
        (await client.PutAsync("ObservationDefinition/heart-rate-thresholds", Fhir.Json(definition))).EnsureSuccessStatusCode();
    }
}
