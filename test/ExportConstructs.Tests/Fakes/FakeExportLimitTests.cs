using Amazon.AppStream;
using Amazon.AppStream.Model;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using ExportConstructs.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Tests.Fakes;

/// <summary>
/// The fake AWS's limits on running exports (aws-facts §7), through the real SDK clients: EC2 refuses a
/// start beyond <see cref="FakeAws.Ec2ConcurrentExportLimit"/> active export tasks with
/// <c>ResourceLimitExceeded</c> (a repeated ClientToken still returns its task), AppStream one beyond
/// <see cref="FakeAws.AppStreamConcurrentExportLimit"/> EXPORTING tasks with <c>LimitExceededException</c>;
/// a task that has ended frees its place whether or not anyone polled it; and every start attempt is
/// recorded in <see cref="FakeAws.StartAttempts"/>. The clients here make one attempt per call, so
/// each call is one recorded attempt.
/// </summary>
public sealed class FakeExportLimitTests : IAsyncLifetime
{
    private static readonly string[] AmiIds = ["ami-00000000000000001", "ami-00000000000000002", "ami-00000000000000003"];
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeAws _aws;
    private readonly AmazonEC2Client _ec2;
    private readonly AmazonAppStreamClient _appStream;

    public FakeExportLimitTests()
    {
        _aws = new FakeAws { Clock = _clock };
        var credentials = new BasicAWSCredentials("AKIDEXAMPLE", "secret");
        _ec2 = new AmazonEC2Client(credentials, new AmazonEC2Config { ServiceURL = _aws.Url.ToString(), AuthenticationRegion = FakeAws.Region, MaxErrorRetry = 0 });
        _appStream = new AmazonAppStreamClient(credentials, new AmazonAppStreamConfig { ServiceURL = _aws.Url.ToString(), AuthenticationRegion = FakeAws.Region, MaxErrorRetry = 0 });
    }

    public Task InitializeAsync()
    {
        foreach (var ami in AmiIds) _aws.AddImage(ami);
        _aws.AppStreamImages.UnionWith(["Office", "Office2"]);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _ec2.Dispose();
        _appStream.Dispose();
        await _aws.DisposeAsync();
    }

    private Task<ExportImageResponse> ExportAsync(string ami, string? token = null) => _ec2.ExportImageAsync(new ExportImageRequest
    {
        ImageId = ami, DiskImageFormat = Amazon.EC2.DiskImageFormat.VMDK, ClientToken = token,
        S3ExportLocation = new ExportTaskS3LocationRequest { S3Bucket = "vm-exports", S3Prefix = "exports/" },
    });

    private Task<CreateExportImageTaskResponse> CreateAsync(string image) => _appStream.CreateExportImageTaskAsync(new CreateExportImageTaskRequest
    {
        ImageName = image, AmiName = image + "-" + _aws.AppStreamTasks.Count, IamRoleArn = "arn:aws:iam::123456789012:role/appstream-export",
    });

    [Fact]
    public async Task Ec2_WhenTheLimitIsReached_ShouldRefuseWithResourceLimitExceededNamingTheLimitAndTheRunningTasks()
    {
        _aws.Ec2ConcurrentExportLimit = 2;
        var first = await ExportAsync(AmiIds[0], "token-1");
        var second = await ExportAsync(AmiIds[1], "token-2");

        var refused = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ExportAsync(AmiIds[2], "token-3"));

        Assert.Equal(("ResourceLimitExceeded", System.Net.HttpStatusCode.BadRequest), (refused.ErrorCode, refused.StatusCode));
        Assert.Contains("limit of 2 concurrent export image tasks", refused.Message);
        Assert.Contains(first.ExportImageTaskId, refused.Message);
        Assert.Contains(second.ExportImageTaskId, refused.Message);
        Assert.Equal(2, _aws.VmTasks.Count);
        var attempt = Assert.Single(_aws.StartAttemptsFor(AmiIds[2]));
        Assert.Equal(new FakeStartAttempt(_clock.GetUtcNow(), "EC2:ExportImage", AmiIds[2], true, "ResourceLimitExceeded", null), attempt);
        Assert.Equal([false, false, true], _aws.StartAttempts.Select(a => a.Refused));
        Assert.Equal(first.ExportImageTaskId, _aws.StartAttempts[0].TaskId);
    }

    [Fact]
    public async Task Ec2_RepeatedClientTokenWhileTheLimitIsFull_ShouldReturnTheFirstTask()
    {
        _aws.Ec2ConcurrentExportLimit = 1;
        var first = await ExportAsync(AmiIds[0], "token-1");

        var again = await ExportAsync(AmiIds[0], "token-1");

        Assert.Equal(first.ExportImageTaskId, again.ExportImageTaskId);
        Assert.Single(_aws.VmTasks);
        Assert.Equal([(false, first.ExportImageTaskId), (false, first.ExportImageTaskId)], _aws.StartAttemptsFor(AmiIds[0]).Select(a => (a.Refused, a.TaskId)));
    }

    [Fact]
    public async Task Ec2_WhenARunningTaskHasEnded_ShouldAcceptTheNextStartThoughNobodyPolledIt()
    {
        _aws.Ec2ConcurrentExportLimit = 1;
        _aws.VmDuration = TimeSpan.FromMinutes(30);
        var first = await ExportAsync(AmiIds[0]);
        await Assert.ThrowsAsync<AmazonEC2Exception>(() => ExportAsync(AmiIds[1]));

        _clock.Advance(TimeSpan.FromMinutes(30));
        var next = await ExportAsync(AmiIds[1]);

        Assert.Equal("completed", _aws.VmTasks[first.ExportImageTaskId].Status);
        Assert.Equal("active", next.Status);
        var attempts = _aws.StartAttemptsFor(AmiIds[1]);
        Assert.Equal([(_clock.GetUtcNow() - TimeSpan.FromMinutes(30), true), (_clock.GetUtcNow(), false)], attempts.Select(a => (a.At, a.Refused)));
    }

    [Fact]
    public async Task Ec2_WithoutALimit_ShouldRunAnyNumberOfExportsOfDifferentAmisButOnePerAmi()
    {
        foreach (var ami in AmiIds) await ExportAsync(ami);

        var sameAmi = await Assert.ThrowsAsync<AmazonEC2Exception>(() => ExportAsync(AmiIds[0]));

        Assert.Equal("ResourceLimitExceeded", sameAmi.ErrorCode);
        Assert.Contains("already being exported", sameAmi.Message);
        Assert.Equal(3, _aws.VmTasks.Values.Count(t => t.Status == "active"));
        Assert.Equal(4, _aws.StartAttempts.Count);
    }

    [Fact]
    public async Task AppStream_WhenTheLimitIsReached_ShouldRefuseWithLimitExceededExceptionUntilATaskEnds()
    {
        _aws.AppStreamConcurrentExportLimit = 1;
        _aws.AppStreamDuration = TimeSpan.FromMinutes(20);
        var first = await CreateAsync("Office");

        var refused = await Assert.ThrowsAsync<Amazon.AppStream.Model.LimitExceededException>(() => CreateAsync("Office2"));

        Assert.Equal(("LimitExceededException", System.Net.HttpStatusCode.BadRequest), (refused.ErrorCode, refused.StatusCode));
        Assert.Contains("limit of 1 concurrent image export tasks", refused.Message);
        Assert.Contains(first.ExportImageTask!.TaskId, refused.Message);
        Assert.Single(_aws.AppStreamTasks);

        _clock.Advance(TimeSpan.FromMinutes(20));
        var next = await CreateAsync("Office2");

        Assert.Equal("COMPLETED", _aws.AppStreamTasks[first.ExportImageTask.TaskId].State);
        Assert.Equal("EXPORTING", next.ExportImageTask!.State);
        Assert.Equal(
            [("Office", false, null), ("Office2", true, "LimitExceededException"), ("Office2", false, null)],
            _aws.StartAttempts.Select(a => (a.Key, a.Refused, a.Code)));
        Assert.All(_aws.StartAttempts, a => Assert.Equal("AppStream:CreateExportImageTask", a.Action));
        Assert.Equal(next.ExportImageTask.TaskId, _aws.StartAttempts[^1].TaskId);
    }

    [Fact]
    public async Task StartAttempts_ShouldCountRefusalsOfEveryKind()
    {
        _aws.FailNext("EC2:ExportImage", "RequestLimitExceeded", 400);
        _aws.AddImage("ami-0000000000000000f", exportable: false);

        await Assert.ThrowsAsync<AmazonEC2Exception>(() => ExportAsync(AmiIds[0]));
        await Assert.ThrowsAsync<AmazonEC2Exception>(() => ExportAsync("ami-0000000000000000f"));
        await Assert.ThrowsAsync<Amazon.AppStream.Model.ResourceNotFoundException>(() => CreateAsync("NoSuchImage"));

        Assert.Equal(
            [(AmiIds[0], "RequestLimitExceeded"), ("ami-0000000000000000f", "NotExportable"), ("NoSuchImage", "ResourceNotFoundException")],
            _aws.StartAttempts.Select(a => (a.Key, a.Code)));
        Assert.All(_aws.StartAttempts, a => Assert.True(a.Refused));
    }
}
