using System.Text.Json.Nodes;
using ExportConstructs.Fakes;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The fixture most deployment test classes share: a fresh <see cref="Deployment"/> (the emulated
/// CloudFormation, the real framework code, loopback AWS) per test, holding the AMI the sample
/// stacks export (<see cref="LongWaitStacks.Image"/>), disposed after the test.
/// </summary>
public abstract class DeploymentTest : IAsyncLifetime
{
    private protected readonly Deployment _d = Deployment.Start();

    /// <summary>Adds the AMIs the test's stacks export.</summary>
    public virtual Task InitializeAsync()
    {
        _d.Aws.AddImage(LongWaitStacks.Image);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    /// <summary>A published event's detail, parsed.</summary>
    private protected static JsonObject Detail(FakeEvent e) => JsonNode.Parse(e.Detail)!.AsObject();
}
