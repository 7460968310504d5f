using System.Net;

using FhirKetamine.Server.Tests.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Tests.Terminology;

/// <summary>The terminology operations are authorised like $validate: a token at type level, the read scope on an instance.</summary>
public sealed class TerminologyAuthorisationTests(SmartServerFactory server) : IClassFixture<SmartServerFactory>
{
    private const string Expand = "ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender";

    [Fact]
    public async Task Without_a_token_the_operations_are_401()
    {
        using var client = server.CreateFhirClient();

        var expand = await client.GetAsync(Expand);
        var lookup = await client.GetAsync("CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=male");

        Assert.Equal(HttpStatusCode.Unauthorized, expand.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, lookup.StatusCode);
        Assert.Equal("OperationOutcome", (await expand.ReadAsync<OperationOutcome>()).TypeName);
    }

    [Fact]
    public async Task A_create_only_gateway_may_expand_by_url_but_not_read_a_stored_ValueSet_through_an_instance_operation()
    {
        using var ehr = server.CreateFhirClient(await server.EhrTokenAsync());
        var stored = await ehr.CreateAsync(new ValueSet
        {
            Url = $"http://clinic.example.org/fhir/ValueSet/genders-{Guid.NewGuid():N}",
            Status = PublicationStatus.Active,
            Compose = new ValueSet.ComposeComponent { Include = [new ValueSet.ConceptSetComponent { System = "http://hl7.org/fhir/administrative-gender" }] },
        });
        using var gateway = server.CreateFhirClient(await server.GatewayTokenAsync());

        var byUrl = await gateway.GetAsync(Expand);
        var instance = await gateway.GetAsync($"ValueSet/{stored.Id}/$expand");
        var asEhr = await ehr.GetAsync($"ValueSet/{stored.Id}/$expand");

        Assert.Equal(HttpStatusCode.OK, byUrl.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, instance.StatusCode);
        Assert.Equal(HttpStatusCode.OK, asEhr.StatusCode);
        Assert.Equal(4, (await asEhr.ReadAsync<ValueSet>()).Expansion!.Contains.Count);
    }
}
