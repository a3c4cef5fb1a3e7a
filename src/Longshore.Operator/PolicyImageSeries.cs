namespace Longshore.Operator;

/// <summary>One ImagePolicy image's metric values: tag moved (under Hold), containers off digest, nodes missing, stale.</summary>
public sealed record PolicyImageSeries(string Image, bool TagMoved, int PodsOffDigest, int NodesMissing, bool Stale);
