using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace ExportConstructs.Fakes;

// The record of every export start asked for, and the concurrency limits they meet (aws-facts §7).
internal sealed partial class FakeAws
{
    /// <summary>
    /// Every export start asked for, in order: each HTTP attempt of EC2 <c>ExportImage</c> and AppStream
    /// <c>CreateExportImageTask</c> (an SDK retry counts again), accepted or refused for any reason (a
    /// denial, an injected error, a limit). Read it with <see cref="StartAttemptsFor"/> to count a key's attempts.
    /// </summary>
    public List<FakeStartAttempt> StartAttempts { get; } = [];

    /// <summary>The start attempts for one AMI id (EC2) or AppStream image name, in order.</summary>
    public List<FakeStartAttempt> StartAttemptsFor(string key)
    {
        lock (_gate) return StartAttempts.Where(a => a.Key == key).ToList();
    }

    private void RecordEc2Start(string key, Reply reply)
    {
        string? code = null, taskId = null;
        try
        {
            var xml = XElement.Parse(reply.Body);
            code = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
            taskId = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "exportImageTaskId")?.Value;
        }
        catch (System.Xml.XmlException) { }
        StartAttempts.Add(new FakeStartAttempt(Clock.GetUtcNow(), "EC2:ExportImage", key, reply.Status >= 400, code, reply.Status >= 400 ? null : taskId));
    }

    private void RecordAppStreamStart(string key, Reply reply)
    {
        string? code = null, taskId = null;
        try
        {
            var json = JsonNode.Parse(reply.Body) as JsonObject;
            code = json?["__type"]?.GetValue<string>().Split('#')[^1];
            taskId = json?["ExportImageTask"]?["TaskId"]?.GetValue<string>();
        }
        catch (JsonException) { }
        StartAttempts.Add(new FakeStartAttempt(Clock.GetUtcNow(), "AppStream:CreateExportImageTask", key, reply.Status >= 400, code, taskId));
    }

    /// <summary>The AppStream image name a CreateExportImageTask body names ("" when it is not JSON).</summary>
    private static string ImageNameOf(string body)
    {
        try { return JsonNode.Parse(body)?["ImageName"]?.GetValue<string>() ?? ""; }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { return ""; }
    }
}
