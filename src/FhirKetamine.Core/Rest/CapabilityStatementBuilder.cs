using FhirKetamine.Core.Search;
using FhirKetamine.Core.Terminology;
using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>
/// Builds <c>GET /metadata</c> from what is really registered: every resource type the model knows with
/// the interactions the engine implements, and the search parameters the registry indexes for it.
/// </summary>
public sealed class CapabilityStatementBuilder(SearchParameterRegistry registry, TimeProvider clock)
{
    private static readonly CapabilityStatement.TypeRestfulInteraction[] TypeInteractions =
    [
        CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.Vread,
        CapabilityStatement.TypeRestfulInteraction.Update, CapabilityStatement.TypeRestfulInteraction.Patch,
        CapabilityStatement.TypeRestfulInteraction.Delete, CapabilityStatement.TypeRestfulInteraction.HistoryInstance,
        CapabilityStatement.TypeRestfulInteraction.HistoryType, CapabilityStatement.TypeRestfulInteraction.Create,
        CapabilityStatement.TypeRestfulInteraction.SearchType,
    ];

    /// <summary>The Bulk Data Access IG's OperationDefinitions (export, patient-export, group-export).</summary>
    private const string BulkDataOperations = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/";

    /// <summary>This server's own operation (R4 defines no <c>$reindex</c>).</summary>
    public const string ReindexDefinition = "http://fhir-ketamine.org/fhir/OperationDefinition/reindex";

    public CapabilityStatement Build(string baseUrl, string softwareVersion)
    {
        var rest = new CapabilityStatement.RestComponent
        {
            Mode = CapabilityStatement.RestfulCapabilityMode.Server,
            Documentation = SearchResultDocumentation,
            Interaction =
            [
                new() { Code = CapabilityStatement.SystemRestfulInteraction.Transaction },
                new() { Code = CapabilityStatement.SystemRestfulInteraction.Batch },
                new() { Code = CapabilityStatement.SystemRestfulInteraction.HistorySystem },
            ],
            Operation =
            [
                new() { Name = "export", Definition = BulkDataOperations + "export" },
                new()
                {
                    Name = "reindex", Definition = ReindexDefinition,
                    Documentation = "POST [base]/$reindex or [base]/[type]/$reindex (scope system/*.cruds): rewrites the search index of "
                        + "every current resource in the background; 202 with Content-Location of a status URL answering Parameters "
                        + "(status, total, done).",
                },
            ],
        };

        rest.Extension.Add(new Extension(Subscriptions.SubscriptionChannels.WebSocketExtension, new FhirUri(Subscriptions.SubscriptionChannels.WebSocketUrl(baseUrl))));
        var revIncludes = RevIncludes();
        foreach (var type in ModelInfo.SupportedResources.Order(StringComparer.Ordinal))
        {
            var component = new CapabilityStatement.ResourceComponent
            {
                Type = type,
                Interaction = TypeInteractions.Select(i => new CapabilityStatement.ResourceInteractionComponent { Code = i }).ToList(),
                Versioning = CapabilityStatement.ResourceVersionPolicy.VersionedUpdate,
                ReadHistory = true,
                UpdateCreate = true,
                ConditionalCreate = true,
                ConditionalRead = CapabilityStatement.ConditionalReadStatus.FullSupport,
                ConditionalUpdate = true,
                ConditionalDelete = CapabilityStatement.ConditionalDeleteStatus.Single,
                SearchParam =
                [
                    new() { Name = "_id", Type = SearchParamType.Token, Definition = "http://hl7.org/fhir/SearchParameter/Resource-id" },
                    new() { Name = "_lastUpdated", Type = SearchParamType.Date, Definition = "http://hl7.org/fhir/SearchParameter/Resource-lastUpdated" },
                ],
            };
            component.SearchParam.AddRange(registry.For(type).OrderBy(p => p.Name, StringComparer.Ordinal).Select(p =>
                new CapabilityStatement.SearchParamComponent { Name = p.Name, Type = p.Type, Definition = p.Url, Documentation = Modifiers(p) }));
            var references = registry.For(type).Where(p => p.Type == SearchParamType.Reference).Select(p => $"{type}:{p.Name}").Order(StringComparer.Ordinal).ToList();
            component.SearchInclude = references.Count == 0 ? [] : ["*", .. references];
            component.SearchRevInclude = revIncludes.TryGetValue(type, out var rev) ? rev : [];
            if (type == "Patient")
            {
                component.Operation.AddRange(
                [
                    new() { Name = "everything", Definition = Operations.PatientEverything.Definition },
                    new() { Name = "ketamine-progress", Definition = Progress.KetamineProgress.Definition },
                    new() { Name = "export", Definition = BulkDataOperations + "patient-export" },
                ]);
            }

            if (type == "Group")
            {
                component.Operation.Add(new() { Name = "export", Definition = BulkDataOperations + "group-export" });
            }

            if (type == "Subscription")
            {
                component.Documentation = "Channels: rest-hook (payload application/fhir+json: the matched resource; no payload: an empty POST; "
                    + "channel.header values are sent) and websocket (R4 bind-with-id at the capabilitystatement-websocket URL: "
                    + "'bind <id>', 'bound <id>', then 'ping <id>' per notification). criteria is a search URL of this server. "
                    + "Delivery is at-least-once with retries; repeated failure sets status to error.";
            }

            component.Operation.AddRange(TerminologyParameters.CapabilityOperations(type));
            rest.Resource.Add(component);
        }

        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = clock.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Kind = CapabilityStatementKind.Instance,
            Instantiates = ["http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data"],
            Software = new CapabilityStatement.SoftwareComponent { Name = "FhirKetamine", Version = softwareVersion },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "FhirKetamine FHIR R4 server", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["application/fhir+json", "application/fhir+xml"],
            PatchFormat = ["application/json-patch+json", "application/fhir+json"],
            Rest = [rest],
        };
    }

    /// <summary>What the search result parameters do here (R4 has no element for them, so rest.documentation says it).</summary>
    private const string SearchResultDocumentation =
        "Search results: _count (default 20, at most 1000; 0 = the total only), _sort, _summary=count, paging by opaque keyset cursors "
        + "(next/previous links). _total=accurate (the default) counts every match. _total=none counts nothing: Bundle.total is absent. "
        + "_total=estimate counts at most 1000 matches: up to 1000 the total is exact; beyond, Bundle.total is the PostgreSQL planner's "
        + "estimate for the query (not run) or, on SQLite, absent, and an information OperationOutcome entry says the count stopped.";

    private const string UcumDocumentation =
        "With system http://unitsofmeasure.org and a UCUM code, values in any commensurable UCUM unit match after conversion to base units "
        + "(gt5|http://unitsofmeasure.org|kg matches 5500 g), the search value's precision converted too; other systems, ||code, "
        + "special units (Cel, [degF], [pH]) and arbitrary ones ([iU]) match in the recorded unit only.";

    /// <summary>
    /// What the engine accepts on a parameter besides a plain value (every parameter also chains from a reference and
    /// takes :missing): <c>:of-type</c> only where the values are Identifiers, <c>:identifier</c> only where they are
    /// References (not canonicals).
    /// </summary>
    private static string Modifiers(SearchParameterInfo p) => p.Type switch
    {
        SearchParamType.String => "Modifiers: :exact, :contains, :missing. Starts-with, case- and accent-insensitive by default.",
        SearchParamType.Token when p.OfIdentifiers =>
            "Modifiers: :text, :not, :in, :not-in, :of-type, :missing. system|code, |code, system|, code; :of-type=[type system]|[type code]|[value]; "
            + $":in/:not-in take a ValueSet URL (or ValueSet/[id]) this server can expand, at most {SearchValueSets.MaxCodes} codes.",
        SearchParamType.Token =>
            "Modifiers: :text, :not, :in, :not-in, :missing. system|code, |code, system|, code; "
            + $":in/:not-in take a ValueSet URL (or ValueSet/[id]) this server can expand, at most {SearchValueSets.MaxCodes} codes.",
        SearchParamType.Reference when p.OfReferences =>
            "Modifiers: :[type], :identifier, :missing. Chaining (param:Type.param, several levels), _has, _include and _revinclude.",
        SearchParamType.Reference => "Modifiers: :[type], :missing. Chaining (param:Type.param, several levels), _has, _include and _revinclude.",
        SearchParamType.Uri => "Modifiers: :below, :above, :missing.",
        SearchParamType.Quantity =>
            "[prefix]number[|system|code] or [prefix]number||code; prefixes eq, ne, gt, lt, ge, le, sa, eb, ap; modifier :missing. "
            + UcumDocumentation,
        SearchParamType.Composite when p.CompositeValueType == SearchParamType.Quantity =>
            "[system|]code$[prefix]number[|system|code]: the code and the quantity from the same element; prefixes eq, ne, gt, lt, ge, le, sa, eb, ap; modifier :missing. "
            + UcumDocumentation,
        SearchParamType.Composite when p.CompositeValueType == SearchParamType.Token =>
            "[system|]code$[system|]code (|code and system| too, on either side): both codes from the same element; modifier :missing.",
        SearchParamType.Composite when p.CompositeValueType == SearchParamType.String =>
            "[system|]code$text: the code and the string from the same element, the string starting with text (case- and accent-insensitive); modifier :missing.",
        SearchParamType.Composite =>
            "[system|]code$[prefix]date: the code and the date from the same element, ranges compared as for date parameters; prefixes eq, ne, gt, lt, ge, le, sa, eb, ap; modifier :missing.",
        _ => "Prefixes eq, ne, gt, lt, ge, le, sa, eb, ap; modifier :missing.",
    };

    /// <summary>For each type, every <c>Source:param</c> whose reference parameter can point to it (<c>_revinclude</c> values).</summary>
    private Dictionary<string, List<string>> RevIncludes()
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var source in ModelInfo.SupportedResources)
        {
            foreach (var parameter in registry.For(source).Where(p => p.Type == SearchParamType.Reference))
            {
                var targets = parameter.ResolveIsType is { } only ? [only] : parameter.TargetTypes;
                foreach (var target in targets.Where(ModelInfo.IsKnownResource))
                {
                    if (!result.TryGetValue(target, out var list))
                    {
                        result[target] = list = [];
                    }

                    list.Add($"{source}:{parameter.Name}");
                }
            }
        }

        foreach (var list in result.Values)
        {
            list.Sort(StringComparer.Ordinal);
        }

        return result;
    }
}
