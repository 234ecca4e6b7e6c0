using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Tests.Constructs;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>How EventBridge refuses a PutEvents (issue 19's three).</summary>
public enum PublishRefusal
{
    /// <summary>A 5xx on every attempt the SDK makes.</summary>
    ServerError,
    /// <summary>The deployed handler role without its events:PutEvents statement: AccessDeniedException.</summary>
    AccessDenied,
    /// <summary>A 200 answer whose one entry failed (<c>FailedEntryCount</c> 1).</summary>
    FailedEntry,
}

/// <summary>
/// A refused completion event changes nothing CloudFormation hears: on each kind and wait path,
/// for each way EventBridge refuses, the stack ends as it does without the refusal (the publishing
/// resource's answer, physical id and attributes equal), nothing is on the bus, and the handler
/// logs the failure and counts it in an EMF line. A failed export whose event is refused still
/// fails with AWS's reason, not the publish error: once per kind and path, each refusal at least
/// once (the 5xx variant waits out the SDK's real backoff, about 15 s, so it is not crossed with everything).
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class CompletionEventRefusalTests : CompletionEventTestBase
{
    public static TheoryData<ExportKind, WaitPath, PublishRefusal> EachKindPathAndRefusal()
    {
        var data = new TheoryData<ExportKind, WaitPath, PublishRefusal>();
        foreach (var (kind, path) in KindsAndPaths)
            foreach (var refusal in Enum.GetValues<PublishRefusal>()) data.Add(kind, path, refusal);
        return data;
    }

    /// <summary>Arms the refusal; returns what to do to the template before it is deployed.</summary>
    private Func<StackTemplate, StackTemplate>? Refuse(PublishRefusal refusal)
    {
        switch (refusal)
        {
            case PublishRefusal.ServerError:
                D.Aws.FailNext("EventBridge:PutEvents", "InternalException", 500, times: AwsClients.MaxAttempts);
                return null;
            case PublishRefusal.FailedEntry:
                D.Aws.FailNextEntry("InternalFailure", "Injected entry failure");
                return null;
            default:
                return WithoutRight("events:PutEvents");
        }
    }

    /// <summary>The template with every policy statement granting <paramref name="action"/> removed (at least one).</summary>
    private static Func<StackTemplate, StackTemplate> WithoutRight(string action) => template =>
    {
        var json = JsonNode.Parse(template.Json.GetRawText())!;
        var removed = 0;
        foreach (var (_, resource) in json["Resources"]!.AsObject())
        {
            var documents = resource!["Type"]!.GetValue<string>() switch
            {
                "AWS::IAM::Policy" => [resource["Properties"]!["PolicyDocument"]],
                "AWS::IAM::Role" => resource["Properties"]!["Policies"]?.AsArray().Select(p => p!["PolicyDocument"]) ?? [],
                _ => Enumerable.Empty<JsonNode?>(),
            };
            foreach (var statements in documents.Select(d => d!["Statement"]!.AsArray()))
                foreach (var statement in statements.Where(s => s!["Action"]!.ToJsonString().Contains($"\"{action}\"", StringComparison.Ordinal)).ToList())
                {
                    statements.Remove(statement);
                    removed++;
                }
        }
        Assert.True(removed > 0, $"No statement grants {action}.");
        return new StackTemplate(JsonSerializer.SerializeToElement(json));
    };

    private void AssertRefusedAs(PublishRefusal refusal)
    {
        var code = refusal switch
        {
            PublishRefusal.ServerError => "InternalException",
            PublishRefusal.AccessDenied => "AccessDeniedException",
            _ => "InternalFailure",
        };
        Assert.Contains(D.HandlerLog(), l => l.StartsWith("Could not publish", StringComparison.Ordinal) && l.Contains(code, StringComparison.Ordinal));
        Assert.Equal(refusal == PublishRefusal.ServerError ? AwsClients.MaxAttempts : 1, D.Aws.CallCount("EventBridge:PutEvents"));
        if (refusal == PublishRefusal.AccessDenied)
            Assert.Equal("events:PutEvents", Assert.Single(D.Aws.Denials).Action);
        else Assert.Empty(D.Aws.Denials);
    }

    [Theory]
    [MemberData(nameof(EachKindPathAndRefusal))]
    public async Task RefusedPublish_ShouldLeaveTheOutcomeAndCloudFormationsAnswerUnchanged(ExportKind kind, WaitPath path, PublishRefusal refusal)
    {
        var change = Refuse(refusal);

        var outcome = await DeployAsync(D, kind, path, change);

        Assert.True(outcome == await BaselineAsync(kind, path), $"{outcome}\n{D.Story()}");
        Assert.Equal("CREATE_COMPLETE", outcome.Stack);
        Assert.Empty(D.Aws.Events);
        AssertRefusedAs(refusal);
        Assert.Contains(D.HandlerLog(), l => l.StartsWith("Could not publish the COMPLETED event", StringComparison.Ordinal));
        AssertOnePublishFailureCounted(kind);
    }

    [Theory]
    [InlineData(ExportKind.VmImage, WaitPath.Short, PublishRefusal.ServerError)]
    [InlineData(ExportKind.AppStream, WaitPath.Short, PublishRefusal.AccessDenied)]
    [InlineData(ExportKind.VmImage, WaitPath.Long, PublishRefusal.FailedEntry)]
    [InlineData(ExportKind.AppStream, WaitPath.Long, PublishRefusal.AccessDenied)]
    public async Task FailedExport_RefusedPublish_ShouldStillFailWithAwssReasonNotThePublishError(ExportKind kind, WaitPath path, PublishRefusal refusal)
    {
        FailExports(D);
        var change = Refuse(refusal);

        var outcome = await DeployAsync(D, kind, path, change);

        Assert.True(outcome == await BaselineAsync(kind, path, exportFails: true), $"{outcome}\n{D.Story()}");
        Assert.Equal(("ROLLBACK_COMPLETE", "FAILED"), (outcome.Stack, outcome.Answer));
        Assert.Contains(FailureOf(kind), outcome.Reason);
        Assert.DoesNotContain("publish", outcome.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(D.Aws.Events);
        AssertRefusedAs(refusal);
        Assert.Contains(D.HandlerLog(), l => l.StartsWith("Could not publish the FAILED event", StringComparison.Ordinal));
        AssertOnePublishFailureCounted(kind);
    }
}
