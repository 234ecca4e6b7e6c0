using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SNS;
using Constructs;
using ExportConstructs.Contract;
using static ExportConstructs.Tests.Constructs.EventPatterns;
using static ExportConstructs.Tests.Constructs.Synthesized;

namespace ExportConstructs.Tests.Constructs;

/// <summary>
/// <c>OnExportCompleted</c>, <c>OnExportFailed</c> and <c>OnExportStateChange</c>: the rules' patterns
/// as synthesized, and what they match when EventBridge evaluates them against the events the
/// handler puts (built by the contract's <see cref="ExportEventDetail.For"/>): this export's events
/// in the states each rule names, its replacement's too, and never another export's or another stack's.
/// </summary>
[Collection(CdkCollection.Name)]
public sealed class ExportRuleTests
{
    private const string VmKind = ExportEvents.Kinds.ExportedVmImage;
    private const string AsKind = ExportEvents.Kinds.AppStreamAmiExport;
    private const string TaskA = "export-ami-0123456789abcdef0";
    private const string TaskA2 = "export-ami-0123456789abcdef1";
    private const string TaskB = "export-ami-0fedcba9876543210";

    private static readonly string[] AllDetailTypes = ["Export Completed", "Export Failed", "Export Timed Out", "Export Cancelled"];

    private static ExportedVmImage Vm(Stack stack, string id, string image = "ami-0123456789abcdef0", int timeoutMinutes = 30) =>
        new(stack, id, new ExportedVmImageProps
        {
            ImageId = image, DiskImageFormat = DiskImageFormat.VMDK,
            Bucket = (IBucket?)stack.Node.TryFindChild("Exports") ?? new Bucket(stack, "Exports"),
            Timeout = Duration.Minutes(timeoutMinutes),
        });

    private static AppStreamAmiExport AppStream(Stack stack, string id, int timeoutMinutes = 30) =>
        new(stack, id, new AppStreamAmiExportProps { ImageName = "Office", Timeout = Duration.Minutes(timeoutMinutes) });

    private static string LogicalId(IConstruct c) => Stack.Of(c).GetLogicalId((CfnElement)c.Node.DefaultChild!);

    /// <summary>The rule's <c>EventPattern</c> as synthesized.</summary>
    private static JsonNode Pattern(Synthesized s, Rule rule) => Properties(s, rule)["EventPattern"]!;

    private static JsonNode Properties(Synthesized s, Rule rule) =>
        JsonNode.Parse(s.Resources.GetProperty(LogicalId(rule)).GetProperty("Properties").GetRawText())!;

    private static JsonObject Expected(IEnumerable<string> detailTypes, JsonObject detail) => new()
    {
        ["source"] = new JsonArray("exportconstructs"),
        ["detail-type"] = new JsonArray([.. detailTypes.Select(t => (JsonNode?)JsonValue.Create(t))]),
        ["detail"] = detail,
    };

    private static JsonObject OfResource(string logicalId) => new()
    {
        ["stackId"] = new JsonArray(new JsonObject { ["Ref"] = "AWS::StackId" }),
        ["logicalId"] = new JsonArray(logicalId),
    };

    private static void AssertPattern(JsonNode expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");

    /// <summary>Which of these events the rule's deployed pattern matches, as "state of who" lines.</summary>
    private static List<string> Matched(JsonNode pattern, IEnumerable<(string Who, JsonObject Event)> events)
    {
        var resolved = Resolve(pattern);
        return events.Where(e => Matches(resolved, e.Event)).Select(e => $"{e.Event["detail"]!["state"]} of {e.Who}").ToList();
    }

    private static IEnumerable<(string Who, JsonObject Event)> EveryState(string who, string kind, string logicalId, string taskId, string stackId = StackId) =>
        ExportEvents.States.All.Select(state => (who, Event(kind, state, logicalId, taskId, stackId)));

    private static List<string> Named(string who, params string[] states) => [.. states.Select(s => $"{s} of {who}")];

    [Theory]
    [InlineData(VmKind, 30)]
    [InlineData(VmKind, 180)]
    [InlineData(AsKind, 30)]
    [InlineData(AsKind, 180)]
    public void Rules_OfAnExportOfThisStack_ShouldMatchTheStackIdAndTheExportResourcesLogicalIdOnEitherWaitPath(string kind, int timeoutMinutes)
    {
        var stack = NewStack();
        var (resource, completed, failed, any, type, resultType) = kind == VmKind ? RulesOf(Vm(stack, "Export", timeoutMinutes: timeoutMinutes)) : RulesOf(AppStream(stack, "Export", timeoutMinutes));

        var s = Of(stack);

        // The export resource (Custom::ExportedVmImage / Custom::AppStreamAmiExport), whose logical id
        // the handler publishes on both paths; on the long path the result resource exists beside it.
        var exportId = LogicalId(resource);
        Assert.Equal(type, s.Resources.GetProperty(exportId).GetProperty("Type").GetString());
        Assert.Equal(timeoutMinutes > 55, s.OfType(resultType).Any());
        AssertPattern(Expected(["Export Completed"], OfResource(exportId)), Pattern(s, completed));
        AssertPattern(Expected(["Export Failed", "Export Timed Out"], OfResource(exportId)), Pattern(s, failed));
        AssertPattern(Expected(AllDetailTypes, OfResource(exportId)), Pattern(s, any));
        Assert.Equal(3, s.OfType("AWS::Events::Rule").Count());
    }

    private static (CustomResource, Rule, Rule, Rule, string, string) RulesOf(ExportedVmImage vm) =>
        (vm.Resource, vm.OnExportCompleted("Completed"), vm.OnExportFailed("Failed"), vm.OnExportStateChange("Any"), ResourceTypes.ExportedVmImage, ResourceTypes.ExportedVmImageResult);

    private static (CustomResource, Rule, Rule, Rule, string, string) RulesOf(AppStreamAmiExport ami) =>
        (ami.Resource, ami.OnExportCompleted("Completed"), ami.OnExportFailed("Failed"), ami.OnExportStateChange("Any"), ResourceTypes.AppStreamAmiExport, ResourceTypes.AppStreamAmiExportResult);

    [Fact]
    public void Rules_OfAnExportWhoseLogicalIdIsOverridden_ShouldMatchTheDeployedIdWhichTheResultResourcePublishesToo()
    {
        var stack = NewStack();
        var ami = AppStream(stack, "Export", timeoutMinutes: 180);
        ((CfnResource)ami.Resource.Node.DefaultChild!).OverrideLogicalId("OfficeAmiExport");
        var rule = ami.OnExportStateChange("Any");

        var s = Of(stack);

        AssertPattern(Expected(AllDetailTypes, OfResource("OfficeAmiExport")), Pattern(s, rule));
        // On the long path the result resource publishes the event, naming the export by ExportLogicalId.
        var result = Assert.Single(s.OfType(ResourceTypes.AppStreamAmiExportResult)).Resource.GetProperty("Properties");
        Assert.Equal("OfficeAmiExport", result.GetProperty("ExportLogicalId").GetString());
    }

    [Fact]
    public void Rules_OfTwoExportsInOneStack_ShouldEachMatchOnlyTheirOwnExportsEventsAndKeepMatchingAReplacement()
    {
        var stack = NewStack();
        var a = Vm(stack, "A");
        var b = Vm(stack, "B", image: "ami-0fedcba9876543210");
        var rules = new[] { (Of: "A", Export: a), (Of: "B", Export: b) }
            .Select(x => (x.Of, Completed: x.Export.OnExportCompleted("Completed"), Failed: x.Export.OnExportFailed("Failed"), Any: x.Export.OnExportStateChange("Any")))
            .ToList();
        var s = Of(stack);
        var (idA, idB) = (LogicalId(a.Resource), LogicalId(b.Resource));
        // A replacement of A keeps A's logical id and gets a new task id; the same logical id in
        // another stack is another export.
        var events = EveryState("A", VmKind, idA, TaskA)
            .Concat(EveryState("A's replacement", VmKind, idA, TaskA2))
            .Concat(EveryState("B", VmKind, idB, TaskB))
            .Concat(EveryState("A's namesake in another stack", VmKind, idA, TaskA, OtherStackId))
            .ToList();

        foreach (var (of, completed, failed, any) in rules)
        {
            var own = of == "A" ? new[] { "A", "A's replacement" } : ["B"];
            Assert.Equal(own.SelectMany(w => Named(w, "COMPLETED")), Matched(Pattern(s, completed), events));
            Assert.Equal(own.SelectMany(w => Named(w, "FAILED", "TIMED_OUT")), Matched(Pattern(s, failed), events));
            Assert.Equal(own.SelectMany(w => Named(w, "COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED")), Matched(Pattern(s, any), events));
        }
    }

    [Fact]
    public void Options_ShouldBeMergedAsTheCdkOnEventMethodsMergeThem()
    {
        var stack = NewStack();
        var a = Vm(stack, "A");
        var b = Vm(stack, "B", image: "ami-0fedcba9876543210");
        var topic = new Topic(stack, "Alarms");

        var rule = a.OnExportFailed("TimedOut", new OnEventOptions
        {
            RuleName = "vm-export-timed-out",
            Description = "Pages when the VM export outlasts its Timeout.",
            // A user's own detail field narrows the rule to one of the states it names.
            EventPattern = new EventPattern { Detail = new Dictionary<string, object> { ["state"] = new[] { ExportEvents.States.TimedOut } } },
            Target = new SnsTopic(topic),
        });
        var s = Of(stack);

        var properties = Properties(s, rule);
        Assert.Equal(("vm-export-timed-out", "Pages when the VM export outlasts its Timeout."), ((string)properties["Name"]!, (string)properties["Description"]!));
        var target = Assert.Single(properties["Targets"]!.AsArray());
        AssertPattern(new JsonObject { ["Ref"] = LogicalId(topic) }, target!["Arn"]!);
        var detail = OfResource(LogicalId(a.Resource));
        detail["state"] = new JsonArray("TIMED_OUT");
        AssertPattern(Expected(["Export Failed", "Export Timed Out"], detail), Pattern(s, rule));
        var events = EveryState("A", VmKind, LogicalId(a.Resource), TaskA).Concat(EveryState("B", VmKind, LogicalId(b.Resource), TaskB));
        Assert.Equal(Named("A", "TIMED_OUT"), Matched(Pattern(s, rule), events));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(TaskA)]
    public void ImportedVmFile_Rules_ShouldMatchItsTaskIdGivenOrReadFromItsKey(string? given)
    {
        var stack = NewStack("Consumer");
        var file = ExportedVmImage.FromExportedVmImageAttributes(stack, "File", new ExportedVmImageAttributes
        {
            Bucket = Bucket.FromBucketName(stack, "B", "vm-exports"),
            S3Key = given is null ? $"exports/{TaskA}.vmdk" : "renamed.vmdk",
            ExportImageTaskId = given,
        });
        var (completed, failed, any) = (file.OnExportCompleted("Completed"), file.OnExportFailed("Failed"), file.OnExportStateChange("Any"));

        var s = Of(stack);

        var byTask = new JsonObject { ["taskId"] = new JsonArray(TaskA) };
        AssertPattern(Expected(["Export Completed"], byTask), Pattern(s, completed));
        AssertPattern(Expected(["Export Failed", "Export Timed Out"], byTask.DeepClone().AsObject()), Pattern(s, failed));
        AssertPattern(Expected(AllDetailTypes, byTask.DeepClone().AsObject()), Pattern(s, any));
        // Its events come from the exporting stack, whatever its id and the resource's.
        var events = EveryState("the file's export", VmKind, "VmResource1234ABCD", TaskA, OtherStackId).Concat(EveryState("another export", VmKind, "VmResource1234ABCD", TaskB, OtherStackId));
        Assert.Equal(Named("the file's export", "COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"), Matched(Pattern(s, any), events));
    }

    [Fact]
    public void ImportedVmFile_WithoutATaskId_ShouldSayWhatToGiveAndDefineNoRule()
    {
        var stack = NewStack("Consumer");
        var file = ExportedVmImage.FromExportedVmImageAttributes(stack, "File", new ExportedVmImageAttributes
        {
            Bucket = Bucket.FromBucketName(stack, "B", "vm-exports"), S3Key = "renamed.vmdk",
        });

        var error = Assert.Throws<InvalidOperationException>(() => file.OnExportStateChange("Any"));

        Assert.Equal("ExportedVmImage.FromExportedVmImageAttributes 'Consumer/File': OnExportStateChange cannot tell this export's events from other exports': ExportImageTaskId was not given and cannot be read from S3Key 'renamed.vmdk'; expected ExportImageTaskId in the attributes (every event of an export carries its task id).", error.Message);
        Assert.Empty(file.Node.Children);
    }

    [Fact]
    public void ImportedAmi_WithATaskId_ShouldMatchItsTaskIdInEveryRule()
    {
        const string task = "0a1b2c3d-4e5f-4a6b-8c7d-0123456789ab";
        var stack = NewStack("Consumer");
        var ami = AppStreamAmiExport.FromAppStreamAmiExportAttributes(stack, "Ami", new AppStreamAmiExportAttributes { AmiId = "ami-0fedcba9876543210", TaskId = task });
        var (completed, failed) = (ami.OnExportCompleted("Completed"), ami.OnExportFailed("Failed"));

        var s = Of(stack);

        var byTask = new JsonObject { ["taskId"] = new JsonArray(task) };
        AssertPattern(Expected(["Export Completed"], byTask), Pattern(s, completed));
        AssertPattern(Expected(["Export Failed", "Export Timed Out"], byTask.DeepClone().AsObject()), Pattern(s, failed));
        var events = EveryState("the AMI's export", AsKind, "AsResource1234ABCD", task, OtherStackId).Concat(EveryState("another export", AsKind, "AsResource1234ABCD", "9f8e7d6c-0000-4000-8000-000000000000", OtherStackId));
        Assert.Equal(Named("the AMI's export", "FAILED", "TIMED_OUT"), Matched(Pattern(s, failed), events));
    }

    [Fact]
    public void ImportedAmi_WithOnlyAnAmiId_ShouldMatchItsCompletedEventByAmiIdAndRefuseRulesNoEventOfItCouldMatch()
    {
        const string amiId = "ami-0fedcba9876543210";
        var stack = NewStack("Consumer");
        var ami = AppStreamAmiExport.FromAppStreamAmiExportAttributes(stack, "Ami", new AppStreamAmiExportAttributes { AmiId = amiId });
        var completed = ami.OnExportCompleted("Completed");

        var failed = Assert.Throws<InvalidOperationException>(() => ami.OnExportFailed("Failed"));
        var any = Assert.Throws<InvalidOperationException>(() => ami.OnExportStateChange("Any"));
        var s = Of(stack);

        AssertPattern(Expected(["Export Completed"], new JsonObject { ["attributes"] = new JsonObject { ["AmiId"] = new JsonArray(amiId) } }), Pattern(s, completed));
        var events = new[]
        {
            ("the AMI's export", Event(AsKind, ExportEvents.States.Completed, "AsResource1234ABCD", "task-1", OtherStackId, new Dictionary<string, string> { [AppStreamAmiExportAttributeNames.AmiId] = amiId })),
            ("another export", Event(AsKind, ExportEvents.States.Completed, "AsResource1234ABCD", "task-2", OtherStackId, new Dictionary<string, string> { [AppStreamAmiExportAttributeNames.AmiId] = "ami-0123456789abcdef0" })),
        };
        Assert.Equal(Named("the AMI's export", "COMPLETED"), Matched(Pattern(s, completed), events));
        Assert.Equal("AppStreamAmiExport.FromAppStreamAmiExportAttributes 'Consumer/Ami': OnExportFailed cannot tell this export's events from other exports': only AmiId was given, and only an Export Completed event carries the AMI id (a failed export made none); expected TaskId in the attributes (every event of an export carries its task id), or OnExportCompleted, which matches by AmiId.", failed.Message);
        Assert.Contains("OnExportStateChange cannot tell", any.Message);
        Assert.Single(s.OfType("AWS::Events::Rule"));
    }
}
