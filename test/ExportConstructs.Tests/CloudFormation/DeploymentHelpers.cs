using Amazon.CDK;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// The arrange and assert steps every deployment test class shares: a failing resource after the
/// export, the one resource of a type, the last exchange of a resource, the handler's log, the
/// poller check and the story a failed assertion tells.
/// </summary>
internal static class DeploymentHelpers
{
    /// <summary>A resource after the export that fails, so the update rolls back after the export's Update.</summary>
    public static Action<Stack> FailingLater(string exportId) => stack => new CfnWaitConditionHandle(stack, "Later").Node.AddDependency(stack.Node.FindChild(exportId));

    /// <summary>The one resource of this type in the template.</summary>
    public static string Of(this StackTemplate t, string type) => Assert.Single(t.OfType(type));

    /// <summary>The last exchange CloudFormation had with this resource.</summary>
    public static CustomResourceExchange Last(this Deployment d, string id) => d.Cfn.ExchangesOf(id).Last();

    /// <summary>Every line the handler logged.</summary>
    public static IEnumerable<string> HandlerLog(this Deployment d) => d.Cfn.Lambda.Logs.Values.SelectMany(l => l);

    /// <summary>Poller executions still running once what was due has run (a finished poll ends its execution a step later).</summary>
    public static async Task<List<string>> PollersLeftAsync(this Deployment d)
    {
        await d.Cfn.RunForAsync(TimeSpan.FromMinutes(1));
        return d.Cfn.States.Running.Select(e => e.Name).ToList();
    }

    /// <summary>What happened, for a failed assertion's message.</summary>
    public static string Story(this Deployment d) =>
        "Exchanges:\n" + string.Join("\n", d.Cfn.Exchanges) + "\nEvents:\n" + string.Join("\n", d.Cfn.Events)
        + "\nDenials:\n" + string.Join("\n", d.Aws.Denials.Select(x => x.Message)) + "\nWarnings:\n" + string.Join("\n", d.Cfn.Warnings)
        + "\nCalls:\n" + string.Join(", ", d.Aws.Calls);
}
