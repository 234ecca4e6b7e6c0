using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Tests.Constructs;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The export rules deployed: each rule's pattern as CloudFormation resolved it (the stack's real id
/// in place of <c>AWS::StackId</c>) evaluated against the events the handler actually put on the
/// bus, through the real framework code, on the short and the long wait path.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ExportRuleDeploymentTests : DeploymentTest
{
    public override Task InitializeAsync()
    {
        _d.Aws.AddImage(OtherImage);
        return base.InitializeAsync();
    }

    /// <summary>The three rules on an export, named after it: "&lt;export&gt;Completed…", "…Failed…", "…Any…".</summary>
    private static void Rules(IExportedVmImage export)
    {
        export.OnExportCompleted("Completed");
        export.OnExportFailed("Failed");
        export.OnExportStateChange("Any");
    }

    /// <summary>
    /// For each deployed rule (by logical id less the CDK's hash), the detail-types of the published
    /// events its pattern, as CloudFormation resolved it, matches, and whose. The rules are created at
    /// the start of the operation (their patterns name the export resource by a literal, not a Ref),
    /// so they exist when the export's event is put.
    /// </summary>
    private SortedDictionary<string, string> Matches()
    {
        var rules = _d.Cfn.EventRules.GroupBy(r => r.LogicalId).Select(g => g.Last()).ToList();
        Assert.NotEmpty(rules);
        Assert.NotEmpty(_d.Aws.Events);
        return new(rules.ToDictionary(
            r => r.LogicalId[..(r.LogicalId.Length - 8)], // the CDK's 8-character hash
            r => string.Join(", ", _d.Aws.Events
                .Where(e => EventPatterns.Matches(r.Properties["EventPattern"]!, EventPatterns.Event(e)))
                .Select(e => $"{e.DetailType} of {Detail(e)["logicalId"]}"))));
    }

    [Fact]
    public async Task ShortPath_TwoCompletedVmExports_ShouldEachBeMatchedOnlyByTheirOwnCompletedAndStateChangeRules()
    {
        var template = await _d.VmStack(p => p.Timeout = Duration.Minutes(30), stack =>
        {
            Rules((ExportedVmImage)stack.Node.FindChild("Vm"));
            Rules(new ExportedVmImage(stack, "Other", new ExportedVmImageProps
            {
                ImageId = OtherImage, DiskImageFormat = DiskImageFormat.RAW, Bucket = (IBucket)stack.Node.FindChild("Bucket"), Timeout = Duration.Minutes(30),
            }));
        });
        var vm = template.Resources.Single(r => r.Type == Contract.ResourceTypes.ExportedVmImage && r.LogicalId.StartsWith("Vm", StringComparison.Ordinal)).LogicalId;
        var other = template.Resources.Single(r => r.Type == Contract.ResourceTypes.ExportedVmImage && r.LogicalId.StartsWith("Other", StringComparison.Ordinal)).LogicalId;

        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());

        Assert.Equal(2, _d.Aws.Events.Count);
        Assert.Equal(new SortedDictionary<string, string>
        {
            ["VmCompleted"] = $"Export Completed of {vm}", ["VmFailed"] = "", ["VmAny"] = $"Export Completed of {vm}",
            ["OtherCompleted"] = $"Export Completed of {other}", ["OtherFailed"] = "", ["OtherAny"] = $"Export Completed of {other}",
        }, Matches());
    }

    [Fact]
    public async Task ShortPath_FailedVmExport_ShouldBeMatchedByItsFailedAndStateChangeRules()
    {
        _d.Aws.VmFailureMessage = "ClientError: Disk validation failed";
        var template = await _d.VmStack(p => p.Timeout = Duration.Minutes(30), stack => Rules((ExportedVmImage)stack.Node.FindChild("Vm")));
        var vm = template.Of(Contract.ResourceTypes.ExportedVmImage);

        Assert.Equal("ROLLBACK_COMPLETE", await _d.Cfn.CreateStackAsync(template));

        // The rollback deleted the rules; what they held is what EventBridge matched the event against while they existed.
        Assert.Equal(new SortedDictionary<string, string>
        {
            ["VmCompleted"] = "", ["VmFailed"] = $"Export Failed of {vm}", ["VmAny"] = $"Export Failed of {vm}",
        }, Matches());
    }

    [Fact]
    public async Task LongPath_CompletedAppStreamExport_ItsEventFromTheResultResource_ShouldBeMatchedByTheExportsRules()
    {
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(90);
        var template = await _d.AmiStack(more: stack =>
        {
            var ami = (AppStreamAmiExport)stack.Node.FindChild("As");
            ami.OnExportCompleted("Completed");
            ami.OnExportFailed("Failed");
            ami.OnExportStateChange("Any");
        });
        var export = template.Of(Contract.ResourceTypes.AppStreamAmiExport);

        Assert.True(await _d.Cfn.CreateStackAsync(template) == "CREATE_COMPLETE", _d.Story());

        Assert.Equal(new SortedDictionary<string, string>
        {
            ["AsCompleted"] = $"Export Completed of {export}", ["AsFailed"] = "", ["AsAny"] = $"Export Completed of {export}",
        }, Matches());
    }
}
