namespace Longshore.Operator;

/// <summary>A container whose image the Pin webhook replaces with its pinned reference.</summary>
public sealed record ImageRewrite(PodContainer Container, string Image, ImagePin Pin);
