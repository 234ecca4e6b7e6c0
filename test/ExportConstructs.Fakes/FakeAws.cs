using System.Text.RegularExpressions;
using System.Web;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

/// <summary>
/// EC2 (Query/XML), S3 (REST, path style), AppStream (JSON 1.1), Step Functions (JSON 1.0) and
/// WaitCondition handles on one loopback port, with export tasks that progress as they are polled.
/// Real SDK clients talk to it unchanged. One file per service: FakeAws.Ec2.cs, FakeAws.S3.cs,
/// FakeAws.AppStream.cs, FakeAws.StepFunctions.cs, FakeAws.WaitConditions.cs.
/// </summary>
internal sealed partial class FakeAws : IAsyncDisposable
{
    public const string Account = "123456789012";
    public const string Region = "us-east-1";
    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<(string Code, int Status)>> _injected = [];
    private int _counter;

    public FakeAws() => Server = new LoopbackServer(Answer);

    public LoopbackServer Server { get; }
    public Uri Url => Server.Url;

    /// <summary>
    /// When set, every call is first authorized as AWS would: each IAM request the operation makes
    /// (see the authorization table in each service's file) is put to this authorizer for the
    /// access key id that signed the call, and the first refusal answers with the service's own
    /// access-denied error. Null (the default): everything is allowed, as before.
    /// </summary>
    public IAuthorizer? Authorizer { get; set; }

    /// <summary>Calls the <see cref="Authorizer"/> refused, in order (each also counts in <see cref="Calls"/>).</summary>
    public List<FakeDenial> Denials { get; } = [];

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
            if (request.Header("X-Amz-Target") is { } events && events.StartsWith("AWSEvents.", StringComparison.Ordinal)) return EventBridge(request, events);
            if (request.Header("X-Amz-Target") is { } target) return AppStream(request, target);
            if (request.Method == "POST" && request.PathAndQuery == "/")
            {
                // EC2 and CloudFormation both speak Query at POST /: the signing name tells them apart.
                var form = HttpUtility.ParseQueryString(request.Body);
                return (request.Header("Authorization") ?? "").Contains("/cloudformation/aws4_request", StringComparison.Ordinal)
                    ? CloudFormation(request, form)
                    : Ec2(request, form);
            }
            return S3(request);
        }
    }

    private string Next(string prefix, int width) => prefix + (++_counter).ToString("x").PadLeft(width, '0');

    private bool Injected(string call, out (string Code, int Status) error)
    {
        error = default;
        return _injected.TryGetValue(call, out var queue) && queue.TryDequeue(out error);
    }

    private static readonly Regex CredentialPattern = new(@"Credential=([^/,\s]+)/");

    /// <summary>The access key id of the request's SigV4 Authorization header; "anonymous" when unsigned.</summary>
    private static string Principal(RecordedRequest request) =>
        CredentialPattern.Match(request.Header("Authorization") ?? "") is { Success: true } m ? m.Groups[1].Value : "anonymous";

    /// <summary>
    /// Puts each of <paramref name="asks"/> to the <see cref="Authorizer"/>; the first refusal is
    /// recorded in <see cref="Denials"/> and returned. Null when allowed (or no authorizer is set).
    /// </summary>
    private FakeDenial? Refusal(RecordedRequest request, IEnumerable<IamRequest> asks)
    {
        if (Authorizer is null) return null;
        var principal = Principal(request);
        foreach (var ask in asks)
        {
            var decision = Authorizer.Authorize(principal, ask);
            if (decision.Allowed) continue;
            var denial = new FakeDenial(principal, ask.Action, ask.Resource, decision.Explanation);
            Denials.Add(denial);
            return denial;
        }
        return null;
    }

    /// <summary>An IAM request with its condition context, from (key, value) pairs (a key may repeat).</summary>
    private static IamRequest Ask(string action, string resource, IEnumerable<(string Key, string Value)>? context = null) =>
        new(action, resource, (context ?? []).GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(p => p.Value).ToList(), StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// A resource's tags as <c>aws:ResourceTag/k</c> plus, for services with their own key
    /// (<paramref name="servicePrefix"/> "ec2"), <c>ec2:ResourceTag/k</c>.
    /// </summary>
    private static IEnumerable<(string, string)> ResourceTags(IReadOnlyDictionary<string, string>? tags, string? servicePrefix = null) =>
        (tags ?? new Dictionary<string, string>()).SelectMany(t => servicePrefix is null
            ? new[] { ("aws:ResourceTag/" + t.Key, t.Value) }
            : [("aws:ResourceTag/" + t.Key, t.Value), (servicePrefix + ":ResourceTag/" + t.Key, t.Value)]);

    /// <summary>Tags a create request asks for, as <c>aws:RequestTag/k</c> and <c>aws:TagKeys</c>.</summary>
    private static IEnumerable<(string, string)> RequestTags(IReadOnlyDictionary<string, string> tags) =>
        tags.SelectMany(t => new[] { ("aws:RequestTag/" + t.Key, t.Value), ("aws:TagKeys", t.Key) });

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
