using ExportConstructs.Fakes;
using Amazon.S3;
using Amazon.S3.Model;
using ExportConstructs.Handler.Aws;

namespace ExportConstructs.Tests.Fakes;

/// <summary>
/// The fake S3's versioned buckets, through the real AmazonS3Client: a delete without a version id
/// keeps the data behind a delete marker, as S3 does, so only deleting the version removes a file.
/// </summary>
public sealed class FakeS3VersioningTests : IAsyncLifetime
{
    private const string Bucket = "vm-exports";
    private const string Key = "exports/export-ami-0123456789abcdef0.vmdk";

    private readonly FakeAws _aws = new();
    private readonly HttpClient _http = new();
    private readonly IAmazonS3 _s3;

    public FakeS3VersioningTests() => _s3 = LoopbackClients.For(_aws).S3;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _aws.DisposeAsync();
    }

    private async Task<List<S3ObjectVersion>> VersionsAsync() =>
        (await _s3.ListVersionsAsync(new ListVersionsRequest { BucketName = Bucket, Prefix = "exports/" })).Versions ?? [];

    [Fact]
    public async Task PutObject_WhenBucketIsVersioned_ShouldReturnANewVersionEachTime()
    {
        // Arrange
        _aws.VersionedBuckets.Add(Bucket);

        // Act
        var first = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = Key, ContentBody = "one" });
        var second = await _s3.PutObjectAsync(new PutObjectRequest { BucketName = Bucket, Key = Key, ContentBody = "two" });

        // Assert
        Assert.NotNull(first.VersionId);
        Assert.NotEqual(first.VersionId, second.VersionId);
        Assert.Equal([first.VersionId, second.VersionId], _aws.ObjectVersions[$"{Bucket}/{Key}"].Select(v => v.VersionId));
    }

    [Fact]
    public async Task DeleteObject_WhenBucketIsVersionedAndNoVersionIsGiven_ShouldOnlyAddADeleteMarker()
    {
        // Arrange
        _aws.VersionedBuckets.Add(Bucket);
        var version = _aws.PutObject(Bucket, Key);

        // Act
        var deleted = await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = Key });

        // Assert: the object looks gone, but its data version is still there.
        Assert.Equal("true", deleted.DeleteMarker);
        Assert.DoesNotContain($"{Bucket}/{Key}", _aws.Objects);
        var versions = await VersionsAsync();
        Assert.Contains(versions, v => v.VersionId == version && v.IsDeleteMarker != true);
        Assert.Contains(versions, v => v.VersionId == deleted.VersionId && v.IsDeleteMarker == true && v.IsLatest == true);
        var head = await Assert.ThrowsAsync<AmazonS3Exception>(() => _s3.GetObjectMetadataAsync(Bucket, Key));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task DeleteObject_WhenGivenTheVersionIdFromHeadObject_ShouldRemoveTheData()
    {
        // Arrange
        _aws.VersionedBuckets.Add(Bucket);
        _aws.PutObject(Bucket, Key);
        var head = await _s3.GetObjectMetadataAsync(Bucket, Key);

        // Act
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = Key, VersionId = head.VersionId });

        // Assert
        Assert.NotNull(head.VersionId);
        Assert.DoesNotContain($"{Bucket}/{Key}", _aws.Objects);
        Assert.Empty(await VersionsAsync());
    }

    [Fact]
    public async Task DeleteObject_WhenBucketIsNotVersioned_ShouldRemoveTheObjectAsBefore()
    {
        // Arrange
        _aws.PutObject(Bucket, Key);
        var head = await _s3.GetObjectMetadataAsync(Bucket, Key);

        // Act
        await _s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = Key });

        // Assert
        Assert.Null(head.VersionId);
        Assert.Empty(_aws.Objects);
        Assert.Empty(await VersionsAsync());
    }

    [Fact]
    public async Task CompletedExport_WhenBucketIsVersioned_ShouldWriteAVersion()
    {
        // Arrange: EC2 writes the export file as any writer would.
        _aws.VersionedBuckets.Add(Bucket);
        _aws.VmPollsToFinish = 1;
        _aws.AddImage("ami-0123456789abcdef0");
        var ec2 = LoopbackClients.For(_aws).Ec2;
        var started = await ec2.ExportImageAsync(new Amazon.EC2.Model.ExportImageRequest
        {
            ImageId = "ami-0123456789abcdef0",
            DiskImageFormat = Amazon.EC2.DiskImageFormat.VMDK,
            S3ExportLocation = new Amazon.EC2.Model.ExportTaskS3LocationRequest { S3Bucket = Bucket, S3Prefix = "exports/" },
        });

        // Act
        await ec2.DescribeExportImageTasksAsync(new Amazon.EC2.Model.DescribeExportImageTasksRequest { ExportImageTaskIds = [started.ExportImageTaskId] });

        // Assert
        var version = Assert.Single(await VersionsAsync());
        Assert.Equal($"exports/{started.ExportImageTaskId}.vmdk", version.Key);
    }

    [Theory]
    [InlineData(true, "Enabled")]
    [InlineData(false, "Off")] // the SDK reports a never-versioned bucket as Off
    public async Task GetBucketVersioning_ShouldTellWhetherTheBucketIsVersioned(bool versioned, string status)
    {
        // Arrange
        if (versioned) _aws.VersionedBuckets.Add(Bucket);

        // Act
        var answer = await _s3.GetBucketVersioningAsync(new GetBucketVersioningRequest { BucketName = Bucket });

        // Assert
        Assert.Equal(status, answer.VersioningConfig.Status.Value);
    }
}
