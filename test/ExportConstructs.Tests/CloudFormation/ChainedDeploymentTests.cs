using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The chain AppStream image → AMI → VMDK in one stack, deployed and deleted by the CloudFormation
/// emulation through the real Provider framework code, each AWS call decided by the deployed IAM
/// policies (issue "One export's result feeds another in the same stack").
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ChainedDeploymentTests : IAsyncLifetime
{
    private const string Image = "Linux-Apps";
    private readonly Deployment _d = Deployment.Start();

    public Task InitializeAsync()
    {
        _d.Aws.AppStreamImages.Add(Image);
        // Whether AppStream tags the AMI's snapshots is undocumented; the case where it does not is
        // pinned by AppStreamDeploymentTests.DeleteUnderDestroy_WhenTheSnapshotsDoNotCarryTheOwnerTag_….
        _d.Aws.AppStreamTagsSnapshots = true;
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _d.DisposeAsync().AsTask();

    private async Task<(StackTemplate Template, string AmiExport, string VmExport)> ChainStack(bool longPath)
    {
        var stack = Synthesized.NewStack("Chain");
        var timeout = longPath ? Duration.Hours(3) : Duration.Minutes(50);
        var ami = new AppStreamAmiExport(stack, "Ami", new AppStreamAmiExportProps
        {
            ImageName = Image, OperatingSystem = OperatingSystemType.LINUX, RemovalPolicy = RemovalPolicy.DESTROY,
            Timeout = timeout, PollInterval = Duration.Minutes(2),
        });
        var vm = new ExportedVmImage(stack, "Vm", new ExportedVmImageProps
        {
            ImageId = ami.AmiId, DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            RemovalPolicy = RemovalPolicy.DESTROY, Timeout = timeout, PollInterval = Duration.Minutes(2),
        });
        var template = await _d.SynthesizeAsync(stack);
        string Id(CustomResource r) => (string)stack.Resolve(stack.GetLogicalId((CfnElement)r.Node.DefaultChild!));
        return (template, Id(ami.Resource), Id(vm.Resource));
    }


    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Chain_ShouldExportExactlyTheAmiItProduced_AndDeleteTheVmExportBeforeTheAmi(bool longPath)
    {
        var (template, amiExport, vmExport) = await ChainStack(longPath);

        var created = await _d.Cfn.CreateStackAsync(template);

        Assert.True(created == "CREATE_COMPLETE", _d.Story());
        var appStreamTask = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var vmTask = Assert.Single(_d.Aws.VmTasks.Values);
        Assert.Equal("COMPLETED", appStreamTask.State);
        // The VM export started only after the AppStream export completed, on exactly the AMI it made.
        Assert.Equal(appStreamTask.AmiId, vmTask.ImageId);
        Assert.Equal("completed", vmTask.Status);
        var vmAnswer = _d.Cfn.Exchanges.Last(e => e.RequestType == "Create" && e.Answer?.Data.ContainsKey(ExportedVmImageAttributeNames.S3Key) == true).Answer!;
        Assert.Equal(vmTask.Key, vmAnswer.Data[ExportedVmImageAttributeNames.S3Key]);
        Assert.Contains($"{vmTask.Bucket}/{vmTask.Key}", _d.Aws.Objects);
        var ami = _d.Aws.Images[appStreamTask.AmiId!];

        var deleted = await _d.Cfn.DeleteStackAsync();

        Assert.True(deleted == "DELETE_COMPLETE", _d.Story());
        // CloudFormation deletes the VM export first (it depends on the AMI), then the AppStream export.
        var deletes = _d.Cfn.Exchanges.Where(e => e.RequestType == "Delete").Select(e => e.LogicalId).ToList();
        Assert.True(deletes.IndexOf(vmExport) < deletes.IndexOf(amiExport), _d.Story());
        // Under DESTROY: the file goes, then the AMI and its snapshots, in that order.
        Assert.DoesNotContain($"{vmTask.Bucket}/{vmTask.Key}", _d.Aws.Objects);
        Assert.DoesNotContain(ami.ImageId, _d.Aws.Images.Keys);
        Assert.DoesNotContain(ami.Snapshots, _d.Aws.Snapshots.Contains);
        var calls = _d.Aws.Calls;
        Assert.True(calls.IndexOf("S3:DELETE") < calls.IndexOf("EC2:DeregisterImage"), _d.Story());
        Assert.Equal(1, _d.Aws.CallCount("EC2:ExportImage"));
        Assert.Equal(1, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
        Assert.Equal(1, _d.Aws.CallCount("EC2:DeregisterImage"));
        // Nothing left that no resource owns: no AMI, snapshot, object or running poller of this stack.
        Assert.DoesNotContain(_d.Aws.Images.Values, i => i.Tags.GetValueOrDefault(Tagging.StackTag) == _d.Cfn.StackId);
        Assert.Empty(_d.Aws.Objects);
        Assert.Empty(_d.Cfn.States.Running);
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }
}
