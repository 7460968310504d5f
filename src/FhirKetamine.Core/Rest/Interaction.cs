namespace FhirKetamine.Core.Rest;

/// <summary>The FHIR RESTful interactions (R4 http.html), one value per kind of request.</summary>
public enum Interaction
{
    Read,
    VRead,
    Create,
    Update,
    Patch,
    Delete,
    HistoryInstance,
    HistoryType,
    HistorySystem,
    SearchType,
    SearchSystem,
    Capabilities,
    Batch,
    Transaction,
    Operation,
}
