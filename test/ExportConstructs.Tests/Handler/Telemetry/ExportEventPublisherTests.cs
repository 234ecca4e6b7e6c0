using System.Text.Json;
using Amazon.EventBridge;
using Amazon.EventBridge.Model;
using ExportConstructs.Contract;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Handler.Telemetry;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.Iam;
using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Tests.Handler.Telemetry;

/// <summary>
/// The completion event: what the publisher puts on the bus (through the real client and the
/// loopback EventBridge, under the handler's IAM right), that a failed publish never reaches the
/// caller, and the contract's detail and event id.
/// </summary>
public sealed class ExportEventPublisherTests : IAsyncLifetime
{
    private const string Stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/Demo/0f1e2d3c-0000-4000-8000-000000000000";
    private const string DefaultBus = "arn:aws:events:us-east-1:123456789012:event-bus/default";
    private static readonly DateTime Started = new(2026, 11, 18, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Ended = new(2026, 11, 18, 10, 47, 10, 500, DateTimeKind.Utc);

    private readonly FakeAws _aws = new();
    private readonly PolicyAuthorizer _policies = new();
    private readonly List<string> _log = [];
    private readonly string _principal = LoopbackClients.Credentials.GetCredentials().AccessKey;

    public ExportEventPublisherTests() => _aws.Authorizer = _policies;

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _aws.DisposeAsync().AsTask();

    private static ExportEventDetail Completed() => ExportEventDetail.For(
        ExportEvents.Kinds.ExportedVmImage, "export-ami-1234567890abcdef0", ExportEvents.States.Completed, Stack, "VmImage",
        Started, Ended,
        new Dictionary<string, string>
        {
            [ExportedVmImageAttributeNames.S3Bucket] = "my-vm-exports",
            [ExportedVmImageAttributeNames.S3Key] = "exports/export-ami-1234567890abcdef0.vmdk",
            [ExportedVmImageAttributeNames.S3Uri] = "s3://my-vm-exports/exports/export-ami-1234567890abcdef0.vmdk",
        },
        constructPath: "Demo/VmImage");

    private ExportEventPublisher Publisher(IAmazonEventBridge eventBridge) =>
        new(eventBridge, new EmbeddedMetrics(new FakeTimeProvider(new DateTimeOffset(Ended)), _log.Add), _log.Add);

    private AmazonEventBridgeClient Client()
    {
        var config = AwsClients.Configure(new AmazonEventBridgeConfig());
        config.ServiceURL = _aws.Url.ToString();
        config.AuthenticationRegion = FakeAws.Region;
        return new AmazonEventBridgeClient(LoopbackClients.Credentials, config);
    }

    /// <summary>The right the handler will hold: PutEvents on the default bus, with its own source only.</summary>
    private void GrantTheHandlersRight() => _policies.Attach(_principal, $$$$"""
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"events:PutEvents","Resource":"{{{{DefaultBus}}}}",
          "Condition":{"StringEquals":{"events:source":"{{{{ExportEvents.Source}}}}"}}}]}
        """);

    /// <summary>The EMF lines the publisher logged, parsed.</summary>
    private List<JsonElement> MetricLines() =>
        [.. _log.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public async Task PublishAsync_UnderTheHandlersRight_ShouldPutOneEventOnTheDefaultBusWithTheContractsSourceAndDetailType()
    {
        // Arrange
        GrantTheHandlersRight();
        using var client = Client();
        var detail = Completed();

        // Act
        var result = await Publisher(client).PublishAsync(detail);

        // Assert
        var put = Assert.Single(_aws.Events);
        Assert.Equal(new PublishResult(true, put.EventId, null), result);
        Assert.Equal((DefaultBus, ExportEvents.Source, ExportEvents.DetailTypes.Completed), (put.EventBusArn, put.Source, put.DetailType));
        Assert.Equal([Stack], put.Resources);
        Assert.Equal(new DateTimeOffset(Ended), put.Time);
        var received = JsonSerializer.Deserialize(put.Detail, ContractJsonContext.Default.ExportEventDetail)!;
        Assert.Equal(JsonSerializer.Serialize(detail, ContractJsonContext.Default.ExportEventDetail), JsonSerializer.Serialize(received, ContractJsonContext.Default.ExportEventDetail));
        Assert.Empty(_log);
    }

    [Fact]
    public async Task PublishAsync_WhenThePolicyLacksTheRight_ShouldReturnNormallyAndLogAndCountTheFailure()
    {
        // Arrange: no policy at all.
        using var client = Client();
        var detail = Completed();

        // Act
        var result = await Publisher(client).PublishAsync(detail);

        // Assert
        Assert.False(result.Published);
        Assert.StartsWith("[AccessDeniedException]", result.Failure);
        Assert.Empty(_aws.Events);
        Assert.Contains(_log, l => l.Contains("Could not publish the COMPLETED event " + detail.EventId, StringComparison.Ordinal) && l.Contains("AccessDeniedException", StringComparison.Ordinal));
        AssertOneFailureCounted();
    }

    [Fact]
    public async Task PublishAsync_WhenEventBridgeFailsTheEntryIn200Answer_ShouldReturnNormallyAndLogAndCountTheFailure()
    {
        // Arrange
        GrantTheHandlersRight();
        using var client = Client();
        _aws.FailNextEntry("ThrottlingException", "Rate exceeded.");

        // Act
        var result = await Publisher(client).PublishAsync(Completed());

        // Assert
        Assert.Equal(new PublishResult(false, null, "[ThrottlingException] Rate exceeded."), result);
        Assert.Empty(_aws.Events);
        Assert.Contains(_log, l => l.Contains("[ThrottlingException] Rate exceeded.", StringComparison.Ordinal));
        AssertOneFailureCounted();
    }

    public static TheoryData<string, Exception> Failures => new()
    {
        { "a 5xx after the SDK's retries", new InternalException("Internal error", null, Amazon.Runtime.ErrorType.Receiver, "InternalException", "req-1", System.Net.HttpStatusCode.InternalServerError) },
        { "a transport failure", new HttpRequestException("Connection refused (events.us-east-1.amazonaws.com:443)") },
        { "a cancellation", new TaskCanceledException("The request was canceled.") },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task PublishAsync_WhenTheCallThrows_ShouldReturnNormallyAndLogAndCountTheFailure(string what, Exception failure)
    {
        // Arrange
        var publisher = Publisher(new ThrowingEventBridge(failure));

        // Act
        var result = await publisher.PublishAsync(Completed());

        // Assert
        Assert.False(result.Published, what);
        Assert.Contains(failure.Message, result.Failure);
        Assert.Contains(_log, l => l.StartsWith("Could not publish", StringComparison.Ordinal) && l.Contains(failure.Message, StringComparison.Ordinal));
        AssertOneFailureCounted();
    }

    [Fact]
    public async Task PublishAsync_WhenTheDetailHasNoFinalState_ShouldReturnNormallyWithoutCallingEventBridge()
    {
        // Arrange
        using var client = Client();
        var detail = Completed();
        detail.State = "EXPORTING";

        // Act
        var result = await Publisher(client).PublishAsync(detail);

        // Assert
        Assert.False(result.Published);
        Assert.Contains("'EXPORTING' is not a final state", result.Failure);
        Assert.Empty(_aws.Calls);
        AssertOneFailureCounted();
    }

    private void AssertOneFailureCounted()
    {
        var line = Assert.Single(MetricLines());
        Assert.Equal(1, line.GetProperty(EmbeddedMetrics.Names.EventPublishFailures).GetDouble());
        Assert.Equal(ExportEvents.Kinds.ExportedVmImage, line.GetProperty(EmbeddedMetrics.Kind).GetString());
        Assert.Equal("Demo", line.GetProperty(EmbeddedMetrics.StackName).GetString());
        var metric = Assert.Single(line.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray());
        Assert.Equal((EmbeddedMetrics.Names.EventPublishFailures, MetricUnits.Count), (metric.GetProperty("Name").GetString(), metric.GetProperty("Unit").GetString()));
    }

    [Fact]
    public void Detail_ShouldSerializeToTheDocumentedCamelCaseJson()
    {
        // Act
        var json = JsonSerializer.Serialize(Completed(), ContractJsonContext.Default.ExportEventDetail);

        // Assert: the event schema consumers write rules against (version 1); a missing start, reason or path is left out.
        Assert.Equal(
            """{"schemaVersion":1,"eventId":"EVENT_ID","kind":"ExportedVmImage","taskId":"export-ami-1234567890abcdef0","state":"COMPLETED","attributes":{"S3Bucket":"my-vm-exports","S3Key":"exports/export-ami-1234567890abcdef0.vmdk","S3Uri":"s3://my-vm-exports/exports/export-ami-1234567890abcdef0.vmdk"},"startedAt":"2026-11-18T10:00:00Z","endedAt":"2026-11-18T10:47:10.5Z","durationSeconds":2830.5,"stackId":"arn:aws:cloudformation:us-east-1:123456789012:stack/Demo/0f1e2d3c-0000-4000-8000-000000000000","logicalId":"VmImage","constructPath":"Demo/VmImage"}"""
                .Replace("EVENT_ID", ExportEvents.EventIdOf(Stack, "VmImage", "export-ami-1234567890abcdef0", ExportEvents.States.Completed), StringComparison.Ordinal),
            json);
    }

    [Fact]
    public void Detail_ShouldRoundTripThroughTheContractType()
    {
        // Arrange
        var failed = ExportEventDetail.For(ExportEvents.Kinds.AppStreamAmiExport, "0000000a-0000-4000-8000-000000000000", ExportEvents.States.Failed,
            Stack, "Ami", startedAt: null, Ended, new Dictionary<string, string> { [AppStreamAmiExportAttributeNames.AmiName] = "office" }, reason: "[IMAGE_BUILDER_ERROR] The image could not be exported.");

        // Act
        var back = JsonSerializer.Deserialize(JsonSerializer.Serialize(failed, ContractJsonContext.Default.ExportEventDetail), ContractJsonContext.Default.ExportEventDetail)!;

        // Assert
        Assert.Equal(
            (failed.SchemaVersion, failed.EventId, failed.Kind, failed.TaskId, failed.State, failed.Reason, failed.StartedAt, failed.EndedAt, failed.DurationSeconds, failed.StackId, failed.LogicalId, failed.ConstructPath),
            (back.SchemaVersion, back.EventId, back.Kind, back.TaskId, back.State, back.Reason, back.StartedAt, back.EndedAt, back.DurationSeconds, back.StackId, back.LogicalId, back.ConstructPath));
        Assert.Equal(failed.Attributes, back.Attributes);
        Assert.Equal(DateTimeKind.Utc, back.EndedAt.Kind);
        Assert.Null(back.StartedAt);
        Assert.Null(back.DurationSeconds);
    }

    [Fact]
    public void EventIdOf_WithTheSameInputs_ShouldGiveTheSameIdWhateverTheTimes()
    {
        // Arrange
        var first = Completed();
        var redelivered = ExportEventDetail.For(first.Kind, first.TaskId, first.State, first.StackId, first.LogicalId, Started.AddMinutes(1), Ended.AddMinutes(3));

        // Assert
        Assert.Equal(first.EventId, redelivered.EventId);
        // Pinned: consumers compare ids across handler versions, so the rule must not drift.
        Assert.Equal("8f50cd0e13d0029c94fbe3954a1eb79d5c184cc9dafaf09784fb7981e677cc2d", ExportEvents.EventIdOf("stack", "logical", "task", "COMPLETED"));
    }

    [Theory]
    [InlineData("other-stack", "VmImage", "export-ami-1234567890abcdef0", "COMPLETED")]
    [InlineData(Stack, "OtherImage", "export-ami-1234567890abcdef0", "COMPLETED")]
    [InlineData(Stack, "VmImage", "export-ami-0000000000000000f", "COMPLETED")]
    [InlineData(Stack, "VmImage", "export-ami-1234567890abcdef0", "CANCELLED")]
    // The separator keeps "a" + "bc" apart from "ab" + "c".
    [InlineData(Stack + "\nVmImage", "", "export-ami-1234567890abcdef0", "COMPLETED")]
    public void EventIdOf_WhenAnyIdentifyingInputDiffers_ShouldGiveAnotherId(string stackId, string logicalId, string taskId, string state)
    {
        // Act
        var id = ExportEvents.EventIdOf(stackId, logicalId, taskId, state);

        // Assert
        Assert.NotEqual(Completed().EventId, id);
    }

    [Fact]
    public void DetailTypeOf_ShouldNameOneDetailTypePerFinalState()
    {
        // Act
        var types = ExportEvents.States.All.Select(ExportEvents.DetailTypeOf).ToList();

        // Assert
        Assert.Equal(ExportEvents.DetailTypes.All, types);
        Assert.DoesNotContain("aws.", ExportEvents.Source, StringComparison.Ordinal);
    }

    /// <summary>An EventBridge whose every call fails with one exception, for failures the loopback cannot stage quickly.</summary>
    private sealed class ThrowingEventBridge(Exception failure) : IAmazonEventBridge
    {
        public Task<PutEventsResponse> PutEventsAsync(PutEventsRequest request, CancellationToken cancellationToken = default) => Task.FromException<PutEventsResponse>(failure);
        public void Dispose() { }
    }
}
