using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.CustomResources;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>The cdk-nag findings of the provider's own resources, each suppressed with its reason.</summary>
public sealed partial class ExportProvider
{
    /// <summary>
    /// The handler's shared policy holds four wildcard resources whatever the stack's exports are
    /// (the cleanup statements above are always there); each is as narrow as IAM allows.
    /// </summary>
    private void SuppressHandlerWildcards()
    {
        var reasons = new Dictionary<string, string>
        {
            [NagSuppressions.Resource(_stack, "*")] =
                "ec2:DescribeExportImageTasks and ec2:DescribeImages, and AppStream's CreateExportImageTask, GetExportImageTask and ListExportImageTasks, have no resource type in the Service Authorization Reference: IAM accepts only '*' for them.",
            [NagSuppressions.Resource(_stack, Arn("ec2", "export-image-task/*"))] =
                "EC2 names an export-image-task when ExportImage creates it, so no task ARN exists beforehand. ec2:ExportImage also names the exact image; ec2:CreateTags on tasks being created requires ec2:CreateAction = ExportImage; ec2:CancelExportTask, and ec2:CreateTags/DeleteTags of user tag keys (a tags-only Update), require the task's aws:ResourceTag/exportconstructs:stack to be this stack's id.",
            [NagSuppressions.Resource(_stack, Arn("ec2", "image/*", account: false))] =
                "ec2:DeregisterImage removes, under DESTROY, the AMI an AppStream export made, whose id AppStream chooses, and ec2:CreateTags/DeleteTags re-tag it on a tags-only Update (user tag keys only); both require the image's exportconstructs:stack tag to be this stack's id (the owner tag the handler writes).",
            [NagSuppressions.Resource(_stack, Arn("ec2", "snapshot/*", account: false))] =
                "ec2:DeleteSnapshot removes, under DESTROY, the snapshots of an AMI an AppStream export made, whose ids AWS chooses; it requires the snapshot's ec2:ResourceTag/exportconstructs:stack to be this stack's id.",
        };
        var policy = HandlerRole.Node.FindChild("DefaultPolicy");
        foreach (var (finding, reason) in reasons) Nag.Add(policy, "AwsSolutions-IAM5", reason, finding);
        // With very many exports the CDK moves statements of the default policy into OverflowPolicyN
        // managed policies at synth; their wildcards are the same, with the same reasons.
        CdkCompat.AddAspect(HandlerRole, new OverflowSuppressions(this, reasons));
    }

    /// <summary>Suppresses, on the handler role's overflow policies, the wildcards the default policy's suppressions name.</summary>
    private sealed class OverflowSuppressions(ExportProvider provider, Dictionary<string, string> reasons) : Amazon.JSII.Runtime.Deputy.DeputyBase, IAspect
    {
        public void Visit(IConstruct node)
        {
            if (node is not CfnManagedPolicy policy || node.Node.Scope?.Node.Id.StartsWith("OverflowPolicy", StringComparison.Ordinal) != true) return;
            var document = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(provider._stack.Resolve(policy.PolicyDocument)))!;
            var statements = document["Statement"] is System.Text.Json.Nodes.JsonArray list ? list : [];
            foreach (var statement in statements)
            {
                var resources = statement!["Resource"] is System.Text.Json.Nodes.JsonArray many ? many.ToArray() : [statement["Resource"]];
                foreach (var resource in resources)
                {
                    var finding = "Resource::" + NagSuppressions.Flatten(resource);
                    if (reasons.TryGetValue(finding, out var reason)) provider.Nag.Add(policy, "AwsSolutions-IAM5", reason, finding);
                }
            }
        }
    }

    /// <summary>
    /// The CDK Provider framework's own resources carry findings its code decides: their
    /// suppressions are written here, where the construct tree holding them is ours.
    /// </summary>
    private void SuppressFrameworkFindings(Provider provider)
    {
        var basicExecution = NagSuppressions.ManagedPolicy(_stack, ManagedPolicy.FromAwsManagedPolicyName("service-role/AWSLambdaBasicExecutionRole").ManagedPolicyArn);
        var invokeHandler = NagSuppressions.Resource(_stack, Handler.FunctionArn + ":*");
        foreach (var function in provider.Node.Children.OfType<Function>())
        {
            var role = function.Role!;
            Nag.Add(role, "AwsSolutions-IAM4",
                $"The CDK Provider framework's {function.Node.Id} function (aws-cdk-lib custom-resources) gets this AWS managed policy from the CDK: CreateLogGroup, CreateLogStream and PutLogEvents for its own logs.",
                basicExecution);
            Nag.Add(role.Node.FindChild("DefaultPolicy"), "AwsSolutions-IAM5",
                $"The CDK Provider framework's {function.Node.Id} function invokes the ExportConstructs handler; the CDK's grantInvoke allows the function and its versions and aliases (':*'), of that one function only.",
                invokeHandler);
        }
        var waiter = provider.Node.FindChild("waiter-state-machine");
        var waiterPolicy = waiter.Node.FindChild("Role").Node.FindChild("DefaultPolicy");
        foreach (var function in provider.Node.Children.OfType<Function>().Where(f => f.Node.Id is "framework-isComplete" or "framework-onTimeout"))
        {
            Nag.Add(waiterPolicy, "AwsSolutions-IAM5",
                "The CDK Provider framework's waiter state machine invokes the framework's isComplete and onTimeout functions; the CDK's grantInvoke allows each function and its versions and aliases (':*'), of those functions only.",
                NagSuppressions.Resource(_stack, function.FunctionArn + ":*"));
        }
        Nag.Add(waiterPolicy, "AwsSolutions-IAM5",
            "The CDK Provider framework's waiter state machine delivers its logs (logs:CreateLogDelivery and the other log-delivery actions, which take only '*') and its X-Ray traces (xray:PutTraceSegments and the like, which take only '*').",
            NagSuppressions.Resource(_stack, "*"));
    }
}
