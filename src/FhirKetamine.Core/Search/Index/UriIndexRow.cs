namespace FhirKetamine.Core.Search.Index;

/// <summary>A uri parameter value, kept exactly.</summary>
public sealed class UriIndexRow : IndexRow
{
    public required string Uri { get; set; }
}
