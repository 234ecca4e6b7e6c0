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
/// This class: onEvent.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class FrameworkHostTests(FrameworkStackFixture stack, ITestOutputHelper output) : IClassFixture<FrameworkStackFixture>, IAsyncLifetime
{
    private FrameworkHostRig _r = null!;

    public async Task InitializeAsync() => _r = await FrameworkHostRig.StartAsync(stack, output);

    public async Task DisposeAsync() => await _r.DisposeAsync();

    [Fact]
    public async Task OnEvent_WhenUserFunctionAnswers_ShouldInvokeItWithTheEventAndStartTheWaiterNamedAfterTheRequest()
    {
        _r.UserFunction = Always(LambdaInvokeResult.Returned("""{"PhysicalResourceId":"export-ami-0123456789abcdef0","Extra":"kept for isComplete"}"""));
        var create = _r.Request("Create");

        var started = Stopwatch.StartNew();
        var result = await _r.Invoke("onEvent", stack.OnEventEnv, create);
        output.WriteLine($"onEvent round trip (user function + StartExecution) in {started.ElapsedMilliseconds} ms");

        Assert.True(result.Succeeded, result.ErrorMessage);
        Assert.Equal("null", result.ResultJson);
        var invocation = Assert.Single(_r.Lambda.Invocations);
        Assert.Equal((stack.OnEventEnv["USER_ON_EVENT_FUNCTION_ARN"], "RequestResponse"), (invocation.FunctionName, invocation.InvocationType));
        Assert.True(JsonNode.DeepEquals(create, JsonNode.Parse(invocation.Payload)), invocation.Payload); // ResponseURL passed through, not masked
        var execution = Assert.Single(_r.StepFunctions.Started);
        Assert.Equal((stack.OnEventEnv["WAITER_STATE_MACHINE_ARN"], Text(create["RequestId"])), (execution.StateMachineArn, execution.Name));
        var merged = (JsonObject)create.DeepClone();
        merged["PhysicalResourceId"] = "export-ami-0123456789abcdef0";
        merged["Extra"] = "kept for isComplete";
        Assert.True(JsonNode.DeepEquals(merged, JsonNode.Parse(execution.Input)), execution.Input);
        Assert.Empty(_r.Responses.Received); // the waiter answers CloudFormation, not onEvent
        Assert.Contains(_r.Host.Logs, l => l.Contains("[provider-framework] starting waiter", StringComparison.Ordinal));
        foreach (var secret in new[] { Signature, FrameworkHost.SecretAccessKey, FrameworkHost.SessionToken, FrameworkHost.AccessKeyId })
            Assert.DoesNotContain(_r.Host.Logs, l => l.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OnEvent_WhenUserFunctionThrowsOnUpdate_ShouldPutFailedWithTheMessageTheLogGroupAndItsTrace()
    {
        _r.UserFunction = Always(LambdaInvokeResult.NodeError("ValidationError", "ExportedVmImage: ImageId 'ami-12' is not valid.",
            ["    at validate (/var/task/index.js:10:11)", "    at handler (/var/task/index.js:3:5)"]));
        var update = _r.Request("Update", physicalId: "export-ami-0");

        var result = await _r.Invoke("onEvent", stack.OnEventEnv, update);
        var response = await _r.ResponseTo(update);

        Assert.True(result.Succeeded, result.ErrorMessage); // safeHandler answers CloudFormation and returns
        Assert.Equal(("FAILED", "export-ami-0"), (response.Status, response.PhysicalResourceId));
        Assert.Equal(
            "ExportedVmImage: ImageId 'ami-12' is not valid.\n\nLogs: /aws/lambda/" + _r.UserOnEventName + "\n\n"
            + "    at validate (/var/task/index.js:10:11)\n    at handler (/var/task/index.js:3:5)",
            response.Reason);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(response.Body), response.Bytes);
        Assert.Empty(_r.StepFunctions.Started);
        output.WriteLine($"FAILED body ({response.Bytes} bytes): {response.Body}");
    }

    [Fact]
    public async Task OnEvent_WhenUserFunctionThrowsOnCreate_ShouldPutFailedWithTheCreateFailedMarker()
    {
        // As this project's provided.al2023 bootstrap reports an error: stackTrace, no trace.
        _r.UserFunction = Always(LambdaInvokeResult.CustomRuntimeError("ExportFailedException", "EC2 refused ExportImage: [NotExportable] ami-0123456789abcdef0", ["at Handler.Main()"]));
        var create = _r.Request("Create");

        await _r.Invoke("onEvent", stack.OnEventEnv, create);
        var response = await _r.ResponseTo(create);

        Assert.Equal(("FAILED", "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"), (response.Status, response.PhysicalResourceId));
        // Without a trace in the payload the reason is framework.js's own stack, after the message.
        Assert.StartsWith($"Error: EC2 refused ExportImage: [NotExportable] ami-0123456789abcdef0\n\nLogs: /aws/lambda/{_r.UserOnEventName}\n\n    at ", response.Reason, StringComparison.Ordinal);
        Assert.Contains("framework.js", response.Reason, StringComparison.Ordinal);
        Assert.True(response.Bytes <= CloudFormationResponse.MaxBytes, $"{response.Bytes} bytes");
        output.WriteLine($"FAILED body ({response.Bytes} bytes): {response.Body}");
    }

    [Fact]
    public async Task OnEvent_WhenLambdaFailsToInvokeTheUserFunction_ShouldRetryAsOutboundDoesThenPutFailedWithTheServiceError()
    {
        _r.UserFunction = (_, _) => throw new InvalidOperationException("stub is broken");
        var update = _r.Request("Update", physicalId: "export-ami-0");

        await _r.Invoke("onEvent", stack.OnEventEnv, update);
        var response = await _r.ResponseTo(update);

        Assert.Equal(("FAILED", "export-ami-0"), (response.Status, response.PhysicalResourceId));
        Assert.StartsWith($"ServiceException: stub function {stack.OnEventEnv["USER_ON_EVENT_FUNCTION_ARN"]} failed: stub is broken\n", response.Reason, StringComparison.Ordinal);
        // The SDK's three attempts, outbound.js's wait for the function to be Active, three more.
        Assert.Equal(6, _r.Lambda.Invocations.Count);
        Assert.Single(_r.Lambda.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task OnEvent_WhenDeletingTheCreateFailedMarker_ShouldPutSuccessWithoutInvokingTheUserFunction()
    {
        var delete = _r.Request("Delete", physicalId: "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED");

        var result = await _r.Invoke("onEvent", stack.OnEventEnv, delete);
        var response = await _r.ResponseTo(delete);

        Assert.True(result.Succeeded, result.ErrorMessage);
        Assert.Equal(("SUCCESS", "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"), (response.Status, response.PhysicalResourceId));
        Assert.Empty(_r.Lambda.Invocations);
        Assert.Empty(_r.StepFunctions.Started);
        Assert.Equal(
            $$"""{"Status":"SUCCESS","Reason":"SUCCESS","StackId":"{{StackId}}","RequestId":"{{Text(delete["RequestId"])}}","PhysicalResourceId":"AWSCDK::CustomResourceProviderFramework::CREATE_FAILED","LogicalResourceId":"{{stack.VmLogicalId}}"}""",
            response.Body);
    }

    [Fact]
    public async Task InvokeAsync_WhenTheEntryIsNotAFrameworkExport_ShouldThrowAHostError()
    {
        var error = await Assert.ThrowsAsync<FrameworkHostException>(() => _r.Invoke("onDelete", stack.OnEventEnv, _r.Request("Delete")));

        Assert.Contains("onEvent, isComplete, onTimeout", error.Message, StringComparison.Ordinal);
    }
}
