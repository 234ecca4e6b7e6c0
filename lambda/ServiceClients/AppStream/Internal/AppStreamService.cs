using System.Text.Json;
using Amazon.AppStream.Model;
using Amazon.Runtime.Internal;
using Amazon.ServiceClients.Internal;

namespace Amazon.AppStream.Internal;

/// <summary>AppStream on the wire (botocore appstream 2016-12-01) and its three export-task operations.</summary>
internal static class AppStreamService
{
    public static readonly JsonService Descriptor = new(
        ServiceId: AmazonAppStreamConfig.AppStreamServiceId,
        SdkServiceName: "Amazon.AppStream",
        TargetPrefix: "PhotonAdminProxyService",
        JsonVersion: "1.1",
        ApiVersion: "2016-12-01",
        EndpointPrefix: "appstream2",
        SigningName: "appstream",
        Errors: (c, m, i, t, r, s) => c switch
        {
            "LimitExceededException" => new LimitExceededException(m, i, t, c, r, s),
            "InvalidRoleException" => new InvalidRoleException(m, i, t, c, r, s),
            "InvalidAccountStatusException" => new InvalidAccountStatusException(m, i, t, c, r, s),
            "OperationNotPermittedException" => new OperationNotPermittedException(m, i, t, c, r, s),
            "ResourceNotFoundException" => new ResourceNotFoundException(m, i, t, c, r, s),
            "ConcurrentModificationException" => new ConcurrentModificationException(m, i, t, c, r, s),
            "ResourceNotAvailableException" => new ResourceNotAvailableException(m, i, t, c, r, s),
            _ => new AmazonAppStreamException(m, i, t, c, r, s),
        });

    public static readonly InvokeOptions CreateExportImageTask = Descriptor.Operation<CreateExportImageTaskRequest, CreateExportImageTaskResponse>(
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

    public static readonly InvokeOptions GetExportImageTask = Descriptor.Operation<GetExportImageTaskRequest, GetExportImageTaskResponse>(
        "GetExportImageTask",
        (w, r) => w.WriteString("TaskId", r.TaskId),
        e => new GetExportImageTaskResponse { ExportImageTask = Task(e, "ExportImageTask") });

    public static readonly InvokeOptions ListExportImageTasks = Descriptor.Operation<ListExportImageTasksRequest, ListExportImageTasksResponse>(
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
