using FhirKetamine.Core.Progress;

namespace FhirKetamine.Core.Tests.Progress;

public sealed class ScoreSeriesTests
{
    private static readonly DateTimeOffset Infusion1 = new(2025, 4, 7, 9, 30, 0, TimeSpan.FromHours(-4));

    private static ScoreSeries.Score At(string id, double daysFromInfusion1, int value)
    {
        var when = Infusion1.AddDays(daysFromInfusion1);
        return new ScoreSeries.Score(id, when.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture), when, value);
    }

    [Fact]
    public void Baseline_is_the_last_total_within_7_days_before_infusion_1()
    {
        var series = new ScoreSeries([At("old", -9, 25), At("eval", -5, 21), At("day-of", -0.02, 20), At("s3", 4, 16)], Infusion1);
        Assert.Equal("day-of", series.Baseline!.Id);
        Assert.Equal(["s3"], series.After.Select(s => s.Id));
        Assert.Null(series.ChangePoints(series.Scores[0]));
        Assert.Equal(-4, series.ChangePoints(series.Scores[3]));
        Assert.Equal(-20.0m, series.ChangePercent(series.Scores[3]));
    }

    [Fact]
    public void A_total_older_than_7_days_is_no_baseline()
    {
        var series = new ScoreSeries([At("old", -8, 21), At("s3", 4, 9)], Infusion1);
        Assert.Null(series.Baseline);
        Assert.Equal("not-evaluable", series.ResponseStatus);
        Assert.Contains("7 days", series.NotEvaluable(true), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20, 10, "response")]      // exactly 50 %
    [InlineData(20, 11, "partial-response")] // 45 %
    [InlineData(20, 15, "partial-response")] // exactly 25 %
    [InlineData(20, 16, "no-response")]   // 20 %
    [InlineData(20, 24, "no-response")]   // worse
    public void Response_bands_follow_DOMAIN(int baseline, int latest, string status)
    {
        var series = new ScoreSeries([At("b", -1, baseline), At("l", 10, latest)], Infusion1);
        Assert.Equal(status, series.ResponseStatus);
        Assert.Equal(status == "response" ? "l" : null, series.FirstResponse?.Id);
    }

    [Fact]
    public void Response_and_remission_keep_the_date_first_reached_and_status_follows_the_latest()
    {
        var series = new ScoreSeries([At("b", -1, 20), At("s6", 11, 9), At("s7", 39, 4), At("s8", 67, 12)], Infusion1);
        Assert.Equal("s6", series.FirstResponse!.Id);
        Assert.Equal("s7", series.FirstRemission!.Id);
        Assert.Equal("partial-response", series.ResponseStatus); // the latest, 12, is a 40 % reduction
        Assert.Equal("no-remission", series.RemissionStatus);
    }

    [Fact]
    public void A_zero_baseline_cannot_give_a_percentage()
    {
        var series = new ScoreSeries([At("b", -1, 0), At("l", 3, 2)], Infusion1);
        Assert.Null(series.ChangePercent(series.Scores[1]));
        Assert.Equal(2, series.ChangePoints(series.Scores[1]));
        Assert.Equal("not-evaluable", series.ResponseStatus);
        Assert.Contains("0", series.NotEvaluable(true), StringComparison.Ordinal);
    }
}
