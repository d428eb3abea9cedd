using Mono.Cecil;
using Mono.Cecil.Cil;

namespace Nabla.Tests.Architecture;

/// <summary>
/// Reads an assembly's IL with Mono.Cecil and lists every type it references — in base types, interfaces, fields,
/// signatures, attributes, generic arguments, local variables and every instruction operand — grouped by the
/// "room" (namespace under a root, e.g. <c>Nabla.Layers</c> → Layers; the root namespace itself is Tensors) of the
/// referencing type. Compiler-generated nested types (lambdas, iterators, fixed buffers) count for the type
/// that declares them.
/// </summary>
public static class DependencyRules
{
    /// <summary>One forbidden reference: from a type in room <c>From</c> to a type in room <c>To</c>.</summary>
    public sealed record Violation(string From, string FromType, string To, string ToType)
    {
        /// <inheritdoc/>
        public override string ToString() => $"{From} → {To}: {FromType} uses {ToType}";
    }

    /// <summary>The room of a full type name under <paramref name="root"/>: the first namespace segment after it, "Tensors" for the root itself, null outside.</summary>
    public static string? Room(string? ns, string root, string rootRoom = "Tensors")
    {
        if (ns is null) return null;
        if (ns == root) return rootRoom;
        if (!ns.StartsWith(root + ".", StringComparison.Ordinal)) return null;
        var rest = ns[(root.Length + 1)..];
        int dot = rest.IndexOf('.');
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>Every (referencing type, referenced type full name) pair in <paramref name="assemblyPath"/>, for types in namespaces under <paramref name="root"/>.</summary>
    public static IEnumerable<(TypeDefinition From, string ToNamespace, string ToName)> References(string assemblyPath, string root)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        foreach (var type in module.GetTypes())
        {
            var outer = type;
            while (outer.DeclaringType is not null) outer = outer.DeclaringType;
            if (Room(outer.Namespace, root) is null) continue;
            var seen = new HashSet<string>();
            foreach (var r in TypesUsedBy(type))
            {
                var (ns, name) = NameOf(r);
                if (ns is null || !seen.Add(ns + "." + name)) continue;
                yield return (outer, ns, name);
            }
        }
    }

    /// <summary>The references of <paramref name="assemblyPath"/> that break <paramref name="allowed"/> (room → rooms it may use; a room not listed may use any).</summary>
    public static List<Violation> Check(string assemblyPath, string root, IReadOnlyDictionary<string, string[]> allowed,
        Func<TypeDefinition, string, bool>? exception = null)
    {
        var violations = new List<Violation>();
        foreach (var (from, ns, name) in References(assemblyPath, root))
        {
            string fromRoom = Room(from.Namespace, root)!;
            string? toRoom = Room(ns, root);
            if (toRoom is null || toRoom == fromRoom) continue;
            if (!allowed.TryGetValue(fromRoom, out var ok) || ok.Contains(toRoom)) continue;
            if (exception?.Invoke(from, toRoom) == true) continue;
            violations.Add(new Violation(fromRoom, from.FullName, toRoom, ns + "." + name));
        }
        return violations.Distinct().ToList();
    }

    /// <summary>Types in namespaces under <paramref name="root"/> that use any type of namespace <paramref name="forbiddenNamespace"/> or named <paramref name="forbiddenType"/>.</summary>
    public static List<string> Uses(string assemblyPath, string root, string forbiddenType) =>
        References(assemblyPath, root).Where(r => r.ToNamespace + "." + r.ToName == forbiddenType)
            .Select(r => $"{r.From.FullName} uses {forbiddenType}").Distinct().ToList();

    /// <summary>
    /// Types in <paramref name="rooms"/> that hold pointers or pin memory (unsafe code: pointer or function-pointer fields,
    /// parameters, returns or locals, pinned locals) or use a SIMD intrinsic type (System.Runtime.Intrinsics).
    /// </summary>
    public static List<string> LowLevelCode(string assemblyPath, string root, params string[] rooms)
    {
        var found = new List<string>();
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        foreach (var type in module.GetTypes())
        {
            var outer = type;
            while (outer.DeclaringType is not null) outer = outer.DeclaringType;
            if (!rooms.Contains(Room(outer.Namespace, root))) continue;
            static bool Unsafe(TypeReference t) => t.IsPointer || t.IsFunctionPointer || (t is TypeSpecification s && Unsafe(s.ElementType));
            foreach (var f in type.Fields) if (Unsafe(f.FieldType)) found.Add($"{outer.FullName}: pointer field {f.Name}");
            foreach (var m in type.Methods)
            {
                if (Unsafe(m.ReturnType) || m.Parameters.Any(p => Unsafe(p.ParameterType))) found.Add($"{outer.FullName}: pointer in the signature of {m.Name}");
                if (m.HasBody && m.Body.Variables.Any(v => v.VariableType.IsPinned || Unsafe(v.VariableType))) found.Add($"{outer.FullName}: pointer or pinned local in {m.Name}");
            }
        }
        foreach (var (from, ns, name) in References(assemblyPath, root))
            if (rooms.Contains(Room(from.Namespace, root)) && ns.StartsWith("System.Runtime.Intrinsics", StringComparison.Ordinal))
                found.Add($"{from.FullName}: uses {ns}.{name}");
        return found.Distinct().ToList();
    }

    private static (string? Ns, string Name) NameOf(TypeReference t)
    {
        while (t.IsNested && t.DeclaringType is not null) t = t.DeclaringType;
        return (t.Namespace, t.Name);
    }

    private static IEnumerable<TypeReference> TypesUsedBy(TypeDefinition type)
    {
        if (type.BaseType is not null) foreach (var t in Expand(type.BaseType)) yield return t;
        foreach (var i in type.Interfaces) foreach (var t in Expand(i.InterfaceType)) yield return t;
        foreach (var a in type.CustomAttributes) foreach (var t in Attribute(a)) yield return t;
        foreach (var g in type.GenericParameters) foreach (var c in g.Constraints) foreach (var t in Expand(c.ConstraintType)) yield return t;
        foreach (var f in type.Fields)
        {
            foreach (var t in Expand(f.FieldType)) yield return t;
            foreach (var a in f.CustomAttributes) foreach (var t in Attribute(a)) yield return t;
        }
        foreach (var p in type.Properties)
        {
            foreach (var t in Expand(p.PropertyType)) yield return t;
            foreach (var a in p.CustomAttributes) foreach (var t in Attribute(a)) yield return t;
        }
        foreach (var e in type.Events) foreach (var t in Expand(e.EventType)) yield return t;
        foreach (var m in type.Methods)
        {
            foreach (var t in Expand(m.ReturnType)) yield return t;
            foreach (var p in m.Parameters) foreach (var t in Expand(p.ParameterType)) yield return t;
            foreach (var a in m.CustomAttributes) foreach (var t in Attribute(a)) yield return t;
            foreach (var g in m.GenericParameters) foreach (var c in g.Constraints) foreach (var t in Expand(c.ConstraintType)) yield return t;
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) foreach (var t in Expand(v.VariableType)) yield return t;
            foreach (var ins in m.Body.Instructions)
            {
                switch (ins.Operand)
                {
                    case TypeReference tr:
                        foreach (var t in Expand(tr)) yield return t;
                        break;
                    case MethodReference mr:
                        foreach (var t in Expand(mr.DeclaringType)) yield return t;
                        foreach (var t in Expand(mr.ReturnType)) yield return t;
                        foreach (var p in mr.Parameters) foreach (var t in Expand(p.ParameterType)) yield return t;
                        if (mr is GenericInstanceMethod gim) foreach (var ga in gim.GenericArguments) foreach (var t in Expand(ga)) yield return t;
                        break;
                    case FieldReference fr:
                        foreach (var t in Expand(fr.DeclaringType)) yield return t;
                        foreach (var t in Expand(fr.FieldType)) yield return t;
                        break;
                    case CallSite cs:
                        foreach (var t in Expand(cs.ReturnType)) yield return t;
                        foreach (var p in cs.Parameters) foreach (var t in Expand(p.ParameterType)) yield return t;
                        break;
                }
            }
        }
    }

    private static IEnumerable<TypeReference> Attribute(CustomAttribute a)
    {
        foreach (var t in Expand(a.AttributeType)) yield return t;
        foreach (var arg in a.ConstructorArguments)
            if (arg.Value is TypeReference tr) foreach (var t in Expand(tr)) yield return t;
    }

    /// <summary>A type and what it is made of: element types of arrays, pointers and by-refs, and generic arguments.</summary>
    private static IEnumerable<TypeReference> Expand(TypeReference? t)
    {
        if (t is null || t is GenericParameter) yield break;
        switch (t)
        {
            case GenericInstanceType git:
                foreach (var x in Expand(git.ElementType)) yield return x;
                foreach (var ga in git.GenericArguments) foreach (var x in Expand(ga)) yield return x;
                yield break;
            case FunctionPointerType fp:
                foreach (var x in Expand(fp.ReturnType)) yield return x;
                foreach (var p in fp.Parameters) foreach (var x in Expand(p.ParameterType)) yield return x;
                yield break;
            case TypeSpecification spec: // arrays, pointers, by-ref, modifiers
                foreach (var x in Expand(spec.ElementType)) yield return x;
                yield break;
        }
        yield return t;
    }
}
