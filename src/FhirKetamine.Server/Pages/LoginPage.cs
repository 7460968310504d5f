using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using FhirKetamine.Server.Smart;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FhirKetamine.Server.Pages;

/// <summary><c>/connect/login</c>: username and password of a <c>Smart:Users</c> entry; a cookie session for the authorize step.</summary>
internal static class LoginPage
{
    public static IResult Show(HttpContext http, IAntiforgery antiforgery, string? returnUrl) => Render(http, antiforgery, returnUrl, error: null);

    public static async Task<IResult> SubmitAsync(HttpContext http, IAntiforgery antiforgery, IOptions<SmartOptions> options)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Html.Page("Sign in", "<p class=\"error\">The form expired. Go back and try again.</p>", 400);
        }

        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        var returnUrl = form["returnUrl"].ToString();
        var user = options.Value.Users.FirstOrDefault(u => u.Username == form["username"].ToString());
        if (user is null || !FixedTimeEquals(user.Password, form["password"].ToString()))
        {
            return Render(http, antiforgery, returnUrl, "Unknown user or wrong password.");
        }

        var identity = new ClaimsIdentity(SmartServer.LoginScheme);
        identity.AddClaim(new Claim(ClaimTypes.Name, user.Username));
        if (user.FhirUser is not null)
        {
            identity.AddClaim(new Claim(TokenEndpoint.FhirUserClaim, user.FhirUser));
        }

        await http.SignInAsync(SmartServer.LoginScheme, new ClaimsPrincipal(identity));
        return Results.Redirect(IsLocalAuthorize(returnUrl) ? returnUrl : "/");
    }

    private static IResult Render(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var body = (error is null ? "" : $"<p class=\"error\">{Html.E(error)}</p>")
            + "<form method=\"post\" action=\"/connect/login\">"
            + Html.Hidden(tokens.FormFieldName, tokens.RequestToken) + Html.Hidden("returnUrl", returnUrl)
            + "<label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required>"
            + "<label for=\"password\">Password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
            + "<button type=\"submit\">Sign in</button></form>";
        return Html.Page("Sign in", body, error is null ? 200 : 401);
    }

    private static bool IsLocalAuthorize(string url) => url.StartsWith("/connect/authorize", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal);

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(actual)));
}
