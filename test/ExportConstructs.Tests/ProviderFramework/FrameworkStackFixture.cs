using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using ExportConstructs.Tests.Constructs;
using ExportConstructs.Fakes.ProviderFramework;

namespace ExportConstructs.Tests.ProviderFramework;

/// <summary>
/// One stack with a short-path <see cref="ExportedVmImage"/>, synthesized once for a test class:
/// where its Provider framework's code is staged, and the environment of each of the framework's
/// three functions behind the export's service token, as deployed (ARNs made up from logical ids).
/// </summary>
public sealed class FrameworkStackFixture
{
    public const string Account = "123456789012";

    public FrameworkStackFixture()
    {
        var stack = Synthesized.NewStack();
        new ExportedVmImage(stack, "Vm", new ExportedVmImageProps
        {
            ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.VMDK, Bucket = new Bucket(stack, "Bucket"),
            Timeout = Duration.Minutes(30), PollInterval = Duration.Minutes(1),
        });
        Stack = Synthesized.Of(stack);
        FrameworkDirectory = FrameworkAssets.Directory(Stack.AssemblyDirectory, Stack.Json);
        var (id, _) = Assert.Single(Stack.OfType(Contract.ResourceTypes.ExportedVmImage));
        VmLogicalId = id;

        var onEvent = Stack.Resources.GetProperty(VmLogicalId).GetProperty("Properties").GetProperty("ServiceToken").GetProperty("Fn::GetAtt")[0].GetString()!;
        OnEventEnv = EnvOf(onEvent);
        // The waiter's definition names the isComplete and onTimeout functions it calls.
        var machine = Stack.Resources.GetProperty(onEvent).GetProperty("Properties").GetProperty("Environment").GetProperty("Variables")
            .GetProperty("WAITER_STATE_MACHINE_ARN").GetProperty("Ref").GetString()!;
        var definition = Stack.Resources.GetProperty(machine).GetProperty("Properties").GetProperty("DefinitionString").Compact();
        var called = Regex.Matches(definition, @"""Fn::GetAtt"":\[""([^""]+)"",""Arn""\]").Select(m => m.Groups[1].Value).ToList();
        IsCompleteEnv = EnvOf(called.Single(f => HandlerOf(f) == "framework.isComplete"));
        OnTimeoutEnv = EnvOf(called.Single(f => HandlerOf(f) == "framework.onTimeout"));
    }

    internal Synthesized Stack { get; }
    public string FrameworkDirectory { get; }
    public string VmLogicalId { get; }
    public IReadOnlyDictionary<string, string> OnEventEnv { get; }
    public IReadOnlyDictionary<string, string> IsCompleteEnv { get; }
    public IReadOnlyDictionary<string, string> OnTimeoutEnv { get; }

    /// <summary>A function's ARN as deployed, named after its logical id.</summary>
    public static string FunctionArn(string logicalId) => $"arn:aws:lambda:{FrameworkHost.Region}:{Account}:function:{logicalId}";

    private string HandlerOf(string function) => Stack.Resources.GetProperty(function).GetProperty("Properties").GetProperty("Handler").GetString()!;

    private IReadOnlyDictionary<string, string> EnvOf(string function) =>
        Stack.Resources.GetProperty(function).GetProperty("Properties").GetProperty("Environment").GetProperty("Variables")
            .EnumerateObject().ToDictionary(v => v.Name, v => Resolve(v.Value));

    private static string Resolve(JsonElement value) => value switch
    {
        { ValueKind: JsonValueKind.String } => value.GetString()!,
        _ when value.TryGetProperty("Fn::GetAtt", out var getAtt) => FunctionArn(getAtt[0].GetString()!),
        _ when value.TryGetProperty("Ref", out var r) => $"arn:aws:states:{FrameworkHost.Region}:{Account}:stateMachine:{r.GetString()}",
        _ => throw new InvalidOperationException("unexpected environment value " + value.GetRawText()),
    };
}
