using System.Text.Json;
using Amazon.AppStream.Model;
using Amazon.Runtime.Internal;

namespace Amazon.AppStream.Internal;

/// <summary>The three operations' wire shapes (botocore appstream 2016-12-01).</summary>
internal static class Operations
{
    public static readonly InvokeOptions CreateExportImageTask = Options<CreateExportImageTaskRequest, CreateExportImageTaskResponse>(
        "CreateExportImageTask",
        (w, r) =>
        {
            w.WriteString("ImageName", r.ImageName);
            w.WriteString("AmiName", r.AmiName);
            w.WriteString("IamRoleArn", r.IamRoleArn);
            if (r.TagSpecifications.Count > 0)
            {
                w.WriteStartObject("TagSpecifications");
                foreach (var (key, value) in r.TagSpecifications) w.WriteString(key, value);
                w.WriteEndObject();
            }
            if (r.AmiDescription is not null) w.WriteString("AmiDescription", r.AmiDescription);
        },
        e => new CreateExportImageTaskResponse { ExportImageTask = Task(e, "ExportImageTask") });

    public static readonly InvokeOptions GetExportImageTask = Options<GetExportImageTaskRequest, GetExportImageTaskResponse>(
        "GetExportImageTask",
        (w, r) => w.WriteString("TaskId", r.TaskId),
        e => new GetExportImageTaskResponse { ExportImageTask = Task(e, "ExportImageTask") });

    public static readonly InvokeOptions ListExportImageTasks = Options<ListExportImageTasksRequest, ListExportImageTasksResponse>(
        "ListExportImageTasks",
        (w, r) =>
        {
            if (r.Filters.Count > 0)
            {
                w.WriteStartArray("Filters");
                foreach (var f in r.Filters)
                {
                    w.WriteStartObject();
                    w.WriteString("Name", f.Name);
                    w.WriteStartArray("Values");
                    foreach (var v in f.Values) w.WriteStringValue(v);
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (r.MaxResults is { } max) w.WriteNumber("MaxResults", max);
            if (r.NextToken is not null) w.WriteString("NextToken", r.NextToken);
        },
        e => new ListExportImageTasksResponse
        {
            ExportImageTasks = e.TryGetProperty("ExportImageTasks", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(ReadTask).ToList()
                : [],
            NextToken = String(e, "NextToken"),
        });

    private static InvokeOptions Options<TRequest, TResponse>(string operation, Action<Utf8JsonWriter, TRequest> write, Func<JsonElement, TResponse> read)
        where TRequest : Amazon.Runtime.AmazonWebServiceRequest
        where TResponse : Amazon.Runtime.AmazonWebServiceResponse => new()
    {
        RequestMarshaller = new JsonRequestMarshaller<TRequest>(operation, write),
        ResponseUnmarshaller = new JsonResponseUnmarshaller<TResponse>(read),
    };

    private static ExportImageTask? Task(JsonElement e, string name) =>
        e.TryGetProperty(name, out var task) && task.ValueKind == JsonValueKind.Object ? ReadTask(task) : null;

    private static ExportImageTask ReadTask(JsonElement e) => new()
    {
        TaskId = String(e, "TaskId") ?? "",
        ImageArn = String(e, "ImageArn"),
        AmiName = String(e, "AmiName"),
        // AWS JSON protocols send timestamps as epoch seconds, a JSON number with a fraction;
        // rounding to milliseconds keeps double's rounding error out of the value.
        CreatedDate = e.TryGetProperty("CreatedDate", out var d) && d.ValueKind == JsonValueKind.Number
            ? DateTime.UnixEpoch.AddMilliseconds(Math.Round(d.GetDouble() * 1000))
            : null,
        AmiDescription = String(e, "AmiDescription"),
        State = String(e, "State") is { } state ? ExportImageTaskState.FindValue(state) : null,
        AmiId = String(e, "AmiId"),
        TagSpecifications = e.TryGetProperty("TagSpecifications", out var tags) && tags.ValueKind == JsonValueKind.Object
            ? tags.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "")
            : [],
        ErrorDetails = e.TryGetProperty("ErrorDetails", out var errors) && errors.ValueKind == JsonValueKind.Array
            ? errors.EnumerateArray().Select(x => new ErrorDetails { ErrorCode = String(x, "ErrorCode"), ErrorMessage = String(x, "ErrorMessage") }).ToList()
            : [],
    };

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
