namespace Longshore.Operator;

/// <summary>An Event to record about an ImagePrune once its status write went through.</summary>
public sealed record PruneEvent(string Type, string Reason, string Message)
{
    public static PruneEvent Normal(string reason, string message) => new("Normal", reason, message);

    public static PruneEvent Warning(string reason, string message) => new("Warning", reason, message);
}
