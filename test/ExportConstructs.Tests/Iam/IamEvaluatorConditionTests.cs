using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Fakes.Iam;
using static ExportConstructs.Tests.Iam.IamPolicies;

namespace ExportConstructs.Tests.Iam;

/// <summary>
/// The IAM evaluator's condition operators and keys, as IAM evaluates them.
/// </summary>
public class IamEvaluatorConditionTests
{
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
}
