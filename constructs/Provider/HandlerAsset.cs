namespace ExportConstructs;

/// <summary>Where the prebuilt handler asset lives: beside this library's assembly, never relative to the working directory.</summary>
internal static class HandlerAsset
{
    /// <summary>Folder, next to ExportConstructs.dll, that the build and the NuGet package put the asset in.</summary>
    public const string Folder = "exportconstructs-handler";

    /// <summary>The zipped bootstrap.</summary>
    public const string FileName = "handler.zip";

    /// <summary>Absolute path of the asset; throws with what to do when it is missing.</summary>
    public static string Path()
    {
        var directory = System.IO.Path.GetDirectoryName(typeof(HandlerAsset).Assembly.Location)
            ?? throw new InvalidOperationException("ExportConstructs cannot tell where its assembly was loaded from.");
        var path = System.IO.Path.Combine(directory, Folder, FileName);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"The ExportConstructs handler asset is missing at {path}. It is copied there when a project references " +
                "the ExportConstructs package or project; rebuild, and check that the build output was not trimmed of content files.", path);
    }
}
