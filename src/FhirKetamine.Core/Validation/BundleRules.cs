using FhirKetamine.Core.Rest;

using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Validation;

/// <summary>
/// Bundle-level rules of the R4 specification (bundle.html) that the Firely validator does not check and the
/// HL7 reference validator does: absolute and consistent <c>fullUrl</c>s, link relations, and what a
/// searchset may hold; references inside documents and messages are in <see cref="BundleReferences"/>. Pure
/// functions of the Bundle; no store access.
/// </summary>
internal static class BundleRules
{
    private static readonly HashSet<string> PagingRelations = new(StringComparer.Ordinal) { "first", "previous", "prev", "next", "last" };

    public static IEnumerable<OperationOutcome.IssueComponent> Check(Bundle bundle)
    {
        var type = bundle.Type;
        var exchange = type is Bundle.BundleType.Batch or Bundle.BundleType.Transaction
            or Bundle.BundleType.BatchResponse or Bundle.BundleType.TransactionResponse;
        var paged = type is Bundle.BundleType.Searchset or Bundle.BundleType.History;

        // Link relations: each at most once; the paging ones only in a searchset or history.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < bundle.Link.Count; i++)
        {
            if (bundle.Link[i].Relation is not { Length: > 0 } relation)
            {
                continue;
            }

            if (!seen.Add(relation) && (relation == "self" || PagingRelations.Contains(relation)))
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"The link relationship type '{relation}' can only occur once.", $"Bundle.link[{i}]");
            }
            else if (!paged && PagingRelations.Contains(relation))
            {
                yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"The link relationship type '{relation}' is for paging search sets and history; it is not allowed in a {type?.ToString().ToLowerInvariant()} Bundle.", $"Bundle.link[{i}].relation");
            }
        }

        var searchTypes = type == Bundle.BundleType.Searchset ? SearchedTypes(bundle) : null;
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var entry = bundle.Entry[i];
            var where = $"Bundle.entry[{i}]";
            if (!exchange && entry.FullUrl is { Length: > 0 } fullUrl)
            {
                if (!BundleReferences.HasScheme(fullUrl))
                {
                    yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"The fullUrl must be an absolute URL (not '{fullUrl}').", where);
                }
                else if (Uri.TryCreate(fullUrl, UriKind.Absolute, out var uri) && entry.Resource is { Id: { Length: > 0 } id } resource && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                    && RestfulType(uri) is { } urlType && !uri.AbsolutePath.EndsWith($"/{resource.TypeName}/{id}", StringComparison.Ordinal))
                {
                    yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"The fullUrl '{fullUrl}' looks like a RESTful server URL ({urlType}), so it must end with the resource's type and id (/{resource.TypeName}/{id}).", where);
                }
            }

            if (searchTypes is not null && entry.Resource is { } found)
            {
                if (entry.Search?.Mode == Bundle.SearchEntryMode.Outcome && found is not OperationOutcome)
                {
                    yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"An entry with search.mode 'outcome' must be an OperationOutcome, not a {found.TypeName}.", $"{where}.resource");
                }
                else if (entry.Search?.Mode == Bundle.SearchEntryMode.Match)
                {
                    if (string.IsNullOrEmpty(found.Id))
                    {
                        yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, "Search results (search.mode 'match') must have ids.", $"{where}.resource");
                    }

                    if (searchTypes.Count > 0 && !searchTypes.Contains(found.TypeName))
                    {
                        yield return Outcomes.ValidationError(OperationOutcome.IssueType.Invalid, $"A {found.TypeName} does not match the search of the self link (expecting {string.Join(", ", searchTypes)}).", $"{where}.resource");
                    }
                }
            }
        }

        // Documents and messages: what the Composition or MessageHeader references is in the Bundle, and every entry is linked.
        foreach (var issue in BundleReferences.Check(bundle))
        {
            yield return issue;
        }
    }

    /// <summary>
    /// Firely's constraint corrector adds R5's <c>bdl-3a</c> (document, message, searchset and collection entries have
    /// a resource and no request or response) and <c>bdl-3d</c> (a transaction-response or batch-response entry has a
    /// response) to R4 Bundles. R4 has neither: there, a Bundle failing one of them always fails bdl-3 (request only in
    /// batch/transaction/history), bdl-4 (response only, and always, in the responses and history) or bdl-5 (a
    /// resource unless a request or response), which Firely reports too. So next to one of those they are the same
    /// problem reported twice, and are dropped.
    /// </summary>
    public static void DropRepeatedR5Invariants(List<OperationOutcome.IssueComponent> issues)
    {
        if (issues.Exists(i => IsInvariant(i, "bdl-3") || IsInvariant(i, "bdl-4") || IsInvariant(i, "bdl-5")))
        {
            issues.RemoveAll(i => IsInvariant(i, "bdl-3a") || IsInvariant(i, "bdl-3d"));
        }

        static bool IsInvariant(OperationOutcome.IssueComponent issue, string key) =>
            issue.Text()?.StartsWith($"Instance failed constraint {key} ", StringComparison.Ordinal) == true;
    }

    /// <summary>The resource types a searchset's self link searched for (its path type or <c>_type</c>); empty when unknown.</summary>
    private static HashSet<string> SearchedTypes(Bundle bundle)
    {
        var types = new HashSet<string>(StringComparer.Ordinal);
        if (bundle.Link.FirstOrDefault(l => l.Relation == "self")?.Url is not { Length: > 0 } self)
        {
            return types;
        }

        var question = self.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? self : self[..question];
        var last = path.TrimEnd('/').Split('/')[^1];
        if (ModelInfo.IsKnownResource(last))
        {
            types.Add(last);
        }

        if (question >= 0)
        {
            foreach (var pair in self[(question + 1)..].Split('&'))
            {
                if (pair.StartsWith("_type=", StringComparison.Ordinal))
                {
                    types.UnionWith(Uri.UnescapeDataString(pair[6..]).Split(',').Where(ModelInfo.IsKnownResource));
                }
            }
        }

        return types;
    }

    /// <summary>The resource type of a URL shaped like <c>[base]/[type]/[id]</c>, else null.</summary>
    private static string? RestfulType(Uri uri)
    {
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length >= 2 && ModelInfo.IsKnownResource(segments[^2]) ? segments[^2] : null;
    }
}