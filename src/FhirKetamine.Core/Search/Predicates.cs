using System.Linq.Expressions;

namespace FhirKetamine.Core.Search;

/// <summary>
/// Joins predicates with OR (comma-separated search values) or AND (the parts of one value: number, unit, code) into
/// one expression EF Core can translate.
/// </summary>
internal static class Predicates
{
    public static Expression<Func<T, bool>> AnyOf<T>(IEnumerable<Expression<Func<T, bool>>> predicates) =>
        Join(predicates, Expression.OrElse) ?? (_ => false);

    public static Expression<Func<T, bool>> AllOf<T>(params IEnumerable<Expression<Func<T, bool>>> predicates) =>
        Join(predicates, Expression.AndAlso) ?? (_ => true);

    private static Expression<Func<T, bool>>? Join<T>(IEnumerable<Expression<Func<T, bool>>> predicates, Func<Expression, Expression, BinaryExpression> join)
    {
        Expression<Func<T, bool>>? result = null;
        foreach (var predicate in predicates)
        {
            if (result is null)
            {
                result = predicate;
                continue;
            }

            var body = BodyOf(predicate, result.Parameters[0]);
            result = Expression.Lambda<Func<T, bool>>(join(result.Body, body), result.Parameters);
        }

        return result;
    }

    /// <summary>The body of <paramref name="lambda"/> with its one parameter replaced by <paramref name="parameter"/>.</summary>
    public static Expression BodyOf(LambdaExpression lambda, ParameterExpression parameter) =>
        new Rebind(lambda.Parameters[0], parameter).Visit(lambda.Body);

    private sealed class Rebind(ParameterExpression from, ParameterExpression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : base.VisitParameter(node);
    }
}
