using System.Text.Json;
using System.Text.RegularExpressions;
using Amazon.CDK;
using Amazon.CDK.AWS.S3;
using Constructs;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>The two ways an export waits: in the custom resource (up to 55 minutes), or through a WaitCondition.</summary>
[Collection(CdkCollection.Name)]
public sealed class LongWaitTests
{
    private static ExportedVmImage Vm(Stack stack, Action<ExportedVmImageProps>? change = null, string id = "Vm")
    {
        var props = new ExportedVmImageProps { ImageId = "ami-0123456789abcdef0", DiskImageFormat = DiskImageFormat.VMDK, Bucket = (IBucket?)stack.Node.TryFindChild("B") ?? new Bucket(stack, "B") };
        change?.Invoke(props);
        return new ExportedVmImage(stack, id, props);
    }

    private static AppStreamAmiExport AppStream(Stack stack, Action<AppStreamAmiExportProps>? change = null)
    {
        var props = new AppStreamAmiExportProps { ImageName = "Office" };
        change?.Invoke(props);
        return new AppStreamAmiExport(stack, "As", props);
    }

    /// <summary>(interval, attempts) of every Provider waiter: its total wait is their product.</summary>
    private static List<(int Interval, int Attempts)> ProviderWaits(Synthesized s) =>
        Regex.Matches(s.Json.GetRawText(), @"IntervalSeconds\\"":(\d+),\\""MaxAttempts\\"":(\d+),\\""BackoffRate\\"":1")
            .Select(m => (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value))).ToList();

    private static string Id(Stack stack, IConstruct c) => stack.GetLogicalId((CfnElement)c.Node.DefaultChild!);

    [Fact]
    public void ByDefault_ShouldWaitSixHoursThroughAWaitConditionSignalledThroughIamNotAHandle()
    {
        var stack = NewStack();
        var vm = Vm(stack);

        var s = Of(stack);

        var (conditionId, condition) = Assert.Single(s.OfType("AWS::CloudFormation::WaitCondition"));
        Assert.Empty(s.OfType("AWS::CloudFormation::WaitConditionHandle"));
        Assert.False(condition.TryGetProperty("Properties", out _));
        Assert.Equal("""{"ResourceSignal":{"Count":1,"Timeout":"PT21600S"}}""", condition.GetProperty("CreationPolicy").Compact());
        Assert.Equal($"[\"{Id(stack, vm.Resource)}\"]", condition.GetProperty("DependsOn").Compact());

        var wait = Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Resource.GetProperty("Properties").GetProperty("Wait");
        Assert.Equal(conditionId, wait.GetProperty("Signal").GetString());
        Assert.Equal(("300", "21600"), (wait.GetProperty("IntervalSeconds").GetString(), wait.GetProperty("TimeoutSeconds").GetString()));
        var poller = Assert.Single(s.OfType("AWS::StepFunctions::StateMachine"), m => m.Id.Contains("Poller")).Id;
        Assert.Equal($"{{\"Ref\":\"{poller}\"}}", wait.GetProperty("Poller").Compact());
        // The right to signal names this stack only.
        Assert.Equal("""{"Ref":"AWS::StackId"}""", Assert.Single(s.StatementsFor("cloudformation:SignalResource")).GetProperty("Resource").Compact());
        Assert.DoesNotContain("WaitConditionHandle", s.Json.GetRawText());

        var result = Assert.Single(s.OfType(ResourceTypes.ExportedVmImageResult)).Resource;
        Assert.Contains(conditionId, result.GetProperty("DependsOn").Compact());
        Assert.Equal($"{{\"Ref\":\"{Id(stack, vm.Resource)}\"}}", result.GetProperty("Properties").GetProperty("TaskId").Compact());
        // The result knows the export's deadline (an attribute of the export resource) and its Timeout, to report it.
        var resultWait = result.GetProperty("Properties").GetProperty("Wait");
        Assert.Equal(("300", "21600"), (resultWait.GetProperty("IntervalSeconds").GetString(), resultWait.GetProperty("TimeoutSeconds").GetString()));
        Assert.Equal($"[\"{Id(stack, vm.Resource)}\",\"{WaitProperties.DeadlineAttribute}\"]", resultWait.GetProperty("Deadline").GetProperty("Fn::GetAtt").Compact());
    }

    [Fact]
    public void Poller_ShouldLogEveryEventToALogGroupWithRetentionAndBeTraced()
    {
        var stack = NewStack();
        Vm(stack);

        var s = Of(stack);

        var machine = Assert.Single(s.OfType("AWS::StepFunctions::StateMachine"), m => m.Id.Contains("Poller")).Resource.GetProperty("Properties");
        Assert.Equal("ALL", machine.GetProperty("LoggingConfiguration").GetProperty("Level").GetString());
        Assert.True(machine.GetProperty("TracingConfiguration").GetProperty("Enabled").GetBoolean());
        var group = machine.GetProperty("LoggingConfiguration").GetProperty("Destinations")[0].GetProperty("CloudWatchLogsLogGroup").GetProperty("LogGroupArn").GetProperty("Fn::GetAtt")[0].GetString()!;
        Assert.Equal(90, s.Resources.GetProperty(group).GetProperty("Properties").GetProperty("RetentionInDays").GetInt32());
        // A failed poll waits an interval and polls again instead of ending the execution without a signal.
        var definition = string.Concat(machine.GetProperty("DefinitionString").GetProperty("Fn::Join")[1].EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : "ARN"));
        var poll = JsonDocument.Parse(definition).RootElement.GetProperty("States").GetProperty("Poll");
        Assert.Equal("""[{"ErrorEquals":["States.ALL"],"ResultPath":"$.PollError","Next":"Interval"}]""", poll.GetProperty("Catch").Compact());
    }

    [Fact]
    public void AppStream_ByDefault_ShouldAlsoTakeTheLongPath()
    {
        var stack = NewStack();
        AppStream(stack, p => p.Timeout = Duration.Hours(12));

        var s = Of(stack);

        Assert.Equal("PT43200S", Assert.Single(s.OfType("AWS::CloudFormation::WaitCondition")).Resource.GetProperty("CreationPolicy").GetProperty("ResourceSignal").GetProperty("Timeout").GetString());
        Assert.Single(s.OfType(ResourceTypes.AppStreamAmiExportResult));
    }

    [Fact]
    public void Timeout_WithinTheHour_ShouldWaitInTheProviderWithThoseSettingsAndNoWaitCondition()
    {
        var stack = NewStack();
        Vm(stack, p => { p.Timeout = Duration.Minutes(30); p.PollInterval = Duration.Minutes(1); });

        var s = Of(stack);

        Assert.Empty(s.OfType("AWS::CloudFormation::WaitCondition"));
        Assert.Empty(s.OfType(ResourceTypes.ExportedVmImageResult));
        Assert.DoesNotContain(s.OfType("AWS::StepFunctions::StateMachine"), m => m.Id.Contains("Poller"));
        Assert.Equal([(ProviderSettings.QueryIntervalSeconds, ProviderSettings.TotalTimeoutSeconds / ProviderSettings.QueryIntervalSeconds)], ProviderWaits(s));
        // The settings are data the handler keeps to, not a Provider of their own.
        var wait = Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Resource.GetProperty("Properties").GetProperty("Wait");
        Assert.Equal("""{"IntervalSeconds":"60","TimeoutSeconds":"1800"}""", wait.Compact());
    }

    [Fact]
    public void AppStream_WithinTheHour_ShouldAlsoWaitInTheProvider()
    {
        var stack = NewStack();
        AppStream(stack, p => { p.Timeout = Duration.Minutes(50); p.PollInterval = Duration.Minutes(2); });

        var s = Of(stack);

        Assert.Empty(s.OfType("AWS::CloudFormation::WaitCondition"));
        Assert.Empty(s.OfType(ResourceTypes.AppStreamAmiExportResult));
        var wait = Assert.Single(s.OfType(ResourceTypes.AppStreamAmiExport)).Resource.GetProperty("Properties").GetProperty("Wait");
        Assert.Equal("""{"IntervalSeconds":"120","TimeoutSeconds":"3000"}""", wait.Compact());
    }

    [Fact]
    public void WaitForCompletionFalse_ShouldSkipBothPaths()
    {
        var stack = NewStack();
        Vm(stack, p => p.WaitForCompletion = false);

        var s = Of(stack);

        Assert.Empty(s.OfType("AWS::CloudFormation::WaitCondition"));
        Assert.False(Assert.Single(s.OfType(ResourceTypes.ExportedVmImage)).Resource.GetProperty("Properties").TryGetProperty("Wait", out _));
        Assert.Single(ProviderWaits(s));
    }

    /// <summary>The ServiceToken of every custom resource, by logical id.</summary>
    private static Dictionary<string, string> ServiceTokens(Synthesized s) =>
        s.Resources.EnumerateObject().Where(r => r.Value.GetProperty("Type").GetString()!.StartsWith("Custom::", StringComparison.Ordinal))
            .ToDictionary(r => r.Name, r => r.Value.GetProperty("Properties").GetProperty("ServiceToken").Compact());

    [Fact]
    public void ExportsOfFiveWaitSettings_ShouldShareOneProviderWhoseTokenNoSettingChanges()
    {
        static Synthesized Five(int shift)
        {
            var stack = NewStack();
            Vm(stack, p => { p.Timeout = Duration.Minutes(30 + shift); p.PollInterval = Duration.Minutes(1); });
            Vm(stack, id: "Vm2", change: p => { p.ImageId = "ami-0fedcba9876543210"; p.Timeout = Duration.Minutes(50); p.PollInterval = Duration.Seconds(30 + shift); });
            Vm(stack, id: "Vm3", change: p => { p.ImageId = "ami-0aaaaaaaaaaaaaaaa"; p.WaitForCompletion = shift == 0 ? false : true; });
            Vm(stack, id: "Vm4", change: p => { p.ImageId = "ami-0bbbbbbbbbbbbbbbb"; p.Timeout = Duration.Hours(3 + shift); });
            AppStream(stack, p => { p.Timeout = shift == 0 ? Duration.Hours(2) : Duration.Minutes(40); p.PollInterval = Duration.Minutes(2); });
            return Of(stack);
        }

        var before = Five(0);
        var after = Five(1);

        Assert.Single(ProviderWaits(before));
        Assert.Equal(3, before.OfType("AWS::Lambda::Function").Count(f => f.Resource.GetProperty("Properties").GetProperty("Handler").GetString()!.StartsWith("framework.", StringComparison.Ordinal)));
        Assert.Single(ServiceTokens(before).Values.Distinct());
        // Every resource that exists before and after keeps its token: a settings change, even a move between paths, is an in-place update.
        var kept = ServiceTokens(before).Keys.Intersect(ServiceTokens(after).Keys).ToList();
        Assert.Equal(5, kept.Count(k => before.Resources.GetProperty(k).GetProperty("Type").GetString() is ResourceTypes.ExportedVmImage or ResourceTypes.AppStreamAmiExport));
        Assert.All(kept, k => Assert.Equal(ServiceTokens(before)[k], ServiceTokens(after)[k]));
    }

    [Fact]
    public void Replacement_ShouldGetItsOwnCondition()
    {
        static string Id(string imageId)
        {
            var stack = NewStack();
            Vm(stack, p => p.ImageId = imageId);
            return Assert.Single(Of(stack).OfType("AWS::CloudFormation::WaitCondition")).Id;
        }

        var first = Id("ami-0123456789abcdef0");
        var same = Id("ami-0123456789abcdef0");
        var replaced = Id("ami-0fedcba9876543210");

        Assert.Equal(first, same);
        Assert.NotEqual(first, replaced);
    }

    [Fact]
    public void Poller_ShouldBeOnePerStackAndStartableAndStoppableByTheHandlerRole()
    {
        var stack = NewStack();
        Vm(stack);
        Vm(stack, id: "Vm2", change: p => p.ImageId = "ami-0fedcba9876543210");
        AppStream(stack);

        var s = Of(stack);

        Assert.Single(s.OfType("AWS::StepFunctions::StateMachine"), m => m.Id.Contains("Poller"));
        Assert.Equal(3, s.OfType("AWS::CloudFormation::WaitCondition").Count());
        Assert.Contains("Poller", Assert.Single(s.StatementsFor("states:StartExecution"), st => st.GetProperty("Resource").Compact().Contains("Poller")).GetProperty("Resource").Compact());
        Assert.Contains(":execution:", Assert.Single(s.StatementsFor("states:StopExecution")).GetProperty("Resource").Compact());
    }

    [Theory]
    [InlineData(13 * 60, 5, "ExportedVmImage 'TestStack/Vm': Timeout 46800 s is not valid; expected 60 s to 43200 s (12 hours, the longest a CloudFormation WaitCondition waits)")]
    [InlineData(10, 20, "ExportedVmImage 'TestStack/Vm': PollInterval 1200 s is longer than Timeout 600 s")]
    [InlineData(12 * 60, 0.25, "ExportedVmImage 'TestStack/Vm': PollInterval 15 s is too short for Timeout 43200 s: the poller would poll 2880 times, and its execution holds at most 2500 polls (Step Functions' 25,000-event history); expected at least 18 s.")]
    [InlineData(60, 0, "ExportedVmImage 'TestStack/Vm': PollInterval 0 s is not valid; expected 10 s to 3600 s")]
    public void BadTimeouts_ShouldFailAtSynthNamingTheProps(int timeoutMinutes, double intervalMinutes, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => Vm(NewStack(), p =>
        {
            p.Timeout = Duration.Minutes(timeoutMinutes);
            p.PollInterval = Duration.Minutes(intervalMinutes);
        }));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Timeout_WhenADeployTimeValue_ShouldFailAtSynthNamingTheProp()
    {
        var stack = NewStack();
        var hours = new CfnParameter(stack, "Hours", new CfnParameterProps { Type = "Number" });

        var error = Assert.Throws<ArgumentException>(() => Vm(stack, p => p.Timeout = Duration.Hours(hours.ValueAsNumber)));

        Assert.Contains("Timeout must be known at synth time", error.Message);
    }
}
