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

namespace ExportConstructs.Tests.Iam;

/// <summary>
/// FakeAws with an authorizer: the real SDK clients (and the hand-written AppStream one) meet each
/// service's own access-denied error when the policy lacks a right, and pass when it has it.
/// </summary>
public sealed class FakeAwsAuthorizationTests : IAsyncLifetime
{
    private const string ImageId = "ami-0123456789abcdef0";
    private const string StackKey = "exportconstructs:stack";
    private const string TaskArns = "arn:aws:ec2:us-east-1:123456789012:export-image-task/*";
    private const string RoleArn = "arn:aws:iam::123456789012:role/vmimport";

    private readonly FakeAws _aws = new();
    private readonly HttpClient _http = new();
    private readonly PolicyAuthorizer _policies = new();
    private readonly AwsServices _clients;
    private readonly string _principal = LoopbackClients.Credentials.GetCredentials().AccessKey;

    public FakeAwsAuthorizationTests()
    {
        _aws.Authorizer = _policies;
        _aws.AddImage(ImageId);
        _clients = LoopbackClients.For(_aws);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _aws.DisposeAsync();
    }

    private void Allow(string statementsJson) =>
        _policies.Attach(_principal, $$"""{"Version":"2012-10-17","Statement":{{statementsJson}}}""");

    private static ExportImageRequest Export(params (string Key, string Value)[] tags)
    {
        var request = new ExportImageRequest
        {
            ImageId = ImageId,
            DiskImageFormat = Amazon.EC2.DiskImageFormat.VMDK,
            S3ExportLocation = new ExportTaskS3LocationRequest { S3Bucket = "bucket", S3Prefix = "exports/" },
            RoleName = "vmimport",
        };
        if (tags.Length > 0)
            request.TagSpecifications = [new TagSpecification { ResourceType = Amazon.EC2.ResourceType.ExportImageTask, Tags = tags.Select(t => new Amazon.EC2.Model.Tag(t.Key, t.Value)).ToList() }];
        return request;
    }

    /// <summary>Every right ExportImage needs, with tags: the image, the new task, tagging it at creation, passing the role to VM Import/Export.</summary>
    private const string ExportRights = """
        [{"Effect":"Allow","Action":"ec2:ExportImage","Resource":["arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0","arn:aws:ec2:us-east-1:123456789012:export-image-task/*"]},
         {"Effect":"Allow","Action":"ec2:CreateTags","Resource":"arn:aws:ec2:us-east-1:123456789012:export-image-task/*","Condition":{"StringEquals":{"ec2:CreateAction":"ExportImage"}}},
         {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/vmimport","Condition":{"StringEquals":{"iam:PassedToService":"vmie.amazonaws.com"}}}]
        """;

    [Fact]
    public async Task ExportImage_WhenPolicyLacksTheRight_ShouldFailWithUnauthorizedOperationThroughTheSdk()
    {
        // Arrange
        Allow("""[{"Effect":"Allow","Action":"ec2:DescribeExportImageTasks","Resource":"*"}]""");

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _clients.Ec2.ExportImageAsync(Export()));

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Contains($"User: {_principal} is not authorized to perform: ec2:ExportImage on resource: arn:aws:ec2:us-east-1::image/{ImageId}", error.Message);
        var denial = Assert.Single(_aws.Denials);
        Assert.Equal(("ec2:ExportImage", $"arn:aws:ec2:us-east-1::image/{ImageId}"), (denial.Action, denial.Resource));
        Assert.Contains("no statement allows", denial.Explanation);
        Assert.Empty(_aws.VmTasks);
        Assert.Equal(1, _aws.CallCount("EC2:ExportImage"));
    }

    [Fact]
    public async Task ExportImage_WhenPolicyGrantsEveryRight_ShouldStartTheTask()
    {
        // Arrange
        Allow(ExportRights);

        // Act
        var started = await _clients.Ec2.ExportImageAsync(Export((StackKey, "stack-a")));

        // Assert
        Assert.Empty(_aws.Denials);
        Assert.Equal("stack-a", _aws.VmTasks[started.ExportImageTaskId].Tags[StackKey]);
    }

    [Fact]
    public async Task ExportImage_WhenTaggedWithoutCreateTagsRight_ShouldBeDeniedOnCreateTags()
    {
        // Arrange: everything but ec2:CreateTags.
        Allow($$"""
            [{"Effect":"Allow","Action":"ec2:ExportImage","Resource":"*"},
             {"Effect":"Allow","Action":"iam:PassRole","Resource":"{{RoleArn}}"}]
            """);

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _clients.Ec2.ExportImageAsync(Export((StackKey, "stack-a"))));

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Equal(("ec2:CreateTags", TaskArns), (_aws.Denials[0].Action, _aws.Denials[0].Resource));
    }

    [Fact]
    public async Task ExportImage_WhenRoleMayBePassedOnlyToAppStream_ShouldBeDeniedOnPassRole()
    {
        // Arrange
        Allow(ExportRights.Replace("vmie.amazonaws.com", "appstream.amazonaws.com"));

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _clients.Ec2.ExportImageAsync(Export()));

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        var denial = Assert.Single(_aws.Denials);
        Assert.Equal(("iam:PassRole", RoleArn), (denial.Action, denial.Resource));
        Assert.Contains("iam:PassedToService", denial.Explanation);
    }

    [Fact]
    public async Task CancelExportTask_WhenConditionedOnStackTag_ShouldAllowOnlyTheTaskWithThatTag()
    {
        // Arrange
        Allow(ExportRights);
        // EC2 runs one export per AMI at a time: the other stack's export of this AMI has ended (IAM decides before the state does).
        var theirs = (await _clients.Ec2.ExportImageAsync(Export((StackKey, "stack-b")))).ExportImageTaskId;
        _aws.VmTasks[theirs].Status = "completed";
        var ours = (await _clients.Ec2.ExportImageAsync(Export((StackKey, "stack-a")))).ExportImageTaskId;
        Allow("""[{"Effect":"Allow","Action":"ec2:CancelExportTask","Resource":"arn:aws:ec2:us-east-1:123456789012:export-image-task/*","Condition":{"StringEquals":{"aws:ResourceTag/exportconstructs:stack":"stack-a"}}}]""");

        // Act
        await _clients.Ec2.CancelExportTaskAsync(new CancelExportTaskRequest { ExportTaskId = ours });
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _clients.Ec2.CancelExportTaskAsync(new CancelExportTaskRequest { ExportTaskId = theirs }));

        // Assert
        Assert.True(_aws.VmTasks[ours].Cancelled);
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.False(_aws.VmTasks[theirs].Cancelled);
        var denial = Assert.Single(_aws.Denials);
        Assert.Equal("arn:aws:ec2:us-east-1:123456789012:export-image-task/" + theirs, denial.Resource);
        Assert.Contains("request has [stack-b]", denial.Explanation);
    }

    [Theory]
    [InlineData("exports/export-ami-0123456789abcdef0.vmdk", true)]
    [InlineData("exports/nested/export-ami-0123456789abcdef0.raw", true)]
    [InlineData("exports/readme.txt", false)]
    [InlineData("other/export-ami-0123456789abcdef0.vmdk", false)]
    public async Task DeleteObject_WhenScopedByBucketAndKeyPattern_ShouldBeDecidedByTheKey(string key, bool allowed)
    {
        // Arrange
        _aws.Objects.Add("bucket/" + key);
        Allow("""[{"Effect":"Allow","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::bucket/exports/*export-ami-*"}]""");

        // Act
        var error = await Record.ExceptionAsync(() => _clients.S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "bucket", Key = key }));

        // Assert
        if (allowed)
        {
            Assert.Null(error);
            Assert.DoesNotContain("bucket/" + key, _aws.Objects);
        }
        else
        {
            var s3 = Assert.IsType<AmazonS3Exception>(error);
            Assert.Equal("AccessDenied", s3.ErrorCode);
            Assert.Equal(HttpStatusCode.Forbidden, s3.StatusCode);
            Assert.Equal(("s3:DeleteObject", "arn:aws:s3:::bucket/" + key), (_aws.Denials[0].Action, _aws.Denials[0].Resource));
            Assert.Contains("bucket/" + key, _aws.Objects);
        }
    }

    [Fact]
    public async Task DeleteObject_WhenAnotherPrincipalHoldsTheRight_ShouldDenyTheCaller()
    {
        // Arrange: the right belongs to a different access key than the one that signs.
        _aws.Objects.Add("bucket/exports/export-ami-1.vmdk");
        _policies.Attach("AKIDOTHERPRINCIPAL", """{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}""");

        // Act
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _clients.S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "bucket", Key = "exports/export-ami-1.vmdk" }));

        // Assert
        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Equal(_principal, Assert.Single(_aws.Denials).Principal);
    }

    [Fact]
    public async Task DeleteObject_WhenAVersionIsGivenButOnlyDeleteObjectIsGranted_ShouldBeDeniedOnDeleteObjectVersion()
    {
        // Arrange: removing an export file from a versioned bucket takes s3:DeleteObjectVersion.
        _aws.VersionedBuckets.Add("bucket");
        var version = _aws.PutObject("bucket", "exports/export-ami-1.vmdk");
        Allow("""[{"Effect":"Allow","Action":["s3:DeleteObject","s3:GetObject"],"Resource":"arn:aws:s3:::bucket/exports/*export-ami-*"}]""");
        var head = await _clients.S3.GetObjectMetadataAsync("bucket", "exports/export-ami-1.vmdk");

        // Act
        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => _clients.S3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = "bucket", Key = "exports/export-ami-1.vmdk", VersionId = head.VersionId }));

        // Assert
        Assert.Equal(version, head.VersionId);
        Assert.Equal("AccessDenied", error.ErrorCode);
        Assert.Equal("s3:DeleteObjectVersion", Assert.Single(_aws.Denials).Action);
        Assert.Contains(_aws.ObjectVersions["bucket/exports/export-ami-1.vmdk"], v => v.VersionId == version);
    }

    [Fact]
    public async Task CreateExportImageTask_WhenGrantedOnTheImageArnOnly_ShouldFailWithAccessDeniedThroughTheAppStreamClient()
    {
        // Arrange: the reference lists no resource type for this action, so only "*" matches.
        _aws.AppStreamImages.Add("Office");
        Allow("""
            [{"Effect":"Allow","Action":"appstream:CreateExportImageTask","Resource":"arn:aws:appstream:us-east-1:123456789012:image/Office"},
             {"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]
            """);
        var request = new CreateExportImageTaskRequest { ImageName = "Office", AmiName = "office-ami", IamRoleArn = "arn:aws:iam::123456789012:role/appstream-export" };

        // Act
        var error = await Assert.ThrowsAnyAsync<AmazonAppStreamException>(() => _clients.AppStream.CreateExportImageTaskAsync(request));

        // Assert
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains("appstream:CreateExportImageTask on resource: *", error.Message);
        Assert.Empty(_aws.AppStreamTasks);
    }

    [Fact]
    public async Task CreateExportImageTask_WhenGrantedOnStarWithPassRoleToAppStream_ShouldStart()
    {
        // Arrange
        _aws.AppStreamImages.Add("Office");
        Allow("""
            [{"Effect":"Allow","Action":"appstream:CreateExportImageTask","Resource":"*"},
             {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/appstream-export","Condition":{"StringEquals":{"iam:PassedToService":"appstream.amazonaws.com"}}}]
            """);
        var request = new CreateExportImageTaskRequest { ImageName = "Office", AmiName = "office-ami", IamRoleArn = "arn:aws:iam::123456789012:role/appstream-export" };

        // Act
        var created = await _clients.AppStream.CreateExportImageTaskAsync(request);

        // Assert
        Assert.Empty(_aws.Denials);
        Assert.Contains(created.ExportImageTask!.TaskId, _aws.AppStreamTasks.Keys);
    }

    [Fact]
    public async Task StartExecution_WhenGrantedOnAnotherStateMachine_ShouldFailWithAccessDenied()
    {
        // Arrange
        Allow("""[{"Effect":"Allow","Action":"states:StartExecution","Resource":"arn:aws:states:us-east-1:123456789012:stateMachine:Other"}]""");
        var request = new StartExecutionRequest { StateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:Poller", Name = "x", Input = "{}" };

        // Act
        var error = await Assert.ThrowsAnyAsync<AmazonServiceException>(() => _clients.StepFunctions.StartExecutionAsync(request));

        // Assert
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Equal(("states:StartExecution", request.StateMachineArn), (_aws.Denials[0].Action, _aws.Denials[0].Resource));
        Assert.Empty(_aws.Executions);
    }

    [Fact]
    public async Task DeleteSnapshot_WhenConditionedOnOwnerTag_ShouldDependOnWhetherAppStreamTaggedTheSnapshots()
    {
        // Arrange: an AppStream export's AMI carries the task's tags; its snapshot only if the fake is told so.
        _aws.AppStreamImages.Add("Office");
        _aws.AppStreamPollsToFinish = 1;
        Allow("""
            [{"Effect":"Allow","Action":["appstream:*","iam:PassRole","ec2:DescribeImages"],"Resource":"*"},
             {"Effect":"Allow","Action":"ec2:DeleteSnapshot","Resource":"arn:aws:ec2:us-east-1::snapshot/*","Condition":{"StringEquals":{"aws:ResourceTag/exportconstructs:stack":"stack-a"}}}]
            """);
        async Task<string> ExportSnapshot(string amiName)
        {
            var created = await _clients.AppStream.CreateExportImageTaskAsync(new CreateExportImageTaskRequest
            {
                ImageName = "Office", AmiName = amiName, IamRoleArn = "arn:aws:iam::123456789012:role/r",
                TagSpecifications = new Dictionary<string, string> { [StackKey] = "stack-a" },
            });
            var done = await _clients.AppStream.GetExportImageTaskAsync(new GetExportImageTaskRequest { TaskId = created.ExportImageTask!.TaskId });
            return _aws.Images[done.ExportImageTask!.AmiId!].Snapshots.Single();
        }
        var untagged = await ExportSnapshot("ami-untagged");
        _aws.AppStreamTagsSnapshots = true;
        var tagged = await ExportSnapshot("ami-tagged");

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _clients.Ec2.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = untagged }));
        await _clients.Ec2.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = tagged });

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Contains(untagged, _aws.Snapshots);
        Assert.DoesNotContain(tagged, _aws.Snapshots);
    }
}
