namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>Where a <see cref="FrameworkHost"/> finds the framework and sends what it calls.</summary>
internal sealed class FrameworkHostOptions
{
    /// <summary>
    /// The staged framework asset (<c>asset.&lt;hash&gt;</c> in the cloud assembly, holding
    /// framework.js, cfn-response.js, outbound.js, util.js, consts.js); see
    /// <see cref="FrameworkAssets.Directory"/>.
    /// </summary>
    public required string FrameworkDirectory { get; init; }

    /// <summary>Base URL of the Lambda API the framework invokes the user functions through (a <see cref="LambdaInvokeEndpoint"/>).</summary>
    public required Uri LambdaEndpoint { get; init; }

    /// <summary>Base URL of the Step Functions API onEvent starts the waiter through.</summary>
    public required Uri StepFunctionsEndpoint { get; init; }

    /// <summary>
    /// Where the response PUTs to CloudFormation's ResponseURL go instead (a
    /// <see cref="CloudFormationResponses"/>); the framework sends them with https to the
    /// ResponseURL's host, which the host process redirects here.
    /// </summary>
    public required Uri ResponseEndpoint { get; init; }

    /// <summary>
    /// The node_modules folder holding <c>@aws-sdk/client-lambda</c> and <c>@aws-sdk/client-sfn</c>,
    /// which the Lambda runtime bundles and the repository pins in package.json. Default: the
    /// repository's own, which the test project's build installs with <c>npm ci</c>.
    /// </summary>
    public string NodeModulesDirectory { get; init; } = Path.Combine(Repo.Root, "node_modules");

    /// <summary>The Node.js executable. Default: <c>node</c> from PATH.</summary>
    public string NodeExecutable { get; init; } = "node";
}
