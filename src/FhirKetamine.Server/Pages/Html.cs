using System.Text;
using System.Text.Encodings.Web;

namespace FhirKetamine.Server.Pages;

/// <summary>The plain HTML page frame of the login and consent forms: no JavaScript, one small stylesheet.</summary>
internal static class Html
{
    public static string E(string? value) => HtmlEncoder.Default.Encode(value ?? "");

    public static IResult Page(string title, string body, int status = 200)
    {
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>").Append(E(title)).Append(" · FhirKetamine</title><style>")
            .Append("body{font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#222}")
            .Append("label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password],input[type=search],select{width:100%;padding:.4rem}")
            .Append("button{margin-top:1rem;padding:.5rem 1.2rem}.error{color:#b00}li{list-style:none}")
            .Append("</style></head><body><h1>").Append(E(title)).Append("</h1>").Append(body).Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    public static string Hidden(string name, string? value) => $"<input type=\"hidden\" name=\"{E(name)}\" value=\"{E(value)}\">";
}
