using Amazon.CDK;
using ExportConstructs.Contract;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The short-path AppStreamAmiExport cases of issue 17's matrix that <see cref="AppStreamDeploymentTests"/>
/// does not hold: removal under DESTROY, and an invalid deploy-time value of 3000 characters.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class AppStreamShortPathTests : IAsyncDisposable
{
    private const string Image = "Office";
    private readonly Deployment _d = Deployment.Start();

    public AppStreamShortPathTests() => _d.Aws.AppStreamImages.Add(Image);

    public ValueTask DisposeAsync() => _d.DisposeAsync();


    [Fact]
    public async Task RemovalUnderDestroy_ShouldDeregisterTheAmiWithRightsThatOutliveTheTemplate()
    {
        _d.Aws.AppStreamTagsSnapshots = true;
        var stack = Synthesized.NewStack("Sample");
        new AppStreamAmiExport(stack, "Ami", new AppStreamAmiExportProps { ImageName = Image, RemovalPolicy = RemovalPolicy.DESTROY, Timeout = Duration.Minutes(50) });
        var first = await _d.SynthesizeAsync(stack);
        var export = Assert.Single(first.OfType(ResourceTypes.AppStreamAmiExport));
        Assert.True(await _d.Cfn.CreateStackAsync(first) == "CREATE_COMPLETE", _d.Story());
        var task = Assert.Single(_d.Aws.AppStreamTasks.Values);
        var ami = _d.Aws.Images[task.AmiId!];
        // The next template holds no export at all: the export and its AppStream grants leave together,
        // and its Delete runs in the cleanup phase with the policies of the new template.
        var empty = Synthesized.NewStack("Sample");
        ExportProvider.Of(empty);

        var updated = await _d.Cfn.UpdateStackAsync(await _d.SynthesizeAsync(empty));

        Assert.True(updated == "UPDATE_COMPLETE", _d.Story());
        Assert.True(_d.Cfn.Warnings.Count == 0, string.Join("\n", _d.Cfn.Warnings));
        var delete = _d.Cfn.ExchangesOf(export).Last();
        Assert.Equal(("Delete", task.TaskId, "SUCCESS"), (delete.RequestType, delete.PhysicalResourceId, delete.Answer!.Status));
        Assert.DoesNotContain(ami.ImageId, _d.Aws.Images.Keys);
        Assert.Empty(_d.Aws.Snapshots);
        Assert.Equal((1, 1, 1), (_d.Aws.CallCount("AppStream:CreateExportImageTask"), _d.Aws.CallCount("EC2:DeregisterImage"), _d.Aws.CallCount("EC2:DeleteSnapshot")));
        Assert.True(_d.Aws.Denials.Count == 0, _d.Story());
    }

    [Fact]
    public async Task LongInvalidDeployTimeValue_ShouldFailWithAnAnswerCloudFormationAcceptsNamingTheProp()
    {
        var stack = Synthesized.NewStack("Sample");
        var description = new CfnParameter(stack, "Description", new CfnParameterProps { Type = "String" });
        new AppStreamAmiExport(stack, "Ami", new AppStreamAmiExportProps { ImageName = Image, AmiDescription = description.ValueAsString, Timeout = Duration.Minutes(50) });
        var template = await _d.SynthesizeAsync(stack);
        var export = Assert.Single(template.OfType(ResourceTypes.AppStreamAmiExport));

        var created = await _d.Cfn.CreateStackAsync(template, new Dictionary<string, string> { ["Description"] = new string('x', 3000) });

        Assert.True(created == "ROLLBACK_COMPLETE", _d.Story());
        var answer = _d.Cfn.ExchangesOf(export).First().Answer!;
        Assert.Equal("FAILED", answer.Status);
        Assert.True(answer.Bytes <= CloudFormationEmulator.MaxResponseBytes, $"{answer.Bytes} bytes");
        Assert.Contains("AmiDescription", answer.Reason);
        Assert.Equal(0, _d.Aws.CallCount("AppStream:CreateExportImageTask"));
    }
}
