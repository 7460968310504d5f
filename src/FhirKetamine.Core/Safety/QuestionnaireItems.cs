using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Safety;

/// <summary>Reading a QuestionnaireResponse's answers by linkId, wherever the item is nested.</summary>
internal static class QuestionnaireItems
{
    /// <summary>The first item with <paramref name="linkId"/>, depth first, through nested items and items under answers.</summary>
    public static QuestionnaireResponse.ItemComponent? Find(IEnumerable<QuestionnaireResponse.ItemComponent> items, string linkId)
    {
        foreach (var item in items)
        {
            if (item.LinkId == linkId)
            {
                return item;
            }

            if (Find(item.Item.Concat(item.Answer.SelectMany(a => a.Item)), linkId) is { } nested)
            {
                return nested;
            }
        }

        return null;
    }
}
