using System.Reflection;
using System.Text;
using ExportConstructs.Fakes;
using ExportConstructs.Tests.Fakes;

namespace ExportConstructs.Tests.Packaging;

/// <summary>
/// The package's public API (the library and the contract it carries), pinned in
/// <c>PublicApi.approved.txt</c>: a change to it fails here until the file is updated with it, so
/// every change to what users compile against is deliberate and shows in review. To accept one,
/// run this test with EXPORTCONSTRUCTS_ACCEPT_API=1 and commit the file.
/// </summary>
public sealed class PublicApiTests
{
    private static readonly string Approved = Path.Combine(Repo.Root, "test", "ExportConstructs.Tests", "Packaging", "PublicApi.approved.txt");

    [Fact]
    public void PublicApi_ShouldBeTheApprovedOne()
    {
        var actual = Describe(typeof(ExportedVmImage).Assembly) + Describe(typeof(Contract.ResourceTypes).Assembly);

        if (Environment.GetEnvironmentVariable("EXPORTCONSTRUCTS_ACCEPT_API") == "1") File.WriteAllText(Approved, actual);

        Assert.True(File.Exists(Approved), $"{Approved} is missing; run this test with EXPORTCONSTRUCTS_ACCEPT_API=1 to write it.");
        Assert.Equal(File.ReadAllText(Approved), actual);
    }

    private static string Describe(Assembly assembly)
    {
        var text = new StringBuilder($"assembly {assembly.GetName().Name}\n");
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var bases = new[] { type.BaseType }.Where(b => b is not null && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum))
                .Concat(type.GetInterfaces().Where(i => i.IsPublic)).Select(b => b!.Name).Order(StringComparer.Ordinal);
            text.Append($"{Kind(type)} {type.FullName}{(bases.Any() ? " : " + string.Join(", ", bases) : "")}\n");
            const BindingFlags declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = type.GetMembers(declared)
                .Where(m => m is not MethodInfo { IsSpecialName: true } && !(type.IsEnum && m.Name == "value__"))
                .Select(Member).Order(StringComparer.Ordinal);
            foreach (var member in members) text.Append($"  {member}\n");
        }
        return text.ToString();
    }

    private static string Kind(Type t) => t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsValueType ? "struct" : t.IsAbstract && t.IsSealed ? "static class" : "class";

    private static string Member(MemberInfo m) => m switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo x => $"{(x.IsStatic ? "static " : "")}{Name(x.ReturnType)} {x.Name}({Parameters(x)})",
        PropertyInfo p => $"{(p.GetMethod?.IsStatic == true ? "static " : "")}{Name(p.PropertyType)} {p.Name} {{{(p.GetMethod?.IsPublic == true ? " get;" : "")}{(p.SetMethod?.IsPublic == true ? " set;" : "")} }}",
        FieldInfo f => $"{(f.IsLiteral ? "const " : f.IsStatic ? "static " : "")}{Name(f.FieldType)} {f.Name}",
        EventInfo e => $"event {Name(e.EventHandlerType!)} {e.Name}",
        Type nested => $"nested {nested.Name}",
        _ => m.ToString()!,
    };

    private static string Parameters(MethodBase m) => string.Join(", ", m.GetParameters().Select(p => $"{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : "")}"));

    private static string Name(Type t) =>
        t.IsGenericType ? $"{t.Name[..t.Name.IndexOf('`')]}<{string.Join(", ", t.GetGenericArguments().Select(Name))}>" : t.IsArray ? Name(t.GetElementType()!) + "[]" : t.Name;
}
