using System.Net;

using FhirKetamine.Core.Operations;
using FhirKetamine.Core.Progress;
using FhirKetamine.Core.Rest;
using FhirKetamine.Server.Smart;

using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Rest;

/// <summary>
/// The Patient operations: <c>Patient/[id]/$everything</c> (R4, GET) and <c>$ketamine-progress</c> (the IG's
/// OperationDefinition) at instance level and at type level with a <c>patient</c> parameter, by GET or POST.
/// </summary>
internal static class PatientOperations
{
    private static readonly HashSet<string> ShapeParameters = ["_format", "_pretty", "_summary", "_elements"];

    public static void MapPatientOperations(this RouteGroupBuilder fhir)
    {
        fhir.MapGet("Patient/{id}/$everything", (string id, HttpContext http, PatientEverything everything, CancellationToken ct) =>
            EverythingAsync(http.ToFhirRequest(Interaction.Operation, "Patient", id), everything, ct)).WithName("patient-everything");

        fhir.MapGet("Patient/{id}/$ketamine-progress", (string id, HttpContext http, KetamineProgress progress, CancellationToken ct) =>
            ProgressAsync(http, id, progress, ct)).WithName("ketamine-progress-instance");
        fhir.MapPost("Patient/{id}/$ketamine-progress", (string id, HttpContext http, KetamineProgress progress, CancellationToken ct) =>
            ProgressAsync(http, id, progress, ct)).WithName("ketamine-progress-instance-post");
        fhir.MapGet("Patient/$ketamine-progress", (HttpContext http, KetamineProgress progress, CancellationToken ct) =>
            ProgressAsync(http, null, progress, ct)).WithName("ketamine-progress-type");
        fhir.MapPost("Patient/$ketamine-progress", (HttpContext http, KetamineProgress progress, CancellationToken ct) =>
            ProgressAsync(http, null, progress, ct)).WithName("ketamine-progress-type-post");
    }

    private static async Task<IResult> EverythingAsync(FhirRequest request, PatientEverything everything, CancellationToken ct) =>
        new FhirResult(await everything.RunAsync(request with { OperationName = PatientEverything.Name }, ct));

    /// <summary>
    /// The one input is <c>patient</c> (an id or <c>Patient/[id]</c>), at type level only: in the query, or in a
    /// Parameters body on POST. Any other parameter is an error, so a typo is not silently ignored.
    /// </summary>
    private static async Task<IResult> ProgressAsync(HttpContext http, string? id, KetamineProgress progress, CancellationToken ct)
    {
        var given = new List<string>();
        foreach (var (name, values) in http.Request.Query)
        {
            if (name == "patient")
            {
                given.AddRange(values.OfType<string>());
            }
            else if (!ShapeParameters.Contains(name))
            {
                throw FhirException.BadRequest($"'{name}' is not a parameter of $ketamine-progress.", name);
            }
        }

        var content = HttpMethods.IsPost(http.Request.Method) ? await FhirHttp.ReadBodyAsync(http, ct) : [];
        if (content.Length > 0)
        {
            var serialization = http.RequestServices.GetRequiredService<FhirSerialization>();
            if (serialization.Parse(content, FhirHttp.RequestFormat(http)) is not Parameters body)
            {
                throw FhirException.BadRequest("POST $ketamine-progress takes a Parameters resource (or no body).");
            }

            foreach (var parameter in body.Parameter)
            {
                given.Add(parameter switch
                {
                    { Name: "patient", Value: FhirString or Id or FhirUri } => parameter.Value.ToString()!,
                    { Name: "patient", Value: ResourceReference { Reference: { } reference } } => reference,
                    { Name: "patient" } => throw FhirException.BadRequest("'patient' must be a string, id or Reference.", "Parameters.parameter.where(name = 'patient')"),
                    _ => throw FhirException.BadRequest($"'{parameter.Name}' is not a parameter of $ketamine-progress.", $"Parameters.parameter.where(name = '{parameter.Name}')"),
                });
            }
        }

        if (id is not null && given.Count > 0)
        {
            throw FhirException.BadRequest("Patient/[id]/$ketamine-progress names its patient in the URL; 'patient' is for the type level (Patient/$ketamine-progress?patient=…).", "patient");
        }

        if (id is null)
        {
            id = given switch
            {
                [var one] => one.StartsWith("Patient/", StringComparison.Ordinal) ? one["Patient/".Length..] : one,
                [] => throw FhirException.BadRequest("Patient/$ketamine-progress needs a 'patient' parameter (an id or Patient/[id]).", "patient"),
                _ => throw FhirException.BadRequest("$ketamine-progress takes exactly one 'patient'.", "patient"),
            };
        }

        var parameters = await progress.RunAsync(id, http.Access(), ct);
        return new FhirResult(new FhirResponse(HttpStatusCode.OK) { Resource = parameters });
    }
}