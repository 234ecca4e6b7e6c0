using Amazon.CDK;
using Constructs;

namespace ExportConstructs;

/// <summary>
/// Calls whose .NET signature changed between the Amazon.CDK.Lib releases this library supports
/// (2.160.0 to the newest), made so that one build binds to either shape. A direct call compiled
/// against 2.160 fails under a newer release with MissingMethodException (aws-facts §8); the
/// compatibility tests (Packaging/PackageConsumerTests) synthesize on both ends of the range.
/// </summary>
internal static class CdkCompat
{
    /// <summary>
    /// <c>Aspects.Of(scope).Add(aspect)</c>. Newer releases added an optional second parameter
    /// (aspect options), which changes the method's .NET signature; it takes its default here.
    /// </summary>
    public static void AddAspect(IConstruct scope, IAspect aspect) =>
        AspectsAdd.Method.Invoke(Aspects.Of(scope), [aspect, .. AspectsAdd.Defaults]);

    // Found once (every export adds an aspect): the Add whose first parameter is the aspect, and the defaults of the rest.
    private static readonly (System.Reflection.MethodInfo Method, object?[] Defaults) AspectsAdd = FindAspectsAdd();

    private static (System.Reflection.MethodInfo, object?[]) FindAspectsAdd()
    {
        var add = typeof(Aspects).GetMethods().First(m => m.Name == nameof(Aspects.Add) && m.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(IAspect));
        return (add, [.. add.GetParameters().Skip(1).Select(p => p.HasDefaultValue ? p.DefaultValue : null)]);
    }
}
