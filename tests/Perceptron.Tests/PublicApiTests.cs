// The public surface of the C# facade (Perceptron.Facade), recorded one signature per line and
// compared with PublicApi.approved.txt, so that an API change is seen in review; and a check that
// no F# or core type leaks into a public signature.
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Xunit;

namespace Perceptron.Tests;

public class PublicApiTests
{
    private static readonly Assembly Facade = typeof(Classifier).Assembly;

    private const string ApprovedFile = "PublicApi.approved.txt";
    private const string ReceivedFile = "PublicApi.received.txt";

    [Fact]
    public void The_facade_assembly_is_Perceptron_Facade() => Assert.Equal("Perceptron.Facade", Facade.GetName().Name);

    [Fact]
    public void The_public_surface_matches_the_approved_file() =>
        Approve(PublicApi.Surface(Facade), Facade.GetName().Name!, ApprovedFile, ReceivedFile);

    /// <summary>
    /// Fails, listing the difference, unless <paramref name="received"/> equals the approved file's lines; the
    /// received surface is then written beside it, to be copied over the approved file when the change is meant.
    /// </summary>
    internal static void Approve(IReadOnlyList<string> received, string assemblyName, string approvedFile, string receivedFile)
    {
        var directory = SourceDirectory();
        var approvedPath = Path.Combine(directory, approvedFile);
        var receivedPath = Path.Combine(directory, receivedFile);
        var approved = File.Exists(approvedPath)
            ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            : [];

        if (received.SequenceEqual(approved))
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, string.Join("\n", received) + "\n");
        var added = received.Except(approved).ToList();
        var removed = approved.Except(received).ToList();
        var message = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"The public API of {assemblyName} differs from {approvedFile}: {added.Count} lines added, {removed.Count} removed.");
        foreach (var line in removed)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
        }

        foreach (var line in added)
        {
            message.AppendLine(CultureInfo.InvariantCulture, $"+ {line}");
        }

        message
            .AppendLine(CultureInfo.InvariantCulture, $"The new surface is in {receivedPath}.")
            .AppendLine("If the change is intended, approve it by copying the received file over the approved one and committing it:")
            .AppendLine(CultureInfo.InvariantCulture, $"  cp {receivedPath} {approvedPath}");
        Assert.Fail(message.ToString());
    }

    /// <summary>
    /// Text that must not occur in a public signature of the facade (DESIGN.md, "The C# facade").
    /// C# value tuples are idiomatic at the boundary (STYLE.md); System.Tuple, which F# tuples compile to, is not.
    /// </summary>
    private static readonly string[] Forbidden =
        ["FSharpList", "FSharpOption", "FSharpFunc", "Microsoft.FSharp", "System.Tuple", "Perceptron.Core."];

    [Fact]
    public void No_public_signature_mentions_an_FSharp_tuple_or_core_type()
    {
        var leaks = PublicApi.Surface(Facade)
            .Where(line => Forbidden.Any(word => line.Contains(word, StringComparison.Ordinal)))
            .ToList();

        Assert.True(leaks.Count == 0, "Public signatures that leak F# or core types:\n" + string.Join("\n", leaks));
    }

    [Fact]
    public void No_type_in_a_public_signature_comes_from_FSharp_Core_or_Perceptron_Core()
    {
        var leaks = PublicApi.SignatureTypes(Facade)
            .Where(t => IsForbidden(t.Type))
            .Select(t => $"{t.Where}: {t.Type.FullName}")
            .Distinct()
            .ToList();

        Assert.True(leaks.Count == 0, "Public signatures that use F# or core types:\n" + string.Join("\n", leaks));
    }

    private static bool IsForbidden(Type type) =>
        type.Assembly.GetName().Name is "FSharp.Core" or "Perceptron.Core"
        || (type.Namespace == "System" && type.Name.StartsWith("Tuple", StringComparison.Ordinal));

    [Fact]
    public void The_leak_checks_find_the_F_sharp_types_of_the_core()
    {
        // The core is F#: its surface must trip both checks, or the checks above could never fail.
        var core = Facade.GetReferencedAssemblies().Single(a => a.Name == "Perceptron.Core");
        var coreAssembly = Assembly.Load(core);

        var lines = PublicApi.Surface(coreAssembly);

        Assert.Contains(lines, line => line.Contains("FSharpList", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("FSharpOption", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("FSharpFunc", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("System.Tuple", StringComparison.Ordinal));
        Assert.Contains(PublicApi.SignatureTypes(coreAssembly), t => IsForbidden(t.Type));
    }

    [Fact]
    public void Every_public_type_is_in_the_Perceptron_namespace() =>
        Assert.All(Facade.GetExportedTypes(), t => Assert.Equal("Perceptron", t.Namespace));

    [Fact]
    public void The_surface_lists_known_members_with_nullability_and_defaults()
    {
        var lines = PublicApi.Surface(Facade);

        Assert.Contains(
            "Perceptron.Classifier: public static Perceptron.Classifier Train(double[,] features, int[] labels, "
            + "Perceptron.TrainingOptions? options = null, System.IProgress<Perceptron.TrainingProgress>? progress = null, "
            + "System.Threading.CancellationToken cancellationToken = default)",
            lines);
        Assert.Contains("Perceptron.TrainingOptions: public int? BatchSize { get; init; }", lines);
        Assert.Contains("Perceptron.Evaluation: public required double Accuracy { get; init; }", lines);
        Assert.Contains("Perceptron.GradientCheck: public const double Threshold = 1E-06", lines);
        Assert.Contains("Perceptron.StopReason: EarlyStopped = 1", lines);
        Assert.Equal(lines.OrderBy(l => l, StringComparer.Ordinal), lines);
        Assert.Equal(lines.Distinct(), lines);
    }

    /// <summary>The directory of this source file, where the approved file lives.</summary>
    private static string SourceDirectory([CallerFilePath] string sourceFile = "")
    {
        var fromSource = Path.GetDirectoryName(sourceFile);
        if (fromSource is not null && File.Exists(Path.Combine(fromSource, nameof(PublicApiTests) + ".cs")))
        {
            return fromSource;
        }

        // A build with a path map hides the source path: look upwards from the test output instead.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Perceptron.Tests");
            if (File.Exists(Path.Combine(candidate, nameof(PublicApiTests) + ".cs")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"tests/Perceptron.Tests was not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>Renders the public (and protected) surface of an assembly as sorted lines, one per type and member.</summary>
internal static class PublicApi
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static IReadOnlyList<string> Surface(Assembly assembly)
    {
        var context = new NullabilityInfoContext();
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            var owner = Name(type);
            lines.Add($"{owner}: {TypeDeclaration(type)}");
            // Names with '@' are the F# compiler's (e.g. inlined helpers of a Debug build), not API.
            foreach (var member in type.GetMembers(Declared).Where(m => !m.Name.Contains('@', StringComparison.Ordinal)))
            {
                if (Member(member, context) is string line)
                {
                    lines.Add($"{owner}: {line}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>Every type that occurs in a public signature (with generic arguments and element types), and where.</summary>
    public static IEnumerable<(string Where, Type Type)> SignatureTypes(Assembly assembly)
    {
        foreach (var type in assembly.GetExportedTypes())
        {
            var owner = Name(type);
            var direct = new List<Type>();
            if (type.BaseType is not null)
            {
                direct.Add(type.BaseType);
            }

            direct.AddRange(type.GetInterfaces());
            foreach (var t in direct.SelectMany(Expand))
            {
                yield return (owner, t);
            }

            foreach (var member in type.GetMembers(Declared).Where(IsVisible))
            {
                var types = member switch
                {
                    MethodBase m => m.GetParameters().Select(p => p.ParameterType)
                        .Concat(m is MethodInfo mi ? [mi.ReturnType] : []),
                    PropertyInfo p => p.GetIndexParameters().Select(i => i.ParameterType).Append(p.PropertyType),
                    FieldInfo f => [f.FieldType],
                    EventInfo e => e.EventHandlerType is Type h ? [h] : [],
                    Type nested => [nested],
                    _ => [],
                };
                foreach (var t in types.SelectMany(Expand))
                {
                    yield return ($"{owner}.{member.Name}", t);
                }
            }
        }
    }

    private static IEnumerable<Type> Expand(Type type)
    {
        yield return type;
        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType()!))
            {
                yield return t;
            }
        }

        if (type.IsGenericType)
        {
            foreach (var t in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return t;
            }
        }
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly,
        FieldInfo f => f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly,
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(IsVisible),
        EventInfo e => e.AddMethod is MethodInfo add && IsVisible(add),
        Type t => t.IsNestedPublic || t.IsNestedFamily || t.IsNestedFamORAssem,
        _ => false,
    };

    private static string Access(MethodBase m) => m.IsPublic ? "public" : m.IsFamilyOrAssembly ? "protected internal" : "protected";

    private static string Access(FieldInfo f) => f.IsPublic ? "public" : f.IsFamilyOrAssembly ? "protected internal" : "protected";

    private static string? Member(MemberInfo member, NullabilityInfoContext context)
    {
        if (!IsVisible(member))
        {
            return null;
        }

        switch (member)
        {
            case ConstructorInfo c:
                return $"{Access(c)} {(c.IsStatic ? "static " : "")}ctor({Parameters(c, context)})";

            case MethodInfo m when m.IsSpecialName && (m.Name.StartsWith("get_", StringComparison.Ordinal)
                || m.Name.StartsWith("set_", StringComparison.Ordinal)
                || m.Name.StartsWith("add_", StringComparison.Ordinal)
                || m.Name.StartsWith("remove_", StringComparison.Ordinal)):
                return null; // shown with their property or event

            case MethodInfo m:
                var generic = m.IsGenericMethodDefinition
                    ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">"
                    : "";
                return $"{Access(m)}{Modifiers(m)} {Name(m.ReturnType, context.Create(m.ReturnParameter))} "
                    + $"{m.Name}{generic}({Parameters(m, context)})";

            case PropertyInfo p:
                var accessors = p.GetAccessors(nonPublic: true).Where(IsVisible).ToList();
                var first = accessors[0];
                var required = p.IsDefined(typeof(RequiredMemberAttribute)) ? " required" : "";
                var indexer = p.GetIndexParameters().Length > 0
                    ? $"this[{string.Join(", ", p.GetIndexParameters().Select(i => Parameter(i, context)))}]"
                    : p.Name;
                var parts = new List<string>();
                if (p.GetMethod is MethodInfo get && IsVisible(get))
                {
                    parts.Add(AccessorAccess(get, first) + "get;");
                }

                if (p.SetMethod is MethodInfo set && IsVisible(set))
                {
                    var init = set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
                    parts.Add(AccessorAccess(set, first) + (init ? "init;" : "set;"));
                }

                return $"{Access(first)}{Modifiers(first)}{required} {Name(p.PropertyType, context.Create(p))} {indexer} {{ {string.Join(" ", parts)} }}";

            case FieldInfo f when f.DeclaringType!.IsEnum:
                return f.IsStatic
                    ? $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)}"
                    : null;

            case FieldInfo f:
                var kind = f.IsLiteral ? " const" : (f.IsStatic ? " static" : "") + (f.IsInitOnly ? " readonly" : "");
                var value = f.IsLiteral ? " = " + Literal(f.GetRawConstantValue()) : "";
                return $"{Access(f)}{kind} {Name(f.FieldType, context.Create(f))} {f.Name}{value}";

            case EventInfo e:
                return $"{Access(e.AddMethod!)}{Modifiers(e.AddMethod!)} event {Name(e.EventHandlerType!)} {e.Name}";

            default:
                return null; // nested types have lines of their own
        }
    }

    private static string AccessorAccess(MethodInfo accessor, MethodInfo first) =>
        Access(accessor) == Access(first) ? "" : Access(accessor) + " ";

    private static string Modifiers(MethodInfo m)
    {
        if (m.IsStatic)
        {
            return " static";
        }

        if (m.IsAbstract)
        {
            return " abstract";
        }

        if (!m.IsVirtual || (m.IsFinal && m.GetBaseDefinition() == m))
        {
            return "";
        }

        var isOverride = m.GetBaseDefinition().DeclaringType != m.DeclaringType;
        return (m.IsFinal ? " sealed" : "") + (isOverride ? " override" : " virtual");
    }

    private static string Parameters(MethodBase method, NullabilityInfoContext context) =>
        string.Join(", ", method.GetParameters().Select(p => Parameter(p, context)));

    private static string Parameter(ParameterInfo p, NullabilityInfoContext context)
    {
        var type = p.ParameterType;
        var prefix = "";
        if (type.IsByRef)
        {
            prefix = p.IsOut ? "out " : p.IsIn ? "in " : "ref ";
            type = type.GetElementType()!;
        }
        else if (p.IsDefined(typeof(ParamArrayAttribute)))
        {
            prefix = "params ";
        }

        var text = $"{prefix}{Name(type, context.Create(p))} {p.Name}";
        if (p.HasDefaultValue)
        {
            text += " = " + (p.RawDefaultValue is null && type.IsValueType && Nullable.GetUnderlyingType(type) is null
                ? "default"
                : Literal(p.RawDefaultValue));
        }

        return text;
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string TypeDeclaration(Type type)
    {
        string kind;
        if (type.IsEnum)
        {
            kind = $"enum : {Name(Enum.GetUnderlyingType(type))}";
            return $"public {kind}";
        }

        if (type.IsInterface)
        {
            kind = "interface";
        }
        else if (type.IsValueType)
        {
            kind = (type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly " : "") + "struct";
        }
        else if (typeof(Delegate).IsAssignableFrom(type))
        {
            kind = "delegate";
        }
        else if (type.IsAbstract && type.IsSealed)
        {
            kind = "static class";
        }
        else
        {
            kind = (type.IsAbstract ? "abstract " : type.IsSealed ? "sealed " : "") + "class";
        }

        var generic = type.IsGenericTypeDefinition
            ? "<" + string.Join(", ", type.GetGenericArguments().Select(a => a.Name)) + ">"
            : "";
        var bases = new List<string>();
        if (type.BaseType is Type b && b != typeof(object) && b != typeof(ValueType) && b != typeof(MulticastDelegate))
        {
            bases.Add(Name(b));
        }

        bases.AddRange(type.GetInterfaces().Select(i => Name(i)).Order(StringComparer.Ordinal));
        return $"public {kind}{generic}" + (bases.Count > 0 ? " : " + string.Join(", ", bases) : "");
    }

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void",
        [typeof(object)] = "object",
        [typeof(string)] = "string",
        [typeof(bool)] = "bool",
        [typeof(byte)] = "byte",
        [typeof(char)] = "char",
        [typeof(short)] = "short",
        [typeof(int)] = "int",
        [typeof(long)] = "long",
        [typeof(float)] = "float",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
    };

    /// <summary>A type as C# would write it, with namespaces, and "?" where the nullability annotations say so.</summary>
    public static string Name(Type type, NullabilityInfo? nullability = null)
    {
        if (Nullable.GetUnderlyingType(type) is Type underlying)
        {
            return Name(underlying, nullability?.GenericTypeArguments.FirstOrDefault()) + "?";
        }

        var suffix = !type.IsValueType && nullability?.ReadState == NullabilityState.Nullable ? "?" : "";
        if (type.IsArray)
        {
            var rank = type.GetArrayRank();
            return Name(type.GetElementType()!, nullability?.ElementType) + "[" + new string(',', rank - 1) + "]" + suffix;
        }

        if (type.IsGenericParameter)
        {
            return type.Name + suffix;
        }

        if (Keywords.TryGetValue(type, out var keyword))
        {
            return keyword + suffix;
        }

        var name = type.IsNested ? Name(type.DeclaringType!) + "." + type.Name : $"{type.Namespace}.{type.Name}";
        if (type.IsGenericType)
        {
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            if (tick >= 0)
            {
                name = name[..tick];
            }

            var arguments = type.GetGenericArguments();
            var argumentNullability = nullability?.GenericTypeArguments;
            name += "<" + string.Join(", ", arguments.Select((a, i) =>
                Name(a, argumentNullability is { Length: > 0 } n && i < n.Length ? n[i] : null))) + ">";
        }

        return name + suffix;
    }
}
