using System.Net;

using FhirKetamine.Core.Rest.Patching;

using Hl7.Fhir.Model;

using static FhirKetamine.Core.Tests.Rest.Patching.PatchFixtures;

using Part = Hl7.Fhir.Model.Parameters.ParameterComponent;

namespace FhirKetamine.Core.Tests.Rest.Patching;

public sealed class FhirPathPatchTests
{
    private readonly ResourcePatcher patcher = new();

    private T Apply<T>(T resource, params Part[] operations)
        where T : Resource =>
        Assert.IsType<T>(patcher.ApplyFhirPathPatch(resource, new Parameters { Parameter = [.. operations] }));

    private static Part Operation(string type, string path, string? name = null, DataType? value = null, int? index = null, int? source = null, int? destination = null)
    {
        var op = new Part { Name = "operation" };
        op.Part.Add(new Part { Name = "type", Value = new Code(type) });
        op.Part.Add(new Part { Name = "path", Value = new FhirString(path) });
        Add(op, "name", name is null ? null : new FhirString(name));
        Add(op, "value", value);
        Add(op, "index", index is null ? null : new Integer(index));
        Add(op, "source", source is null ? null : new Integer(source));
        Add(op, "destination", destination is null ? null : new Integer(destination));
        return op;
    }

    private static void Add(Part op, string name, DataType? value)
    {
        if (value is not null)
        {
            op.Part.Add(new Part { Name = name, Value = value });
        }
    }

    // The examples of hl7.org/fhir/R4/fhirpatch.html, on the spec's own paths.
    [Fact]
    public void Spec_add_sets_birthDate_on_the_patient()
    {
        var patient = Patient();
        patient.BirthDate = null;

        var after = Apply(patient, Operation("add", "Patient", name: "birthDate", value: new Date("1930-01-01")));

        Assert.Equal("1930-01-01", after.BirthDate);
    }

    [Fact]
    public void Spec_insert_puts_an_identifier_at_index_0()
    {
        var after = Apply(Patient(), Operation("insert", "Patient.identifier", value: new Identifier("http://example.org/new", "0"), index: 0));

        Assert.Equal(["0", "1", "2"], after.Identifier.Select(i => i.Value));
    }

    [Fact]
    public void Spec_delete_removes_birthDate()
    {
        var after = Apply(Patient(), Operation("delete", "Patient.birthDate"));

        Assert.Null(after.BirthDate);
    }

    [Fact]
    public void Spec_replace_changes_birthDate()
    {
        var after = Apply(Patient(), Operation("replace", "Patient.birthDate", value: new Date("1930-01-01")));

        Assert.Equal("1930-01-01", after.BirthDate);
    }

    [Fact]
    public void Spec_move_reorders_identifiers()
    {
        var patient = Patient();
        patient.Identifier.Add(new Identifier("http://example.org/c", "3"));

        var after = Apply(patient, Operation("move", "Patient.identifier", source: 0, destination: 2));

        Assert.Equal(["2", "3", "1"], after.Identifier.Select(i => i.Value));
    }

    [Fact]
    public void Spec_delete_of_one_list_item_selected_by_where()
    {
        var after = Apply(Patient(), Operation("delete", "Patient.identifier.where(system = 'http://example.org/a')"));

        Assert.Equal(["2"], after.Identifier.Select(i => i.Value));
    }

    [Fact]
    public void Spec_add_of_an_anonymous_type_built_from_parts()
    {
        var op = Operation("add", "Patient", name: "contact");
        op.Part.Add(new Part
        {
            Name = "value",
            Part =
            [
                new Part { Name = "name", Value = new HumanName { Text = "a name" } },
                new Part { Name = "telecom", Value = new ContactPoint(ContactPoint.ContactPointSystem.Phone, null, "555-1") },
                new Part { Name = "telecom", Value = new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "a@b.c") },
                new Part { Name = "gender", Value = new Code("male") },
            ],
        });

        var after = Apply(Patient(), op);

        var contact = Assert.Single(after.Contact);
        Assert.Equal("a name", contact.Name?.Text);
        Assert.Equal(["555-1", "a@b.c"], contact.Telecom.Select(t => t.Value));
        Assert.Equal(AdministrativeGender.Male, contact.Gender);
    }

    [Fact]
    public void Add_to_a_repeating_element_appends()
    {
        var after = Apply(Patient(), Operation("add", "Patient.name[0]", name: "given", value: new FhirString("Jim")));

        Assert.Equal(["Peter", "James", "Jim"], after.Name[0].Given);
    }

    [Fact]
    public void Add_of_an_extension_from_parts()
    {
        var op = Operation("add", "Patient", name: "extension");
        op.Part.Add(new Part
        {
            Name = "value",
            Part = [new Part { Name = "url", Value = new FhirUri("http://example.org/ext") }, new Part { Name = "value", Value = new FhirString("x") }],
        });

        var after = Apply(Patient(), op);

        var extension = Assert.Single(after.Extension);
        Assert.Equal("http://example.org/ext", extension.Url);
        Assert.Equal("x", Assert.IsType<FhirString>(extension.Value).Value);
    }

    [Fact]
    public void Replace_through_the_extension_function_changes_the_extension_value()
    {
        var patient = Patient();
        patient.Extension.Add(new Extension("http://example.org/a", new FhirString("old")));
        patient.Extension.Add(new Extension("http://example.org/b", new FhirString("other")));

        var after = Apply(patient, Operation("replace", "Patient.extension('http://example.org/a').value", value: new FhirString("new")));

        Assert.Equal(["new", "other"], after.Extension.Select(e => (e.Value as FhirString)?.Value));
    }

    [Fact]
    public void Add_of_a_contained_resource_from_a_resource_part()
    {
        var op = Operation("add", "Patient", name: "contained");
        op.Part.Add(new Part { Name = "value", Resource = new Practitioner { Id = "gp", Active = true } });

        var after = Apply(Patient(), op);

        Assert.Equal("gp", Assert.IsType<Practitioner>(Assert.Single(after.Contained)).Id);
    }

    [Fact]
    public void Empty_value_part_is_400()
    {
        var op = Operation("replace", "Patient.active");
        op.Part.Add(new Part { Name = "value" });

        var ex = Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), op));

        Assert.Contains("Operation 0 (replace 'Patient.active')", ex.Message);
    }

    [Fact]
    public void Add_of_a_single_element_that_exists_is_422()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation("add", "Patient", name: "birthDate", value: new Date("1930-01-01"))));

        Assert.Contains("Operation 0 (add 'Patient')", ex.Message);
        Assert.Equal("Parameters.parameter[0]", ex.Outcome.Issue[0].Expression.Single());
    }

    [Fact]
    public void Insert_into_an_empty_list_finds_the_list_by_its_name()
    {
        var after = Apply(Patient(), Operation("insert", "Patient.telecom", value: new ContactPoint(ContactPoint.ContactPointSystem.Phone, null, "555"), index: 0));

        Assert.Equal("555", Assert.Single(after.Telecom).Value);
    }

    [Fact]
    public void Insert_past_the_end_is_422()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation("insert", "Patient.identifier", value: new Identifier("s", "v"), index: 3)));

        Assert.Contains("index 3", ex.Message);
    }

    [Fact]
    public void Delete_of_a_missing_element_changes_nothing()
    {
        var before = Patient();

        var after = Apply(before, Operation("delete", "Patient.deceased"));

        Assert.Equal(Json(before), Json(after));
    }

    [Fact]
    public void Delete_matching_two_elements_is_422()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation("delete", "Patient.identifier")));

        Assert.Contains("Operation 0 (delete 'Patient.identifier')", ex.Message);
        Assert.Contains("2 elements", ex.Message);
    }

    [Fact]
    public void Replace_of_gender_with_a_code_changes_only_gender()
    {
        var before = Patient();

        var after = Apply(before, Operation("replace", "Patient.gender", value: new Code("male")));

        Assert.Equal(AdministrativeGender.Male, after.Gender);
        after.Gender = AdministrativeGender.Female;
        Assert.Equal(Json(before), Json(after));
    }

    [Fact]
    public void Replace_of_one_list_item_keeps_its_position()
    {
        var after = Apply(Patient(), Operation("replace", "Patient.name[0].given[0]", value: new FhirString("Pete")));

        Assert.Equal(["Pete", "James"], after.Name[0].Given);
    }

    [Fact]
    public void Replace_of_a_choice_takes_an_allowed_type()
    {
        var observation = new Observation { Id = "o1", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "8867-4"), Value = new FhirString("fast") };

        var after = Apply(observation, Operation("replace", "Observation.value", value: new Quantity(72, "/min")));

        Assert.Equal(72m, Assert.IsType<Quantity>(after.Value).Value);
    }

    [Theory]
    [InlineData("Patient.birthDate", "bool")]
    [InlineData("Patient.deceased", "attachment")]
    [InlineData("Patient.name[0]", "string")]
    public void Replace_with_a_value_of_the_wrong_type_is_422(string path, string kind)
    {
        var patient = Patient();
        patient.Deceased = new FhirBoolean(false);
        DataType value = kind switch { "bool" => new FhirBoolean(true), "attachment" => new Attachment(), _ => new FhirString("x") };

        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(patient, Operation("replace", path, value: value)));

        Assert.Contains($"Operation 0 (replace '{path}')", ex.Message);
    }

    [Fact]
    public void Replace_with_a_code_outside_the_value_set_is_422()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation("replace", "Patient.gender", value: new Code("robot"))));

        Assert.Contains("FHIRPath Patch produced an invalid FHIR resource", ex.Message);
    }

    [Theory]
    [InlineData("replace", "Patient.deceased")]
    [InlineData("replace", "Patient.name.given")]
    [InlineData("add", "Patient.contact")]
    public void Path_not_matching_exactly_one_element_is_422(string type, string path)
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation(type, path, name: type == "add" ? "name" : null, value: new FhirString("x"))));

        Assert.Contains($"Operation 0 ({type} '{path}')", ex.Message);
        Assert.Contains("exactly one is required", ex.Message);
    }

    [Fact]
    public void Move_out_of_range_is_422()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation("move", "Patient.identifier", source: 0, destination: 2)));

        Assert.Contains("destination 2", ex.Message);
    }

    [Fact]
    public void Unknown_child_in_parts_is_422()
    {
        var op = Operation("add", "Patient", name: "contact");
        op.Part.Add(new Part { Name = "value", Part = [new Part { Name = "nickname", Value = new FhirString("x") }] });

        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), op));

        Assert.Contains("'Patient.contact.nickname' is not an element", ex.Message);
    }

    [Theory]
    [InlineData("replace")]
    [InlineData("delete")]
    public void Changing_the_id_is_422(string type)
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation(type, "Patient.id", value: type == "replace" ? new Id("p2") : null)));

        Assert.Contains("cannot change the resource id", ex.Message);
    }

    [Fact]
    public void Replacing_the_resource_itself_is_422()
    {
        var ex = Fails(HttpStatusCode.UnprocessableEntity, () => Apply(Patient(), Operation("replace", "Patient", value: new FhirString("x"))));

        Assert.Contains("the resource itself", ex.Message);
    }

    [Fact]
    public void Operations_apply_in_order_and_leave_the_input_untouched()
    {
        var before = Patient();
        var snapshot = Json(before);

        var after = Apply(
            before,
            Operation("replace", "Patient.active", value: new FhirBoolean(false)),
            Operation("add", "Patient.name[0]", name: "given", value: new FhirString("Jim")),
            Operation("move", "Patient.name[0].given", source: 2, destination: 0),
            Operation("delete", "Patient.identifier[1]"));

        Assert.Equal(snapshot, Json(before));
        Assert.NotSame(before, after);
        Assert.False(after.Active);
        Assert.Equal(["Jim", "Peter", "James"], after.Name[0].Given);
        Assert.Equal(["1"], after.Identifier.Select(i => i.Value));
    }

    [Fact]
    public void Unknown_operation_type_is_400() =>
        Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), Operation("upsert", "Patient.active", value: new FhirBoolean(false))));

    [Fact]
    public void Missing_required_parts_are_400()
    {
        Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), Operation("add", "Patient", value: new FhirBoolean(false))));
        Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), Operation("insert", "Patient.identifier", value: new Identifier())));
        Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), Operation("replace", "Patient.active")));
        Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), Operation("move", "Patient.identifier", source: 0)));

        var noPath = new Part { Name = "operation", Part = [new Part { Name = "type", Value = new Code("delete") }] };
        var ex = Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), noPath));
        Assert.Contains("no 'path'", ex.Message);
    }

    [Fact]
    public void Parameter_not_named_operation_or_empty_patch_is_400()
    {
        var op = Operation("delete", "Patient.active");
        op.Name = "op";

        Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), op));
        Fails(HttpStatusCode.BadRequest, () => Apply(Patient()));
    }

    [Fact]
    public void Invalid_FHIRPath_is_400_naming_the_operation()
    {
        var ex = Fails(HttpStatusCode.BadRequest, () => Apply(Patient(), Operation("delete", "Patient.((")));

        Assert.Contains("Operation 0 (delete 'Patient.((')", ex.Message);
    }
}