namespace FhirKetamine.Core.Search.Index;

/// <summary>An index row that holds a quantity in UCUM base units (null when its unit does not convert, or before <c>$reindex</c>).</summary>
public interface ICanonicalQuantity
{
    string? CanonicalCode { get; }

    double? CanonicalValue { get; }
}
