using System.Security.Cryptography;
using System.Text;
using ExportConstructs.Handler.CustomResources;

namespace ExportConstructs.Handler.Exports;

/// <summary>
/// A stable digest of one CloudFormation request. The framework may deliver the same request
/// more than once; the digest lets the handler recognise the export it already started
/// (as EC2's ClientToken, and as a tag on AppStream tasks, which have no token).
/// </summary>
public static class RequestFingerprint
{
    /// <summary>64 lower-case hex characters (EC2 ClientToken allows 64 ASCII characters).</summary>
    public static string Of(CustomResourceRequest request)
    {
        var input = $"{request.StackId}\n{request.LogicalResourceId}\n{request.RequestId}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input)));
    }
}
