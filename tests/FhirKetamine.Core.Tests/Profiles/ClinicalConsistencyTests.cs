// Firely's POCOs are nullable throughout; these tests walk known-good shapes, where a null is itself a failure.
#nullable disable warnings

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Tests.Profiles;

/// <summary>
/// The examples are clinically coherent, not only structurally valid: questionnaire totals match
/// their answers' ordinal values, score Observations match the QuestionnaireResponse they derive from,
/// and each ketamine dose is dose-per-kg x the referenced body weight (within 5 %, DOMAIN.md §3).
/// </summary>
[Collection(ProfileValidatorCollection.Name)]
public sealed class ClinicalConsistencyTests(ProfileValidatorFixture fixture)
{
    private const string OrdinalValue = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
    private static readonly string[] ScoredInstruments = ["phq9", "gad7", "pcl5"];

    private static readonly Lazy<Dictionary<string, Resource>> Examples = new(() =>
        IgFiles.ValidExamples()
            .Select(e => IgFiles.Parse(IgFiles.ExamplePath(e)))
            .ToDictionary(r => $"{r.TypeName}/{r.Id}"));

    [Fact]
    public void PHQ9_has_the_nine_LOINC_items_with_LL358_3_answers_scored_0_to_3()
    {
        var phq9 = Questionnaire("phq9");
        string[] items = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"];

        Assert.Equal("44249-1", phq9.Code.Single().Code);
        Assert.Equal(items, phq9.Item.Take(9).Select(i => i.Code.Single().Code));
        Assert.All(phq9.Item.Take(9), item => Assert.Equal(
            ["LA6568-5:0", "LA6569-3:1", "LA6570-1:2", "LA6571-9:3"],
            item.AnswerOption.Select(o => $"{((Coding)o.Value).Code}:{Ordinal(o)}")));
        Assert.Equal("44261-6", phq9.Item.Single(i => i.LinkId == "phq9-total").Code.Single().Code);
    }

    [Fact]
    public void GAD7_has_the_seven_LOINC_items_and_a_calculated_total()
    {
        var gad7 = Questionnaire("gad7");
        string[] items = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"];

        Assert.Equal("69737-5", gad7.Code.Single().Code);
        Assert.Equal(items, gad7.Item.Take(7).Select(i => i.Code.Single().Code));
        var total = gad7.Item.Single(i => i.LinkId == "gad7-total");
        Assert.Equal("70274-6", total.Code.Single().Code);
        Assert.True(total.ReadOnly);
        Assert.NotNull(total.GetExtension("http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"));
    }

    [Fact]
    public void Questionnaire_response_totals_equal_the_sum_of_their_answers_ordinal_values()
    {
        var responses = Examples.Value.Values.OfType<QuestionnaireResponse>()
            .Where(qr => ScoredInstruments.Any(id => qr.Questionnaire.Contains($"/Questionnaire/{id}|", StringComparison.Ordinal)))
            .ToList();
        Assert.NotEmpty(responses);

        Assert.All(responses, qr =>
        {
            var questionnaire = Questionnaire(qr.Questionnaire.Split('|')[0].Split('/')[^1]);
            var scores = questionnaire.Item.Where(i => i.AnswerOption.Count > 0 && !i.LinkId.EndsWith("-difficulty", StringComparison.Ordinal))
                .ToDictionary(i => i.LinkId, i => i.AnswerOption.ToDictionary(o => ((Coding)o.Value).Code, Ordinal));
            var sum = qr.Item.Where(i => scores.ContainsKey(i.LinkId))
                .Sum(i => scores[i.LinkId][((Coding)i.Answer.Single().Value).Code]);
            var total = qr.Item.Single(i => i.LinkId.EndsWith("-total", StringComparison.Ordinal)).Answer.Single().Value;

            Assert.True(sum == ((Integer)total).Value, $"{qr.Id}: answers sum to {sum}, total says {total}");
        });
    }

    [Fact]
    public void Score_observations_equal_the_total_of_the_response_they_derive_from()
    {
        var totals = Examples.Value.Values.OfType<Observation>()
            .Where(o => o.Code.Coding.Any(c => c.Code is "44261-6" or "70274-6"))
            .ToList();
        Assert.NotEmpty(totals);

        Assert.All(totals, o =>
        {
            var qr = (QuestionnaireResponse)Examples.Value[o.DerivedFrom.Single().Reference];
            var total = qr.Item.Single(i => i.LinkId.EndsWith("-total", StringComparison.Ordinal)).Answer.Single().Value;
            Assert.Equal(((Integer)total).Value, ((Integer)o.Value).Value);
        });
    }

    [Fact]
    public void Each_ketamine_dose_is_dose_per_kg_times_the_referenced_weight_and_rate_times_duration()
    {
        var administrations = Examples.Value.Values.OfType<MedicationAdministration>().ToList();
        Assert.NotEmpty(administrations);

        Assert.All(administrations, ma =>
        {
            var perKg = (Quantity)ma.Dosage.GetExtension("http://fhir-ketamine.org/fhir/StructureDefinition/dose-per-kg").Value;
            var weight = (Quantity)((Observation)Examples.Value[ma.SupportingInformation.Single().Reference]).Value;
            var dose = ma.Dosage.Dose.Value!.Value;
            Assert.Equal("kg", weight.Code);
            Assert.InRange(dose, perKg.Value!.Value * weight.Value!.Value * 0.95m, perKg.Value!.Value * weight.Value!.Value * 1.05m);

            var period = (Period)ma.Effective;
            var hours = (decimal)(period.EndElement.ToDateTimeOffset(TimeSpan.Zero) - period.StartElement.ToDateTimeOffset(TimeSpan.Zero)).TotalHours;
            var rate = (Quantity)ma.Dosage.Rate;
            Assert.Equal("mg/kg/h", rate.Code);
            var delivered = rate.Value!.Value * weight.Value!.Value * hours;
            Assert.InRange(delivered, dose * 0.95m, dose * 1.05m);
        });
    }

    private Questionnaire Questionnaire(string id) =>
        fixture.PackageResources.Values.OfType<Questionnaire>().Single(q => q.Id == id);

    private static int Ordinal(Questionnaire.AnswerOptionComponent option) =>
        (int)((FhirDecimal)option.GetExtension(OrdinalValue).Value).Value!.Value;
}