using System.Text.Json;
using System.Text.Json.Nodes;
using ExportConstructs.Tests.CloudFormation;

namespace ExportConstructs.Tests.Constructs;

/// <summary>
/// What the template's intrinsic functions resolve to at deploy time, with realistic lengths:
/// account 123456789012 in us-east-1; CloudFormation-generated physical names
/// (<c>&lt;stack&gt;-&lt;logical id, cut&gt;-&lt;12 random characters&gt;</c>, at the service's
/// maximum length: 64 for roles and functions, 63 lower-case for buckets).
/// </summary>
internal sealed class DeployTimeValues
{
    private const string Account = "123456789012";
    private const string Region = "us-east-1";
    private readonly string stackName;
    private readonly JsonElement resources;
    private readonly Intrinsics Intrinsics;

    public DeployTimeValues(string stackName, JsonElement resources)
    {
        (this.stackName, this.resources) = (stackName, resources);
        Intrinsics = new Intrinsics(Ref, GetAtt);
    }

    public JsonNode? Resolve(JsonElement e) => Intrinsics.Resolve(e);

    private string StackId => $"arn:aws:cloudformation:{Region}:{Account}:stack/{stackName}/1b2c3d4e-5f60-4718-93a4-b5c6d7e8f901";

    private string Type(string logicalId) => resources.GetProperty(logicalId).GetProperty("Type").GetString()!;

    private string Generated(string logicalId, int max, bool lower = false)
    {
        var suffix = "-" + (lower ? "a1b2c3d4e5f6" : "A1b2C3d4E5f6");
        var head = $"{stackName}-{logicalId}";
        var name = (head.Length > max - suffix.Length ? head[..(max - suffix.Length)] : head) + suffix;
        return lower ? name.ToLowerInvariant() : name;
    }

    private string Ref(string name) => name switch
    {
        "AWS::Partition" => "aws",
        "AWS::Region" => Region,
        "AWS::AccountId" => Account,
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::StackName" => stackName,
        "AWS::StackId" => StackId,
        _ => Type(name) switch
        {
            "AWS::IAM::Role" => Generated(name, 64),
            "AWS::S3::Bucket" => Generated(name, 63, lower: true),
            "AWS::Lambda::Function" => Generated(name, 64),
            "AWS::Logs::LogGroup" => LogGroupName(name),
            "AWS::StepFunctions::StateMachine" => $"arn:aws:states:{Region}:{Account}:stateMachine:{Generated(name, 80)}",
            "AWS::IAM::ManagedPolicy" => $"arn:aws:iam::{Account}:policy/{Generated(name, 128)}",
            var t when t.StartsWith("Custom::", StringComparison.Ordinal) || t == "AWS::CloudFormation::CustomResource" => "export-ami-0123456789abcdef0",
            var t => throw new NotSupportedException($"No deploy-time Ref for {name} ({t})."),
        },
    };

    private string LogGroupName(string logicalId) =>
        resources.GetProperty(logicalId).GetProperty("Properties").TryGetProperty("LogGroupName", out var n)
            ? Intrinsics.Resolve(n)!.ToString()
            : Generated(logicalId, 512);

    private JsonNode? GetAtt(string logicalId, string attribute) => (Type(logicalId), attribute) switch
    {
        ("AWS::IAM::Role", "Arn") => $"arn:aws:iam::{Account}:role/{Ref(logicalId)}",
        ("AWS::S3::Bucket", "Arn") => $"arn:aws:s3:::{Ref(logicalId)}",
        ("AWS::Lambda::Function", "Arn") => $"arn:aws:lambda:{Region}:{Account}:function:{Ref(logicalId)}",
        ("AWS::Logs::LogGroup", "Arn") => $"arn:aws:logs:{Region}:{Account}:log-group:{Ref(logicalId)}:*",
        ("AWS::StepFunctions::StateMachine", "Arn") => Ref(logicalId),
        ("AWS::StepFunctions::StateMachine", "Name") => Generated(logicalId, 80),
        (var t, "AmiId") when t.StartsWith("Custom::", StringComparison.Ordinal) => "ami-0123456789abcdef0",
        var (t, a) => throw new NotSupportedException($"No deploy-time value for {logicalId}.{a} ({t})."),
    };
}
