using System.Text.Json;

using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

namespace FhirKetamine.Core.Tests.Profiles;

/// <summary>
/// Each file in examples/invalid/ breaks one rule of the IG; examples/invalid/manifest.json records
/// every error the validator must report for it, and nothing else may be reported as an error.
/// </summary>
[Collection(ProfileValidatorCollection.Name)]
public sealed class InvalidExamplesTests(ProfileValidatorFixture fixture)
{
    private static readonly string InvalidDirectory = Path.Combine(IgFiles.OutputRoot, "examples", "invalid");

    public static TheoryData<string> Cases() => new(Manifest().Select(c => c.File));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Invalid_example_fails_with_exactly_its_recorded_errors(string file)
    {
        var expected = Manifest().Single(c => c.File == file);
        var resource = IgFiles.ParseLenient(Path.Combine(InvalidDirectory, file));

        var errors = ValidExamplesTests.Errors(fixture.Validate(resource));

        var unmatched = errors.ToList();
        foreach (var want in expected.Errors)
        {
            var hit = unmatched.FirstOrDefault(want.Matches);
            Assert.True(hit is not null,
                $"{file} ({expected.Breaks}): no error matching {want}\nactual:\n{string.Join("\n", errors.Select(Show))}");
            unmatched.Remove(hit);
        }

        Assert.True(unmatched.Count == 0, $"{file}: unexpected errors:\n{string.Join("\n", unmatched.Select(Show))}");
    }

    [Fact]
    public void Every_invalid_example_file_is_recorded_in_the_manifest()
    {
        var files = Directory.EnumerateFiles(InvalidDirectory, "*.json")
            .Select(Path.GetFileName)
            .Where(f => f != "manifest.json")
            .Order(StringComparer.Ordinal);

        Assert.Equal(files, Manifest().Select(c => c.File).Order(StringComparer.Ordinal));
        Assert.All(Manifest(), c => Assert.NotEmpty(c.Errors));
    }

    private static string Show(OperationOutcome.IssueComponent i) =>
        $"{i.Severity} {i.Code?.GetLiteral()} [{string.Join(",", i.Expression)}] {i.Details?.Text}";

    private static IReadOnlyList<InvalidCase> Manifest()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(InvalidDirectory, "manifest.json")));
        return doc.RootElement.GetProperty("examples").EnumerateArray()
            .Select(e => new InvalidCase(
                e.GetProperty("file").GetString()!,
                e.GetProperty("breaks").GetString()!,
                e.GetProperty("errors").EnumerateArray().Select(ExpectedError.From).ToList()))
            .ToList();
    }

    private sealed record InvalidCase(string File, string Breaks, IReadOnlyList<ExpectedError> Errors);

    private sealed record ExpectedError(string Severity, string Code, string Expression, string MessageContains, string? Invariant)
    {
        public static ExpectedError From(JsonElement e) => new(
            e.GetProperty("severity").GetString()!,
            e.GetProperty("code").GetString()!,
            e.GetProperty("expression").GetString()!,
            e.GetProperty("messageContains").GetString()!,
            e.TryGetProperty("invariant", out var key) ? key.GetString() : null);

        public bool Matches(OperationOutcome.IssueComponent issue) =>
            string.Equals(issue.Severity?.GetLiteral(), Severity, StringComparison.Ordinal)
            && string.Equals(issue.Code?.GetLiteral(), Code, StringComparison.Ordinal)
            && issue.Expression.Contains(Expression)
            && (issue.Details?.Text ?? "").Contains(MessageContains, StringComparison.Ordinal)
            && (Invariant is null || (issue.Details?.Text ?? "").Contains($"constraint {Invariant} ", StringComparison.Ordinal));
    }
}