using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using ExportConstructs.Contract;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Packaging;

/// <summary>
/// The shipped asset itself: the Native AOT bootstrap from handler.zip, run as a process behind a
/// loopback Runtime API, calling the loopback EC2 through AWS_ENDPOINT_URL.
/// </summary>
public sealed class BootstrapProcessTests : IAsyncLifetime
{
    private readonly FakeRuntimeApi _api = new();
    private readonly FakeAws _aws = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("bootstrap-").FullName;
    private Process? _process;

    public Task InitializeAsync()
    {
        // Extracting keeps the zip's Unix mode, so this also shows the file is executable as shipped.
        ZipFile.ExtractToDirectory(Path.Combine(AppContext.BaseDirectory, "exportconstructs-handler", "handler.zip"), _dir);
        _aws.AddImage("ami-0123456789abcdef0");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false }) _process.Kill();
        _process?.Dispose();
        await _api.DisposeAsync();
        await _aws.DisposeAsync();
        Directory.Delete(_dir, true);
    }

    private void Start(string handler)
    {
        var start = new ProcessStartInfo(Path.Combine(_dir, "bootstrap")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in LoopbackClients.BootstrapEnvironment(_api, _aws, handler)) start.Environment[name] = value;
        _process = Process.Start(start);
    }

    private static string CreateEvent(string requestId) => $$$"""
        {"RequestType":"Create","RequestId":"{{{requestId}}}","StackId":"{{{HandlerHarness.StackId}}}","LogicalResourceId":"Vm",
         "ResourceType":"{{{ResourceTypes.ExportedVmImage}}}","ResponseURL":"http://127.0.0.1:9/",
         "ResourceProperties":{"ServiceToken":"arn","ImageId":"ami-0123456789abcdef0","DiskImageFormat":"VHD","S3Bucket":"vm-exports",
           "S3Prefix":"exports/","RoleName":"vmimport","RemovalPolicy":"retain","WaitForCompletion":"true"}}
        """;

    [Fact]
    public void OnEvent_ShouldStartTheExportAndAnswerThroughTheRuntimeApi()
    {
        Start("onEvent");
        _api.Enqueue(new FakeInvocation("req-create", CreateEvent("cfn-1"), DateTimeOffset.UtcNow.AddMinutes(2)));

        var (path, request) = _api.NextPost("onEvent answer");

        Assert.Equal("invocation/req-create/response", path);
        var task = Assert.Single(_aws.VmTasks.Values);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(task.Id, body.RootElement.GetProperty("PhysicalResourceId").GetString());
        Assert.Equal("started", body.RootElement.GetProperty("ExportAction").GetString());
        Assert.Equal("VHD", task.Format);
    }

    [Fact]
    public void OnEvent_WhenTheExportFails_ShouldPostTheErrorAndServeTheNextEvent()
    {
        Start("onEvent");
        _aws.FailNext("EC2:ExportImage", "UnauthorizedOperation", 403);
        _api.Enqueue(new FakeInvocation("req-denied", CreateEvent("cfn-2"), DateTimeOffset.UtcNow.AddMinutes(2)));
        _api.Enqueue(new FakeInvocation("req-ok", CreateEvent("cfn-3"), DateTimeOffset.UtcNow.AddMinutes(2)));

        var (errorPath, error) = _api.NextPost("error report");
        var (okPath, _) = _api.NextPost("second answer");

        Assert.Equal("invocation/req-denied/error", errorPath);
        Assert.Contains("[UnauthorizedOperation]", error.Body);
        Assert.Equal("invocation/req-ok/response", okPath);
    }

    [Fact]
    public void Startup_WithAnUnknownHandlerString_ShouldReportAnInitErrorAndExit()
    {
        Start("bogus");

        var (path, request) = _api.NextPost("init error");

        Assert.Equal("init/error", path);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("_HANDLER is 'bogus'; expected one of exports, onEvent, isComplete, poll.", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.True(_process!.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, _process.ExitCode);
    }
}
