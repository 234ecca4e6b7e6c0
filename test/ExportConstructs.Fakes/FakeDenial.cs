namespace ExportConstructs.Fakes;

/// <summary>
/// A call <see cref="FakeAws.Authorizer"/> refused: who, which IAM action on which resource, and
/// the evaluator's reason (the statement that denied, or that none allowed).
/// </summary>
internal sealed record FakeDenial(string Principal, string Action, string Resource, string Explanation)
{
    /// <summary>The sentence AWS puts in the error it answers with.</summary>
    public string Message => $"User: {Principal} is not authorized to perform: {Action} on resource: {Resource}";
}
