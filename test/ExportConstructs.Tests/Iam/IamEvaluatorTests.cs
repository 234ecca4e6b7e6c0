using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes.Iam;
using static ExportConstructs.Tests.Iam.IamPolicies;

namespace ExportConstructs.Tests.Iam;

/// <summary>
/// The IAM evaluator's statements: actions and resources, Allow and Deny, NotAction and NotResource,
/// what it refuses to guess, and resource types (conditions in <see cref="IamEvaluatorConditionTests"/>).
/// </summary>
public class IamEvaluatorTests
{
    [Fact]
    public void Evaluate_WhenNoStatementMatches_ShouldDenyImplicitlyAndSaySo()
    {
        // Arrange
        var request = Request("ec2:CancelExportTask", TaskArn);

        // Act
        var decision = Decide("""[{"Effect":"Allow","Action":"ec2:DescribeImages","Resource":"*"}]""", request);

        // Assert
        Assert.False(decision.Allowed);
        Assert.Contains("ec2:CancelExportTask on " + TaskArn, decision.Explanation);
        Assert.Contains("no statement allows", decision.Explanation);
    }

    [Theory]
    [InlineData("ec2:*", true)]
    [InlineData("EC2:cancelexporttask", true)]
    [InlineData("ec2:Cancel*Task", true)]
    [InlineData("ec2:CancelExportTas?", true)]
    [InlineData("ec2:Cancel?Task", false)]
    [InlineData("s3:*", false)]
    public void Evaluate_WhenActionHasWildcardsOrOtherCase_ShouldMatchCaseInsensitively(string pattern, bool allowed)
    {
        // Arrange
        var request = Request("ec2:CancelExportTask", TaskArn);

        // Act
        var decision = Decide($$"""{"Effect":"Allow","Action":"{{pattern}}","Resource":"*"}""", request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("arn:aws:s3:::bucket/exports/*export-ami-*", "arn:aws:s3:::bucket/exports/a/export-ami-1.vmdk", true)]
    [InlineData("arn:aws:s3:::bucket/exports/*export-ami-*", "arn:aws:s3:::bucket/other/export-ami-1.vmdk", false)]
    [InlineData("arn:aws:s3:::bucket/Exports/*", "arn:aws:s3:::bucket/exports/x", false)]
    [InlineData("arn:aws:s3:::bucket/exports/?", "arn:aws:s3:::bucket/exports/x", true)]
    [InlineData("*", "arn:aws:s3:::bucket/exports/x", true)]
    public void Evaluate_WhenResourceIsAPattern_ShouldMatchCaseSensitively(string pattern, string resource, bool allowed)
    {
        // Arrange
        var request = Request("s3:DeleteObject", resource);

        // Act
        var decision = Decide($$"""{"Effect":"Allow","Action":["s3:DeleteObject"],"Resource":["{{pattern}}"]}""", request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void Evaluate_WhenActionSupportsNoResourceType_ShouldMatchOnlyStarResource()
    {
        // Arrange: appstream:CreateExportImageTask lists no resource type, so AWS asks about "*".
        var request = Request("appstream:CreateExportImageTask", "*");

        // Act
        var byArn = Decide("""{"Effect":"Allow","Action":"appstream:CreateExportImageTask","Resource":"arn:aws:appstream:us-east-1:123456789012:image/*"}""", request);
        var byStar = Decide("""{"Effect":"Allow","Action":"appstream:CreateExportImageTask","Resource":"*"}""", request);

        // Assert
        Assert.False(byArn.Allowed);
        Assert.True(byStar.Allowed);
    }

    [Fact]
    public void Evaluate_WhenAllowAndDenyBothMatch_ShouldDenyNamingTheDenyingStatement()
    {
        // Arrange
        var request = Request("s3:DeleteObject", "arn:aws:s3:::bucket/keep/file");
        var statements = """
            [{"Effect":"Allow","Action":"s3:*","Resource":"*"},
             {"Sid":"KeepKeep","Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::bucket/keep/*"}]
            """;

        // Act
        var decision = Decide(statements, request);

        // Assert
        Assert.False(decision.Allowed);
        Assert.Contains("explicitly denied by statement 'KeepKeep'", decision.Explanation);
    }

    [Fact]
    public void Evaluate_WhenDenyIsInAnotherPolicy_ShouldStillWin()
    {
        // Arrange
        var request = Request("ec2:DeregisterImage", "arn:aws:ec2:us-east-1::image/ami-12345678");
        JsonElement[] policies =
        [
            Policy("""{"Effect":"Allow","Action":"ec2:DeregisterImage","Resource":"*"}"""),
            Policy("""{"Effect":"Deny","Action":"ec2:*","Resource":"*"}"""),
        ];

        // Act
        var decision = IamEvaluator.Evaluate(policies, request);

        // Assert
        Assert.False(decision.Allowed);
        Assert.Contains("statement 1 of policy 2", decision.Explanation);
    }

    [Theory]
    [InlineData("ec2:DeleteSnapshot", false)]
    [InlineData("ec2:DeregisterImage", true)]
    public void Evaluate_WhenStatementUsesNotAction_ShouldAllowEverythingElse(string action, bool allowed)
    {
        // Arrange
        var request = Request(action, "*");

        // Act
        var decision = Decide("""{"Effect":"Allow","NotAction":["ec2:DeleteSnapshot","s3:*"],"Resource":"*"}""", request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("arn:aws:s3:::bucket/exports/x", false)]
    [InlineData("arn:aws:s3:::bucket/other/x", true)]
    public void Evaluate_WhenStatementUsesNotResource_ShouldAllowEverywhereElse(string resource, bool allowed)
    {
        // Arrange
        var request = Request("s3:GetObject", resource);

        // Act
        var decision = Decide("""{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::bucket/exports/*"}""", request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("stack-a", true)]
    [InlineData("stack-b", false)]
    public void Evaluate_WhenCancelIsConditionedOnStackTag_ShouldAllowOnlyTheRightTagValue(string taskTag, bool allowed)
    {
        // Arrange
        var request = Request("ec2:CancelExportTask", TaskArn, (StackTag, [taskTag]), ("ec2:ResourceTag/exportconstructs:stack", [taskTag]));
        var statement = AllowIf("ec2:CancelExportTask", "StringEquals", StackTag, "\"stack-a\"", resource: "arn:aws:ec2:us-east-1:123456789012:export-image-task/*");

        // Act
        var decision = Decide(statement, request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
        if (!allowed) Assert.Contains("request has [stack-b]", decision.Explanation);
    }

    [Fact]
    public void Evaluate_WhenOperatorIsUnknown_ShouldThrowRatherThanIgnoreIt()
    {
        // Arrange
        var request = Request("ec2:CancelExportTask", TaskArn, (StackTag, ["stack-a"]));

        // Act
        var error = Assert.Throws<NotSupportedException>(() => Decide(AllowIf("ec2:CancelExportTask", "DateGreaterThan", "aws:CurrentTime", "\"2020-01-01T00:00:00Z\""), request));

        // Assert
        Assert.Contains("DateGreaterThan", error.Message);
    }

    [Fact]
    public void Evaluate_WhenActionIsMissingFromKeyTable_ShouldThrowAskingForItsRow()
    {
        // Arrange
        var request = Request("ec2:RunInstances", "*", ("ec2:InstanceType", ["t3.micro"]));

        // Act
        var error = Assert.Throws<ArgumentException>(() => Decide("""{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringEquals":{"ec2:InstanceType":"t3.micro"}}}""", request));

        // Assert
        Assert.Contains("ec2:RunInstances", error.Message);
    }

    [Theory]
    [InlineData("arn:aws:ec2:us-east-1::image/ami-1", "image")]
    [InlineData("arn:aws:ec2:us-east-1:123456789012:export-image-task/export-ami-1", "export-image-task")]
    [InlineData("arn:aws:s3:::bucket", "bucket")]
    [InlineData("arn:aws:s3:::bucket/a/b", "object")]
    [InlineData("arn:aws:states:us-east-1:123456789012:stateMachine:Poller", "statemachine")]
    [InlineData("arn:aws:states:us-east-1:123456789012:execution:Poller:x", "execution")]
    [InlineData("arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s", "log-stream")]
    [InlineData("*", null)]
    public void ResourceType_WhenGivenAnArn_ShouldNameTheReferenceType(string arn, string? type)
    {
        // Act
        var actual = ConditionKeySupport.ResourceType(arn);

        // Assert
        Assert.Equal(type, actual);
    }
}
