using System.Text.Json;

namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>Finds the Provider framework's code in a synthesized cloud assembly.</summary>
internal static class FrameworkAssets
{
    /// <summary>The handler string of the framework's onEvent function (consts.js FRAMEWORK_ON_EVENT_HANDLER_NAME).</summary>
    public const string OnEventHandler = "framework.onEvent";

    /// <summary>
    /// The staged asset directory (<c>asset.&lt;hash&gt;</c>) holding framework.js, found from the
    /// template: the function whose <c>Handler</c> is <c>framework.onEvent</c> has
    /// <c>Code.S3Key</c> = <c>&lt;hash&gt;.zip</c>. Read from what the template deploys, not by
    /// scanning the folder, so the code under test is the code that stack would ship.
    /// </summary>
    /// <param name="cloudAssemblyDirectory">The app's outdir (<c>CloudAssembly.Directory</c>).</param>
    /// <param name="template">The stack's template JSON.</param>
    /// <exception cref="InvalidOperationException">No framework function, functions with different code, or the asset is not staged.</exception>
    public static string Directory(string cloudAssemblyDirectory, JsonElement template)
    {
        var keys = template.GetProperty("Resources").EnumerateObject()
            .Select(r => r.Value)
            .Where(r => r.GetProperty("Type").GetString() == "AWS::Lambda::Function"
                && r.TryGetProperty("Properties", out var p)
                && p.TryGetProperty("Handler", out var h) && h.GetString() == OnEventHandler)
            .Select(r => r.GetProperty("Properties").GetProperty("Code").GetProperty("S3Key").GetString()!)
            .Distinct()
            .ToList();
        if (keys.Count != 1)
            throw new InvalidOperationException($"expected the framework's onEvent functions to share one code asset, found {keys.Count}: {string.Join(", ", keys)}");
        const string zip = ".zip";
        if (!keys[0].EndsWith(zip, StringComparison.Ordinal))
            throw new InvalidOperationException($"framework code S3Key '{keys[0]}' is not '<hash>.zip'");
        var directory = Path.Combine(cloudAssemblyDirectory, "asset." + keys[0][..^zip.Length]);
        if (!File.Exists(Path.Combine(directory, "framework.js")))
            throw new InvalidOperationException($"the framework asset is not staged: no framework.js in {directory}");
        return directory;
    }
}
