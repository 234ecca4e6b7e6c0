using System.Net;
using System.Text.Json.Nodes;
using Amazon;
using Amazon.EventBridge;
using Amazon.EventBridge.Model;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.Iam;
using static ExportConstructs.Tests.ServiceClients.LoopbackEventBridge;

namespace ExportConstructs.Tests.ServiceClients;

/// <summary>
/// The hand-written EventBridge client through AWSSDK.Core's real pipeline (signing, retries,
/// error unmarshalling) against the loopback EventBridge, without an IAM policy (under one:
/// <see cref="EventBridgeClientAuthorizationTests"/>).
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class EventBridgeClientTests : IAsyncLifetime
{
    private readonly LoopbackEventBridge _e = new();

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _e.DisposeAsync().AsTask();

    [Fact]
    public async Task PutEvents_WhenTheBusAcceptsTheEntry_ShouldSendTheDocumentedShapeAndReturnItsEventId()
    {
        // Arrange
        using var client = _e.Client();
        var entry = Entry();
        entry.Resources = [Stack];
        entry.Time = new DateTime(2026, 11, 18, 11, 6, 40, 123, DateTimeKind.Utc);

        // Act
        var response = await client.PutEventsAsync(Put(entry));

        // Assert
        var sent = _e.Aws.Server.Requests.Single();
        Assert.Equal("AWSEvents.PutEvents", sent.Header("X-Amz-Target"));
        Assert.Equal(
            $$"""{"Entries":[{"Time":1795000000.123,"Source":"exportconstructs","Resources":["{{Stack}}"],"DetailType":"Export Completed","Detail":"{\u0022taskId\u0022:\u0022export-ami-1\u0022}"}]}""",
            sent.Body);
        Assert.True(_e.Aws.ProtocolProblems.Count == 0, string.Join("; ", _e.Aws.ProtocolProblems));
        Assert.Equal(0, response.FailedEntryCount);
        var result = Assert.Single(response.Entries);
        var put = Assert.Single(_e.Aws.Events);
        Assert.Equal(put.EventId, result.EventId);
        Assert.Null(result.ErrorCode);
        Assert.Equal((DefaultBus, Source, "Export Completed", """{"taskId":"export-ami-1"}"""), (put.EventBusArn, put.Source, put.DetailType, put.Detail));
        Assert.Equal([Stack], put.Resources);
        Assert.Equal(new DateTimeOffset(2026, 11, 18, 11, 6, 40, 123, TimeSpan.Zero), put.Time);
    }

    [Fact]
    public async Task PutEvents_WhenOneEntryFails_ShouldAnswer200WithFailedEntryCountAndThatEntrysError()
    {
        // Arrange
        using var client = _e.Client();
        _e.Aws.FailNextEntry("InternalFailure", "Internal failure.");

        // Act
        var response = await client.PutEventsAsync(Put(Entry(detailType: "Export Failed"), Entry()));

        // Assert: the first entry failed alone, in place; the second was put.
        Assert.Equal(1, response.FailedEntryCount);
        Assert.Equal(
            [("InternalFailure", "Internal failure.", false), (null, null, true)],
            response.Entries.Select(e => (e.ErrorCode, e.ErrorMessage, e.EventId is not null)));
        Assert.Equal("Export Completed", Assert.Single(_e.Aws.Events).DetailType);
        Assert.Equal(1, _e.Aws.CallCount("EventBridge:PutEvents"));
    }

    [Fact]
    public async Task PutEvents_WhenEventBridgeAnswers5xxOnEveryAttempt_ShouldThrowTheTypedErrorAfterTheSdksAttempts()
    {
        // Arrange
        using var client = _e.Client();
        _e.Aws.FailNext("EventBridge:PutEvents", "InternalException", 500, times: 10);

        // Act
        var error = await Assert.ThrowsAsync<InternalException>(() => client.PutEventsAsync(Put(Entry())));

        // Assert
        Assert.Equal(("InternalException", HttpStatusCode.InternalServerError), (error.ErrorCode, error.StatusCode));
        Assert.Equal(AwsClients.MaxAttempts, _e.Aws.CallCount("EventBridge:PutEvents"));
        Assert.Empty(_e.Aws.Events);
    }

    [Fact]
    public async Task PutEvents_WhenEventBridgeAnswers5xxThenRecovers_ShouldRetryAndPutTheEventOnce()
    {
        // Arrange
        using var client = _e.Client();
        _e.Aws.FailNext("EventBridge:PutEvents", "InternalException", 500, times: 2);

        // Act
        var response = await client.PutEventsAsync(Put(Entry()));

        // Assert
        Assert.Equal(0, response.FailedEntryCount);
        Assert.Equal(3, _e.Aws.CallCount("EventBridge:PutEvents"));
        Assert.Single(_e.Aws.Events);
    }

    [Theory]
    [InlineData(Source, "Export Completed", null, "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.")]
    [InlineData("", "Export Completed", "{}", "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.")]
    [InlineData(Source, "Export Completed", "not json", "MalformedDetail", "Detail is malformed.")]
    [InlineData(Source, "Export Completed", "[1,2]", "MalformedDetail", "Detail is malformed.")]
    [InlineData("aws.ec2", "Export Completed", "{}", "NotAuthorizedForSourceException", "Not authorized for the source.")]
    public async Task PutEvents_WhenAnEntryIsMalformed_ShouldFailThatEntryAlone(string source, string detailType, string? detail, string code, string message)
    {
        // Arrange
        using var client = _e.Client();

        // Act
        var response = await client.PutEventsAsync(Put(Entry(source, detailType, detail), Entry()));

        // Assert
        Assert.Equal(1, response.FailedEntryCount);
        Assert.Equal((code, message), (response.Entries[0].ErrorCode, response.Entries[0].ErrorMessage));
        Assert.NotNull(response.Entries[1].EventId);
        Assert.Single(_e.Aws.Events);
    }

    [Theory]
    [InlineData(0, "greater than or equal to 1")]
    [InlineData(11, "less than or equal to 10")]
    public async Task PutEvents_WhenTheEntryCountIsOutOfRange_ShouldRefuseTheWholeCall(int count, string constraint)
    {
        // Arrange
        using var client = _e.Client();

        // Act
        var error = await Assert.ThrowsAsync<AmazonEventBridgeException>(() => client.PutEventsAsync(Put([.. Enumerable.Range(0, count).Select(_ => Entry())])));

        // Assert
        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Contains(constraint, error.Message);
        Assert.Empty(_e.Aws.Events);
    }

    [Fact]
    public async Task PutEvents_WhenTheEntriesExceed256KB_ShouldRefuseTheWholeCall()
    {
        // Arrange
        using var client = _e.Client();
        var big = new JsonObject { ["text"] = new string('x', 200 * 1024) }.ToJsonString();

        // Act
        var error = await Assert.ThrowsAsync<AmazonEventBridgeException>(() => client.PutEventsAsync(Put(Entry(detail: big), Entry(detail: big))));

        // Assert
        Assert.Equal(("ValidationException", "Total size of the entries in the request is over the limit."), (error.ErrorCode, error.Message));
        Assert.Empty(_e.Aws.Events);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_EVENTBRIDGE")]
    [InlineData("AWS_ENDPOINT_URL")]
    public async Task Client_WhenEndpointVariableIsSet_ShouldSendThereSignedForTheConfiguredRegion(string variable)
    {
        // Arrange
        _e.Aws.ExpectedSigningRegion = "eu-west-1";
        Environment.SetEnvironmentVariable(variable, _e.Aws.Url.ToString());
        try
        {
            using var client = new AmazonEventBridgeClient(LoopbackClients.Credentials, new AmazonEventBridgeConfig { RegionEndpoint = RegionEndpoint.EUWest1 });

            // Act
            await client.PutEventsAsync(Put(Entry()));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        // Assert
        Assert.Equal(["EventBridge:PutEvents"], _e.Aws.Calls);
        Assert.True(_e.Aws.ProtocolProblems.Count == 0, string.Join("; ", _e.Aws.ProtocolProblems));
    }

    [Fact]
    public void Config_WithoutOverride_ShouldResolveTheRegionalEndpoint()
    {
        // Arrange
        var config = new AmazonEventBridgeConfig { RegionEndpoint = RegionEndpoint.USWest2 };

        // Act
        var endpoint = config.DetermineServiceOperationEndpoint(new Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters(new PutEventsRequest()));

        // Assert
        Assert.Equal("https://events.us-west-2.amazonaws.com/", endpoint.URL);
    }
}
