using System.Web;
using System.Xml.Linq;
using ExportConstructs.Fakes.Iam;

namespace ExportConstructs.Fakes;

internal sealed partial class FakeAws
{
    private const string S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";
    private int _versionCounter;

    // --- S3 state ---
    /// <summary>Objects that exist now, as "bucket/key": in a versioned bucket, those whose latest version is not a delete marker.</summary>
    public HashSet<string> Objects { get; } = [];

    /// <summary>
    /// Buckets with versioning enabled. There a PUT adds a version, a DELETE without a version id only
    /// adds a delete marker (the data stays, as in S3), and a DELETE with <c>?versionId=</c> removes
    /// that version for good.
    /// </summary>
    public HashSet<string> VersionedBuckets { get; } = [];

    /// <summary>Versions of each object of a versioned bucket, "bucket/key" → oldest first.</summary>
    public Dictionary<string, List<FakeObjectVersion>> ObjectVersions { get; } = [];

    /// <summary>Writes an object as S3 would (a new version in a versioned bucket); returns its version id, or null.</summary>
    public string? PutObject(string bucket, string key)
    {
        var path = $"{bucket}/{key}";
        Objects.Add(path);
        if (!VersionedBuckets.Contains(bucket)) return null;
        var version = new FakeObjectVersion(NextVersionId(), IsDeleteMarker: false);
        Versions(path).Add(version);
        return version.VersionId;
    }

    private string NextVersionId() => "v" + (++_versionCounter).ToString("x").PadLeft(31, '0');

    private List<FakeObjectVersion> Versions(string path)
    {
        if (!ObjectVersions.TryGetValue(path, out var list)) ObjectVersions[path] = list = [];
        return list;
    }

    /// <summary>
    /// What S3 authorizes, from the Service Authorization Reference (list_amazons3). Object and
    /// bucket ARNs have neither region nor account; S3 offers no resource-tag keys for object deletes.
    /// <code>
    /// DELETE /bucket/key              s3:DeleteObject         arn:aws:s3:::bucket/key
    /// DELETE /bucket/key?versionId=v  s3:DeleteObjectVersion  arn:aws:s3:::bucket/key   s3:versionid=v
    /// HEAD   /bucket/key              s3:GetObject            arn:aws:s3:::bucket/key
    /// HEAD   /bucket/key?versionId=v  s3:GetObjectVersion     arn:aws:s3:::bucket/key   s3:versionid=v
    /// PUT    /bucket/key              s3:PutObject            arn:aws:s3:::bucket/key
    /// GET    /bucket?versions         s3:ListBucketVersions   arn:aws:s3:::bucket       s3:prefix
    /// GET    /bucket?versioning       s3:GetBucketVersioning  arn:aws:s3:::bucket
    /// GET    /bucket?location         s3:GetBucketLocation    arn:aws:s3:::bucket
    /// </code>
    /// </summary>
    private static IEnumerable<IamRequest> S3Authorization(S3Call call)
    {
        // A bucket ARN has no trailing slash; an object ARN is bucket/key.
        var arn = "arn:aws:s3:::" + (call.Key.Length == 0 ? call.Bucket : call.Path);
        (string, string)[] version = call.VersionId is { } v ? [("s3:versionid", v)] : [];
        switch (call.Method)
        {
            case "DELETE":
                yield return Ask(call.VersionId is null ? "s3:DeleteObject" : "s3:DeleteObjectVersion", arn, version);
                break;
            case "HEAD":
                yield return Ask(call.VersionId is null ? "s3:GetObject" : "s3:GetObjectVersion", arn, version);
                break;
            case "PUT":
                yield return Ask("s3:PutObject", arn);
                break;
            case "GET" when call.Key.Length == 0 && call.Has("versions"):
                yield return Ask("s3:ListBucketVersions", arn, call.Query["prefix"] is { } prefix ? [("s3:prefix", prefix)] : []);
                break;
            case "GET" when call.Key.Length == 0 && call.Has("versioning"):
                yield return Ask("s3:GetBucketVersioning", arn);
                break;
            case "GET" when call.Key.Length == 0 && call.Has("location"):
                yield return Ask("s3:GetBucketLocation", arn);
                break;
        }
    }

    /// <summary>A path-style S3 request taken apart.</summary>
    private sealed record S3Call(string Method, string Path, string Bucket, string Key, System.Collections.Specialized.NameValueCollection Query)
    {
        public string? VersionId => Query["versionId"];

        /// <summary>Whether a sub-resource without value (<c>?versions</c>) or with one is named.</summary>
        public bool Has(string name) => Query.AllKeys.Contains(name) || (Query.GetValues(null)?.Contains(name) ?? false);

        public static S3Call Parse(RecordedRequest request)
        {
            var parts = request.PathAndQuery.Split('?', 2);
            var path = Uri.UnescapeDataString(parts[0].TrimStart('/'));
            var slash = path.IndexOf('/');
            return new S3Call(request.Method, path, slash < 0 ? path : path[..slash], slash < 0 ? "" : path[(slash + 1)..],
                HttpUtility.ParseQueryString(parts.Length > 1 ? parts[1] : ""));
        }
    }

    private Reply S3(RecordedRequest request)
    {
        var call = S3Call.Parse(request);
        Calls.Add("S3:" + request.Method);
        if (Refusal(request, S3Authorization(call)) is { } denial)
            return S3Error("AccessDenied", denial.Message, 403);
        if (Injected("S3:" + request.Method, out var injected))
            return new Reply(injected.Status, $"<Error><Code>{injected.Code}</Code><Message>Injected</Message></Error>", "application/xml");
        if (request.Method == "DELETE") return DeleteObject(call);
        if (request.Method == "HEAD" && call.Key.Length > 0) return HeadObject(call);
        if (request.Method == "PUT" && call.Key.Length > 0)
        {
            var version = PutObject(call.Bucket, call.Key);
            return new Reply(200, "", "application/xml", version is null ? null : new Dictionary<string, string> { ["x-amz-version-id"] = version });
        }
        if (request.Method == "GET" && call.Key.Length == 0)
        {
            if (call.Has("versions")) return ListObjectVersions(call);
            if (call.Has("versioning"))
                return new Reply(200, new XElement(XName.Get("VersioningConfiguration", S3Namespace),
                    VersionedBuckets.Contains(call.Bucket) ? new XElement(XName.Get("Status", S3Namespace), "Enabled") : null).ToString(), "application/xml");
            if (call.Has("location"))
                return new Reply(200, new XElement(XName.Get("LocationConstraint", S3Namespace)).ToString(), "application/xml");
        }
        return S3Error("NotImplemented", $"{request.Method} {request.PathAndQuery} is not faked", 501);
    }

    private Reply DeleteObject(S3Call call)
    {
        if (!VersionedBuckets.Contains(call.Bucket))
        {
            Objects.Remove(call.Path);
            return new Reply(204, "");
        }
        var versions = Versions(call.Path);
        Dictionary<string, string> headers;
        if (call.VersionId is { } id)
        {
            // Deleting a version that does not exist succeeds, as in S3.
            var removed = versions.FirstOrDefault(v => v.VersionId == id);
            if (removed is not null) versions.Remove(removed);
            headers = new() { ["x-amz-version-id"] = id };
            if (removed is { IsDeleteMarker: true }) headers["x-amz-delete-marker"] = "true";
        }
        else
        {
            var marker = new FakeObjectVersion(NextVersionId(), IsDeleteMarker: true);
            versions.Add(marker);
            headers = new() { ["x-amz-version-id"] = marker.VersionId, ["x-amz-delete-marker"] = "true" };
        }
        if (versions.Count == 0) ObjectVersions.Remove(call.Path);
        if (versions.LastOrDefault() is { IsDeleteMarker: false }) Objects.Add(call.Path);
        else Objects.Remove(call.Path);
        return new Reply(204, "", "application/xml", headers);
    }

    private Reply HeadObject(S3Call call)
    {
        var versioned = VersionedBuckets.Contains(call.Bucket);
        FakeObjectVersion? version = null;
        if (versioned)
        {
            var versions = ObjectVersions.GetValueOrDefault(call.Path) ?? [];
            version = call.VersionId is { } id ? versions.FirstOrDefault(v => v.VersionId == id) : versions.LastOrDefault();
            if (version is null or { IsDeleteMarker: true }) return new Reply(404, "", "application/xml");
        }
        else if (!Objects.Contains(call.Path)) return new Reply(404, "", "application/xml");
        var headers = new Dictionary<string, string> { ["ETag"] = "\"d41d8cd98f00b204e9800998ecf8427e\"", ["Last-Modified"] = "Sun, 22 Nov 2026 12:00:00 GMT" };
        if (version is not null) headers["x-amz-version-id"] = version.VersionId;
        return new Reply(200, "", "application/octet-stream", headers);
    }

    private Reply ListObjectVersions(S3Call call)
    {
        XName S(string name) => XName.Get(name, S3Namespace);
        var prefix = call.Query["prefix"] ?? "";
        bool InBucket(string path) => path.StartsWith(call.Bucket + "/", StringComparison.Ordinal) && path[(call.Bucket.Length + 1)..].StartsWith(prefix, StringComparison.Ordinal);
        // Objects written before versioning (or in an unversioned bucket) list as version "null".
        var unversioned = Objects.Where(o => InBucket(o) && !ObjectVersions.ContainsKey(o))
            .Select(o => KeyValuePair.Create(o, new List<FakeObjectVersion> { new("null", IsDeleteMarker: false) }));
        var entries = ObjectVersions.Where(o => InBucket(o.Key)).Concat(unversioned)
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .SelectMany(o => o.Value.AsEnumerable().Reverse().Select((v, i) => new XElement(S(v.IsDeleteMarker ? "DeleteMarker" : "Version"),
                new XElement(S("Key"), o.Key[(call.Bucket.Length + 1)..]),
                new XElement(S("VersionId"), v.VersionId),
                new XElement(S("IsLatest"), i == 0 ? "true" : "false"),
                new XElement(S("LastModified"), "2026-11-22T12:00:00.000Z"),
                v.IsDeleteMarker ? null : new XElement(S("ETag"), "\"d41d8cd98f00b204e9800998ecf8427e\""),
                v.IsDeleteMarker ? null : new XElement(S("Size"), 0),
                v.IsDeleteMarker ? null : new XElement(S("StorageClass"), "STANDARD"))));
        return new Reply(200, new XElement(S("ListVersionsResult"),
            new XElement(S("Name"), call.Bucket),
            new XElement(S("Prefix"), prefix),
            new XElement(S("MaxKeys"), 1000),
            new XElement(S("IsTruncated"), "false"),
            entries).ToString(), "application/xml");
    }

    private static Reply S3Error(string code, string message, int status) => new(status,
        new XElement("Error", new XElement("Code", code), new XElement("Message", message), new XElement("RequestId", Guid.NewGuid().ToString("N"))).ToString(),
        "application/xml");
}
