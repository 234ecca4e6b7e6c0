using Amazon.CDK;
using ExportConstructs.Handler.Telemetry;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Tests.Handler.Telemetry;
using static ExportConstructs.Tests.CloudFormation.LongWaitStacks;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Issue 19's metrics: the EMF lines the handler logs over whole deployments, each read as
/// CloudWatch would (<see cref="EmfRecord"/>), and their sums against what really happened: the
/// start calls AWS saw, the describes it answered, the export's final state and duration.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class LifecycleMetricsTests : DeploymentTest
{
    private List<EmfRecord> Records()
    {
        var records = _d.HandlerLog().Where(EmfRecord.IsEmf).Select(EmfRecord.Parse).ToList();
        Assert.All(records, r => Assert.Equal(("ExportConstructs", "Sample"), (r.Namespace, r.Dimensions[EmbeddedMetrics.StackName])));
        return records;
    }

    private static double Sum(IEnumerable<EmfRecord> records, string metric) =>
        records.Sum(r => r.Metrics.TryGetValue(metric, out var m) ? m.Value : 0);

    [Fact]
    public async Task ShortPathVmExport_ShouldCountItsStartItsPollsWithProgressAndItsEnd()
    {
        _d.Aws.VmDuration = TimeSpan.FromMinutes(20);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => { p.Timeout = Duration.Minutes(30); p.PollInterval = Duration.Minutes(5); })));

        var records = Records();
        Assert.All(records, r => Assert.Equal("ExportedVmImage", r.Dimensions[EmbeddedMetrics.Kind]));
        Assert.Equal(_d.Aws.Calls.Count(c => c == "EC2:ExportImage"), Sum(records, EmbeddedMetrics.Names.StartAttempts));
        Assert.Equal(_d.Aws.Calls.Count(c => c == "EC2:DescribeExportImageTasks"), Sum(records, EmbeddedMetrics.Names.Polls));
        var progress = records.Where(r => r.Metrics.ContainsKey(EmbeddedMetrics.Names.ProgressPercent))
            .Select(r => r.Metrics[EmbeddedMetrics.Names.ProgressPercent]).ToList();
        Assert.All(progress, p => Assert.Equal("Percent", p.Unit));
        Assert.Equal(progress.Select(p => p.Value).Order(), progress.Select(p => p.Value));
        Assert.Equal(100, progress[^1].Value);
        var end = Assert.Single(records, r => r.Metrics.ContainsKey(EmbeddedMetrics.Names.ExportsCompleted));
        Assert.Equal((1d, "Seconds"), (end.Metrics[EmbeddedMetrics.Names.ExportsCompleted].Value, end.Metrics[EmbeddedMetrics.Names.ExportDuration].Unit));
        Assert.InRange(end.Metrics[EmbeddedMetrics.Names.ExportDuration].Value, 20 * 60, 25 * 60);
    }

    [Fact]
    public async Task LongPathAppStreamExport_ShouldCountPollsWithoutProgressAndOneEnd()
    {
        _d.Aws.AppStreamDuration = TimeSpan.FromMinutes(90);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.AmiStack()));

        var records = Records();
        Assert.Equal(1, Sum(records, EmbeddedMetrics.Names.StartAttempts));
        // Every status check is one poll; the export resource's own isComplete reads the task's attributes once more, which is no poll.
        Assert.Equal(_d.Aws.Calls.Count(c => c == "AppStream:GetExportImageTask") - 1, Sum(records, EmbeddedMetrics.Names.Polls));
        Assert.DoesNotContain(records, r => r.Metrics.ContainsKey(EmbeddedMetrics.Names.ProgressPercent));
        Assert.Equal(1, Sum(records, EmbeddedMetrics.Names.ExportsCompleted));
        Assert.Equal(0, Sum(records, EmbeddedMetrics.Names.ExportsFailed) + Sum(records, EmbeddedMetrics.Names.ExportsCancelled));
    }

    [Fact]
    public async Task FailedAndCancelledExports_ShouldBeCountedByTheirFinalState()
    {
        _d.Aws.VmFailureMessage = "ClientError: Disk validation failed";
        Assert.Equal("ROLLBACK_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.Timeout = Duration.Minutes(30))));
        Assert.Equal("DELETE_COMPLETE", await _d.Cfn.DeleteStackAsync());
        _d.Aws.VmFailureMessage = null;
        _d.Aws.VmDuration = TimeSpan.FromHours(5);
        Assert.Equal("CREATE_COMPLETE", await _d.Cfn.CreateStackAsync(await _d.VmStack(p => p.WaitForCompletion = false)));
        Assert.Equal("DELETE_COMPLETE", await _d.Cfn.DeleteStackAsync());

        var records = Records();
        Assert.Equal((1d, 1d, 0d), (Sum(records, EmbeddedMetrics.Names.ExportsFailed), Sum(records, EmbeddedMetrics.Names.ExportsCancelled), Sum(records, EmbeddedMetrics.Names.ExportsCompleted)));
    }
}
