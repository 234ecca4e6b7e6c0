using ExportConstructs.Handler;
using ExportConstructs.Handler.Aws;
using ExportConstructs.Handler.CustomResources;
using ExportConstructs.Handler.Runtime;

// The bootstrap of provided.al2023: start-up, then the Runtime API loop until Lambda stops us.
var address = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API")
    ?? throw Errors.MissingEnvironment("AWS_LAMBDA_RUNTIME_API");
using var runtimeHttp = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
var client = new RuntimeApiClient(runtimeHttp, address);

CustomResourceFunction function;
try
{
    function = AwsClients.Function(AwsClients.FromEnvironment(), TimeProvider.System, Console.WriteLine, Environment.GetEnvironmentVariable("_HANDLER"));
}
catch (Exception e)
{
    await client.ReportInitErrorAsync(ErrorReport.From(e), CancellationToken.None);
    return 1;
}

await new LambdaBootstrap(client, function.InvokeAsync, TimeProvider.System).RunAsync(CancellationToken.None);
return 0;
