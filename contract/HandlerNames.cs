namespace ExportConstructs.Contract;

/// <summary>
/// Values of the Lambda handler string (<c>_HANDLER</c>). The constructs deploy one function with
/// <see cref="Exports"/>, which serves the Provider's onEvent and isComplete and the poller, telling
/// them apart by the event; the single-role names remain for running the binary one role at a time.
/// </summary>
internal static class HandlerNames
{
    /// <summary>All three roles, told apart by the event: a poller input, an isComplete request (it carries onEvent's answer), or a CloudFormation request.</summary>
    public const string Exports = "exports";

    /// <summary>The Provider framework's onEvent handler.</summary>
    public const string OnEvent = "onEvent";

    /// <summary>The Provider framework's isComplete handler.</summary>
    public const string IsComplete = "isComplete";

    /// <summary>The long-wait poller, invoked by the poller state machine.</summary>
    public const string Poll = "poll";

    /// <summary>Every name, for error messages.</summary>
    public static readonly IReadOnlyList<string> All = [Exports, OnEvent, IsComplete, Poll];
}
