using System.Linq.Expressions;

namespace FhirKetamine.Core.Search;

/// <summary>Joins predicates with OR into one expression EF Core can translate (comma-separated search values).</summary>
internal static class Predicates
{
    public static Expression<Func<T, bool>> AnyOf<T>(IEnumerable<Expression<Func<T, bool>>> predicates)
    {
        Expression<Func<T, bool>>? result = null;
        foreach (var predicate in predicates)
        {
            if (result is null)
            {
                result = predicate;
                continue;
            }

            var body = new Rebind(predicate.Parameters[0], result.Parameters[0]).Visit(predicate.Body);
            result = Expression.Lambda<Func<T, bool>>(Expression.OrElse(result.Body, body), result.Parameters);
        }

        return result ?? (_ => false);
    }

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
