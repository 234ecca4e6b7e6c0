namespace ExportConstructs.Contract;

/// <summary>
/// Values of the Lambda handler string (<c>_HANDLER</c>). One bootstrap binary serves both
/// Provider framework roles; the handler string picks which.
/// </summary>
public static class HandlerNames
{
    /// <summary>The Provider framework's onEvent handler.</summary>
    public const string OnEvent = "onEvent";

    /// <summary>The Provider framework's isComplete handler.</summary>
    public const string IsComplete = "isComplete";

    /// <summary>The long-wait poller, invoked by the poller state machine.</summary>
    public const string Poll = "poll";

    /// <summary>Every name, for error messages.</summary>
    public static readonly IReadOnlyList<string> All = [OnEvent, IsComplete, Poll];
}
