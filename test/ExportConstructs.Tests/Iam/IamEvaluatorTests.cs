using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Tests.Iam;

public class IamEvaluatorTests
{
    private const string TaskArn = "arn:aws:ec2:us-east-1:123456789012:export-image-task/export-ami-0123456789abcdef0";
    private const string StackTag = "aws:ResourceTag/exportconstructs:stack";

    private static JsonElement Policy(string statements) => JsonDocument.Parse("""{"Version":"2012-10-17","Statement":""" + statements + "}").RootElement.Clone();

    /// <summary>An Allow statement with one condition; <paramref name="valueJson"/> is the condition value as JSON.</summary>
    private static string AllowIf(string action, string op, string key, string valueJson, string resource = "*") => new JsonObject
    {
        ["Effect"] = "Allow",
        ["Action"] = action,
        ["Resource"] = resource,
        ["Condition"] = new JsonObject { [op] = new JsonObject { [key] = JsonNode.Parse(valueJson) } },
    }.ToJsonString();

    private static string Quoted(string value) => JsonSerializer.Serialize(value);

    private static IamRequest Request(string action, string resource, params (string Key, string[] Values)[] context) =>
        new(action, resource, context.ToDictionary(c => c.Key, c => (IReadOnlyList<string>)c.Values));

    private static IamDecision Decide(string statements, IamRequest request) => IamEvaluator.Evaluate([Policy(statements)], request);

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
    [InlineData("StringEquals", "stack-a", true)]
    [InlineData("StringEquals", "STACK-A", false)]
    [InlineData("StringEqualsIgnoreCase", "STACK-A", true)]
    [InlineData("StringNotEquals", "stack-a", false)]
    [InlineData("StringNotEquals", "stack-b", true)]
    [InlineData("StringNotEqualsIgnoreCase", "STACK-A", false)]
    [InlineData("StringLike", "stack-*", true)]
    [InlineData("StringLike", "stack-?", true)]
    [InlineData("StringLike", "stock-*", false)]
    [InlineData("StringNotLike", "stack-*", false)]
    [InlineData("StringNotLike", "stock-*", true)]
    public void Evaluate_WhenStringOperatorCompares_ShouldFollowIam(string op, string policyValue, bool allowed)
    {
        // Arrange
        var request = Request("ec2:CancelExportTask", TaskArn, (StackTag, ["stack-a"]));

        // Act
        var decision = Decide(AllowIf("ec2:CancelExportTask", op, StackTag, Quoted(policyValue)), request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void Evaluate_WhenOneKeyHasSeveralValues_ShouldMatchAnyOfThem()
    {
        // Arrange
        var request = Request("iam:PassRole", "arn:aws:iam::123456789012:role/vmimport", ("iam:PassedToService", ["vmie.amazonaws.com"]));

        // Act
        var decision = Decide("""{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":["appstream.amazonaws.com","vmie.amazonaws.com"]}}}""", request);

        // Assert
        Assert.True(decision.Allowed);
    }

    [Theory]
    [InlineData("ExportImage", "stack-a", true)]
    [InlineData("ExportImage", "stack-b", false)]
    [InlineData("RunInstances", "stack-a", false)]
    public void Evaluate_WhenSeveralKeysAndOperators_ShouldRequireAllOfThem(string createAction, string tagValue, bool allowed)
    {
        // Arrange
        var request = Request("ec2:CreateTags", TaskArn, ("ec2:CreateAction", [createAction]), ("aws:RequestTag/exportconstructs:stack", [tagValue]), ("aws:TagKeys", ["exportconstructs:stack"]));
        var statement = """
            {"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{
              "StringEquals":{"ec2:CreateAction":"ExportImage","aws:RequestTag/exportconstructs:stack":"stack-a"},
              "ForAllValues:StringLike":{"aws:TagKeys":"exportconstructs:*"}}}
            """;

        // Act
        var decision = Decide(statement, request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("ArnEquals", "arn:aws:iam::123456789012:role/vmimport", true)]
    [InlineData("ArnLike", "arn:aws:iam::*:role/vm*", true)]
    [InlineData("ArnLike", "arn:aws:iam::*:role/other", false)]
    [InlineData("ArnNotEquals", "arn:aws:iam::123456789012:role/vmimport", false)]
    [InlineData("ArnNotLike", "arn:aws:iam::*:role/other*", true)]
    public void Evaluate_WhenArnOperatorCompares_ShouldMatchPartByPart(string op, string policyValue, bool allowed)
    {
        // Arrange
        var request = Request("iam:PassRole", "arn:aws:iam::123456789012:role/vmimport", ("aws:PrincipalArn", ["arn:aws:iam::123456789012:role/vmimport"]));

        // Act
        var decision = Decide(AllowIf("iam:PassRole", op, "aws:PrincipalArn", Quoted(policyValue)), request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void Evaluate_WhenArnLikeWildcardWouldSpanParts_ShouldNotMatch()
    {
        // Arrange: "*" in the region part may not swallow the account part.
        var request = Request("iam:PassRole", "*", ("aws:PrincipalArn", ["arn:aws:iam::123456789012:role/x"]));

        // Act
        var decision = Decide("""{"Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*"}}}""", request);

        // Assert
        Assert.False(decision.Allowed);
    }

    [Theory]
    [InlineData("true", "true", true)]
    [InlineData("false", "true", false)]
    [InlineData("TRUE", "true", true)]
    public void Evaluate_WhenBoolCompares_ShouldIgnoreCase(string policyValue, string requestValue, bool allowed)
    {
        // Arrange
        var request = Request("s3:GetObject", "arn:aws:s3:::b/k", ("aws:SecureTransport", [requestValue]));

        // Act
        var decision = Decide(AllowIf("s3:GetObject", "Bool", "aws:SecureTransport", Quoted(policyValue)), request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("NumericLessThan", "3600", true)]
    [InlineData("NumericLessThan", "60", false)]
    [InlineData("NumericGreaterThanEquals", "600", true)]
    [InlineData("NumericEquals", "600", true)]
    [InlineData("NumericNotEquals", "600", false)]
    public void Evaluate_WhenNumericCompares_ShouldCompareNumbers(string op, string policyValue, bool allowed)
    {
        // Arrange
        var request = Request("s3:GetObject", "arn:aws:s3:::b/k", ("aws:MultiFactorAuthAge", ["600"]));

        // Act
        var decision = Decide(AllowIf("s3:GetObject", op, "aws:MultiFactorAuthAge", policyValue), request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData("StringEquals", false)]
    [InlineData("StringEqualsIfExists", true)]
    [InlineData("StringNotEquals", true)]
    [InlineData("StringLikeIfExists", true)]
    public void Evaluate_WhenKeyIsMissing_ShouldMatchOnlyIfExistsAndNegatedOperators(string op, bool allowed)
    {
        // Arrange: the task has no tags at all.
        var request = Request("ec2:CancelExportTask", TaskArn);

        // Act
        var decision = Decide(AllowIf("ec2:CancelExportTask", op, StackTag, "\"stack-a\""), request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void Evaluate_WhenIfExistsKeyIsPresent_ShouldStillCompare()
    {
        // Arrange
        var request = Request("ec2:CancelExportTask", TaskArn, (StackTag, ["stack-b"]));

        // Act
        var decision = Decide(AllowIf("ec2:CancelExportTask", "StringEqualsIfExists", StackTag, "\"stack-a\""), request);

        // Assert
        Assert.False(decision.Allowed);
    }

    [Theory]
    [InlineData(true, "true", false)]
    [InlineData(true, "false", true)]
    [InlineData(false, "true", true)]
    [InlineData(false, "false", false)]
    public void Evaluate_WhenNullOperatorTests_ShouldMatchOnPresence(bool tagged, string policyValue, bool allowed)
    {
        // Arrange
        var request = tagged
            ? Request("ec2:DeregisterImage", "arn:aws:ec2:us-east-1::image/ami-12345678", ("ec2:ResourceTag/owner", ["x"]))
            : Request("ec2:DeregisterImage", "arn:aws:ec2:us-east-1::image/ami-12345678");

        // Act
        var decision = Decide(AllowIf("ec2:DeregisterImage", "Null", "ec2:ResourceTag/owner", Quoted(policyValue)), request);

        // Assert: Null true = "the key is absent".
        Assert.Equal(allowed, decision.Allowed);
    }

    [Theory]
    [InlineData(new[] { "a", "b" }, "ForAnyValue:StringEquals", true)]
    [InlineData(new[] { "c" }, "ForAnyValue:StringEquals", false)]
    [InlineData(new[] { "a", "b" }, "ForAllValues:StringEquals", true)]
    [InlineData(new[] { "a", "c" }, "ForAllValues:StringEquals", false)]
    [InlineData(new string[0], "ForAllValues:StringEquals", true)]
    [InlineData(new string[0], "ForAnyValue:StringEquals", false)]
    public void Evaluate_WhenSetOperatorOnMultivaluedKey_ShouldQuantifyOverRequestValues(string[] tagKeys, string op, bool allowed)
    {
        // Arrange: the policy allows tag keys a and b.
        var request = Request("ec2:ExportImage", "arn:aws:ec2:us-east-1:123456789012:export-image-task/*", ("aws:TagKeys", tagKeys));

        // Act
        var decision = Decide(AllowIf("ec2:ExportImage", op, "aws:TagKeys", """["a","b"]"""), request);

        // Assert
        Assert.Equal(allowed, decision.Allowed);
    }

    [Fact]
    public void Evaluate_WhenKeyIsUnsupportedByAction_ShouldTreatItAsAbsentEvenIfRequestCarriesIt()
    {
        // Arrange: s3:DeleteObject does not support s3:ExistingObjectTag, even if the object is tagged.
        var request = Request("s3:DeleteObject", "arn:aws:s3:::bucket/exports/export-ami-1.vmdk", ("s3:ExistingObjectTag/owner", ["stack-a"]));
        var statement = """{"Effect":"Allow","Action":["s3:DeleteObject","s3:GetObject"],"Resource":"*","Condition":{"StringEquals":{"s3:ExistingObjectTag/owner":"stack-a"}}}""";

        // Act
        var delete = Decide(statement, request);
        var get = Decide(statement, request with { Action = "s3:GetObject" });

        // Assert: the same statement allows GetObject, which supports the key.
        Assert.False(delete.Allowed);
        Assert.Contains("does not support s3:ExistingObjectTag/owner", delete.Explanation);
        Assert.True(get.Allowed);
    }

    [Theory]
    [InlineData("Null", "true", true)]
    [InlineData("StringEqualsIfExists", "stack-a", true)]
    [InlineData("StringNotEquals", "stack-a", true)]
    public void Evaluate_WhenKeyIsUnsupportedByAction_ShouldMatchAsAnAbsentKeyDoes(string op, string value, bool allowed)
    {
        // Arrange: for ExportImage the export-image-task resource takes aws:RequestTag, not aws:ResourceTag.
        var request = Request("ec2:ExportImage", "arn:aws:ec2:us-east-1:123456789012:export-image-task/*", (StackTag, ["stack-b"]));

        // Act
        var decision = Decide(AllowIf("ec2:ExportImage", op, StackTag, Quoted(value)), request);

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
