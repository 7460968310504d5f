using System.Net;

using FhirKetamine.Core.Rest.Patching;

using Hl7.Fhir.Model;

using static FhirKetamine.Core.Tests.Rest.Patching.PatchFixtures;

namespace FhirKetamine.Core.Tests.Rest.Patching;

public sealed class JsonPatchTests
{
    private readonly ResourcePatcher patcher = new();

    private Patient Apply(Patient patient, string document) => Assert.IsType<Patient>(patcher.ApplyJsonPatch(patient, document));

    [Fact]
    public void Replace_of_gender_changes_only_gender()
    {
        var before = Patient();
        var after = Apply(before, """[{ "op": "replace", "path": "/gender", "value": "male" }]""");

        Assert.Equal(AdministrativeGender.Male, after.Gender);
        after.Gender = AdministrativeGender.Female;
        Assert.Equal(Json(before), Json(after));
    }

    [Fact]
    public void Add_creates_a_missing_element()
    {
        var after = Apply(Patient(), """[{ "op": "add", "path": "/deceasedBoolean", "value": false }]""");

        Assert.Equal(false, Assert.IsType<FhirBoolean>(after.Deceased).Value);
    }

    [Fact]
    public void Add_with_dash_appends_and_with_index_inserts()
    {
        var after = Apply(Patient(), """
            [
              { "op": "add", "path": "/identifier/-", "value": { "system": "http://example.org/c", "value": "3" } },
              { "op": "add", "path": "/identifier/0", "value": { "system": "http://example.org/z", "value": "0" } }
            ]
            """);

        Assert.Equal(["0", "1", "2", "3"], after.Identifier.Select(i => i.Value));
    }

    [Fact]
    public void Remove_deletes_an_element_and_an_array_item()
    {
        var after = Apply(Patient(), """
            [
              { "op": "remove", "path": "/birthDate" },
              { "op": "remove", "path": "/name/0/given/0" }
            ]
            """);

        Assert.Null(after.BirthDate);
        Assert.Equal(["James"], after.Name[0].Given);
    }

    [Fact]
    public void Move_relocates_a_value()
    {
        var after = Apply(Patient(), """[{ "op": "move", "from": "/name/0/given/1", "path": "/name/0/given/0" }]""");

        Assert.Equal(["James", "Peter"], after.Name[0].Given);
    }

    [Fact]
    public void Copy_duplicates_a_value_and_leaves_the_source()
    {
        var after = Apply(Patient(), """[{ "op": "copy", "from": "/identifier/1", "path": "/identifier/-" }]""");

        Assert.Equal(["1", "2", "2"], after.Identifier.Select(i => i.Value));
    }

    [Fact]
    public void Passing_test_lets_the_following_operations_apply()
    {
        var after = Apply(Patient(), """
            [
              { "op": "test", "path": "/name/0", "value": { "family": "Chalmers", "given": ["Peter", "James"] } },
              { "op": "replace", "path": "/active", "value": false }
            ]
            """);

        Assert.False(after.Active);
    }

    [Fact]
    public void Test_compares_numbers_by_value()
    {
        var observation = new Observation { Id = "o1", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8867-4"), Value = new Quantity(72, "/min") };

        var after = patcher.ApplyJsonPatch(observation, """
            [
              { "op": "test", "path": "/valueQuantity/value", "value": 72.0 },
              { "op": "replace", "path": "/valueQuantity/value", "value": 80 }
            ]
            """);

        Assert.Equal(80m, Assert.IsType<Quantity>(Assert.IsType<Observation>(after).Value).Value);
    }

    [Fact]
    public void Failed_test_is_422_naming_the_operation_and_path()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), """
            [
              { "op": "replace", "path": "/active", "value": false },
              { "op": "test", "path": "/gender", "value": "male" }
            ]
            """));

        Assert.Contains("Operation 1 (test '/gender')", ex.Message);
        Assert.Contains("\"female\"", ex.Message);
    }

    [Fact]
    public void Escaped_pointer_tokens_name_members_with_slash_and_tilde()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), """[{ "op": "add", "path": "/a~1b~0c", "value": 1 }]"""));

        Assert.Contains("a/b~c", ex.Message);
    }

    [Fact]
    public void Input_resource_is_untouched_and_a_new_one_is_returned()
    {
        var before = Patient();
        var snapshot = Json(before);

        var after = Apply(before, """
            [
              { "op": "replace", "path": "/name/0/family", "value": "Smith" },
              { "op": "remove", "path": "/identifier/0" }
            ]
            """);

        Assert.Equal(snapshot, Json(before));
        Assert.NotSame(before, after);
        Assert.Equal("Smith", after.Name[0].Family);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{ "op": "remove", "path": "/active" }""")]
    [InlineData("""[ 42 ]""")]
    [InlineData("""[{ "op": "frobnicate", "path": "/active" }]""")]
    [InlineData("""[{ "path": "/active" }]""")]
    [InlineData("""[{ "op": "remove" }]""")]
    [InlineData("""[{ "op": "add", "path": "/active" }]""")]
    [InlineData("""[{ "op": "move", "path": "/active" }]""")]
    [InlineData("""[{ "op": "remove", "path": "active" }]""")]
    [InlineData("""[{ "op": "remove", "path": "/a~2" }]""")]
    public void Malformed_document_is_400(string document) =>
        Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), document));

    [Theory]
    [InlineData("""[{ "op": "remove", "path": "/deceasedBoolean" }]""", "Operation 0 (remove '/deceasedBoolean')")]
    [InlineData("""[{ "op": "replace", "path": "/name/3/family", "value": "X" }]""", "Operation 0 (replace '/name/3/family')")]
    [InlineData("""[{ "op": "add", "path": "/identifier/7", "value": { "value": "x" } }]""", "Operation 0 (add '/identifier/7')")]
    [InlineData("""[{ "op": "add", "path": "/nope/x", "value": 1 }]""", "'/nope' does not exist")]
    [InlineData("""[{ "op": "move", "from": "/name/0", "path": "/name/0/given/0" }]""", "own children")]
    [InlineData("""[{ "op": "copy", "from": "/photo", "path": "/name/-" }]""", "from '/photo' does not exist")]
    public void Path_that_does_not_exist_is_422_naming_the_operation(string document, string expected)
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), document));

        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("""[{ "op": "replace", "path": "/id", "value": "other" }]""", "id")]
    [InlineData("""[{ "op": "remove", "path": "/id" }]""", "id")]
    [InlineData("""[{ "op": "replace", "path": "/resourceType", "value": "Practitioner" }]""", "resourceType")]
    [InlineData("""[{ "op": "replace", "path": "", "value": { "resourceType": "Patient", "id": "p2" } }]""", "id")]
    public void Changing_id_or_resourceType_is_422(string document, string what)
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), document));

        Assert.Contains($"cannot change the {(what == "id" ? "resource id" : what)}", ex.Message);
    }

    [Fact]
    public void Replacing_id_with_the_same_value_is_allowed()
    {
        var after = Apply(Patient(), """[{ "op": "replace", "path": "/id", "value": "p1" }]""");

        Assert.Equal("p1", after.Id);
    }

    [Theory]
    [InlineData("""[{ "op": "add", "path": "/favouriteColour", "value": "blue" }]""")]
    [InlineData("""[{ "op": "replace", "path": "/active", "value": "yes" }]""")]
    [InlineData("""[{ "op": "replace", "path": "/gender", "value": "robot" }]""")]
    [InlineData("""[{ "op": "add", "path": "/name/0/given", "value": "Peter" }]""")]
    public void Result_that_is_not_valid_FHIR_is_422(string document)
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), document));

        Assert.Contains("JSON Patch produced an invalid FHIR resource", ex.Message);
    }
}