using System.Web;

namespace ExportConstructs.Tests.Fakes;

/// <summary>
/// EC2 (Query/XML), S3 (REST, path style), AppStream (JSON 1.1), Step Functions (JSON 1.0) and
/// WaitCondition handles on one loopback port, with export tasks that progress as they are polled.
/// Real SDK clients talk to it unchanged. One file per service: FakeAws.Ec2.cs, FakeAws.S3.cs,
/// FakeAws.AppStream.cs, FakeAws.StepFunctions.cs, FakeAws.WaitConditions.cs.
/// </summary>
public sealed partial class FakeAws : IAsyncDisposable
{
    public const string Account = "123456789012";
    public const string Region = "us-east-1";
    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<(string Code, int Status)>> _injected = [];
    private int _counter;

    public FakeAws() => Server = new LoopbackServer(Answer);

    public LoopbackServer Server { get; }
    public Uri Url => Server.Url;

    /// <summary>Every AWS call, as "Service:Action", in order.</summary>
    public List<string> Calls { get; } = [];
    /// <summary>Problems found in AppStream requests' protocol or signature.</summary>
    public List<string> ProtocolProblems { get; } = [];

    /// <summary>The next <paramref name="times"/> calls of <paramref name="call"/> ("EC2:ExportImage") fail with this error.</summary>
    public void FailNext(string call, string code, int status, int times = 1)
    {
        lock (_gate)
        {
            if (!_injected.TryGetValue(call, out var queue)) _injected[call] = queue = new();
            for (var i = 0; i < times; i++) queue.Enqueue((code, status));
        }
    }

    public int CallCount(string call) => Calls.Count(c => c == call);

    private Reply Answer(RecordedRequest request)
    {
        lock (_gate)
        {
            if (request.Header("X-Amz-Target") is { } sfn && sfn.StartsWith("AWSStepFunctions.", StringComparison.Ordinal)) return StepFunctions(request, sfn);
            if (request.Header("X-Amz-Target") is { } target) return AppStream(request, target);
            if (request.Method == "PUT" && request.PathAndQuery.StartsWith("/waitcondition/", StringComparison.Ordinal)) return Signal(request);
            if (request.Method == "POST" && request.PathAndQuery == "/" ) return Ec2(HttpUtility.ParseQueryString(request.Body));
            return S3(request);
        }
    }

    private string Next(string prefix, int width) => prefix + (++_counter).ToString("x").PadLeft(width, '0');

    private bool Injected(string call, out (string Code, int Status) error)
    {
        error = default;
        return _injected.TryGetValue(call, out var queue) && queue.TryDequeue(out error);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
