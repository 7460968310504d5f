using System.Net;

using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Core.Tests.Rest.Patching;

/// <summary>Sample resources and assertions shared by the patch tests; each call builds fresh data.</summary>
internal static class PatchFixtures
{
    private static readonly BaseFhirJsonSerializer Serializer = new(ModelInfo.ModelInspector);

    public static Patient Patient() => new()
    {
        Id = "p1",
        Active = true,
        Gender = AdministrativeGender.Female,
        BirthDate = "1974-12-25",
        Identifier = [new Identifier("http://example.org/a", "1"), new Identifier("http://example.org/b", "2")],
        Name = [new HumanName { Family = "Chalmers", Given = ["Peter", "James"] }],
    };

    public static string Json(Resource resource) => Serializer.SerializeToString(resource);

    public static FhirException Fails(HttpStatusCode status, Action patch)
    {
        var ex = Assert.Throws<FhirException>(patch);
        Assert.Equal(status, ex.Status);
        Assert.Contains(ex.Outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error);
        return ex;
    }
}