using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Exports;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;

namespace ExportConstructs.Tests.Handler.Waiting;

/// <summary>The arrange steps of the long-wait handler tests: the properties, the export's start, its poller execution and its polls.</summary>
internal static class LongWaitHandlerSteps
{
    public const string Image = "ami-0123456789abcdef0";
    public const string Poller = "arn:aws:states:us-east-1:123456789012:stateMachine:ExportPoller";

    public static WaitProperties Wait(string condition = "WaitA") => new()
    {
        Signal = condition,
        Poller = Poller,
        IntervalSeconds = "300",
        TimeoutSeconds = "21600",
    };

    public static ExportedVmImageProperties Vm(string condition = "WaitA", string format = "VMDK") => new()
    {
        ImageId = Image, DiskImageFormat = format, S3Bucket = "vm-exports", S3Prefix = "exports/", RoleName = "vmimport",
        RemovalPolicy = RemovalPolicies.Retain, WaitForCompletion = "true", Wait = Wait(condition),
    };

    /// <summary>The one poller execution of an export (named after the task and its condition).</summary>
    public static (string Name, string Arn, string Input, string Status) Execution(this HandlerHarness h, string taskId) =>
        h.Aws.Executions.Single(e => e.Key.StartsWith(taskId + "-", StringComparison.Ordinal)) is var e ? (e.Key, e.Value.Arn, e.Value.Input, e.Value.Status) : default;

    /// <summary>Creates an ExportedVmImage on the long path: the export and its poller start, and the resource answers at once.</summary>
    public static async Task<(string TaskId, PollerInput Input)> CreateVmAsync(this HandlerHarness h, ExportedVmImageProperties? props = null)
    {
        var outcome = await h.RunAsync(Request(ResourceTypes.ExportedVmImage, "Create", Json(props ?? Vm())));
        Assert.Equal(1, outcome.Polls); // the export resource does not wait: the WaitCondition does
        var input = JsonSerializer.Deserialize(h.Execution(outcome.PhysicalResourceId).Input, ContractJsonContext.Default.PollerInput)!;
        return (outcome.PhysicalResourceId, input);
    }

    /// <summary>The poller's answers (done or not), poll after poll, until it is done or has polled <paramref name="max"/> times.</summary>
    public static async Task<List<bool>> PollUntilDoneAsync(this HandlerHarness h, PollerInput input, int max = 10)
    {
        var answers = new List<bool>();
        for (var i = 0; i < max && !answers.LastOrDefault(); i++) answers.Add((await h.Poller.PollAsync(input, default)).Done);
        return answers;
    }
}
