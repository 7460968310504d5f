using System.Text;
using FhirKetamine.Server.Smart;
using Microsoft.AspNetCore.Antiforgery;
using OpenIddict.Abstractions;

namespace FhirKetamine.Server.Pages;

/// <summary>The consent form: the scopes offered (ticked, untick to narrow), the patient picker with a search box, allow or deny.</summary>
internal static class ConsentPage
{
    public static IResult Render(HttpContext http, IAntiforgery antiforgery, OpenIddictRequest request, IReadOnlyList<string> offered,
        IReadOnlyList<PatientPicker.Choice> patients, bool wantsPatient, string? launchPatient = null)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var parameters = request.GetParameters().Where(p => p.Key != "patient_search").ToList();
        var body = new StringBuilder();
        body.Append("<p><strong>").Append(Html.E(request.ClientId)).Append("</strong> asks to access FHIR data for you.</p>");
        if (wantsPatient)
        {
            // A GET search that keeps every authorize parameter and reloads this page.
            body.Append("<form method=\"get\" action=\"/connect/authorize\">");
            foreach (var (name, value) in parameters)
            {
                body.Append(Html.Hidden(name, value.ToString()));
            }

            body.Append("<label for=\"patient_search\">Find a patient</label><input type=\"search\" id=\"patient_search\" name=\"patient_search\" value=\"")
                .Append(Html.E(http.Request.Query["patient_search"].ToString())).Append("\"><button type=\"submit\">Search</button></form>");
        }

        body.Append("<form method=\"post\" action=\"/connect/authorize\">").Append(Html.Hidden(tokens.FormFieldName, tokens.RequestToken));
        foreach (var (name, value) in parameters)
        {
            body.Append(Html.Hidden(name, value.ToString()));
        }

        if (launchPatient is not null)
        {
            body.Append("<p>Patient (from the EHR launch): <strong>").Append(Html.E(launchPatient)).Append("</strong></p>");
        }

        if (wantsPatient)
        {
            body.Append("<label for=\"patient\">Patient</label><select id=\"patient\" name=\"patient\" required>");
            foreach (var patient in patients)
            {
                body.Append("<option value=\"").Append(Html.E(patient.Id)).Append("\">").Append(Html.E(patient.Name.Length > 0 ? patient.Name : patient.Id))
                    .Append(" (").Append(Html.E(patient.Id)).Append(")</option>");
            }

            body.Append("</select>");
        }

        body.Append("<p>Permissions:</p><ul>");
        foreach (var scope in offered)
        {
            body.Append("<li><label><input type=\"checkbox\" name=\"scope_grant\" value=\"").Append(Html.E(scope)).Append("\" checked> ")
                .Append(Html.E(scope)).Append("</label></li>");
        }

        body.Append("</ul><button type=\"submit\" name=\"consent\" value=\"allow\">Allow</button> ")
            .Append("<button type=\"submit\" name=\"consent\" value=\"deny\">Deny</button></form>");
        return Html.Page("Authorize", body.ToString());
    }
}
