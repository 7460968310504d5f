using System.Collections;
using System.Text.RegularExpressions;

using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.FhirPath;

namespace FhirKetamine.Core.Rest.Patching;

/// <summary>
/// Applies FHIRPath Patch operations (hl7.org/fhir/R4/fhirpatch.html) in place to a resource the caller owns.
/// Paths are evaluated with Firely's FHIRPath engine on a POCO node tree; compiled expressions are cached.
/// Paths selecting the wrong number of elements, or values that do not fit, are 422s naming the operation.
/// </summary>
internal sealed partial class FhirPathPatchApplier
{
    private readonly FhirPathCompilerCache expressions = new(new FhirPathCompiler(), 500);

    public void Apply(Resource resource, IEnumerable<FhirPathPatchOperation> operations, string? id)
    {
        foreach (var op in operations)
        {
            try
            {
                switch (op.Type)
                {
                    case "add": Add(resource, op); break;
                    case "insert": Insert(resource, op); break;
                    case "delete": Delete(resource, op); break;
                    case "replace": Replace(resource, op); break;
                    case "move": Move(resource, op); break;
                    default: throw FhirException.BadRequest($"{op.Describe()}: unknown type.");
                }
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidCastException or InvalidOperationException or NotSupportedException)
            {
                throw Unprocessable(op, $"the change cannot be made to the resource ({ex.Message}).");
            }

            if (resource.Id != id)
            {
                throw Unprocessable(op, $"a patch cannot change the resource id ('{id}').");
            }
        }
    }

    public static FhirException Unprocessable(FhirPathPatchOperation op, string reason) =>
        FhirException.Unprocessable($"{op.Describe()}: {reason}", $"Parameters.parameter[{op.Index}]");

    private void Add(Resource resource, FhirPathPatchOperation op)
    {
        var owner = Single(resource, op, op.Path).Poco;
        var name = op.Name!;
        var property = PocoElements.Find(owner.GetType(), name)
            ?? throw Unprocessable(op, $"'{name}' is not an element of {owner.TypeName}.");
        var value = FhirPathPatchValueBuilder.Build(op.Value!, property, op, $"{op.Path}.{name}");
        if (property.IsCollection)
        {
            PocoElements.List(owner, property).Add(value);
        }
        else if (PocoElements.Get(owner, property) is not null)
        {
            throw Unprocessable(op, $"'{name}' already has a value and does not repeat; use replace.");
        }
        else
        {
            PocoElements.Set(owner, property, value);
        }
    }

    private void Insert(Resource resource, FhirPathPatchOperation op)
    {
        var (property, list) = SelectList(resource, op);
        var index = op.ListIndex!.Value;
        if (index > list.Count)
        {
            throw Unprocessable(op, $"index {index} is past the end of the list ({list.Count} elements).");
        }

        list.Insert(index, FhirPathPatchValueBuilder.Build(op.Value!, property, op, op.Path));
    }

    private void Delete(Resource resource, FhirPathPatchOperation op)
    {
        var nodes = Select(resource, op, op.Path);
        if (nodes.Count == 0)
        {
            return; // "delete: path of the element to delete (if found)"
        }

        if (nodes.Count > 1)
        {
            throw Unprocessable(op, $"the path selects {nodes.Count} elements; delete removes exactly one.");
        }

        var (owner, property, index) = Locate(nodes[0], op);
        if (index is { } i)
        {
            PocoElements.List(owner, property).RemoveAt(i);
        }
        else
        {
            PocoElements.Set(owner, property, null);
        }
    }

    private void Replace(Resource resource, FhirPathPatchOperation op)
    {
        var (owner, property, index) = Locate(Single(resource, op, op.Path), op);
        var value = FhirPathPatchValueBuilder.Build(op.Value!, property, op, op.Path);
        if (index is { } i)
        {
            PocoElements.List(owner, property)[i] = value;
        }
        else
        {
            PocoElements.Set(owner, property, value);
        }
    }

    private void Move(Resource resource, FhirPathPatchOperation op)
    {
        var (_, list) = SelectList(resource, op);
        var (source, destination) = (op.Source!.Value, op.Destination!.Value);
        if (source >= list.Count || destination >= list.Count)
        {
            throw Unprocessable(op, $"source {source} and destination {destination} must both be below the list's length ({list.Count}).");
        }

        var item = list[source];
        list.RemoveAt(source);
        list.Insert(destination, item);
    }

    /// <summary>The owner, element and (for a repeating element) list position of a selected node.</summary>
    private static (Base Owner, PropertyMapping Property, int? Index) Locate(PocoNode node, FhirPathPatchOperation op)
    {
        if (node.Parent is null)
        {
            throw Unprocessable(op, "the path selects the resource itself, which a patch operation cannot replace or delete.");
        }

        var owner = node.Parent.Poco;
        var property = PocoElements.Find(owner.GetType(), node.Name)
            ?? throw Unprocessable(op, $"the path selects '{node.Name}', which is not an element that can be changed.");
        if (property.IsCollection && node.Index is null)
        {
            throw Unprocessable(op, $"the path selects '{node.Name}' without a position in its list.");
        }

        return (owner, property, property.IsCollection ? node.Index : null);
    }

    /// <summary>The list a path names. An empty list selects nothing, so then the path's last step names it on the owner.</summary>
    private (PropertyMapping Property, IList List) SelectList(Resource resource, FhirPathPatchOperation op)
    {
        var nodes = Select(resource, op, op.Path);
        Base owner;
        string name;
        if (nodes.Count > 0)
        {
            var first = nodes[0];
            if (first.Parent is null || nodes.Any(n => !ReferenceEquals(n.Parent?.Poco, first.Parent.Poco) || n.Name != first.Name))
            {
                throw Unprocessable(op, "the path must select the elements of a single list.");
            }

            (owner, name) = (first.Parent.Poco, first.Name);
        }
        else
        {
            var match = LastStep().Match(op.Path);
            if (!match.Success)
            {
                throw Unprocessable(op, "the path selects nothing, so the list it names cannot be found.");
            }

            owner = Single(resource, op, match.Groups["owner"].Value).Poco;
            name = match.Groups["name"].Value;
        }

        var property = PocoElements.Find(owner.GetType(), name);
        if (property is not { IsCollection: true })
        {
            throw Unprocessable(op, $"'{name}' is not a repeating element of {owner.TypeName}.");
        }

        return (property, PocoElements.List(owner, property));
    }

    private PocoNode Single(Resource resource, FhirPathPatchOperation op, string path)
    {
        var nodes = Select(resource, op, path);
        return nodes.Count == 1
            ? nodes[0]
            : throw Unprocessable(op, $"the path '{path}' selects {nodes.Count} elements; exactly one is required.");
    }

    private List<PocoNode> Select(Resource resource, FhirPathPatchOperation op, string path)
    {
        CompiledExpression expression;
        try
        {
            expression = expressions.GetCompiledExpression(path);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw FhirException.BadRequest($"{op.Describe()}: '{path}' is not a valid FHIRPath expression ({ex.Message}).", $"Parameters.parameter[{op.Index}]");
        }

        var root = resource.ToPocoNode(ModelInfo.ModelInspector);
        List<PocoNode> nodes;
        try
        {
            nodes = expression(root, new FhirEvaluationContext()).ToList();
        }
        catch (Exception ex) when (ex is not FhirException and not OutOfMemoryException)
        {
            throw Unprocessable(op, $"the path '{path}' could not be evaluated ({ex.Message}).");
        }

        foreach (var node in nodes.Where(n => !IsWithin(n, resource)))
        {
            throw Unprocessable(op, $"the path '{path}' selects '{node.Name}', which is not part of the resource being patched.");
        }

        return nodes;
    }

    private static bool IsWithin(PocoNode node, Resource resource)
    {
        for (var current = node; current is not null; current = current.Parent)
        {
            if (ReferenceEquals(current.Poco, resource))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex(@"^(?<owner>.+)\.(?<name>[A-Za-z][A-Za-z0-9_]*)$")]
    private static partial Regex LastStep();
}