using System.Text;

namespace Longshore.Operator.Tests;

/// <summary>The caBundle patch touches only webhooks that differ, and is guarded by each webhook's name.</summary>
public sealed class WebhookCaBundleTests
{
    private static readonly byte[] Bundle = Encoding.UTF8.GetBytes("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n");

    [Fact]
    public void Nothing_when_every_webhook_holds_the_bundle()
    {
        WebhookCaBundle.Patch([("validate.longshore.io", Bundle.ToArray()), ("enforce.longshore.io", Bundle.ToArray())], Bundle).Should().BeNull();
    }

    [Fact]
    public void Only_differing_webhooks_are_patched_each_behind_a_name_test()
    {
        var patch = WebhookCaBundle.Patch([("validate.longshore.io", Bundle), ("status.longshore.io", null), ("enforce.longshore.io", [1, 2, 3])], Bundle);
        patch!.ToJsonString().Should().Be(
            "[{\"op\":\"test\",\"path\":\"/webhooks/1/name\",\"value\":\"status.longshore.io\"},"
            + $"{{\"op\":\"add\",\"path\":\"/webhooks/1/clientConfig/caBundle\",\"value\":\"{Convert.ToBase64String(Bundle)}\"}},"
            + "{\"op\":\"test\",\"path\":\"/webhooks/2/name\",\"value\":\"enforce.longshore.io\"},"
            + $"{{\"op\":\"add\",\"path\":\"/webhooks/2/clientConfig/caBundle\",\"value\":\"{Convert.ToBase64String(Bundle)}\"}}]");
    }
}
