namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// Decides, for <see cref="FakeAws"/>, whether a principal may do what a request asks. A seam so
/// that a test can give the fake the handler role's real policies (see <see cref="PolicyAuthorizer"/>)
/// or a hand-written rule.
/// </summary>
internal interface IAuthorizer
{
    /// <summary>Decides one IAM request of <paramref name="principal"/> (the access key id that signed the call).</summary>
    IamDecision Authorize(string principal, IamRequest request);
}
