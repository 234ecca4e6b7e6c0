using Amazon;
using Amazon.AppStream;
using Amazon.AppStream.Model;
using Amazon.Runtime;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.ServiceClients;

/// <summary>The hand-written AppStream client's protocol: errors, endpoint variables, signing region.</summary>
[Collection(EnvironmentCollection.Name)]
public sealed class AppStreamClientTests : IAsyncLifetime
{
    private readonly FakeAws _aws = new();
    private static readonly BasicAWSCredentials Credentials = new("AKIDEXAMPLE", "secret");

    public Task InitializeAsync() => Task.CompletedTask;
    public Task DisposeAsync() => _aws.DisposeAsync().AsTask();

    private AmazonAppStreamClient Client() => new(Credentials, new AmazonAppStreamConfig { ServiceURL = _aws.Url.ToString(), AuthenticationRegion = "us-east-1" });

    [Theory]
    [InlineData("ResourceNotFoundException", typeof(ResourceNotFoundException))]
    [InlineData("LimitExceededException", typeof(LimitExceededException))]
    [InlineData("OperationNotPermittedException", typeof(OperationNotPermittedException))]
    [InlineData("ConcurrentModificationException", typeof(ConcurrentModificationException))]
    [InlineData("ResourceNotAvailableException", typeof(ResourceNotAvailableException))]
    [InlineData("InvalidAccountStatusException", typeof(InvalidAccountStatusException))]
    [InlineData("SomethingNewException", typeof(AmazonAppStreamException))]
    public async Task Get_WhenAppStreamAnswersAJsonError_ShouldThrowTheTypedExceptionKeepingTheCode(string code, Type expected)
    {
        // Every attempt fails: the SDK retries codes it counts as throttling (LimitExceededException among them).
        _aws.FailNext("AppStream:GetExportImageTask", code, 400, times: 10);
        using var client = Client();

        var error = await Assert.ThrowsAnyAsync<AmazonAppStreamException>(() => client.GetExportImageTaskAsync(new GetExportImageTaskRequest { TaskId = "00000000-0000-4000-8000-000000000000" }));

        Assert.IsType(expected, error);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal("Injected " + code, error.Message);
    }

    [Fact]
    public async Task Get_WhenServerFailsWith5xx_ShouldRetryThenSucceed()
    {
        _aws.AppStreamImages.Add("img");
        using var client = Client();
        var created = await client.CreateExportImageTaskAsync(new CreateExportImageTaskRequest { ImageName = "img", AmiName = "img-ami", IamRoleArn = "arn:aws:iam::123456789012:role/r" });
        _aws.FailNext("AppStream:GetExportImageTask", "InternalServiceError", 500, times: 2);

        var got = await client.GetExportImageTaskAsync(new GetExportImageTaskRequest { TaskId = created.ExportImageTask!.TaskId });

        Assert.Equal(created.ExportImageTask.TaskId, got.ExportImageTask!.TaskId);
        Assert.Equal(3, _aws.CallCount("AppStream:GetExportImageTask"));
    }

    [Fact]
    public async Task Create_ShouldSendTheDocumentedJsonShape()
    {
        _aws.AppStreamImages.Add("img");
        using var client = Client();

        var created = await client.CreateExportImageTaskAsync(new CreateExportImageTaskRequest
        {
            ImageName = "img", AmiName = "img-ami", IamRoleArn = "arn:aws:iam::123456789012:role/r",
            AmiDescription = "d", TagSpecifications = new() { ["k"] = "v" },
        });

        var sent = _aws.Server.Requests.Single(r => r.Header("X-Amz-Target") == "PhotonAdminProxyService.CreateExportImageTask");
        Assert.Equal("""{"ImageName":"img","AmiName":"img-ami","IamRoleArn":"arn:aws:iam::123456789012:role/r","TagSpecifications":{"k":"v"},"AmiDescription":"d"}""", sent.Body);
        Assert.Equal(ExportImageTaskState.EXPORTING, created.ExportImageTask!.State);
        Assert.Equal(new DateTime(2026, 11, 18, 11, 6, 40, 123, DateTimeKind.Utc), created.ExportImageTask.CreatedDate);
        Assert.Empty(_aws.ProtocolProblems);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL_APPSTREAM")]
    [InlineData("AWS_ENDPOINT_URL")]
    public async Task Client_WhenEndpointVariableIsSet_ShouldSendThereSignedForTheConfiguredRegion(string variable)
    {
        _aws.ExpectedSigningRegion = "eu-west-1";
        Environment.SetEnvironmentVariable(variable, _aws.Url.ToString());
        try
        {
            using var client = new AmazonAppStreamClient(Credentials, new AmazonAppStreamConfig { RegionEndpoint = RegionEndpoint.EUWest1 });

            await client.ListExportImageTasksAsync(new ListExportImageTasksRequest());
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }

        Assert.Equal(["AppStream:ListExportImageTasks"], _aws.Calls);
        Assert.True(_aws.ProtocolProblems.Count == 0, string.Join("; ", _aws.ProtocolProblems));
    }

    [Fact]
    public void Config_WithoutOverride_ShouldResolveTheRegionalEndpoint()
    {
        var config = new AmazonAppStreamConfig { RegionEndpoint = RegionEndpoint.USWest2 };

        var endpoint = config.DetermineServiceOperationEndpoint(new Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters(new ListExportImageTasksRequest()));

        Assert.Equal("https://appstream2.us-west-2.amazonaws.com/", endpoint.URL);
    }
}

/// <summary>Tests that change process-wide environment variables run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}
