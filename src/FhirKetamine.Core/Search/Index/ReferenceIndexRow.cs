namespace FhirKetamine.Core.Search.Index;

/// <summary>A reference parameter value: a local reference split into target type and id, or an absolute URL kept whole in TargetId.</summary>
public sealed class ReferenceIndexRow : IndexRow
{
    public string? TargetType { get; set; }

    public required string TargetId { get; set; }
}
