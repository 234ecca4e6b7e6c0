using System.Text.Json.Nodes;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Physical ids and attributes of the non-custom resource types our templates hold, shaped as
/// AWS shapes them (names, ARNs), so that resolved policies and environment variables read like
/// the deployed ones and IAM patterns match what they would match in AWS.
/// </summary>
internal static class ResourceModels
{
    public const string Account = "123456789012";
    public const string Region = "us-east-1";

    /// <summary>The physical id and GetAtt attributes of a new resource.</summary>
    public static (string PhysicalId, Dictionary<string, JsonNode?> Attributes) Provision(string stackName, string logicalId, string type, JsonObject props, string suffix)
    {
        string Named(string property, int max) =>
            props[property]?.GetValue<string>() ?? $"{stackName}-{logicalId}-{suffix}"[..Math.Min(max, stackName.Length + logicalId.Length + suffix.Length + 2)];
        switch (type)
        {
            case "AWS::IAM::Role":
            {
                var name = Named("RoleName", 64);
                return (name, new() { ["Arn"] = $"arn:aws:iam::{Account}:role/{name}", ["RoleId"] = "AROA" + suffix });
            }
            case "AWS::Lambda::Function":
            {
                var name = Named("FunctionName", 64);
                return (name, new() { ["Arn"] = $"arn:aws:lambda:{Region}:{Account}:function:{name}" });
            }
            case "AWS::StepFunctions::StateMachine":
            {
                var name = props["StateMachineName"]?.GetValue<string>() ?? $"{logicalId}-{suffix}";
                var arn = $"arn:aws:states:{Region}:{Account}:stateMachine:{name}";
                return (arn, new() { ["Arn"] = arn, ["Name"] = name });
            }
            case "AWS::Logs::LogGroup":
            {
                var name = Named("LogGroupName", 512);
                return (name, new() { ["Arn"] = $"arn:aws:logs:{Region}:{Account}:log-group:{name}:*" });
            }
            case "AWS::S3::Bucket":
            {
                var name = props["BucketName"]?.GetValue<string>() ?? $"{stackName}-{logicalId}-{suffix}".ToLowerInvariant()[..Math.Min(63, stackName.Length + logicalId.Length + suffix.Length + 2)];
                return (name, new() { ["Arn"] = $"arn:aws:s3:::{name}", ["DomainName"] = $"{name}.s3.amazonaws.com", ["RegionalDomainName"] = $"{name}.s3.{Region}.amazonaws.com" });
            }
            case "AWS::IAM::ManagedPolicy":
            {
                var name = Named("ManagedPolicyName", 128);
                var arn = $"arn:aws:iam::{Account}:policy/{name}";
                return (arn, new() { ["PolicyArn"] = arn });
            }
            case "AWS::EC2::LaunchTemplate":
            {
                var id = "lt-" + suffix.ToLowerInvariant();
                return (id, new() { ["LaunchTemplateId"] = id, ["LatestVersionNumber"] = "1", ["DefaultVersionNumber"] = "1" });
            }
            case "AWS::Events::Rule":
            {
                var name = Named("Name", 64);
                return (name, new() { ["Arn"] = $"arn:aws:events:{Region}:{Account}:rule/{name}" });
            }
            default:
                return ($"{stackName}-{logicalId}-{suffix}", new());
        }
    }
}
