namespace ExportConstructs.Fakes.ProviderFramework;

/// <summary>One Invoke a <see cref="LambdaInvokeEndpoint"/> received.</summary>
/// <param name="FunctionName">The FunctionName path parameter, URL-decoded: a name or a full ARN, as the caller gave it.</param>
/// <param name="Payload">The request body, the event the function is invoked with.</param>
/// <param name="InvocationType"><c>X-Amz-Invocation-Type</c>, <c>RequestResponse</c> when absent (Lambda's default).</param>
/// <param name="Qualifier">The <c>Qualifier</c> query parameter, if any.</param>
internal sealed record LambdaInvocation(string FunctionName, string Payload, string InvocationType, string? Qualifier);
