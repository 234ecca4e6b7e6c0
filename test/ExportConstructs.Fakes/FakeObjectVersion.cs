namespace ExportConstructs.Fakes;

/// <summary>One version of an object in a versioned bucket of the fake S3: data, or a delete marker.</summary>
internal sealed record FakeObjectVersion(string VersionId, bool IsDeleteMarker);
