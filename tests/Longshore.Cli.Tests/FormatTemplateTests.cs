using System.Text.Json.Nodes;
using Longshore.Cli.Formatting;

namespace Longshore.Cli.Tests;

public sealed class FormatTemplateTests
{
    private static readonly JsonNode Image = JsonNode.Parse("""
        {
          "Id": "sha256:0123456789abcdef",
          "Repository": "alpine",
          "Tag": "3.19",
          "Size": 7340032,
          "Dangling": false,
          "RepoTags": ["alpine:3.19", "alpine:latest"],
          "RepoDigests": ["alpine@sha256:feed"],
          "Empty": [],
          "Config": { "Labels": { "tier": "web", "team": "edge" }, "Cmd": null }
        }
        """)!;

    private static string Render(string format) => FormatTemplate.Parse(format).Render(Image);

    private static string Error(string format)
    {
        var act = () => Render(format);
        return act.Should().Throw<TemplateException>().Which.Message;
    }

    [Theory]
    [InlineData("{{.Repository}}:{{.Tag}}", "alpine:3.19")]
    [InlineData("id={{.Id}} size={{.Size}}", "id=sha256:0123456789abcdef size=7340032")]
    [InlineData("{{.Config.Labels.tier}}", "web")]
    [InlineData("{{.Dangling}}", "false")]
    [InlineData("{{.RepoTags}}", "[alpine:3.19 alpine:latest]")]
    [InlineData("{{.Config.Labels}}", "map[team:edge tier:web]")]
    [InlineData("{{.Config.Cmd}}", "<no value>")]
    [InlineData("{{ .Tag }}", "3.19")]
    [InlineData("no actions at all", "no actions at all")]
    public void Fields_and_text_render_as_go_prints_them(string format, string expected) =>
        Render(format).Should().Be(expected);

    [Theory]
    [InlineData("{{json .Config.Labels}}", """{"tier":"web","team":"edge"}""")]
    [InlineData("{{json .RepoTags}}", """["alpine:3.19","alpine:latest"]""")]
    [InlineData("{{json .Tag}}", "\"3.19\"")]
    [InlineData("{{json .Config.Cmd}}", "null")]
    [InlineData("{{index .RepoDigests 0}}", "alpine@sha256:feed")]
    [InlineData("{{index .Config.Labels \"team\"}}", "edge")]
    [InlineData("{{index .Config \"Labels\" \"tier\"}}", "web")]
    [InlineData("{{upper .Tag}}-{{lower \"ABC\"}}", "3.19-abc")]
    [InlineData("{{.Repository | upper}}", "ALPINE")]
    [InlineData("{{join .RepoTags \", \"}}", "alpine:3.19, alpine:latest")]
    [InlineData("{{printf \"%-8s|%4d|%q|%%\" .Repository .Size .Tag}}", "alpine  |7340032|\"3.19\"|%")]
    [InlineData("{{printf \"%5s\" (index .RepoTags 1 | upper)}}", "ALPINE:LATEST")]
    [InlineData("a {{- .Tag -}} b", "a3.19b")]
    public void Functions_pipes_and_trim_markers(string format, string expected) =>
        Render(format).Should().Be(expected);

    [Fact]
    public void Json_of_the_whole_value_round_trips()
    {
        var json = JsonNode.Parse(Render("{{json .}}"))!;
        JsonNode.DeepEquals(json, Image).Should().BeTrue();
    }

    [Fact]
    public void Table_prefix_is_recognised_and_escaped_tabs_become_tabs()
    {
        var template = FormatTemplate.Parse("table {{.Repository}}\\t{{.Tag}}");
        template.IsTable.Should().BeTrue();
        template.Render(Image).Should().Be("alpine\t3.19");
        FormatTemplate.Parse("{{.Repository}}\\n{{.Tag}}").IsTable.Should().BeFalse();
        FormatTemplate.Parse("tablet {{.Tag}}").IsTable.Should().BeFalse();
        FormatTemplate.Parse("{{.Repository}}\\n{{.Tag}}").Render(Image).Should().Be("alpine\n3.19");
    }

    [Fact]
    public void An_unknown_field_names_itself_and_the_valid_ones()
    {
        var message = Error("{{.Repository}} {{.Nope}}");
        message.Should().Contain("field .Nope does not exist; valid fields: Id, Repository, Tag, Size, Dangling");
        message.Should().NotContain("\n");
    }

    [Fact]
    public void An_unknown_nested_field_names_the_object_it_was_looked_up_in()
    {
        Error("{{.Config.Nope}}").Should().Contain("field .Config.Nope does not exist").And.Contain("valid fields of .Config: Labels, Cmd");
        Error("{{.Tag.Major}}").Should().Contain("cannot take field Major of .Tag, which is a string");
    }

    [Fact]
    public void Fields_are_case_sensitive_as_in_go() =>
        Error("{{.ID}}").Should().Contain("field .ID does not exist");

    [Theory]
    [InlineData("{{.Tag", "unclosed action")]
    [InlineData("{{}}", "empty action")]
    [InlineData("{{range .RepoTags}}{{.}}{{end}}", "'range' actions are not supported")]
    [InlineData("{{frobnicate .Tag}}", "function \"frobnicate\" not defined")]
    [InlineData("{{index .RepoDigests 3}}", "index out of range: 3")]
    [InlineData("{{index .Tag 0}}", "cannot index a string")]
    [InlineData("{{json .Tag .Id}}", "json takes 1 argument(s), got 2")]
    [InlineData("{{.Tag .Id}}", "not a function")]
    [InlineData("{{.Tag | .Id}}", "only a function can follow '|'")]
    [InlineData("{{printf \"%s %s\" .Tag}}", "needs more arguments")]
    [InlineData("{{printf \"%x\" .Tag}}", "verb %x is not supported")]
    [InlineData("{{$x := .Tag}}", "variables")]
    [InlineData("{{\"open}}", "unterminated string")]
    public void Bad_templates_say_what_is_wrong(string format, string message) =>
        Error(format).Should().Contain(message);

    [Fact]
    public void Tab_aligned_columns_follow_go_tabwriter_with_docker_settings()
    {
        // Minimum width 10, padding 3: the first column is as wide as its longest cell plus 3, the last cell is not padded.
        TabAlignedWriter.Align(["IMAGE ID\tSIZE", "0123456789ab\t7.34MB", "ffff\t1kB"]).Should().Be(
            "IMAGE ID       SIZE\n" +
            "0123456789ab   7.34MB\n" +
            "ffff           1kB\n");
        TabAlignedWriter.Align(["a\tb", "cc\td"]).Should().Be("a         b\ncc        d\n");
    }

    [Fact]
    public void A_line_with_fewer_cells_ends_a_column_block_as_in_go()
    {
        TabAlignedWriter.Align(["a\tb", "header without tabs", "dddddddddddd\te"]).Should().Be(
            "a         b\n" +
            "header without tabs\n" +
            "dddddddddddd   e\n");
        // An empty trailing cell after a tab still pads the cell before it, as Docker's history table does.
        TabAlignedWriter.Align(["SIZE\tCOMMENT", "0B\t"]).Should().Be("SIZE      COMMENT\n0B        \n");
    }
}
