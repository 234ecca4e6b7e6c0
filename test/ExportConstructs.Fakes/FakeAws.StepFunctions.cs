using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

internal sealed partial class FakeAws
{
    /// <summary>Poller executions by name.</summary>
    public Dictionary<string, (string Arn, string Input, string Status)> Executions { get; } = [];

    private Reply StepFunctions(RecordedRequest request, string target)
    {
        var operation = target["AWSStepFunctions.".Length..];
        Calls.Add("SFN:" + operation);
        if (request.Header("Content-Type") is not { } type || !type.StartsWith("application/x-amz-json-1.0", StringComparison.Ordinal))
            ProtocolProblems.Add($"{target}: Content-Type is '{request.Header("Content-Type")}'");
        if (!Regex.IsMatch(request.Header("Authorization") ?? "", @"Credential=[^/]+/\d{8}/[a-z0-9-]+/states/aws4_request"))
            ProtocolProblems.Add($"{target}: not signed for states: '{request.Header("Authorization")}'");
        var body = JsonNode.Parse(request.Body)!.AsObject();
        if (Refusal(request, StepFunctionsAuthorization(operation, body)) is { } denial)
            return SfnError("AccessDeniedException", denial.Message, 400);
        if (Injected("SFN:" + operation, out var injected)) return SfnError(injected.Code, "Injected " + injected.Code, injected.Status);
        switch (operation)
        {
            case "StartExecution":
            {
                var machine = body["stateMachineArn"]!.GetValue<string>();
                var name = body["name"]!.GetValue<string>();
                var input = body["input"]!.GetValue<string>();
                var arn = machine.Replace(":stateMachine:", ":execution:") + ":" + name;
                // Step Functions: 1 to 80 characters, no whitespace, brackets, wildcards or punctuation such as : / \ and the like.
                if (name.Length is 0 or > 80 || System.Text.RegularExpressions.Regex.IsMatch(name, @"[\s<>{}\[\]?*""#%\\^|~`$&,;:/]"))
                    return SfnError("InvalidName", $"Invalid Name: '{name}'", 400);
                if (Executions.TryGetValue(name, out var existing) && existing.Input != input)
                    return SfnError("ExecutionAlreadyExists", $"Execution already exists: '{arn}'", 400);
                Executions[name] = (arn, input, "RUNNING");
                return new Reply(200, new JsonObject { ["executionArn"] = arn, ["startDate"] = 1795000000.5 }.ToJsonString(), "application/x-amz-json-1.0");
            }
            case "StopExecution":
            {
                var arn = body["executionArn"]!.GetValue<string>();
                var found = Executions.FirstOrDefault(e => e.Value.Arn == arn);
                if (found.Key is null) return SfnError("ExecutionDoesNotExist", $"Execution does not exist: '{arn}'", 400);
                Executions[found.Key] = found.Value with { Status = "ABORTED" };
                return new Reply(200, new JsonObject { ["stopDate"] = 1795000100.0 }.ToJsonString(), "application/x-amz-json-1.0");
            }
            default:
                return SfnError("UnknownOperationException", operation, 400);
        }
    }

    /// <summary>
    /// What Step Functions authorizes, from the Service Authorization Reference (list_awsstepfunctions):
    /// <code>
    /// StartExecution  states:StartExecution  {stateMachineArn}
    /// StopExecution   states:StopExecution   {executionArn}
    /// </code>
    /// </summary>
    private static IEnumerable<IamRequest> StepFunctionsAuthorization(string operation, JsonObject body) => operation switch
    {
        "StartExecution" => [Ask("states:StartExecution", body["stateMachineArn"]?.GetValue<string>() ?? "")],
        "StopExecution" => [Ask("states:StopExecution", body["executionArn"]?.GetValue<string>() ?? "")],
        _ => [],
    };

    private static Reply SfnError(string code, string message, int status) => new(status,
        new JsonObject { ["__type"] = "com.amazonaws.swf.service.v2.model#" + code, ["message"] = message }.ToJsonString(), "application/x-amz-json-1.0");
}
