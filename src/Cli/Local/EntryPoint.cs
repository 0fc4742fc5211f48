using System.Reflection;
using System.Text.RegularExpressions;

namespace StormSharp.Cli.Local;

/// <summary>The Main method to run and the arguments it gets.</summary>
internal sealed partial record EntryPoint(MethodInfo Method, string[] Arguments)
{
    /// <summary>How the method is named in messages: Namespace.Type.Main.</summary>
    public string DisplayName => Describe(Method);

    /// <summary>
    /// Chooses Main: when the first argument names a type of <paramref name="types"/> (full or simple name), that
    /// type's static Main(string[]) or Main(); otherwise the assembly's entry point; otherwise the single public static
    /// Main of a public type. The arguments left over go to Main. A first argument that looks like a type name (a
    /// dotted name, or one identifier starting with a capital) but names none is an error listing the candidates,
    /// since it is most likely a mistyped type; unless <paramref name="firstMayNameType"/> is false (it came after
    /// <c>--</c>), in which case it goes to Main unexamined.
    /// </summary>
    public static EntryPoint Find(
        IReadOnlyList<Type> types, MethodInfo? assemblyEntryPoint, IReadOnlyList<string> arguments, string assemblyName, bool firstMayNameType = true)
    {
        if (arguments.Count > 0 && firstMayNameType)
        {
            var name = arguments[0];
            var named = types.Where(t => Matches(t, name)).ToList();
            if (named.Count > 1)
            {
                throw CliException.BadInput(
                    $"local: '{name}' names {named.Count} types in {assemblyName} ({string.Join(", ", named.Select(DisplayNameOf).Order(StringComparer.Ordinal))}); give the full name");
            }

            if (named.Count == 1)
            {
                var main = MainOf(named[0]) ?? throw CliException.BadInput(
                    $"local: type {DisplayNameOf(named[0])} has no static Main(string[]) or Main(); {Candidates(types)}");
                return new EntryPoint(main, [.. arguments.Skip(1)]);
            }

            if (LooksLikeTypeName(name))
            {
                throw CliException.BadInput(
                    $"local: no type '{name}' in {assemblyName}{DidYouMean(types, name)}; {Candidates(types)} (to pass '{name}' to Main instead, put it after --)");
            }
        }

        if (assemblyEntryPoint is not null)
        {
            return new EntryPoint(assemblyEntryPoint, [.. arguments]);
        }

        var mains = PublicMains(types);
        return mains.Count switch
        {
            1 => new EntryPoint(mains[0], [.. arguments]),
            0 => throw CliException.BadInput($"local: {assemblyName} has no entry point and no public static Main(string[]) or Main() in a public type"),
            _ => throw CliException.BadInput(
                $"local: {assemblyName} has {mains.Count} public static Main methods; name the type to run, one of: {string.Join(", ", mains.Select(m => DisplayNameOf(m.DeclaringType!)).Order(StringComparer.Ordinal))}"),
        };
    }

    /// <summary>Every type of <paramref name="assembly"/> that could be loaded.</summary>
    public static IReadOnlyList<Type> TypesOf(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return [.. e.Types.OfType<Type>()];
        }
    }

    /// <summary>The static Main(string[]) of <paramref name="type"/>, else its static Main(), else null.</summary>
    internal static MethodInfo? MainOf(Type type)
    {
        MethodInfo? noArgs = null;
        foreach (var m in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
        {
            if (m.Name != "Main" || m.IsGenericMethodDefinition || !HasRunnableReturn(m))
            {
                continue;
            }

            var p = m.GetParameters();
            if (p.Length == 1 && p[0].ParameterType == typeof(string[]))
            {
                return m;
            }

            if (p.Length == 0)
            {
                noArgs = m;
            }
        }

        return noArgs;
    }

    private static bool HasRunnableReturn(MethodInfo m) =>
        m.ReturnType == typeof(void) || m.ReturnType == typeof(int) || m.ReturnType == typeof(Task) || m.ReturnType == typeof(Task<int>);

    private static List<MethodInfo> PublicMains(IReadOnlyList<Type> types)
    {
        var result = new List<MethodInfo>();
        foreach (var t in types)
        {
            if (!t.IsVisible || t.ContainsGenericParameters)
            {
                continue;
            }

            var main = MainOf(t);
            if (main is not null && main.IsPublic)
            {
                result.Add(main);
            }
        }

        return result;
    }

    private static string Candidates(IReadOnlyList<Type> types)
    {
        var withMain = types.Where(t => !t.ContainsGenericParameters && MainOf(t) is not null).Select(DisplayNameOf).Order(StringComparer.Ordinal).ToList();
        return withMain.Count == 0 ? "no type in it has a static Main" : "types with a static Main: " + string.Join(", ", withMain);
    }

    private static string DidYouMean(IReadOnlyList<Type> types, string name)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var t in types)
        {
            if (t.ContainsGenericParameters || IsCompilerGenerated(t) || MainOf(t) is null)
            {
                continue;
            }

            var candidate = name.Contains('.', StringComparison.Ordinal) ? DisplayNameOf(t) : t.Name;
            var distance = EditDistance(name, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (DisplayNameOf(t), distance);
            }
        }

        // A few typos, not a different name altogether.
        return best is not null && bestDistance <= Math.Max(2, name.Length / 4) ? $" (did you mean {best}?)" : string.Empty;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static bool Matches(Type type, string name) =>
        type.FullName is { } full && (full == name || full.Replace('+', '.') == name) || type.Name == name && !IsCompilerGenerated(type);

    private static bool IsCompilerGenerated(Type type) => type.Name.Contains('<', StringComparison.Ordinal);

    private static bool LooksLikeTypeName(string s) => QualifiedName().IsMatch(s);

    private static string DisplayNameOf(Type type) => (type.FullName ?? type.Name).Replace('+', '.');

    private static string Describe(MethodInfo m) => DisplayNameOf(m.DeclaringType!) + "." + m.Name;

    // Namespace.Type, or a Type alone: identifiers starting with capitals, as .NET names types, which a file name,
    // number, option or lower-case word is unlikely to be.
    [GeneratedRegex(@"^[A-Z_][A-Za-z0-9_]*(\.[A-Z_][A-Za-z0-9_]*)*$")]
    private static partial Regex QualifiedName();
}
