using FhirKetamine.Core.Search.Index;

namespace FhirKetamine.Core.Search;

/// <summary>The index rows extracted from one resource version; they travel with it into the write transaction.</summary>
public sealed class IndexEntries
{
    public List<StringIndexRow> Strings { get; } = [];

    public List<TokenIndexRow> Tokens { get; } = [];

    public List<DateIndexRow> Dates { get; } = [];

    public List<ReferenceIndexRow> References { get; } = [];

    public List<QuantityIndexRow> Quantities { get; } = [];

    public List<NumberIndexRow> Numbers { get; } = [];

    public List<UriIndexRow> Uris { get; } = [];

    public List<TokenQuantityIndexRow> TokenQuantities { get; } = [];

    public List<CompositeIndexRow> Composites { get; } = [];

    public IEnumerable<IndexRow> All =>
        Strings.Cast<IndexRow>().Concat(Tokens).Concat(Dates).Concat(References).Concat(Quantities).Concat(Numbers).Concat(Uris).Concat(TokenQuantities).Concat(Composites);
}
