using FhirKetamine.Core.Storage;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>A validated create or update: the job for the writer, and the validator's warnings for the answer.</summary>
public sealed record PendingWrite(WriteJob Job, OperationOutcome Validated);
