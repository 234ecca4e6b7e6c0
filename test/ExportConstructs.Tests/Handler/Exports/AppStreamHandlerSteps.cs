using ExportConstructs.Contract;
using ExportConstructs.Handler;
using ExportConstructs.Tests.Fakes;
using static ExportConstructs.Tests.Fakes.HandlerHarness;

namespace ExportConstructs.Tests.Handler.Exports;

/// <summary>The arrange steps of the AppStreamAmiExport handler tests: the properties and the create.</summary>
internal static class AppStreamHandlerSteps
{
    public const string ImageName = "Office-Apps_2026.11";
    public const string RoleArn = "arn:aws:iam::123456789012:role/AppStreamExport";

    public static AppStreamAmiExportProperties Props(string? amiName = null, string removal = RemovalPolicies.Retain, string image = ImageName) => new()
    {
        ImageName = image,
        AmiName = amiName,
        IamRoleArn = RoleArn,
        AmiDescription = "exported",
        Tags = new() { ["team"] = "euc" },
        RemovalPolicy = removal,
        WaitForCompletion = "true",
    };

    public static Task<Outcome> CreateAsync(this HandlerHarness h, AppStreamAmiExportProperties props, string? requestId = null) =>
        h.RunAsync(Request(ResourceTypes.AppStreamAmiExport, "Create", Json(props), requestId: requestId));
}
