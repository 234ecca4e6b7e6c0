using Amazon.EventBridge;
using Amazon.EventBridge.Model;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Tests.ServiceClients;

/// <summary>
/// The loopback EventBridge and the hand-written client on it, shared by the EventBridge client
/// test classes: one caller whose rights, once <see cref="Allow"/> is called, are the policies it attaches.
/// </summary>
internal sealed class LoopbackEventBridge : IAsyncDisposable
{
    public const string DefaultBus = "arn:aws:events:us-east-1:123456789012:event-bus/default";
    public const string Source = "exportconstructs";
    public const string Stack = "arn:aws:cloudformation:us-east-1:123456789012:stack/Demo/0f1e2d3c-0000-4000-8000-000000000000";

    /// <summary>The handler's right: PutEvents on the default bus, only with its own source.</summary>
    public const string HandlerRight = $$$$"""
        [{"Effect":"Allow","Action":"events:PutEvents","Resource":"{{{{DefaultBus}}}}","Condition":{"StringEquals":{"events:source":"{{{{Source}}}}"}}}]
        """;

    public FakeAws Aws { get; } = new();
    public PolicyAuthorizer Policies { get; } = new();
    public string Principal { get; } = LoopbackClients.Credentials.GetCredentials().AccessKey;

    public ValueTask DisposeAsync() => Aws.DisposeAsync();

    /// <summary>With the handler's retry settings (6 attempts), as the handler will build it.</summary>
    public AmazonEventBridgeClient Client()
    {
        var config = AwsClients.Configure(new AmazonEventBridgeConfig());
        config.ServiceURL = Aws.Url.ToString();
        config.AuthenticationRegion = FakeAws.Region;
        return new AmazonEventBridgeClient(LoopbackClients.Credentials, config);
    }

    public static PutEventsRequestEntry Entry(string source = Source, string detailType = "Export Completed", string? detail = """{"taskId":"export-ami-1"}""") =>
        new() { Source = source, DetailType = detailType, Detail = detail };

    public static PutEventsRequest Put(params PutEventsRequestEntry[] entries) => new() { Entries = [.. entries] };

    /// <summary>Puts the authorizer in place and attaches a policy with these statements to the caller.</summary>
    public void Allow(string statementsJson)
    {
        Aws.Authorizer = Policies;
        Policies.Attach(Principal, $$"""{"Version":"2012-10-17","Statement":{{statementsJson}}}""");
    }
}
