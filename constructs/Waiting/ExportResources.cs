using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using Amazon.CDK;
using Constructs;
using ExportConstructs.Contract;

namespace ExportConstructs;

/// <summary>
/// The CloudFormation resources of one export, whichever way it waits. Short or no wait: one
/// custom resource, its attributes the export's. Long wait: the export resource (starts the task
/// and the poller, answers at once), a WaitCondition with a CreationPolicy (the poller signals it
/// through SignalResource), and a result resource after the condition, whose attributes are the
/// finished export's. Either way the construct reads the same attribute names from <see cref="Attributes"/>.
/// </summary>
internal sealed class ExportResources
{
    /// <summary>The export resource (its physical id is the task id).</summary>
    public required CustomResource Resource { get; init; }

    /// <summary>Where the attributes are read: the export resource, or the result resource after a long wait.</summary>
    public required CustomResource Attributes { get; init; }

    /// <summary>The WaitCondition of the long-wait path, or null.</summary>
    public CfnWaitCondition? WaitCondition { get; init; }

    /// <summary>
    /// What both constructs do with their properties: fill in the settings every export has, check
    /// them at once (and again once the CDK's tags have been merged in, which an aspect does after
    /// construction), and build the export's resources, after its service role.
    /// </summary>
    public static (ExportResources Resources, ExportTags Tags) Define<TProps>(Construct export, ExportProvider provider, Waiting waiting,
        string resourceType, string resultType, TProps properties, JsonTypeInfo<TProps> typeInfo,
        IDictionary<string, string>? tags, string removal, bool? waitForCompletion, IConstruct serviceRole) where TProps : ExportProperties
    {
        properties.Tags = Props.Tags(tags);
        properties.RemovalPolicy = removal;
        properties.WaitForCompletion = Props.Flag(waitForCompletion, true);
        properties.ConstructPath = export.Node.Path;
        Props.ThrowIfInvalid(export, Validation.Check(properties, Props.IsToken));
        var exportTags = new ExportTags(resourceType, tags);
        export.Node.AddValidation(new MergedTagsCheck(export, () => { properties.Tags = exportTags.Merged(); return Validation.Check(properties, Props.IsToken); }));
        var resources = Create(export, provider, waiting, resourceType, resultType, properties, typeInfo, exportTags);
        resources.Resource.Node.AddDependency(serviceRole);
        return (resources, exportTags);
    }

    /// <summary>
    /// Builds the export's resources. <paramref name="tags"/> renders the export resource's
    /// <c>Tags</c> at synth (the CDK's tags merged with the prop's); the result resource needs none.
    /// </summary>
    private static ExportResources Create<TProps>(Construct scope, ExportProvider provider, Waiting waiting,
        string resourceType, string resultType, TProps props, JsonTypeInfo<TProps> typeInfo, ExportTags tags) where TProps : ExportProperties
    {
        var token = provider.ServiceToken;
        if (!waiting.LongPath)
        {
            if (waiting.Waits) props.Wait = waiting.Properties();
            // Not waiting: a watcher follows the export after the resource completes, for its completion event.
            if (waiting.WatchProperties() is { } watch)
            {
                watch.Poller = provider.Poller.StateMachine.StateMachineArn;
                props.Watch = watch;
            }
            var single = Custom(scope, "Resource", token, resourceType, props, typeInfo, tags);
            if (props.Watch is not null) single.Node.AddDependency(provider.Poller.Access);
            return new ExportResources { Resource = single, Attributes = single };
        }

        // Logical ids from what identifies the export (and the timeout, which a WaitCondition
        // cannot change in place): a replacement gets a condition of its own. Tokens count in their
        // CloudFormation form, not their placeholder text, whose number depends on construction order.
        // A CreationPolicy acts only when CloudFormation creates the resource, so a condition is
        // signalled once, ever.
        var stack = Stack.Of(scope);
        var key = Digest(props.Identity().Select(v => v is not null && Props.IsToken(v) ? provider.ValueOf(v).Json : v).Append(waiting.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var condition = new CfnWaitCondition(scope, "Wait" + key);
        condition.CfnOptions.CreationPolicy = new CfnCreationPolicy
        {
            // Signalled through cloudformation:SignalResource, scoped to this stack: no handle, no presigned URL.
            ResourceSignal = new CfnResourceSignal { Count = 1, Timeout = $"PT{waiting.TimeoutSeconds}S" },
        };
        props.Wait = waiting.Properties();
        props.Wait.Signal = stack.GetLogicalId(condition);
        props.Wait.Poller = provider.Poller.StateMachine.StateMachineArn;
        var resource = Custom(scope, "Resource", token, resourceType, props, typeInfo, tags);
        resource.Node.AddDependency(provider.Poller.Access);
        condition.AddDependency((CfnResource)resource.Node.DefaultChild!);

        // The result reads the export after the signal, and fails naming the Timeout when the export's
        // deadline passed first. An export replaced by a parameter change keeps its condition (same
        // template text): then the result waits for it itself, within the custom resource's hour.
        props.Wait = waiting.Properties();
        props.Wait.Deadline = resource.GetAttString(WaitProperties.DeadlineAttribute);
        props.TaskId = resource.Ref;
        // The element's own logical id (a token resolved at synth), not Stack.GetLogicalId, which ignores
        // an OverrideLogicalId: the handler finds the export's owner tags and publishes its events by
        // this id, and the short path's request carries the deployed one.
        props.ExportLogicalId = ((CfnElement)resource.Node.DefaultChild!).LogicalId;
        var result = Custom(scope, "Result", token, resultType, props, typeInfo);
        result.Node.AddDependency(condition);
        return new ExportResources { Resource = resource, Attributes = result, WaitCondition = condition };
    }

    private static CustomResource Custom<TProps>(Construct scope, string id, string serviceToken, string type, TProps props, JsonTypeInfo<TProps> typeInfo, ExportTags? tags = null)
    {
        var resource = new CustomResource(scope, id, new CustomResourceProps
        {
            ServiceToken = serviceToken,
            ResourceType = type,
            Properties = PropertyMap.From(props, typeInfo),
            // The CloudFormation policy stays Delete: the handler must see the Delete to cancel a
            // running export; the construct's RemovalPolicy decides what happens to its artifact.
        });
        tags?.RenderInto(resource);
        return resource;
    }

    private static string Digest(IEnumerable<string?> values) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", values)))).Substring(0, 8);
}
