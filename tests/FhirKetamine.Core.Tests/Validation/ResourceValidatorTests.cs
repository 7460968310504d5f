using Firely.Fhir.Validation;

using FhirKetamine.Core.Rest;
using FhirKetamine.Core.Tests.Profiles;
using FhirKetamine.Core.Validation;

using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using Canonical = Hl7.Fhir.Model.Canonical;
using Task = System.Threading.Tasks.Task;

namespace FhirKetamine.Core.Tests.Validation;

/// <summary>The server's validation service without a host: profile selection, thread safety, refusals.</summary>
public sealed class ResourceValidatorTests
{
    private static readonly Lazy<ResourceValidator> Shared = new(() => NewValidator(ValidationMode.Enforce));

    [Fact]
    public async Task Validation_from_several_threads_at_once_gives_identical_results()
    {
        var validator = NewValidator(ValidationMode.Enforce); // cold: the threads race on compiling schemas
        var examples = IgFiles.ValidExamples().Where(e => e.StartsWith("valid/", StringComparison.Ordinal))
            .Select(e => IgFiles.ParseLenient(IgFiles.ExamplePath(e)))
            .Concat(new[] { "Observation-heartrate-missing-subject.json", "MedicationAdministration-dose-per-kg-above-2.json", "Procedure-missing-infusion-number.json" }
                .Select(f => IgFiles.ParseLenient(IgFiles.ExamplePath("invalid/" + f))))
            .ToList();

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var results = new List<string>();
            foreach (var resource in examples)
            {
                results.Add(Show(await validator.ValidateAsync(resource, null, CancellationToken.None)));
            }

            return results;
        })));
        var serial = new List<string>();
        foreach (var resource in examples)
        {
            serial.Add(Show(await validator.ValidateAsync(resource, null, CancellationToken.None)));
        }

        Assert.All(runs, run => Assert.Equal(serial, run));
        Assert.Contains(serial, s => s.Contains("error", StringComparison.Ordinal));
    }

    /// <summary>
    /// Slice discriminators compile once per process (<see cref="SharedSliceSelectors"/>): this Firely version still has the
    /// run cache the selectors are made to share, and every selector of a compiled profile with slices (the IG's blood
    /// pressure: core vital signs' category and component slices) is wrapped, none left to parse its path on every run.
    /// </summary>
    [Fact]
    public async Task Every_slice_selector_of_a_compiled_profile_shares_the_process_wide_fhirpath_cache()
    {
        Assert.True(SharedSliceSelectors.Available, "Firely's ValidationState no longer has Global.FPCompilerCache: slice discriminators are parsed on every validation again.");
        var context = await Shared.Value.ContextAsync(CancellationToken.None);

        var schema = context.Schemas.GetSchema(new Firely.Fhir.Validation.Canonical("http://fhir-ketamine.org/fhir/StructureDefinition/ketamine-bp"));

        var (bare, wrapped) = CountSelectors(schema!);
        Assert.Equal(0, bare);
        Assert.True(wrapped > 0, "no slice selector found: the test no longer looks at a sliced profile");
    }

    private static (int Bare, int Wrapped) CountSelectors(IAssertion assertion)
    {
        var bare = assertion is PathSelectorValidator ? 1 : 0;
        var wrapped = assertion.GetType().DeclaringType == typeof(SharedSliceSelectors) ? 1 : 0;
        if (wrapped == 0 && assertion is IAssertionContainer container)
        {
            var conditions = assertion is SliceValidator slicing ? slicing.Slices.Select(c => c.Condition) : [];
            foreach (var child in container.Children().Select(c => c.Child).Concat(conditions))
            {
                var (b, w) = CountSelectors(child);
                bare += b;
                wrapped += w;
            }
        }

        return (bare, wrapped);
    }

    [Fact]
    public async Task Enforce_mode_refuses_an_error_with_422()
    {
        var reading = new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "8867-4"),
            Effective = new FhirDateTime("2025-03-07T09:45:00Z"),
            Value = new Quantity { Value = 80, Unit = "/min", System = "http://unitsofmeasure.org", Code = "/min" },
        };

        var ex = await Assert.ThrowsAsync<FhirException>(() => Shared.Value.CheckWriteAsync(reading, CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, ex.Status);
        Assert.Contains(ex.Outcome.Issue, i => (i.Details?.Text ?? "").Contains("'subject'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_profile_whose_invariant_uses_conformsTo_is_refused()
    {
        var profile = PatientProfile("uses-conforms-to", "UsesConformsTo", new ElementDefinition("Patient")
        {
            ElementId = "Patient",
            Constraint = [new ElementDefinition.ConstraintComponent { Key = "x-1", Severity = ConstraintSeverity.Error, Human = "x", Expression = "conformsTo('http://x')" }],
        });

        var outcome = await Shared.Value.ValidateAsync(profile, null, CancellationToken.None);

        Assert.Contains(outcome.Issue, i => i.Severity == OperationOutcome.IssueSeverity.Error && (i.Diagnostics ?? "").Contains("conformsTo", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_older_version_handed_over_late_does_not_replace_a_newer_one()
    {
        // The poll for other instances' changes can read version 1 of a profile just before this instance stores
        // version 2, and hand version 1 (here: its deletion) over after it.
        var validator = NewValidator(ValidationMode.Enforce);
        const string url = ExampleProfiles + "patient-with-birthdate";
        var patient = new Patient { Meta = new Meta { Profile = [url] }, Name = [new HumanName { Family = "Example" }] };
        _ = await validator.ValidateAsync(patient, null, CancellationToken.None); // reads the first context
        var profile = PatientProfile("patient-with-birthdate", "PatientWithBirthDate", new ElementDefinition("Patient.birthDate") { ElementId = "Patient.birthDate", Min = 1 });

        await validator.ConformanceChangedAsync("StructureDefinition", "patient-with-birthdate", 2, profile, CancellationToken.None);
        await validator.ConformanceChangedAsync("StructureDefinition", "patient-with-birthdate", 1, null, CancellationToken.None);

        var outcome = Show(await validator.ValidateAsync(patient, null, CancellationToken.None));
        Assert.Contains("birthDate", outcome, StringComparison.Ordinal);
        Assert.DoesNotContain("unknown", outcome, StringComparison.OrdinalIgnoreCase);

        // A newer version still counts: its deletion makes the profile unknown.
        await validator.ConformanceChangedAsync("StructureDefinition", "patient-with-birthdate", 3, null, CancellationToken.None);
        Assert.DoesNotContain("birthDate", Show(await validator.ValidateAsync(patient, null, CancellationToken.None)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_core_typed_reference_reads_nothing_and_a_target_the_profile_constrains_is_read_once()
    {
        // The IG heart-rate profile: subject is Reference(Patient) (core), encounter Reference(ketamine-session-encounter).
        var store = new CountingStore(new Encounter { Id = "e1", Status = Encounter.EncounterStatus.Finished, Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB") });
        var validator = NewValidator(ValidationMode.Enforce, store);
        var reading = HeartRate();

        _ = await validator.ValidateAsync(reading, null, CancellationToken.None);
        Assert.Empty(store.Reads);

        reading.Encounter = new ResourceReference("Encounter/e1");
        var outcome = Show(await validator.ValidateAsync(reading, null, CancellationToken.None));
        Assert.Equal(["Encounter/e1"], store.Reads);
        Assert.Contains("Unable to find a profile match for Encounter/e1", outcome, StringComparison.Ordinal); // not a ketamine session
    }

    [Fact]
    public async Task The_type_a_reference_URL_implies_must_be_one_the_element_allows()
    {
        var store = new CountingStore();
        var reading = HeartRate();
        reading.Subject = new ResourceReference("Medication/m1");

        var outcome = Show(await NewValidator(ValidationMode.Enforce, store).ValidateAsync(reading, null, CancellationToken.None));

        Assert.Contains("The type 'Medication' implied by the reference URL Medication/m1 is not a valid Target", outcome, StringComparison.Ordinal);
        Assert.Empty(store.Reads);
    }

    [Fact]
    public async Task A_quantity_limit_applies_across_UCUM_units()
    {
        var validator = NewValidator(ValidationMode.Enforce);
        const string url = ExampleProfiles + "weight-below-200-kg";
        var profile = ConstraintProfile("Observation", "weight-below-200-kg", "WeightBelow200Kg",
            new ElementDefinition("Observation.value[x]") { ElementId = "Observation.value[x]", Type = [new ElementDefinition.TypeRefComponent { Code = "Quantity" }] },
            new ElementDefinition("Observation.valueQuantity")
            {
                ElementId = "Observation.value[x]:valueQuantity",
                SliceName = "valueQuantity",
                MaxValue = new Quantity { Value = 200, System = "http://unitsofmeasure.org", Code = "kg" },
            });
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "weight-below-200-kg", 1, profile, CancellationToken.None);

        string Weigh(decimal grams) => Show(validator.ValidateAsync(new Observation
        {
            Meta = new Meta { Profile = [url] },
            Status = ObservationStatus.Final,
            Code = new CodeableConcept("http://loinc.org", "29463-7"),
            Value = new Quantity { Value = grams, Unit = "g", System = "http://unitsofmeasure.org", Code = "g" },
        }, null, CancellationToken.None).GetAwaiter().GetResult());

        Assert.Contains("greater than the specified maxValue (200 kg) after UCUM conversion", Weigh(250_000), StringComparison.Ordinal);
        Assert.DoesNotContain("maxValue", Weigh(150_000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_R4_minLength_extension_on_an_element_sets_the_least_number_of_characters()
    {
        var validator = NewValidator(ValidationMode.Enforce);
        const string url = ExampleProfiles + "family-min-3";
        var family = new ElementDefinition("Patient.name.family") { ElementId = "Patient.name.family" };
        family.SetIntegerExtension(DefinitionRules.MinLengthUrl, 3);
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "family-min-3", 1, PatientProfile("family-min-3", "FamilyMin3", family), CancellationToken.None);

        string Named(string name) => Show(validator.ValidateAsync(new Patient { Name = [new HumanName { Family = name }] }, [url], CancellationToken.None).GetAwaiter().GetResult());

        Assert.Contains("Value 'Li' is shorter than permitted minimum length of 3", Named("Li"), StringComparison.Ordinal);
        Assert.DoesNotContain("minimum length", Named("Lee"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_complex_extension_s_relative_sub_extension_urls_must_be_ones_it_defines()
    {
        // patient-animal (core R4) defines species, breed and genderStatus, with open slicing on Extension.extension.
        static Patient WithAnimal(string part) => new()
        {
            Extension =
            [
                new Extension
                {
                    Url = "http://hl7.org/fhir/StructureDefinition/patient-animal",
                    Extension = [new Extension("species", new CodeableConcept("http://hl7.org/fhir/animal-species", "canislf")), new Extension(part, new CodeableConcept("http://example.org/x", "y"))],
                },
            ],
        };

        var undefined = Show(await Shared.Value.ValidateAsync(WithAnimal("species-x"), null, CancellationToken.None));
        var defined = Show(await Shared.Value.ValidateAsync(WithAnimal("breed"), null, CancellationToken.None));

        Assert.Contains("Sub-extension url 'species-x' is not defined by the Extension http://hl7.org/fhir/StructureDefinition/patient-animal", undefined, StringComparison.Ordinal);
        Assert.DoesNotContain("Sub-extension", defined, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_extension_for_R5_s_CanonicalResource_may_be_used_on_R4_canonical_resources_only()
    {
        var validator = NewValidator(ValidationMode.Enforce);
        const string url = ExampleProfiles + "canonical-note";
        var extension = new StructureDefinition
        {
            Id = "canonical-note",
            Url = url,
            Name = "CanonicalNote",
            Status = PublicationStatus.Active,
            FhirVersion = FHIRVersion.N5_0_0,
            Kind = StructureDefinition.StructureDefinitionKind.ComplexType,
            Abstract = false,
            Context = [new StructureDefinition.ContextComponent { Type = StructureDefinition.ExtensionContextType.Element, Expression = "CanonicalResource" }],
            Type = "Extension",
            BaseDefinition = "http://hl7.org/fhir/StructureDefinition/Extension",
            Derivation = StructureDefinition.TypeDerivationRule.Constraint,
            Differential = new()
            {
                Element =
                [
                    new ElementDefinition("Extension") { ElementId = "Extension", Max = "1" },
                    new ElementDefinition("Extension.extension") { ElementId = "Extension.extension", Max = "0" },
                    new ElementDefinition("Extension.url") { ElementId = "Extension.url", Fixed = new FhirUri(url) },
                    new ElementDefinition("Extension.value[x]") { ElementId = "Extension.value[x]", Min = 1, Type = [new() { Code = "string" }] },
                ],
            },
        };
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "canonical-note", 1, extension, CancellationToken.None);

        var onCodeSystem = Show(await validator.ValidateAsync(new CodeSystem
        {
            Url = "http://example.org/cs",
            Status = PublicationStatus.Draft,
            Content = CodeSystemContentMode.NotPresent,
            Extension = [new Extension(url, new FhirString("note"))],
        }, null, CancellationToken.None));
        var onPatient = Show(await validator.ValidateAsync(new Patient { Extension = [new Extension(url, new FhirString("note"))] }, null, CancellationToken.None));

        Assert.DoesNotContain("outside of appropriate contexts", onCodeSystem, StringComparison.Ordinal);
        Assert.Contains("outside of appropriate contexts", onPatient, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cross_version_mustHaveValue_and_valueAlternatives_decide_whether_an_extension_may_stand_in_for_a_value()
    {
        var validator = NewValidator(ValidationMode.Enforce);
        var mustHave = new ElementDefinition("Patient.active") { ElementId = "Patient.active" };
        mustHave.SetBoolExtension(DefinitionRules.MustHaveValueUrl, true);
        var alternatives = new ElementDefinition("Patient.active") { ElementId = "Patient.active" };
        alternatives.Extension.Add(new Extension(DefinitionRules.ValueAlternativesUrl, new Canonical("http://hl7.org/fhir/StructureDefinition/data-absent-reason")));
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "active-must-have-value", 1, PatientProfile("active-must-have-value", "ActiveMustHaveValue", mustHave), CancellationToken.None);
        await validator.ConformanceChangedAsync("StructureDefinition", "active-alternatives", 1, PatientProfile("active-alternatives", "ActiveAlternatives", alternatives), CancellationToken.None);

        string Check(string profile, FhirBoolean active) =>
            Show(validator.ValidateAsync(new Patient { ActiveElement = active }, [ExampleProfiles + profile], CancellationToken.None).GetAwaiter().GetResult());
        static FhirBoolean Absent(string url, string code) => new() { Extension = [new Extension(url, new Code(code))] };
        const string absentReason = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
        const string nullFlavor = "http://hl7.org/fhir/StructureDefinition/iso21090-nullFlavor";

        Assert.Contains("requires that a value be present", Check("active-must-have-value", Absent(absentReason, "unknown")), StringComparison.Ordinal);
        Assert.DoesNotContain("requires that", Check("active-must-have-value", new FhirBoolean(true)), StringComparison.Ordinal);
        Assert.Contains("requires that if a value is not present", Check("active-alternatives", Absent(nullFlavor, "MSK")), StringComparison.Ordinal);
        Assert.DoesNotContain("requires that", Check("active-alternatives", Absent(absentReason, "unknown")), StringComparison.Ordinal);
    }

    /// <summary>
    /// A differential is read in the order of the base structure, as Java's snapshot generator reads it: an element that
    /// comes after one the base puts later (here <c>birthDate</c> before <c>identifier</c>) is left out of the snapshot,
    /// and the rest of the profile still applies. A profile without <c>abstract</c> (1..1, but minimal profiles omit it)
    /// is read as not abstract. Firely refused both profiles outright ("cannot be understood", "Abstract").
    /// </summary>
    [Fact]
    public async Task A_differential_out_of_base_order_drops_the_misplaced_element_and_the_rest_applies()
    {
        var validator = NewValidator(ValidationMode.Report);
        var misordered = PatientProfile("misordered", "Misordered",
            new ElementDefinition("Patient.birthDate") { ElementId = "Patient.birthDate", Min = 1 },
            new ElementDefinition("Patient.identifier") { ElementId = "Patient.identifier", Min = 1 });
        misordered.Abstract = null;
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "misordered", 1, misordered, CancellationToken.None);

        string Check(Patient patient) => Show(validator.ValidateAsync(patient, [ExampleProfiles + "misordered"], CancellationToken.None).GetAwaiter().GetResult());

        var withoutIdentifier = Check(new Patient { BirthDate = "1980-01-01" });
        var withIdentifier = Check(new Patient { Identifier = [new Identifier("http://example.org/mrn", "1")] });

        Assert.Contains("Missing required member: 'identifier'", withoutIdentifier, StringComparison.Ordinal);
        Assert.DoesNotContain("error", withIdentifier, StringComparison.Ordinal);
    }

    /// <summary>
    /// A differential element for an element the base does not have (<c>Patient.dateOfBirth</c>) is left out, as Java
    /// leaves it out (<see cref="DifferentialOrder.DropUnknown"/>); an element under a datatype element
    /// (<c>Patient.name.family</c>) is not judged and still applies.
    /// </summary>
    [Fact]
    public async Task A_differential_element_the_base_does_not_have_is_left_out_and_the_rest_applies()
    {
        var validator = NewValidator(ValidationMode.Report);
        var profile = PatientProfile("date-of-birth", "DateOfBirth",
            new ElementDefinition("Patient.name.family") { ElementId = "Patient.name.family", Min = 1 },
            new ElementDefinition("Patient.dateOfBirth") { ElementId = "Patient.dateOfBirth", Min = 1 });
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "date-of-birth", 1, profile, CancellationToken.None);

        string Check(HumanName name) => Show(validator.ValidateAsync(new Patient { Name = [name], BirthDate = "1980-01-01" }, [ExampleProfiles + "date-of-birth"], CancellationToken.None).GetAwaiter().GetResult());

        Assert.DoesNotContain("error", Check(new HumanName { Family = "Smith" }), StringComparison.Ordinal);
        Assert.Contains("Missing required member: 'family'", Check(new HumanName { Given = ["John"] }), StringComparison.Ordinal);
    }

    /// <summary>
    /// A differential element under <c>value[x]</c> says nothing unless the profile narrows <c>value[x]</c> to one type
    /// (<see cref="UntypedChoiceChildren"/>): untyped, it is left out, as Java leaves it out, and a Quantity is not refused
    /// for its unit; narrowed to Quantity, the same limit applies.
    /// </summary>
    [Fact]
    public async Task A_limit_under_an_untyped_choice_is_left_out_and_under_a_narrowed_one_applies()
    {
        var validator = NewValidator(ValidationMode.Report);
        var untyped = ConstraintProfile("Observation", "value-under-100", "ValueUnder100",
            new ElementDefinition("Observation.value[x].value") { MaxValue = new FhirDecimal(100) });
        var narrowed = ConstraintProfile("Observation", "quantity-under-100", "QuantityUnder100",
            new ElementDefinition("Observation.value[x]") { ElementId = "Observation.value[x]", Type = [new() { Code = "Quantity" }] },
            new ElementDefinition("Observation.value[x].value") { ElementId = "Observation.value[x].value", MaxValue = new FhirDecimal(100) });
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "value-under-100", 1, untyped, CancellationToken.None);
        await validator.ConformanceChangedAsync("StructureDefinition", "quantity-under-100", 1, narrowed, CancellationToken.None);

        string Check(string profile) => Show(validator.ValidateAsync(new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept { Text = "dose" },
            Value = new Quantity { Value = 150.25m, Unit = "mg", System = "http://unitsofmeasure.org", Code = "mg" },
        }, [ExampleProfiles + profile], CancellationToken.None).GetAwaiter().GetResult());

        Assert.DoesNotContain("error", Check("value-under-100"), StringComparison.Ordinal);
        Assert.Contains("larger than 100", Check("quantity-under-100"), StringComparison.Ordinal);
    }

    /// <summary>
    /// Slices told apart by value (<see cref="SliceConditions"/>): a home phone slice fixing <c>system</c> and <c>use</c>,
    /// an email slice fixing <c>system</c> and forbidding <c>use</c> (closed slicing). An email without <c>use</c> is the
    /// email slice (Firely found no slice for it); a phone without <c>use</c> is not the home phone (Firely took it for one).
    /// </summary>
    [Fact]
    public async Task A_value_slice_takes_elements_by_the_values_it_fixes_and_by_what_it_forbids()
    {
        var validator = NewValidator(ValidationMode.Report);
        var profile = PatientProfile("telecom-slices", "TelecomSlices",
            new ElementDefinition("Patient.telecom")
            {
                ElementId = "Patient.telecom",
                Slicing = new ElementDefinition.SlicingComponent
                {
                    Discriminator = [new() { Type = ElementDefinition.DiscriminatorType.Value, Path = "system" }, new() { Type = ElementDefinition.DiscriminatorType.Value, Path = "use" }],
                    Rules = ElementDefinition.SlicingRules.Closed,
                },
            },
            new ElementDefinition("Patient.telecom") { ElementId = "Patient.telecom:homePhone", SliceName = "homePhone", Min = 1, Max = "1" },
            new ElementDefinition("Patient.telecom.system") { ElementId = "Patient.telecom:homePhone.system", Min = 1, Fixed = new Code("phone") },
            new ElementDefinition("Patient.telecom.use") { ElementId = "Patient.telecom:homePhone.use", Min = 1, Fixed = new Code("home") },
            new ElementDefinition("Patient.telecom") { ElementId = "Patient.telecom:email", SliceName = "email", Min = 0, Max = "1" },
            new ElementDefinition("Patient.telecom.system") { ElementId = "Patient.telecom:email.system", Min = 1, Fixed = new Code("email") },
            new ElementDefinition("Patient.telecom.use") { ElementId = "Patient.telecom:email.use", Max = "0" });
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "telecom-slices", 1, profile, CancellationToken.None);

        string Check(params ContactPoint[] telecom) => Show(validator.ValidateAsync(new Patient { Telecom = [.. telecom] }, [ExampleProfiles + "telecom-slices"], CancellationToken.None).GetAwaiter().GetResult());
        var homePhone = new ContactPoint(ContactPoint.ContactPointSystem.Phone, ContactPoint.ContactPointUse.Home, "5551234567");

        Assert.DoesNotContain("error", Check(homePhone, new ContactPoint(ContactPoint.ContactPointSystem.Email, null, "someone@example.org")), StringComparison.Ordinal);
        Assert.Contains("does not match any slice", Check(homePhone, new ContactPoint(ContactPoint.ContactPointSystem.Email, ContactPoint.ContactPointUse.Work, "someone@example.org")), StringComparison.Ordinal);
        Assert.Contains("No elements matched required slice: 'telecom:homePhone'", Check(new ContactPoint(ContactPoint.ContactPointSystem.Phone, null, "5551234567")), StringComparison.Ordinal);
    }

    /// <summary>
    /// A slice told apart by profile (<see cref="SliceConditions"/>): a category without <c>coding</c> does not conform to
    /// the slice's Coding profile, so two text-only categories are not two of the slice (Firely took them for it: "Instance
    /// count ... 2"), and two categories with the profiled coding still are.
    /// </summary>
    [Fact]
    public async Task A_profile_slice_does_not_take_an_element_without_the_profiled_part()
    {
        var validator = NewValidator(ValidationMode.Report);
        var coding = ConstraintProfile("Coding", "lab-coding", "LabCoding",
            new ElementDefinition("Coding.system") { ElementId = "Coding.system", Min = 1, Fixed = new FhirUri("http://terminology.hl7.org/CodeSystem/observation-category") });
        coding.Kind = StructureDefinition.StructureDefinitionKind.ComplexType;
        var observation = ConstraintProfile("Observation", "lab-category", "LabCategory",
            new ElementDefinition("Observation.category")
            {
                ElementId = "Observation.category",
                Slicing = new ElementDefinition.SlicingComponent
                {
                    Discriminator = [new() { Type = ElementDefinition.DiscriminatorType.Profile, Path = "coding" }],
                    Rules = ElementDefinition.SlicingRules.Open,
                },
            },
            new ElementDefinition("Observation.category") { ElementId = "Observation.category:lab", SliceName = "lab", Min = 0, Max = "1" },
            new ElementDefinition("Observation.category.coding") { ElementId = "Observation.category:lab.coding", Min = 1, Type = [new() { Code = "Coding", Profile = [ExampleProfiles + "lab-coding"] }] });
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "lab-coding", 1, coding, CancellationToken.None);
        await validator.ConformanceChangedAsync("StructureDefinition", "lab-category", 1, observation, CancellationToken.None);

        string Check(params CodeableConcept[] categories) => Show(validator.ValidateAsync(new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept { Text = "potassium" },
            Category = [.. categories],
        }, [ExampleProfiles + "lab-category"], CancellationToken.None).GetAwaiter().GetResult());
        var lab = new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory");

        Assert.DoesNotContain("error", Check(new CodeableConcept { Text = "routine" }, new CodeableConcept { Text = "fasting" }), StringComparison.Ordinal);
        Assert.DoesNotContain("error", Check(lab, new CodeableConcept { Text = "fasting" }), StringComparison.Ordinal);
        Assert.Contains("for slice lab", Check(lab, new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")), StringComparison.Ordinal);
    }

    /// <summary>
    /// Slices told apart by <c>type</c> or <c>profile</c> where a slice lists several types (<see cref="MultiTypeSlices"/>):
    /// an entry is in the slice when its resource is any of them (Firely refused the whole profile: "should navigate to an
    /// ElementDefinition with exactly one 'type' element"). A Practitioner and a PractitionerRole are both the
    /// <c>staff</c> slice (so two exceed its max 1), a Patient is the <c>patient</c> slice, and the slice still holds its
    /// elements to its types (an Organization in a closed slicing is in no slice).
    /// </summary>
    [Theory]
    [InlineData(ElementDefinition.DiscriminatorType.Type)]
    [InlineData(ElementDefinition.DiscriminatorType.Profile)]
    public async Task A_type_or_profile_slice_listing_several_types_takes_an_element_of_any_of_them(ElementDefinition.DiscriminatorType discriminator)
    {
        var validator = NewValidator(ValidationMode.Report);
        var id = "staff-bundle-" + discriminator.GetLiteral();
        var profile = ConstraintProfile("Bundle", id, "StaffBundle",
            new ElementDefinition("Bundle.entry")
            {
                ElementId = "Bundle.entry",
                Slicing = new ElementDefinition.SlicingComponent
                {
                    Discriminator = [new() { Type = discriminator, Path = "resource" }],
                    Rules = ElementDefinition.SlicingRules.Closed,
                },
            },
            new ElementDefinition("Bundle.entry") { ElementId = "Bundle.entry:patient", SliceName = "patient", Min = 1, Max = "1" },
            new ElementDefinition("Bundle.entry.resource") { ElementId = "Bundle.entry:patient.resource", Type = [new() { Code = "Patient" }] },
            new ElementDefinition("Bundle.entry") { ElementId = "Bundle.entry:staff", SliceName = "staff", Min = 0, Max = "1" },
            new ElementDefinition("Bundle.entry.resource") { ElementId = "Bundle.entry:staff.resource", Type = [new() { Code = "Practitioner" }, new() { Code = "PractitionerRole" }] });
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", id, 1, profile, CancellationToken.None);

        string Check(params Resource[] resources) => Show(validator.ValidateAsync(new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry = [.. resources.Select((r, i) => new Bundle.EntryComponent { FullUrl = $"urn:uuid:7d0c1e52-5a41-4a8e-9f1b-00000000000{i}", Resource = r })],
        }, [ExampleProfiles + id], CancellationToken.None).GetAwaiter().GetResult());

        var practitioner = Check(new Patient(), new Practitioner());
        var role = Check(new Patient(), new PractitionerRole());
        var both = Check(new Patient(), new Practitioner(), new PractitionerRole());
        var organization = Check(new Patient(), new Organization { Name = "Clinic" });

        Assert.DoesNotContain("error", practitioner, StringComparison.Ordinal);
        Assert.DoesNotContain("error", role, StringComparison.Ordinal);
        Assert.Contains("error", both, StringComparison.Ordinal);
        Assert.Contains("staff", both, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot be used", both, StringComparison.Ordinal);
        Assert.Contains("does not match any slice", organization, StringComparison.Ordinal);

        // A profile of that profile inherits the slicing through its snapshot and tells the slices apart the same way.
        var derived = ConstraintProfile("Bundle", id + "-derived", "StaffBundleDerived",
            new ElementDefinition("Bundle.timestamp") { ElementId = "Bundle.timestamp", MustSupport = true });
        derived.BaseDefinition = ExampleProfiles + id;
        await validator.ConformanceChangedAsync("StructureDefinition", id + "-derived", 1, derived, CancellationToken.None);
        string CheckDerived(params Resource[] resources) => Show(validator.ValidateAsync(new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry = [.. resources.Select((r, i) => new Bundle.EntryComponent { FullUrl = $"urn:uuid:7d0c1e52-5a41-4a8e-9f1b-00000000000{i}", Resource = r })],
        }, [ExampleProfiles + id + "-derived"], CancellationToken.None).GetAwaiter().GetResult());

        Assert.DoesNotContain("error", CheckDerived(new Patient(), new PractitionerRole()), StringComparison.Ordinal);
        Assert.Contains("staff", CheckDerived(new Patient(), new Practitioner(), new PractitionerRole()), StringComparison.Ordinal);
        Assert.Contains("does not match any slice", CheckDerived(new Patient(), new Organization { Name = "Clinic" }), StringComparison.Ordinal);
    }

    /// <summary>
    /// A profile whose url is <c>urn:oid:</c> and something that is not an OID (R4's <c>uri</c> regex is <c>\S*</c>; only the
    /// <c>oid</c> type has the OID syntax): the url is a warning, not an error, and the profile can be used; an instance
    /// with a <c>urn:oid:</c> uri that is an OID has no such issue.
    /// </summary>
    [Fact]
    public async Task A_uri_url_starting_with_urn_oid_that_is_not_an_OID_is_a_warning_and_the_profile_is_usable()
    {
        var validator = NewValidator(ValidationMode.Report);
        var profile = PatientProfile("oid-url", "OidUrl", new ElementDefinition("Patient.birthDate") { ElementId = "Patient.birthDate", Min = 1 });
        profile.Url = "urn:oid:29a8b2a7-070f-4383-af2c-bdea61d358c9";
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context

        var onProfile = Show(await validator.ValidateAsync(profile, null, CancellationToken.None));
        await validator.ConformanceChangedAsync("StructureDefinition", "oid-url", 1, profile, CancellationToken.None);
        var onPatient = Show(await validator.ValidateAsync(new Patient(), [profile.Url], CancellationToken.None));
        var onOidPatient = Show(await validator.ValidateAsync(new Patient { Identifier = [new Identifier("urn:oid:1.2.3", "1")] }, null, CancellationToken.None));

        Assert.Contains("warning invalid [StructureDefinition.url", onProfile, StringComparison.Ordinal);
        Assert.Contains("Value 'urn:oid:29a8b2a7-070f-4383-af2c-bdea61d358c9' is not a valid URI", onProfile, StringComparison.Ordinal);
        Assert.DoesNotContain("error", onProfile, StringComparison.Ordinal);
        Assert.Contains("birthDate", onPatient, StringComparison.Ordinal);
        Assert.DoesNotContain("not a valid URI", onOidPatient, StringComparison.Ordinal);
    }

    /// <summary>
    /// A value of a type the profile does not allow is one problem, the type's: the binding of the allowed type is not also
    /// reported against it. A value of the allowed type outside the binding still is.
    /// </summary>
    [Fact]
    public async Task A_value_of_a_disallowed_type_is_not_also_checked_against_the_binding()
    {
        var validator = NewValidator(ValidationMode.Report);
        var profile = ConstraintProfile("Observation", "age-in-units", "AgeInUnits",
            new ElementDefinition("Observation.value[x]")
            {
                ElementId = "Observation.value[x]",
                Type = [new() { Code = "Quantity" }],
                Binding = new ElementDefinition.ElementDefinitionBindingComponent { Strength = BindingStrength.Required, ValueSet = "http://hl7.org/fhir/ValueSet/age-units" },
            });
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "age-in-units", 1, profile, CancellationToken.None);

        string Check(DataType value) => Show(validator.ValidateAsync(new Observation
        {
            Status = ObservationStatus.Final,
            Code = new CodeableConcept { Text = "age" },
            Value = value,
        }, [ExampleProfiles + "age-in-units"], CancellationToken.None).GetAwaiter().GetResult());

        var asString = Check(new FhirString("test"));
        Assert.Contains("is incompatible with that of the instance", asString, StringComparison.Ordinal);
        Assert.DoesNotContain("value set", asString, StringComparison.Ordinal);
        Assert.Contains("value set", Check(new Quantity { Value = 3, Unit = "kg", System = "http://unitsofmeasure.org", Code = "kg" }), StringComparison.Ordinal);
    }

    /// <summary>
    /// A section slice whose type names one section of a section library (R4's <c>elementdefinition-profile-element</c>,
    /// <see cref="ProfileElements"/>): the section is held to that library section (its code, its focus), not validated as
    /// a whole Composition of the library (which it never is: no status, type, date, author or title of its own).
    /// </summary>
    [Fact]
    public async Task A_type_profile_naming_one_element_of_a_library_holds_the_element_to_that_element()
    {
        var validator = NewValidator(ValidationMode.Report);
        const string sections = "http://example.org/fhir/CodeSystem/sections";
        var library = ConstraintProfile("Composition", "section-library", "SectionLibrary",
            new ElementDefinition("Composition.section")
            {
                Slicing = new ElementDefinition.SlicingComponent
                {
                    Discriminator = [new() { Type = ElementDefinition.DiscriminatorType.Pattern, Path = "code" }],
                    Rules = ElementDefinition.SlicingRules.Closed,
                },
            },
            new ElementDefinition("Composition.section") { SliceName = "medications" },
            new ElementDefinition("Composition.section.code") { Min = 1, Pattern = new CodeableConcept(sections, "medications") },
            new ElementDefinition("Composition.section.focus") { Min = 1 });
        library.Abstract = true;
        var medications = new ElementDefinition("Composition.section") { SliceName = "medications", Min = 1 };
        var reference = new Canonical(ExampleProfiles + "section-library");
        reference.SetStringExtension(ProfileElements.Url, "Composition.section:medications");
        medications.Type = [new ElementDefinition.TypeRefComponent { Code = "BackboneElement", ProfileElement = [reference] }];
        var document = ConstraintProfile("Composition", "medication-document", "MedicationDocument",
            new ElementDefinition("Composition.section")
            {
                Slicing = new ElementDefinition.SlicingComponent
                {
                    Discriminator = [new() { Type = ElementDefinition.DiscriminatorType.Pattern, Path = "code" }],
                    Rules = ElementDefinition.SlicingRules.Closed,
                },
            },
            medications);
        _ = await validator.ValidateAsync(new Patient(), null, CancellationToken.None); // reads the first context
        await validator.ConformanceChangedAsync("StructureDefinition", "section-library", 1, library, CancellationToken.None);
        await validator.ConformanceChangedAsync("StructureDefinition", "medication-document", 1, document, CancellationToken.None);

        string Check(Composition.SectionComponent section) => Show(validator.ValidateAsync(new Composition
        {
            Status = CompositionStatus.Final,
            Type = new CodeableConcept("http://loinc.org", "11503-0"),
            Date = "2025-03-07",
            Author = [new ResourceReference("Practitioner/p1")],
            Title = "Medications",
            Section = [section],
        }, [ExampleProfiles + "medication-document"], CancellationToken.None).GetAwaiter().GetResult());

        Assert.DoesNotContain("error", Check(new Composition.SectionComponent { Code = new CodeableConcept(sections, "medications"), Focus = new ResourceReference("MedicationStatement/m1"), Entry = [new ResourceReference("MedicationStatement/m1")] }), StringComparison.Ordinal);
        Assert.Contains("Missing required member: 'focus'", Check(new Composition.SectionComponent { Code = new CodeableConcept(sections, "medications"), Entry = [new ResourceReference("MedicationStatement/m1")] }), StringComparison.Ordinal);
    }

    /// <summary>A primitive with an id and no value is one problem (<c>ele-1</c>), not also a regex failure; a value that is there still meets its regex.</summary>
    [Fact]
    public async Task A_primitive_without_a_value_is_reported_once()
    {
        var empty = Show(await Shared.Value.ValidateAsync(new Patient { ImplicitRulesElement = new FhirUri { ElementId = "i1" } }, null, CancellationToken.None));
        var spaced = Show(await Shared.Value.ValidateAsync(new Patient { ImplicitRulesElement = new FhirUri("http://example.org/rules v2") }, null, CancellationToken.None));

        Assert.Contains("ele-1", empty, StringComparison.Ordinal);
        Assert.DoesNotContain("does not match regex", empty, StringComparison.Ordinal);
        Assert.Contains("does not match regex", spaced, StringComparison.Ordinal);
    }

    private static Observation HeartRate() => new()
    {
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")],
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference("Patient/p1"),
        Effective = new FhirDateTime("2025-03-07T09:45:00Z"),
        Value = new Quantity { Value = 80, Unit = "/min", System = "http://unitsofmeasure.org", Code = "/min" },
    };

    private const string ExampleProfiles = "http://example.org/fhir/StructureDefinition/";

    /// <summary>A Patient profile (differential only) at <see cref="ExampleProfiles"/><paramref name="id"/>.</summary>
    private static StructureDefinition PatientProfile(string id, string name, params ElementDefinition[] differential) =>
        ConstraintProfile("Patient", id, name, differential);

    /// <summary>A profile of the core <paramref name="type"/> (differential only) at <see cref="ExampleProfiles"/><paramref name="id"/>.</summary>
    private static StructureDefinition ConstraintProfile(string type, string id, string name, params ElementDefinition[] differential) => new()
    {
        Id = id,
        Url = ExampleProfiles + id,
        Name = name,
        Status = PublicationStatus.Active,
        FhirVersion = FHIRVersion.N4_0_1,
        Kind = StructureDefinition.StructureDefinitionKind.Resource,
        Abstract = false,
        Type = type,
        BaseDefinition = "http://hl7.org/fhir/StructureDefinition/" + type,
        Derivation = StructureDefinition.TypeDerivationRule.Constraint,
        Differential = new StructureDefinition.DifferentialComponent { Element = [.. differential] },
    };

    [Fact]
    public async Task An_R5_Bundle_invariant_Firely_adds_is_not_reported_next_to_the_R4_one_that_says_the_same()
    {
        // An empty message entry: R4's bdl-5 fails, and Firely's added bdl-3a (not an R4 invariant) would repeat it.
        var message = new Bundle
        {
            Type = Bundle.BundleType.Message,
            Entry =
            [
                new() { FullUrl = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000001", Resource = new MessageHeader { Event = new Coding("http://example.org/events", "e"), Source = new() { Endpoint = "http://example.org/in" } } },
                new() { FullUrl = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000002" },
            ],
        };

        // A collection entry with a request: R4's bdl-3; bdl-3a again.
        var collection = new Bundle
        {
            Type = Bundle.BundleType.Collection,
            Entry = [new() { FullUrl = "urn:uuid:0d7f6b0e-2222-4c6a-9a55-000000000003", Resource = new Patient(), Request = new() { Method = Bundle.HTTPVerb.POST, Url = "Patient" } }],
        };

        var onMessage = Show(await Shared.Value.ValidateAsync(message, null, CancellationToken.None));
        var onCollection = Show(await Shared.Value.ValidateAsync(collection, null, CancellationToken.None));

        Assert.Contains("bdl-5", onMessage, StringComparison.Ordinal);
        Assert.Contains("bdl-3 ", onCollection, StringComparison.Ordinal);
        Assert.DoesNotContain("bdl-3a", onMessage + onCollection, StringComparison.Ordinal);
    }

    private static ResourceValidator NewValidator(ValidationMode mode, IConformanceStore? store = null) => new(
        Options.Create(new ValidationOptions { Mode = mode, PackageFolders = [Path.Combine(AppContext.BaseDirectory, "profiles", "package")] }),
        store ?? new NoStore(), new FhirSerialization(), NullLogger<ResourceValidator>.Instance, new FhirKetamine.Core.Search.UcumCanonicalizer());

    private static string Show(OperationOutcome outcome) =>
        string.Join("\n", outcome.Issue.Select(i => $"{i.Severity?.GetLiteral()} {i.Code?.GetLiteral()} [{string.Join(",", i.Expression)}] {i.Details?.Text ?? i.Diagnostics}"));

    private sealed class NoStore : IConformanceStore
    {
        public Task<IReadOnlyList<Resource>> LoadAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<Resource>>([]);
    }

    /// <summary>No conformance resources; the given resources as reference targets, counting each read.</summary>
    private sealed class CountingStore(params Resource[] targets) : IConformanceStore
    {
        public List<string> Reads { get; } = [];

        public Task<IReadOnlyList<Resource>> LoadAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<Resource>>([]);

        public Task<Resource?> ReadAsync(string type, string id, CancellationToken ct)
        {
            lock (Reads)
            {
                Reads.Add($"{type}/{id}");
            }

            return Task.FromResult(targets.FirstOrDefault(t => t.TypeName == type && t.Id == id));
        }
    }
}
