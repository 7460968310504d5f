using Hl7.Fhir.Model;

namespace FhirKetamine.Core.Rest;

/// <summary>Small factory for the OperationOutcomes the server returns.</summary>
public static class Outcomes
{
    public static OperationOutcome Error(OperationOutcome.IssueType code, string diagnostics, string? expression = null) =>
        Issue(OperationOutcome.IssueSeverity.Error, code, diagnostics, expression);

    public static OperationOutcome Information(string diagnostics) =>
        Issue(OperationOutcome.IssueSeverity.Information, OperationOutcome.IssueType.Informational, diagnostics, null);

    public static OperationOutcome Issue(OperationOutcome.IssueSeverity severity, OperationOutcome.IssueType code, string diagnostics, string? expression)
    {
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = code, Diagnostics = diagnostics };
        if (expression is not null)
        {
            issue.Expression = [expression];
        }

        return new OperationOutcome { Issue = [issue] };
    }

    /// <summary>
    /// One validation error issue as the validator's own issues read: the message in both <c>details.text</c>
    /// and <c>diagnostics</c>, and the FHIRPath location.
    /// </summary>
    public static OperationOutcome.IssueComponent ValidationError(OperationOutcome.IssueType code, string message, string expression) => new()
    {
        Severity = OperationOutcome.IssueSeverity.Error,
        Code = code,
        Diagnostics = message,
        Details = new CodeableConcept { Text = message },
        Expression = [expression],
    };

    public static bool HasErrors(this OperationOutcome outcome) => outcome.Errors().Any();

    /// <summary>The issues that refuse a resource: errors and fatal ones.</summary>
    public static IEnumerable<OperationOutcome.IssueComponent> Errors(this OperationOutcome outcome) =>
        outcome.Issue.Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal);

    /// <summary>An issue's message: Firely's validator puts it in <c>details.text</c> and the definition path in <c>diagnostics</c>.</summary>
    public static string? Text(this OperationOutcome.IssueComponent issue) => issue.Details?.Text ?? issue.Diagnostics;
}
