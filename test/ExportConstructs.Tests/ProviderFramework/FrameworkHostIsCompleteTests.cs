using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes.ProviderFramework;
using ExportConstructs.Tests.Lifecycle;
using Xunit.Abstractions;
using static ExportConstructs.Tests.ProviderFramework.FrameworkHostRig;

namespace ExportConstructs.Tests.ProviderFramework;

/// <summary>
/// The CDK Provider framework's own runtime code, taken from a synthesized stack's cloud assembly,
/// run by <see cref="FrameworkHost"/> with stub user functions behind a loopback Lambda API, a
/// Step Functions stub and a loopback ResponseURL: what it invokes, starts and PUTs.
/// This class: isComplete and onTimeout.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class FrameworkHostIsCompleteTests(FrameworkStackFixture stack, ITestOutputHelper output) : IClassFixture<FrameworkStackFixture>, IAsyncLifetime
{
    private FrameworkHostRig _r = null!;

    public async Task InitializeAsync() => _r = await FrameworkHostRig.StartAsync(stack, output);

    public async Task DisposeAsync() => await _r.DisposeAsync();

    [Fact]
    public async Task IsComplete_WhenUserFunctionSaysNotYet_ShouldThrowTheFrameworksRetryCarryingTheEvent()
    {
        _r.UserFunction = Always(LambdaInvokeResult.Returned("""{"IsComplete":false}"""));
        var e = _r.IsCompleteEvent("export-ami-0123456789abcdef0");

        var result = await _r.Invoke("isComplete", stack.IsCompleteEnv, e);

        Assert.False(result.Succeeded);
        // framework.js throws `class Retry extends Error {}`; Lambda's Node.js runtime reports
        // error.name, which a subclass does not change. The waiter retries on States.ALL.
        Assert.Equal("Error", result.ErrorType);
        Assert.True(JsonNode.DeepEquals(e, JsonNode.Parse(result.ErrorMessage!)), result.ErrorMessage);
        Assert.StartsWith("Error: {", result.Trace[0], StringComparison.Ordinal);
        Assert.Contains(result.Trace, l => l.Contains("framework.js", StringComparison.Ordinal));
        Assert.Equal(_r.UserIsCompleteName, Assert.Single(_r.Lambda.Invocations).FunctionName.Split(':')[^1]);
        Assert.Empty(_r.Responses.Received);
    }

    [Fact]
    public async Task IsComplete_WhenUserFunctionSaysComplete_ShouldPutSuccessWithDataMergedOverOnEvents()
    {
        _r.UserFunction = Always(LambdaInvokeResult.Returned("""{"IsComplete":true,"Data":{"S3Key":"exports/export-ami-1.vmdk","DiskImageFormat":"VMDK"}}"""));
        var e = _r.IsCompleteEvent("export-ami-1", new JsonObject { ["ExportImageTaskId"] = "export-ami-1", ["S3Key"] = "pending" });

        var result = await _r.Invoke("isComplete", stack.IsCompleteEnv, e);
        var response = await _r.ResponseTo(e);

        Assert.True(result.Succeeded, result.ErrorMessage);
        var expected = new JsonObject
        {
            ["Status"] = "SUCCESS",
            ["Reason"] = "SUCCESS",
            ["StackId"] = StackId,
            ["RequestId"] = e["RequestId"]!.DeepClone(),
            ["PhysicalResourceId"] = "export-ami-1",
            ["LogicalResourceId"] = stack.VmLogicalId,
            ["Data"] = new JsonObject { ["ExportImageTaskId"] = "export-ami-1", ["S3Key"] = "exports/export-ami-1.vmdk", ["DiskImageFormat"] = "VMDK" },
        }.ToJsonString();
        Assert.Equal(expected, response.Body); // NoEcho undefined: left out
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(expected), response.Bytes);
        Assert.Equal(("cloudformation-custom-resource-response-useast1.s3.amazonaws.com", Signature),
            (response.Host, response.Query.Split("X-Amz-Signature=")[1]));
        Assert.Equal(("SUCCESS", "exports/export-ami-1.vmdk", (bool?)null), (response.Status, response.DataText("S3Key"), response.NoEcho));
        Assert.Single(_r.Responses.For(Text(e["ResponseURL"])));
    }

    [Fact]
    public async Task OnTimeout_WithTheCauseStepFunctionsPassesOn_ShouldPutFailedOperationTimedOutWithTheEventsPhysicalId()
    {
        // The last isComplete's Retry, as Step Functions' Catch hands it to onTimeout: {Error, Cause}
        // with Cause = the Lambda error document as text.
        _r.UserFunction = Always(LambdaInvokeResult.Returned("""{"IsComplete":false}"""));
        var e = _r.IsCompleteEvent("export-ami-7", new JsonObject { ["ExportImageTaskId"] = "export-ami-7" });
        var retry = await _r.Invoke("isComplete", stack.IsCompleteEnv, e);
        var timeout = new JsonObject { ["Error"] = retry.ErrorType, ["Cause"] = retry.ErrorPayloadJson };

        var result = await _r.Invoke("onTimeout", stack.OnTimeoutEnv, timeout);
        var response = await _r.ResponseTo(e);

        Assert.True(result.Succeeded, result.ErrorMessage);
        Assert.Equal(("FAILED", "Operation timed out", "export-ami-7"), (response.Status, response.Reason, response.PhysicalResourceId));
        Assert.Equal("export-ami-7", response.DataText("ExportImageTaskId"));
        Assert.Single(_r.Lambda.Invocations); // the user function is not called on timeout
        // The framework logs the timeout event whole, the presigned ResponseURL in its Cause
        // included (aws-cdk #21224): an exposure of the framework's own, pinned here.
        Assert.Contains(_r.Host.Logs, l => l.Contains(Signature, StringComparison.Ordinal));
    }

    [Fact]
    public async Task IsComplete_WhenCallsOverlapWithDifferentFunctions_ShouldGiveEachItsOwnEnvironment()
    {
        var bothArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        _r.UserFunction = async (name, _) =>
        {
            if (Interlocked.Increment(ref arrived) == 2) bothArrived.SetResult();
            await bothArrived.Task.WaitAsync(Bound); // holds the first call until the second is under way
            return LambdaInvokeResult.Returned($$$"""{"IsComplete":true,"Data":{"Function":"{{{name.Split(':')[^1]}}}"}}""");
        };
        var first = _r.IsCompleteEvent("export-ami-a");
        var second = _r.IsCompleteEvent("export-ami-b");
        var secondEnv = new Dictionary<string, string>(stack.IsCompleteEnv) { ["USER_IS_COMPLETE_FUNCTION_ARN"] = FrameworkStackFixture.FunctionArn("OtherIsComplete") };

        await Task.WhenAll(_r.Invoke("isComplete", stack.IsCompleteEnv, first), _r.Invoke("isComplete", secondEnv, second));

        Assert.Equal(_r.UserIsCompleteName, (await _r.ResponseTo(first)).DataText("Function"));
        Assert.Equal("OtherIsComplete", (await _r.ResponseTo(second)).DataText("Function"));
    }
}
