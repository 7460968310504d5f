using FhirKetamine.Core.Search;

using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirKetamine.Core.Tests.Search;

/// <summary>
/// The indexer evaluates parameters' expressions its own way (<see cref="IndexExpressions"/>: plain paths through the
/// POCOs, the rest compiled once on one element tree per resource); it must select exactly what Firely's
/// <c>Base.Select(expression)</c> selects. Checked on every parameter of every resource in the
/// FHIR community's validator test cases that parses (hundreds of resources of dozens of types, many deliberately odd).
/// </summary>
public sealed class SearchIndexerEvaluationTests
{
    private static readonly SearchParameterRegistry Registry = new();

    [Fact]
    public void Compiled_expressions_select_what_firely_select_selects_on_every_test_case_resource()
    {
        var folder = TestCasesFolder();
        var parser = new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Recoverable));
        var resources = 0;
        var evaluations = 0;
        var nonEmpty = 0;
        var componentEvaluations = 0;
        var componentNonEmpty = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Resource resource;
            try
            {
                resource = parser.DeserializeResource(File.ReadAllText(file));
            }
            catch (Exception ex) when (ex is DeserializationFailedException or FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                continue;
            }

            resources++;
            var evaluator = new IndexExpressions(resource); // one per resource, as the indexer uses it
            foreach (var parameter in Registry.For(resource.TypeName))
            {
                var where = $"{Path.GetFileName(file)} {resource.TypeName}.{parameter.Name} ({parameter.Expression})";
                var expected = AssertSameSelection(where, () => resource.Select(parameter.Expression).OfType<Base>().ToList(), () => evaluator.Select(parameter.Expression));
                evaluations++;
                nonEmpty += expected.Count > 0 ? 1 : 0;

                // A composite's components, evaluated on each element its expression selected (the indexer's pairing).
                foreach (var component in parameter.Components)
                {
                    foreach (var focus in expected)
                    {
                        var part = AssertSameSelection($"{where} component {component}",
                            () => focus.Select(component).OfType<Base>().ToList(), () => IndexExpressions.SelectIn(focus, component));
                        componentEvaluations++;
                        componentNonEmpty += part.Count > 0 ? 1 : 0;
                    }
                }
            }
        }

        // The corpus must really have been read (a wrong folder would pass vacuously).
        Assert.True(resources > 200, $"only {resources} resources parsed");
        Assert.True(nonEmpty > 500, $"only {nonEmpty} of {evaluations} evaluations selected anything");
        Assert.True(componentNonEmpty > 50, $"only {componentNonEmpty} of {componentEvaluations} component evaluations selected anything");
    }

    [Theory]
    [InlineData("Patient/p1", "Patient/p1", 1)] // the same reference as agent and entity: FHIRPath's | keeps one
    [InlineData("Patient/p1", "Patient/p2", 2)]
    public void A_union_of_paths_leaves_out_a_value_equal_to_an_earlier_one_as_firely_does(string agent, string entity, int expected)
    {
        var audit = new AuditEvent
        {
            Agent = [new AuditEvent.AgentComponent { Who = new ResourceReference(agent) }],
            Entity = [new AuditEvent.EntityComponent { What = new ResourceReference(entity) }],
        };
        Assert.True(Registry.TryGet("AuditEvent", "patient", out var parameter));
        Assert.Contains(" | ", parameter.Expression, StringComparison.Ordinal);

        var firely = audit.Select(parameter.Expression).ToList();
        var indexer = new IndexExpressions(audit).Select(parameter.Expression);

        Assert.Equal(expected, firely.Count);
        Assert.Equal(firely.Count, indexer.Count);
        Assert.All(indexer, (value, i) => Assert.True(value.IsExactly(firely[i])));
    }

    /// <summary>Asserts that the indexer's selection equals Firely's (values, or the same failure); Firely's values.</summary>
    private static List<Base> AssertSameSelection(string where, Func<List<Base>> firely, Func<List<Base>> indexer)
    {
        var expected = Outcome(firely);
        var actual = Outcome(indexer);
        Assert.True(expected.Error == actual.Error, $"{where}: Firely threw {expected.Error ?? "nothing"}, the indexer {actual.Error ?? "nothing"}");
        Assert.True(expected.Values.Count == actual.Values.Count, $"{where}: {expected.Values.Count} values, the indexer {actual.Values.Count}");
        for (var i = 0; i < expected.Values.Count; i++)
        {
            Assert.True(ReferenceEquals(expected.Values[i], actual.Values[i]) || expected.Values[i].IsExactly(actual.Values[i]), $"{where}: value {i} differs");
        }

        return expected.Values;
    }

    private static (string? Error, List<Base> Values) Outcome(Func<List<Base>> evaluate)
    {
        try
        {
            return (null, evaluate());
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            return (ex.GetType().Name, []);
        }
    }

    private static string TestCasesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fhir-test-cases");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fhir-test-cases not found above " + AppContext.BaseDirectory);
    }
}
