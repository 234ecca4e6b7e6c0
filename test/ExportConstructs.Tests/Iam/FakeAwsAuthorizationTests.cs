using System.Net;
using Amazon.AppStream;
using Amazon.AppStream.Model;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.StepFunctions;
using Amazon.StepFunctions.Model;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.Iam;
using static ExportConstructs.Tests.Iam.AuthorizedAws;

namespace ExportConstructs.Tests.Iam;

/// <summary>
/// FakeAws with an authorizer: the real SDK clients (and the hand-written AppStream one) meet each
/// service's own access-denied error when the policy lacks a right, and pass when it has it.
/// This class: S3, AppStream and Step Functions (EC2 in <see cref="FakeAwsEc2AuthorizationTests"/>).
/// </summary>
public sealed class FakeAwsAuthorizationTests : IAsyncLifetime
{
    private readonly AuthorizedAws _a = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _a.DisposeAsync().AsTask();

    [Theory]
    [InlineData("exports/export-ami-0123456789abcdef0.vmdk", true)]
    [InlineData("exports/nested/export-ami-0123456789abcdef0.raw", true)]
    [InlineData("exports/readme.txt", false)]
    [InlineData("other/export-ami-0123456789abcdef0.vmdk", false)]
    public async Task DeleteObject_WhenScopedByBucketAndKeyPattern_ShouldBeDecidedByTheKey(string key, bool allowed)
    {
        // Arrange
        _a.Aws.Objects.Add("bucket/" + key);
        _a.Allow("""[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::bucket/exports/*export-ami-*"}]""");

        // Act
        var error = await Record.ExceptionAsync(() => _a.Clients.S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "bucket", Key = key }));

        // Assert
        if (allowed)
        {
            Assert.Null(error);
            Assert.DoesNotContain("bucket/" + key, _a.Aws.Objects);
        }
        else
        {
            var s3 = Assert.IsType<AmazonS3Exception>(error);
            Assert.Equal("AccessDenied", s3.ErrorCode);
            Assert.Equal(HttpStatusCode.Forbidden, s3.StatusCode);
            Assert.Equal(("s3:DeleteObject", "arn:aws:s3:::bucket/" + key), (_a.Aws.Denials[0].Action, _a.Aws.Denials[0].Resource));
            Assert.Contains("bucket/" + key, _a.Aws.Objects);
        }
    }

    [Fact]
    public async Task DeleteObject_WhenAnotherPrincipalHoldsTheRight_ShouldDenyTheCaller()
    {
        // Arrange: the right belongs to a different access key than the one that signs.
        _a.Aws.Objects.Add("bucket/exports/export-ami-1.vmdk");
        _a.Policies.Attach("AKIDOTHERPRINCIPAL", """{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}""");

        // Act
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _a.Clients.S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "bucket", Key = "exports/export-ami-1.vmdk" }));

        // Assert
        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Equal(_a.Principal, Assert.Single(_a.Aws.Denials).Principal);
    }

    [Fact]
    public async Task DeleteObject_WhenAVersionIsGivenButOnlyDeleteObjectIsGranted_ShouldBeDeniedOnDeleteObjectVersion()
    {
        // Arrange: removing an export file from a versioned bucket takes s3:DeleteObjectVersion.
        _a.Aws.VersionedBuckets.Add("bucket");
        var version = _a.Aws.PutObject("bucket", "exports/export-ami-1.vmdk");
        _a.Allow("""[{"Effect":"Allow","Action":["s3:DeleteObject","s3:GetObject"],"Resource":"arn:aws:s3:::bucket/exports/*export-ami-*"}]""");
        var head = await _a.Clients.S3.GetObjectMetadataAsync("bucket", "exports/export-ami-1.vmdk");

        // Act
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _a.Clients.S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "bucket", Key = "exports/export-ami-1.vmdk", VersionId = head.VersionId }));

        // Assert
        Assert.Equal(version, head.VersionId);
        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Equal("s3:DeleteObjectVersion", Assert.Single(_a.Aws.Denials).Action);
        Assert.Contains(_a.Aws.ObjectVersions["bucket/exports/export-ami-1.vmdk"], v => v.VersionId == version);
    }

    [Fact]
    public async Task CreateExportImageTask_WhenGrantedOnTheImageArnOnly_ShouldFailWithAccessDeniedThroughTheAppStreamClient()
    {
        // Arrange: the reference lists no resource type for this action, so only "*" matches.
        _a.Aws.AppStreamImages.Add("Office");
        _a.Allow("""
            [{"Effect":"Allow","Action":"appstream:CreateExportImageTask","Resource":"arn:aws:appstream:us-east-1:123456789012:image/Office"},
             {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]
            """);
        var request = new CreateExportImageTaskRequest { ImageName = "Office", AmiName = "office-ami", IamRoleArn = "arn:aws:iam::123456789012:role/appstream-export" };

        // Act
        var error = await Assert.ThrowsAnyAsync<AmazonAppStreamException>(() => _a.Clients.AppStream.CreateExportImageTaskAsync(request));

        // Assert
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("appstream:CreateExportImageTask on resource: *", error.Message);
        Assert.Empty(_a.Aws.AppStreamTasks);
    }

    [Fact]
    public async Task CreateExportImageTask_WhenGrantedOnStarWithPassRoleToAppStream_ShouldStart()
    {
        // Arrange
        _a.Aws.AppStreamImages.Add("Office");
        _a.Allow("""
            [{"Effect":"Allow","Action":"appstream:CreateExportImageTask","Resource":"*"},
             {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/appstream-export","Condition":{"StringEquals":{"iam:PassedToService":"appstream.amazonaws.com"}}}]
            """);
        var request = new CreateExportImageTaskRequest { ImageName = "Office", AmiName = "office-ami", IamRoleArn = "arn:aws:iam::123456789012:role/appstream-export" };

        // Act
        var created = await _a.Clients.AppStream.CreateExportImageTaskAsync(request);

        // Assert
        Assert.Empty(_a.Aws.Denials);
        Assert.Contains(created.ExportImageTask!.TaskId, _a.Aws.AppStreamTasks.Keys);
    }

    [Fact]
    public async Task StartExecution_WhenGrantedOnAnotherStateMachine_ShouldFailWithAccessDenied()
    {
        // Arrange
        _a.Allow("""[{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:Other"}]""");
        var request = new StartExecutionRequest { StateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:Poller", Name = "x", Input = "{}" };

        // Act
        var error = await Assert.ThrowsAnyAsync<AmazonServiceException>(() => _a.Clients.StepFunctions.StartExecutionAsync(request));

        // Assert
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Equal(("states:StartExecution", request.StateMachineArn), (_a.Aws.Denials[0].Action, _a.Aws.Denials[0].Resource));
        Assert.Empty(_a.Aws.Executions);
    }
}
