using Longshore.TestBed;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Longshore.Operator.Tests;

/// <summary>
/// The shipped alert rules: promtool accepts them and their unit series pass, every alert has a unit test that fires
/// it and annotations that say what to do, and the PrometheusRule carries exactly the rule file's groups.
/// </summary>
public sealed class AlertRulesTests
{
    private static readonly string RuleFile = KubeApiServer.RepositoryFile("config/prometheus/rules/longshore.rules.yaml");
    private static readonly string UnitTests = KubeApiServer.RepositoryFile("config/prometheus/tests/longshore.rules.test.yaml");
    private static readonly string PrometheusRule = KubeApiServer.RepositoryFile("config/prometheus/prometheusrule.yaml");

    [Fact]
    public async Task Promtool_checks_the_rules_and_passes_their_unit_series()
    {
        var promtool = ComponentLocator.Require("promtool", "prometheus");
        var check = await ProcessRunner.RunAsync(promtool, ["check", "rules", RuleFile]);
        check.ExitCode.Should().Be(0, "promtool check rules says:\n{0}{1}", check.StandardOutput, check.StandardError);
        var test = await ProcessRunner.RunAsync(promtool, ["test", "rules", UnitTests]);
        test.ExitCode.Should().Be(0, "promtool test rules says:\n{0}{1}", test.StandardOutput, test.StandardError);
    }

    [Fact]
    public void Every_alert_has_actionable_annotations_and_a_unit_test_that_fires_it()
    {
        var alerts = Alerts(Load(RuleFile)).ToList();
        alerts.Select(a => a.Name).Should().Contain(
            ["LongshoreImagePolicyTagMoved", "LongshorePodsOffPinnedDigest", "LongshorePinnedDigestMissingOnNodes", "LongshoreImagePrePullFailing", "LongshoreAgentHeartbeatStale", "LongshoreImagePolicyResolutionFailing", "LongshoreImagePolicyLockStale", "LongshoreImagePruneFailed", "LongshoreImagePruneScheduleMissed"]);
        foreach (var (name, rule) in alerts)
        {
            var annotations = (YamlMappingNode)rule["annotations"];
            annotations.Children.Keys.Select(k => k.ToString()).Should().Contain(["summary", "description"], name);
            annotations["description"].ToString().Should().MatchRegex("kubectl|Check|check", $"{name}'s description says what to look at");
        }

        // A test case that expects the alert to fire (a non-empty exp_alerts), not only one where it stays quiet.
        var firing = ((YamlSequenceNode)Load(UnitTests)["tests"])
            .Cast<YamlMappingNode>()
            .SelectMany(t => (YamlSequenceNode)t["alert_rule_test"])
            .Cast<YamlMappingNode>()
            .Where(c => c["exp_alerts"] is YamlSequenceNode { Children.Count: > 0 })
            .Select(c => c["alertname"].ToString())
            .ToHashSet();
        alerts.Select(a => a.Name).Should().OnlyContain(n => firing.Contains(n), "every alert has unit series that fire it");
    }

    [Fact]
    public void The_PrometheusRule_holds_exactly_the_rule_files_groups()
    {
        var rule = Load(PrometheusRule);
        rule["kind"].ToString().Should().Be("PrometheusRule");
        ((YamlMappingNode)rule["metadata"])["name"].ToString().Should().Be("longshore-alerts");
        Canonical(((YamlMappingNode)rule["spec"])["groups"]).Should().Be(Canonical(Load(RuleFile)["groups"]));
    }

    private static YamlMappingNode Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(file));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static IEnumerable<(string Name, YamlMappingNode Rule)> Alerts(YamlMappingNode rules) =>
        ((YamlSequenceNode)rules["groups"]).Cast<YamlMappingNode>()
            .SelectMany(g => (YamlSequenceNode)g["rules"])
            .Cast<YamlMappingNode>()
            .Where(r => r.Children.ContainsKey("alert"))
            .Select(r => (r["alert"].ToString(), r));

    /// <summary>The node as JSON-like text: same data, whatever the YAML styles (folded, quoted) or indentation.</summary>
    private static string Canonical(YamlNode node)
    {
        var value = new DeserializerBuilder().Build().Deserialize<object>(new YamlDotNet.Core.Parser(new StringReader(Serialize(node))));
        return new SerializerBuilder().JsonCompatible().Build().Serialize(value!);
    }

    private static string Serialize(YamlNode node)
    {
        var stream = new YamlStream(new YamlDocument(node));
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }
}
