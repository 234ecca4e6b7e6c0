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
/// error unmarshalling) against the loopback EventBridge, under an IAM policy: the handler's right and what it refuses.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class EventBridgeClientAuthorizationTests : IAsyncLifetime
{
    private readonly LoopbackEventBridge _e = new();

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _e.DisposeAsync().AsTask();

    [Fact]
    public async Task PutEvents_WhenThePolicyLacksTheRight_ShouldFailWithAccessDeniedOnTheDefaultBus()
    {
        // Arrange
        _e.Allow("""[{"Effect":"Allow","Action":"events:PutRule","Resource":"*"}]""");
        using var client = _e.Client();

        // Act
        var error = await Assert.ThrowsAsync<AmazonEventBridgeException>(() => client.PutEventsAsync(Put(Entry())));

        // Assert
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Contains($"User: {_e.Principal} is not authorized to perform: events:PutEvents on resource: {DefaultBus}", error.Message);
        var denial = Assert.Single(_e.Aws.Denials);
        Assert.Equal(("events:PutEvents", DefaultBus), (denial.Action, denial.Resource));
        Assert.Empty(_e.Aws.Events);
        Assert.Equal(1, _e.Aws.CallCount("EventBridge:PutEvents"));
    }

    [Theory]
    [InlineData(Source, true)]
    [InlineData("exportconstructs.other", false)]
    [InlineData("someone.else", false)]
    public async Task PutEvents_UnderTheHandlersRight_ShouldPutOnlyItsOwnSource(string source, bool allowed)
    {
        // Arrange
        _e.Allow(HandlerRight);
        using var client = _e.Client();

        // Act
        var call = client.PutEventsAsync(Put(Entry(source)));

        // Assert
        if (allowed)
        {
            Assert.Equal(0, (await call).FailedEntryCount);
            Assert.Equal(source, Assert.Single(_e.Aws.Events).Source);
            Assert.Empty(_e.Aws.Denials);
        }
        else
        {
            var error = await Assert.ThrowsAsync<AmazonEventBridgeException>(() => call);
            Assert.Equal("AccessDeniedException", error.ErrorCode);
            Assert.Empty(_e.Aws.Events);
        }
    }

    [Fact]
    public async Task PutEvents_UnderTheHandlersRight_WhenOneEntryHasAnotherSource_ShouldPutNone()
    {
        // Arrange
        _e.Allow(HandlerRight);
        using var client = _e.Client();

        // Act
        var error = await Assert.ThrowsAsync<AmazonEventBridgeException>(() => client.PutEventsAsync(Put(Entry(), Entry("someone.else"))));

        // Assert
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Empty(_e.Aws.Events);
    }

    [Fact]
    public async Task PutEvents_UnderTheHandlersRight_OnAnotherBus_ShouldFailWithAccessDenied()
    {
        // Arrange
        _e.Allow(HandlerRight);
        using var client = _e.Client();
        var entry = Entry();
        entry.EventBusName = "team-bus";

        // Act
        var error = await Assert.ThrowsAsync<AmazonEventBridgeException>(() => client.PutEventsAsync(Put(entry)));

        // Assert
        Assert.Equal("AccessDeniedException", error.ErrorCode);
        Assert.Equal("arn:aws:events:us-east-1:123456789012:event-bus/team-bus", Assert.Single(_e.Aws.Denials).Resource);
    }
}
