using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>
/// Rule <c>si</c>: PHQ-9 item 9 (LOINC 44260-8, thoughts of self-harm) answered other than "Not at all"
/// (LA6568-5), in the IG's PHQ-9 QuestionnaireResponse (item <c>phq9-9</c>) or as an Observation of 44260-8.
/// "Not at all" is back in range.
/// </summary>
public static class SuicidalIdeationRule
{
    public const string Item9Code = "44260-8";
    public const string NotAtAll = "LA6568-5";
    public const string Phq9Questionnaire = "http://fhir-ketamine.org/fhir/Questionnaire/phq9";
    public const string Item9LinkId = "phq9-9";

    private const string Loinc = "http://loinc.org";

    public static SafetyFinding? Evaluate(QuestionnaireResponse response)
    {
        var questionnaire = response.Questionnaire;
        if (questionnaire is null || (questionnaire != Phq9Questionnaire && !questionnaire.StartsWith(Phq9Questionnaire + "|", StringComparison.Ordinal))
            || response.Status is QuestionnaireResponse.QuestionnaireResponseStatus.EnteredInError or QuestionnaireResponse.QuestionnaireResponseStatus.Stopped)
        {
            return null;
        }

        var item = QuestionnaireItems.Find(response.Item, Item9LinkId);
        return item?.Answer.FirstOrDefault()?.Value is { } answer ? Judge(answer, $"QuestionnaireResponse item {Item9LinkId}") : null;
    }

    public static SafetyFinding? Evaluate(Observation observation)
    {
        if (observation.Code?.Coding.Any(c => c.System == Loinc && c.Code == Item9Code) == true && observation.Value is { } value)
        {
            return Judge(value, $"Observation {Item9Code}");
        }

        return observation.Component
            .Where(c => c.Code?.Coding.Any(x => x.System == Loinc && x.Code == Item9Code) == true)
            .Select(c => c.Value is { } answer ? Judge(answer, $"Observation component {Item9Code}") : null)
            .FirstOrDefault(f => f is not null);
    }

    private static SafetyFinding? Judge(DataType answer, string where)
    {
        var rule = SafetyRule.For("si");
        bool? positive = answer switch
        {
            Coding coding => coding.Code != NotAtAll,
            CodeableConcept concept when concept.Coding.Count > 0 => concept.Coding.All(c => c.Code != NotAtAll),
            Integer { Value: { } n } => n > 0,
            Quantity { Value: { } q } => q > 0,
            _ => null,
        };
        var shown = answer switch
        {
            Coding coding => coding.Display ?? coding.Code,
            CodeableConcept concept => concept.Text ?? concept.Coding.FirstOrDefault()?.Display ?? concept.Coding.FirstOrDefault()?.Code,
            Integer n => n.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Quantity q => q.Value?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        };
        return positive switch
        {
            true => new SafetyFinding(rule, true, $"{rule.Display}: PHQ-9 item 9 (thoughts of self-harm, LOINC {Item9Code}) answered '{shown}' ({where})."),
            false => new SafetyFinding(rule, false, $"{rule.Display}: PHQ-9 item 9 answered 'Not at all'."),
            null => null,
        };
    }
}
