using Hl7.Fhir.Model;

namespace FhirKetamine.Server.Rest;

/// <summary>Route constraint <c>{type:fhirResource}</c>: only R4 resource type names match.</summary>
internal sealed class FhirResourceConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string type && ModelInfo.IsKnownResource(type);
}
