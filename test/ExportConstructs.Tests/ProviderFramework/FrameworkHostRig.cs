using System.Diagnostics;
using System.Text.Json.Nodes;
using ExportConstructs.Contract;
using ExportConstructs.Fakes.ProviderFramework;
using ExportConstructs.Tests.Lifecycle;
using Xunit.Abstractions;

namespace ExportConstructs.Tests.ProviderFramework;

/// <summary>
/// What the FrameworkHost test classes arrange: the framework's code from the fixture's cloud
/// assembly run by <see cref="FrameworkHost"/>, stub user functions behind a loopback Lambda API,
/// a Step Functions stub and a loopback ResponseURL; and the requests CloudFormation sends it.
/// </summary>
internal sealed class FrameworkHostRig : IAsyncDisposable
{
    public const string StackId = "arn:aws:cloudformation:us-east-1:123456789012:stack/TestStack/5b6c1a10-ae2b-11f0-9d3e-0a1b2c3d4e5f";
    public const string Signature = "0f4c1f8bd6e5c9a7a2d3b4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70819";
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly FrameworkStackFixture _stack;
    private int _requests;

    private FrameworkHostRig(FrameworkStackFixture stack)
    {
        _stack = stack;
        Lambda = new LambdaInvokeEndpoint((name, payload) => UserFunction(name, JsonNode.Parse(payload)!.AsObject()));
    }

    public CloudFormationResponses Responses { get; } = new();
    public StepFunctionsStub StepFunctions { get; } = new();
    public LambdaInvokeEndpoint Lambda { get; }
    public FrameworkHost Host { get; private set; } = null!;

    /// <summary>The stub behind every user function the framework invokes.</summary>
    public Func<string, JsonObject, Task<LambdaInvokeResult>> UserFunction { get; set; } = (name, _) => throw new InvalidOperationException("no stub for " + name);

    public static async Task<FrameworkHostRig> StartAsync(FrameworkStackFixture stack, ITestOutputHelper output)
    {
        var rig = new FrameworkHostRig(stack);
        var started = Stopwatch.StartNew();
        rig.Host = await FrameworkHost.StartAsync(new FrameworkHostOptions
        {
            FrameworkDirectory = stack.FrameworkDirectory,
            LambdaEndpoint = rig.Lambda.Url,
            StepFunctionsEndpoint = rig.StepFunctions.Url,
            ResponseEndpoint = rig.Responses.Url,
        }).WaitAsync(Bound);
        output.WriteLine($"framework host started in {started.ElapsedMilliseconds} ms");
        return rig;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Lambda.DisposeAsync();
        await StepFunctions.DisposeAsync();
        await Responses.DisposeAsync();
    }

    public string UserOnEventName => _stack.OnEventEnv["USER_ON_EVENT_FUNCTION_ARN"].Split(':')[^1];
    public string UserIsCompleteName => _stack.IsCompleteEnv["USER_IS_COMPLETE_FUNCTION_ARN"].Split(':')[^1];

    /// <summary>A request as CloudFormation sends it, with a presigned ResponseURL of the shape CloudFormation gives.</summary>
    public JsonObject Request(string requestType, string? physicalId = null)
    {
        var requestId = $"7d1f3c2e-0000-4000-8000-{++_requests:D12}";
        var request = new JsonObject
        {
            ["RequestType"] = requestType,
            ["ServiceToken"] = FrameworkStackFixture.FunctionArn("framework-onEvent"),
            ["ResponseURL"] = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/"
                + Uri.EscapeDataString($"{StackId}|{_stack.VmLogicalId}|{requestId}")
                + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261129T120000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=7200"
                + "&X-Amz-Credential=AKIA6EXAMPLERESPONSE%2F20261129%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=" + Signature,
            ["StackId"] = StackId,
            ["RequestId"] = requestId,
            ["LogicalResourceId"] = _stack.VmLogicalId,
            ["ResourceType"] = ResourceTypes.ExportedVmImage,
            ["ResourceProperties"] = JsonNode.Parse(new DeployedTemplate(_stack.Stack).Properties(_stack.VmLogicalId).GetRawText()),
        };
        if (physicalId is not null) request["PhysicalResourceId"] = physicalId;
        return request;
    }

    /// <summary>What onEvent hands isComplete: the request merged with onEvent's answer (framework.js createResponseEvent).</summary>
    public JsonObject IsCompleteEvent(string physicalId, JsonObject? data = null)
    {
        var e = Request("Create");
        e["PhysicalResourceId"] = physicalId;
        if (data is not null) e["Data"] = data;
        return e;
    }

    public Task<FrameworkResult> Invoke(string entry, IReadOnlyDictionary<string, string> env, JsonObject e) =>
        Host.InvokeAsync(entry, env, e.ToJsonString()).WaitAsync(Bound);

    public Task<CloudFormationResponse> ResponseTo(JsonObject request) =>
        Responses.WaitForAsync(request["ResponseURL"]!.GetValue<string>()).WaitAsync(Bound);

    public static string Text(JsonNode? node) => node!.GetValue<string>();

    /// <summary>A stub user function that always gives this answer.</summary>
    public static Func<string, JsonObject, Task<LambdaInvokeResult>> Always(LambdaInvokeResult answer) => (_, _) => Task.FromResult(answer);
}
