namespace ExportConstructs.Fakes.Iam;

/// <summary>
/// The outcome of <see cref="IamEvaluator.Evaluate"/>, with a sentence a failing test can print: it
/// names the action and resource, and the statement that decided (or that none allowed it, and
/// which statements came close and why their conditions failed).
/// </summary>
/// <param name="Allowed">True only when some statement allows and none denies.</param>
/// <param name="Explanation">Why, naming action, resource and statement.</param>
internal sealed record IamDecision(bool Allowed, string Explanation);
