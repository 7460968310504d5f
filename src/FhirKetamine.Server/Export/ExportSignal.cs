using FhirKetamine.Core;

namespace FhirKetamine.Server.Export;

/// <summary>Wakes the export worker when a job is queued, so it does not wait for its next poll.</summary>
internal sealed class ExportSignal : WorkSignal;
