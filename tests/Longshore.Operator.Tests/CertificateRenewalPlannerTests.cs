namespace Longshore.Operator.Tests;

/// <summary>When the webhook's CA and serving certificate are created, renewed, rotated and pruned.</summary>
public sealed class CertificateRenewalPlannerTests
{
    private static readonly CertificateLifetimes Lifetimes = new();
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static CertificateValidity Valid(DateTimeOffset from, TimeSpan life) => new(from, from + life);

    private static WebhookCertificateFacts Fresh(DateTimeOffset at) =>
        new(Valid(at, Lifetimes.Ca), Valid(at, Lifetimes.Serving), ServingIssuedByCa: true, ServingNamesMatch: true, StagedCa: null, RetiredCas: []);

    [Fact]
    public void No_secret_is_created_now()
    {
        var plan = CertificateRenewalPlanner.Plan(null, Start, Lifetimes);
        plan.Should().Be(new CertificateRenewalPlan(CertificateRenewalStep.Create, Start));
    }

    [Fact]
    public void A_fresh_secret_waits_until_two_thirds_of_the_serving_life()
    {
        var plan = CertificateRenewalPlanner.Plan(Fresh(Start), Start.AddDays(1), Lifetimes);
        plan.Step.Should().Be(CertificateRenewalStep.None);
        plan.NextCheck.Should().Be(Start + Lifetimes.Serving - TimeSpan.FromDays(30));
    }

    [Theory]
    [InlineData(59, CertificateRenewalStep.None)]
    [InlineData(60, CertificateRenewalStep.RenewServing)]
    [InlineData(89, CertificateRenewalStep.RenewServing)]
    [InlineData(91, CertificateRenewalStep.RenewServing)]
    public void The_serving_certificate_is_renewed_with_a_third_of_its_life_left(int days, CertificateRenewalStep expected)
    {
        CertificateRenewalPlanner.Plan(Fresh(Start), Start.AddDays(days), Lifetimes).Step.Should().Be(expected);
    }

    [Fact]
    public void At_least_thirty_days_are_left_when_a_third_is_less()
    {
        var shortLived = Lifetimes with { Serving = TimeSpan.FromDays(60) };
        var facts = Fresh(Start) with { Serving = Valid(Start, shortLived.Serving) };
        CertificateRenewalPlanner.Plan(facts, Start.AddDays(29), shortLived).Step.Should().Be(CertificateRenewalStep.None);
        CertificateRenewalPlanner.Plan(facts, Start.AddDays(30), shortLived).Step.Should().Be(CertificateRenewalStep.RenewServing);
    }

    [Fact]
    public void A_certificate_shorter_than_the_minimum_still_lives_half_its_life()
    {
        var minutes = new CertificateLifetimes { Serving = TimeSpan.FromMinutes(60) };
        CertificateRenewalPlanner.RenewalTime(Valid(Start, minutes.Serving), minutes).Should().Be(Start.AddMinutes(30));
    }

    [Fact]
    public void Wrong_names_or_another_issuer_renew_the_serving_certificate_at_once()
    {
        CertificateRenewalPlanner.Plan(Fresh(Start) with { ServingNamesMatch = false }, Start.AddHours(1), Lifetimes).Step.Should().Be(CertificateRenewalStep.RenewServing);
        CertificateRenewalPlanner.Plan(Fresh(Start) with { ServingIssuedByCa = false }, Start.AddHours(1), Lifetimes).Step.Should().Be(CertificateRenewalStep.RenewServing);
    }

    [Fact]
    public void An_expired_ca_starts_over()
    {
        CertificateRenewalPlanner.Plan(Fresh(Start), Start + Lifetimes.Ca, Lifetimes).Step.Should().Be(CertificateRenewalStep.Create);
    }

    [Fact]
    public void The_ca_is_rotated_in_two_steps_with_an_overlap()
    {
        var stageAt = Start + Lifetimes.Ca - (Lifetimes.Ca / 3);
        var serving = Valid(stageAt - TimeSpan.FromDays(1), Lifetimes.Serving);
        var facts = Fresh(Start) with { Serving = serving };
        CertificateRenewalPlanner.Plan(facts, stageAt - TimeSpan.FromSeconds(1), Lifetimes).Step.Should().Be(CertificateRenewalStep.None);
        CertificateRenewalPlanner.Plan(facts, stageAt - TimeSpan.FromSeconds(1), Lifetimes).NextCheck.Should().Be(stageAt);
        CertificateRenewalPlanner.Plan(facts, stageAt, Lifetimes).Step.Should().Be(CertificateRenewalStep.StageCa);

        // Staged at stageAt (its notBefore backdated by the clock skew): trusted for the overlap before it signs.
        var staged = facts with { StagedCa = Valid(stageAt - Lifetimes.ClockSkew, Lifetimes.Ca) };
        var waiting = CertificateRenewalPlanner.Plan(staged, stageAt + TimeSpan.FromMinutes(59), Lifetimes);
        waiting.Step.Should().Be(CertificateRenewalStep.None);
        waiting.NextCheck.Should().Be(stageAt + Lifetimes.CaOverlap);
        CertificateRenewalPlanner.Plan(staged, stageAt + Lifetimes.CaOverlap, Lifetimes).Step.Should().Be(CertificateRenewalStep.PromoteCa);
    }

    [Fact]
    public void A_retired_ca_leaves_the_bundle_when_it_expires()
    {
        var now = Start.AddDays(10);
        var retired = Valid(Start - Lifetimes.Ca + TimeSpan.FromDays(20), Lifetimes.Ca);
        var facts = Fresh(Start) with { RetiredCas = [retired] };
        var before = CertificateRenewalPlanner.Plan(facts, now, Lifetimes);
        before.Step.Should().Be(CertificateRenewalStep.None);
        before.NextCheck.Should().Be(retired.NotAfter);
        CertificateRenewalPlanner.Plan(facts, retired.NotAfter, Lifetimes).Step.Should().Be(CertificateRenewalStep.DropRetiredCa);
    }

    [Fact]
    public void Every_step_leads_back_to_rest()
    {
        // Following the planner through two CA lifetimes with the real material never loops and never leaves the
        // serving certificate unsigned by the CA it names.
        var names = new WebhookServingNames(["longshore-webhook.longshore-system.svc"], [System.Net.IPAddress.Loopback]);
        var now = Start;
        var material = WebhookTlsMaterial.Create(names, now, Lifetimes);
        var steps = new List<CertificateRenewalStep>();
        while (now < Start + (2 * Lifetimes.Ca))
        {
            var plan = CertificateRenewalPlanner.Plan(material.Facts(names), now, Lifetimes);
            if (plan.Step == CertificateRenewalStep.None)
            {
                now = plan.NextCheck;
                continue;
            }

            steps.Add(plan.Step);
            // Through the Secret's data each time, as the operator reads it back.
            material = WebhookTlsMaterial.FromSecretData(material.Apply(plan.Step, names, now, Lifetimes).ToSecretData())!;
            var after = CertificateRenewalPlanner.Plan(material.Facts(names), now, Lifetimes);
            after.Step.Should().Be(CertificateRenewalStep.None, $"after {plan.Step} at {now:o} nothing more is due");
            material.Facts(names).ServingIssuedByCa.Should().BeTrue();
        }

        steps.Should().Contain([CertificateRenewalStep.RenewServing, CertificateRenewalStep.StageCa, CertificateRenewalStep.PromoteCa, CertificateRenewalStep.DropRetiredCa]);
        steps.Should().NotContain(CertificateRenewalStep.Create);
    }
}
