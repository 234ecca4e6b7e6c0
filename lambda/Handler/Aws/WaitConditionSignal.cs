using System.Text.Json;
using ExportConstructs.Handler.Exports;

namespace ExportConstructs.Handler.Aws;

/// <summary>
/// PUTs a signal to a WaitConditionHandle's presigned S3 URL. The body goes without a
/// Content-Type: the URL is signed for none, and S3 refuses a request that adds one.
/// </summary>
public sealed class WaitConditionSignal(HttpClient http) : IWaitConditionSignal
{
    /// <inheritdoc />
    public async Task SendAsync(string handleUrl, WaitSignal signal, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(signal, PollerJsonContext.Default.WaitSignal));
        using var response = await http.PutAsync(handleUrl, content, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new ExportException($"Signalling the WaitCondition of {signal.UniqueId} failed with HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }
}
