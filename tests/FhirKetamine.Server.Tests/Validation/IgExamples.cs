using System.Text.Json;

namespace FhirKetamine.Server.Tests.Validation;

/// <summary>The IG's examples as copied to the test output (examples/valid, examples/invalid with its manifest).</summary>
internal static class IgExamples
{
    public static readonly string Root = Path.Combine(AppContext.BaseDirectory, "examples");

    public static IEnumerable<string> Valid() =>
        Directory.EnumerateFiles(Path.Combine(Root, "valid"), "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static string Read(string folder, string file) => File.ReadAllText(Path.Combine(Root, folder, file));

    public static IReadOnlyList<InvalidExample> Invalid()
    {
        using var doc = JsonDocument.Parse(Read("invalid", "manifest.json"));
        return doc.RootElement.GetProperty("examples").EnumerateArray()
            .Select(e => new InvalidExample(
                e.GetProperty("file").GetString()!,
                e.GetProperty("errors").EnumerateArray().Select(x => new ExpectedIssue(
                    x.GetProperty("severity").GetString()!,
                    x.GetProperty("code").GetString()!,
                    x.GetProperty("expression").GetString()!,
                    x.GetProperty("messageContains").GetString()!)).ToList()))
            .ToList();
    }

    internal sealed record InvalidExample(string File, IReadOnlyList<ExpectedIssue> Errors);

    internal sealed record ExpectedIssue(string Severity, string Code, string Expression, string MessageContains);
}