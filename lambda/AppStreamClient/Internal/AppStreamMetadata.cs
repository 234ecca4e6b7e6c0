using Amazon.Runtime.Internal;

namespace Amazon.AppStream.Internal;

/// <summary>Service metadata the SDK pipeline asks for.</summary>
internal sealed class AppStreamMetadata : IServiceMetadata
{
    public string ServiceId => AmazonAppStreamConfig.AppStreamServiceId;
    public IDictionary<string, string> OperationNameMapping => new Dictionary<string, string>(0);
}
