using Amazon.CDK;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.ProviderFramework;
using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// One stack's life against the CloudFormation emulation: the loopback AWS (deciding every call by
/// the deployed IAM policies), the real Provider framework code under Node.js, the handler
/// in-process with its role's credentials, and one virtual clock for all of them.
/// </summary>
internal sealed class Deployment : IAsyncDisposable
{
    private readonly LambdaInvokeEndpoint _lambdaEndpoint;
    private readonly CloudFormationResponses _responses;
    private FrameworkHost? _host;

    private Deployment()
    {
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
        Scheduler = new Scheduler(Clock);
        Aws = new FakeAws { Clock = Clock };
        Cfn = new CloudFormationEmulator(Aws, Scheduler, new Framework(this));
        Aws.Authorizer = new DeployedPolicies(Cfn);
        _lambdaEndpoint = new LambdaInvokeEndpoint(async (function, payload) => await Cfn.Lambda.InvokeAsync(function, payload));
        _responses = new CloudFormationResponses(response => Cfn.ReceiveResponse(response.Path, response.Body));
    }

    public FakeTimeProvider Clock { get; }
    public Scheduler Scheduler { get; }
    public FakeAws Aws { get; }
    public CloudFormationEmulator Cfn { get; }

    /// <summary>What the framework's own functions logged (the waiter input, its own logs).</summary>
    public IReadOnlyCollection<string> FrameworkLogs => _host?.Logs ?? [];

    /// <summary>A deployment with nothing deployed yet.</summary>
    public static Deployment Start() => new();

    /// <summary>Synthesizes a stack for this deployment (the framework code is taken from its cloud assembly).</summary>
    public async Task<StackTemplate> SynthesizeAsync(Stack stack)
    {
        var synthesized = Synthesized.Of(stack);
        _host ??= await FrameworkHost.StartAsync(new FrameworkHostOptions
        {
            FrameworkDirectory = FrameworkAssets.Directory(synthesized.AssemblyDirectory, synthesized.Json),
            LambdaEndpoint = _lambdaEndpoint.Url,
            StepFunctionsEndpoint = Aws.Url,
            ResponseEndpoint = _responses.Url,
        });
        return new StackTemplate(synthesized.Json);
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        await _lambdaEndpoint.DisposeAsync();
        await _responses.DisposeAsync();
        await Aws.DisposeAsync();
    }

    /// <summary>The framework functions of the deployed stack run in the one Node.js host.</summary>
    private sealed class Framework(Deployment deployment) : IFrameworkRuntime
    {
        public async Task<LambdaInvokeResult> InvokeAsync(string entry, IReadOnlyDictionary<string, string> environment, string payload)
        {
            var host = deployment._host ?? throw new InvalidOperationException("Synthesize a stack first: the framework code comes from its cloud assembly.");
            var result = await host.InvokeAsync(entry, environment, payload);
            return result.Succeeded ? LambdaInvokeResult.Returned(result.ResultJson ?? "null") : new LambdaInvokeResult(result.ErrorPayloadJson, "Unhandled");
        }
    }
}
