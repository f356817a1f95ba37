using PolicyTracker.Contracts.Tracker;
using PolicyTracker.Tracker.Http;

namespace PolicyTracker.Tracker.Tests.Decisions;

public class CsvTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1+1", "'+1+1")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("plain text", "plain text")]
    [InlineData("a, b", "\"a, b\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    public void Cells_that_a_spreadsheet_would_run_are_escaped_and_others_quoted_per_RFC_4180(string value, string expected) =>
        Csv.Cell(value).ShouldBe(expected);

    [Fact]
    public void Values_are_written_invariantly_with_enums_in_the_contract_s_spelling()
    {
        Csv.Cell(0.25).ShouldBe("0.25");
        Csv.Cell(PredictionStatus.Likely).ShouldBe("likely");
        Csv.Cell(true).ShouldBe("true");
        Csv.Cell(null).ShouldBe("");
        Csv.Cell(new DateTimeOffset(2017, 1, 4, 0, 0, 0, TimeSpan.Zero)).ShouldBe("2017-01-04T00:00:00+00:00");
    }

    [Fact]
    public void A_document_has_a_header_row_then_one_row_per_item()
    {
        var text = Csv.Write(["version", "summary"], [[1L, "=cmd"], [2L, "ok"]]);
        text.ShouldBe("version,summary\r\n1,'=cmd\r\n2,ok\r\n");
    }
}
