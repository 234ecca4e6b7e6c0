using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// ExportedVmImage stacks deployed, updated, rolled back and deleted by the CloudFormation
/// emulation through the real Provider framework code, the handler with its role's deployed
/// rights, and the loopback AWS. Each test asserts what CloudFormation was told, what AWS holds at
/// the end, and the AWS calls made.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class VmImageDeploymentTests : IAsyncLifetime
{
    private const string Image = "ami-0123456789abcdef0";
    private const string OtherImage = "ami-0fedcba9876543210";
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AddImage(Image);
        _d.Aws.AddImage(OtherImage);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    /// <summary>A stack with one ExportedVmImage (short path unless the change says otherwise).</summary>
    private async Task<StackTemplate> VmStack(Action<ExportedVmImageProps>? change = null, Action<Stack>? more = null)
    {
        var stack = Synthesized.NewStack("Sample");
        var props = new ExportedVmImageProps
        {
            ImageId = Image, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        };
        change?.Invoke(props);
        new ExportedVmImage(stack, "Vm", props);
        more?.Invoke(stack);
        return await _d.SynthesizeAsync(stack);
    }

    private static string ExportId(StackTemplate template) => Assert.Single(template.OfType(ResourceTypes.ExportedVmImage));

    [Fact]
    public async Task CreateThenDelete_ThroughTheRealFramework_ShouldReportAttributesAndLeaveNothingRunning()
    {
        var template = await VmStack();
        var id = ExportId(template);

        var created = await _d.Cfn.CreateStackAsync(template);
        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.Equal(("CREATE_COMPLETE", "DELETE_COMPLETE"), (created, deleted));
        var task = Assert.Single(_d.Aws.VmTasks.Values);
        var create = _d.Cfn.ExchangesOf(id).First();
        Assert.Equal(("SUCCESS", task.Id), (create.Answer!.Status, create.Answer.PhysicalResourceId));
        Assert.Equal($"{task.Key}", create.Answer.Data["S3Key"]);
        Assert.Equal("completed", task.Status);
        Assert.Contains($"{task.Bucket}/{task.Key}", _d.Aws.Objects); // RETAIN keeps the file
        Assert.Empty(_d.Aws.Denials);
        Assert.Empty(_d.Cfn.States.Running);
    }
}
