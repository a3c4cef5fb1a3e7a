using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Longshore.Oci;

namespace Longshore.Oci.Tests;

public class ReferencePropertyTests
{
    private static readonly char[] Alnum = "abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray();
    private static readonly string[] Separators = [".", "_", "__", "-", "--"];

    private static Gen<string> Word => Gen.Elements(Alnum).ArrayOf().Where(a => a.Length is > 0 and < 8).Select(a => new string(a));

    private static Gen<string> Component =>
        from first in Word
        from sep in Gen.Elements(Separators)
        from second in Word
        from joined in Gen.Elements(true, false)
        select joined ? first + sep + second : first;

    private static Gen<string> Reference =>
        from domain in Gen.Elements("", "registry.example.com/", "127.0.0.1:5000/", "localhost/", "docker.io/")
        from parts in Component.ArrayOf().Where(a => a.Length is > 0 and < 4)
        from tag in Gen.Elements("", ":v1", ":1.0.0-rc_2", ":latest")
        select domain + string.Join('/', parts) + tag;

    [Property(MaxTest = 300)]
    public Property Normalised_form_is_a_fixed_point() => Prop.ForAll(Reference.ToArbitrary(), input =>
    {
        var once = ImageReference.Parse(input);
        var twice = ImageReference.Parse(once.ToString());
        var fromFamiliar = ImageReference.TryParse(once.Familiar, out var f) ? f : null;
        // Docker's familiar form is ambiguous when a Docker Hub path starts with a host-like component ("1.3/x").
        var first = once.Familiar.Split('/')[0];
        var ambiguous = once.Domain == ImageReference.DefaultDomain && once.Familiar.Contains('/', StringComparison.Ordinal) && (first.Contains('.', StringComparison.Ordinal) || first == "localhost");
        return twice == once && (ambiguous || fromFamiliar == once);
    });
}
