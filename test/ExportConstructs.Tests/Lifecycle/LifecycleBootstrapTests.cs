using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Lifecycle.LifecycleStacks;

namespace ExportConstructs.Tests.Lifecycle;

/// <summary>
/// CloudFormation paths end to end: stacks synthesized from the constructs, their custom resources
/// deployed through the Provider framework's contract to the handler and the loopback AWS, asserting
/// what CloudFormation was told, what AWS holds at the end and how many calls were made.
/// This class: the handler's bootstrap, answering through the Lambda runtime API.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LifecycleBootstrapTests : IAsyncLifetime
{
    private readonly HandlerHarness _h = new();

    public Task InitializeAsync()
    {
        _h.Aws.AddImage(Image);
        _h.Aws.AppStreamImages.Add("Office");
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Bootstrap_VmImage_CreateToCompletionThenDelete_ShouldAnswerThroughTheRuntimeApi()
    {
        var template = VmStack();
        var id = template.LogicalIdOf(ResourceTypes.ExportedVmImage);
        var (interval, attempts) = template.ProviderSettings(id);
        await using var framework = new ProviderFramework(_h, interval, attempts, new BootstrapInvoker(_h.Aws, template.HandlerStrings(id)));

        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.ExportedVmImage, id, template.Properties(id)));
        var deleted = await framework.SendAsync(framework.Request("Delete", ResourceTypes.ExportedVmImage, id, template.Properties(id), physicalId: created.PhysicalResourceId));

        Assert.Equal(("SUCCESS", "SUCCESS"), (created.Status, deleted.Status));
        Assert.Equal($"exports/{created.PhysicalResourceId}.vmdk", created.Data["S3Key"]);
        // One start, one describe per poll, the completion event; the Delete's two describes.
        // + 2: when CloudFormation began the Create and the Delete (each wait's start).
        Assert.Equal(1 + _h.Aws.VmPollsToFinish + 1 + 2 + 2, _h.Aws.Calls.Count);
    }

    [Fact]
    public async Task Bootstrap_AppStream_ExportFailing_ShouldReportTheErrorsThroughTheRuntimeApi()
    {
        _h.Aws.AppStreamFailure = ("FAILED", [("IMAGE_COPY_FAILURE", "Snapshot copy failed")]);
        var template = AppStreamStack(RemovalPolicy.RETAIN);
        var id = template.LogicalIdOf(ResourceTypes.AppStreamAmiExport);
        var (interval, attempts) = template.ProviderSettings(id);
        await using var framework = new ProviderFramework(_h, interval, attempts, new BootstrapInvoker(_h.Aws, template.HandlerStrings(id)));

        var created = await framework.SendAsync(framework.Request("Create", ResourceTypes.AppStreamAmiExport, id, template.Properties(id)));

        Assert.Equal("FAILED", created.Status);
        Assert.Contains("IMAGE_COPY_FAILURE: Snapshot copy failed", created.Reason);
        Assert.Empty(_h.Aws.ProtocolProblems);
    }
}
