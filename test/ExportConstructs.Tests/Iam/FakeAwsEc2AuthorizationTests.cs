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
/// This class: EC2 (ExportImage, CancelExportTask, DeleteSnapshot).
/// </summary>
public sealed class FakeAwsEc2AuthorizationTests : IAsyncLifetime
{
    private readonly AuthorizedAws _a = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _a.DisposeAsync().AsTask();

    [Fact]
    public async Task ExportImage_WhenPolicyLacksTheRight_ShouldFailWithUnauthorizedOperationThroughTheSdk()
    {
        // Arrange
        _a.Allow("""[{"Effect":"Allow","Action":"ec2:DescribeExportImageTasks","Resource":"*"}]""");

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _a.Clients.Ec2.ExportImageAsync(Export()));

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Contains($"User: {_a.Principal} is not authorized to perform: ec2:ExportImage on resource: arn:aws:ec2:us-east-1::image/{ImageId}", error.Message);
        var denial = Assert.Single(_a.Aws.Denials);
        Assert.Equal(("ec2:ExportImage", $"arn:aws:ec2:us-east-1::image/{ImageId}"), (denial.Action, denial.Resource));
        Assert.Contains("no statement allows", denial.Explanation);
        Assert.Empty(_a.Aws.VmTasks);
        Assert.Equal(1, _a.Aws.CallCount("EC2:ExportImage"));
    }

    [Fact]
    public async Task ExportImage_WhenPolicyGrantsEveryRight_ShouldStartTheTask()
    {
        // Arrange
        _a.Allow(ExportRights);

        // Act
        var started = await _a.Clients.Ec2.ExportImageAsync(Export((StackKey, "stack-a")));

        // Assert
        Assert.Empty(_a.Aws.Denials);
        Assert.Equal("stack-a", _a.Aws.VmTasks[started.ExportImageTaskId].Tags[StackKey]);
    }

    [Fact]
    public async Task ExportImage_WhenTaggedWithoutCreateTagsRight_ShouldBeDeniedOnCreateTags()
    {
        // Arrange: everything but ec2:CreateTags.
        _a.Allow($$"""
            [{"Effect":"Allow","Action":"ec2:ExportImage","Resource":"*"},
             {"Effect":"Allow","Action":"iam:PassRole","Resource":"{{RoleArn}}"}]
            """);

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _a.Clients.Ec2.ExportImageAsync(Export((StackKey, "stack-a"))));

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Equal(("ec2:CreateTags", TaskArns), (_a.Aws.Denials[0].Action, _a.Aws.Denials[0].Resource));
    }

    [Fact]
    public async Task ExportImage_WhenRoleMayBePassedOnlyToAppStream_ShouldBeDeniedOnPassRole()
    {
        // Arrange
        _a.Allow(ExportRights.Replace("vmie.amazonaws.com", "appstream.amazonaws.com"));

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _a.Clients.Ec2.ExportImageAsync(Export()));

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        var denial = Assert.Single(_a.Aws.Denials);
        Assert.Equal(("iam:PassRole", RoleArn), (denial.Action, denial.Resource));
        Assert.Contains("iam:PassedToService", denial.Explanation);
    }

    [Fact]
    public async Task CancelExportTask_WhenConditionedOnStackTag_ShouldAllowOnlyTheTaskWithThatTag()
    {
        // Arrange
        _a.Allow(ExportRights);
        // EC2 runs one export per AMI at a time: the other stack's export of this AMI has ended (IAM decides before the state does).
        var theirs = (await _a.Clients.Ec2.ExportImageAsync(Export((StackKey, "stack-b")))).ExportImageTaskId;
        _a.Aws.VmTasks[theirs].Status = "completed";
        var ours = (await _a.Clients.Ec2.ExportImageAsync(Export((StackKey, "stack-a")))).ExportImageTaskId;
        _a.Allow("""[{"Effect":"Allow","Action":"ec2:CancelExportTask","Resource":"arn:aws:ec2:us-east-1:123456789012:export-image-task/*","Condition":{"StringEquals":{"aws:ResourceTag/exportconstructs:stack":"stack-a"}}}]""");

        // Act
        await _a.Clients.Ec2.CancelExportTaskAsync(new CancelExportTaskRequest { ExportTaskId = ours });
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _a.Clients.Ec2.CancelExportTaskAsync(new CancelExportTaskRequest { ExportTaskId = theirs }));

        // Assert
        Assert.True(_a.Aws.VmTasks[ours].Cancelled);
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.False(_a.Aws.VmTasks[theirs].Cancelled);
        var denial = Assert.Single(_a.Aws.Denials);
        Assert.Equal("arn:aws:ec2:us-east-1:123456789012:export-image-task/" + theirs, denial.Resource);
        Assert.Contains("request has [stack-b]", denial.Explanation);
    }

    [Fact]
    public async Task DeleteSnapshot_WhenConditionedOnOwnerTag_ShouldDependOnWhetherAppStreamTaggedTheSnapshots()
    {
        // Arrange: an AppStream export's AMI carries the task's tags; its snapshot only if the fake is told so.
        _a.Aws.AppStreamImages.Add("Office");
        _a.Aws.AppStreamPollsToFinish = 1;
        _a.Allow("""
            [{"Effect":"Allow","Action":["appstream:*","iam:PassRole","ec2:DescribeImages"],"Resource":"*"},
             {"Effect":"Allow","Action":"ec2:DeleteSnapshot","Resource":"arn:aws:ec2:us-east-1::snapshot/*","Condition":{"StringEquals":{"aws:ResourceTag/exportconstructs:stack":"stack-a"}}}]
            """);
        async Task<string> ExportSnapshot(string amiName)
        {
            var created = await _a.Clients.AppStream.CreateExportImageTaskAsync(new CreateExportImageTaskRequest
            {
                ImageName = "Office", AmiName = amiName, IamRoleArn = "arn:aws:iam::123456789012:role/r",
                TagSpecifications = new Dictionary<string, string> { [StackKey] = "stack-a" },
            });
            var done = await _a.Clients.AppStream.GetExportImageTaskAsync(new GetExportImageTaskRequest { TaskId = created.ExportImageTask!.TaskId });
            return _a.Aws.Images[done.ExportImageTask!.AmiId!].Snapshots.Single();
        }
        var untagged = await ExportSnapshot("ami-untagged");
        _a.Aws.AppStreamTagsSnapshots = true;
        var tagged = await ExportSnapshot("ami-tagged");

        // Act
        var error = await Assert.ThrowsAsync<AmazonEC2Exception>(() => _a.Clients.Ec2.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = untagged }));
        await _a.Clients.Ec2.DeleteSnapshotAsync(new DeleteSnapshotRequest { SnapshotId = tagged });

        // Assert
        Assert.Equal("UnauthorizedOperation", error.ErrorCode);
        Assert.Contains(untagged, _a.Aws.Snapshots);
        Assert.DoesNotContain(tagged, _a.Aws.Snapshots);
    }
}
