using System.Buffers.Binary;
using System.Text;

namespace Nabla.IO;

/// <summary>
/// Reads the book's pickled weights (a dict of NumPy arrays, e.g. <c>sample_weight.pkl</c>) without Python.
/// This is not a general unpickler: it interprets only the opcodes such files use and only the globals
/// that rebuild NumPy arrays (<c>numpy.core.multiarray._reconstruct</c>, <c>numpy.ndarray</c>,
/// <c>numpy.dtype</c>, and <c>_codecs.encode</c> for protocol-2 bytes), symbolically. Anything else —
/// another global, an unknown opcode, a persistent id — is refused with an error naming it and its
/// byte offset, so no code from the file is ever run.
/// </summary>
public static class Pickle
{
    private const int MaxDepth = 10_000;

    /// <summary>Reads a pickle of a dict of NumPy arrays.</summary>
    public static IReadOnlyDictionary<string, NpyArray> LoadArrays(string path)
    {
        using var fs = File.OpenRead(path);
        return LoadArrays(fs, path);
    }

    /// <summary>Reads a pickle of a dict of NumPy arrays from <paramref name="stream"/>.</summary>
    public static IReadOnlyDictionary<string, NpyArray> LoadArrays(Stream stream, string name = "<stream>")
    {
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        var result = new Machine(ms.ToArray(), name).Run();
        if (result is not Dictionary<object, object?> dict)
            throw new DataFormatException(name, -1, $"the pickle holds a {Describe(result)}, not a dict of arrays.");
        var arrays = new Dictionary<string, NpyArray>();
        foreach (var (key, value) in dict)
        {
            if (key is not string k) throw new DataFormatException(name, -1, $"a dict key is a {Describe(key)}, not a string.");
            arrays[k] = value switch
            {
                ArrayBuilder { Array: { } a } => a,
                _ => throw new DataFormatException(name, -1, $"'{k}' is a {Describe(value)}, not a NumPy array."),
            };
        }
        return arrays;
    }

    private static string Describe(object? o) => o switch
    {
        null => "None",
        ArrayBuilder => "ndarray",
        Dictionary<object, object?> => "dict",
        object?[] => "tuple",
        _ => o.GetType().Name,
    };

    private sealed class Mark { public static readonly Mark Instance = new(); }
    private sealed record Global(string Module, string Name);
    private sealed class DType(string kind) { public string Kind = kind; public char Order = '|'; }
    private sealed class ArrayBuilder { public NpyArray? Array; }

    private sealed class Machine(byte[] data, string name)
    {
        private readonly List<object?> _stack = [];
        private readonly Dictionary<long, object?> _memo = [];
        private int _pos;

        public object? Run()
        {
            while (true)
            {
                if (_pos >= data.Length) throw Fail(_pos, "the pickle ends without a STOP opcode (truncated file?).");
                int at = _pos;
                byte op = data[_pos++];
                switch (op)
                {
                    case 0x80: ReadByte(at); break;                                   // PROTO
                    case 0x95: ReadBytes(8, at); break;                               // FRAME
                    case (byte)'.': return Pop(at);                                   // STOP
                    case (byte)'}': Push(new Dictionary<object, object?>()); break;   // EMPTY_DICT
                    case (byte)']': Push(new List<object?>()); break;                 // EMPTY_LIST
                    case (byte)')': Push(Array.Empty<object?>()); break;              // EMPTY_TUPLE
                    case (byte)'(': Push(Mark.Instance); break;                       // MARK
                    case (byte)'t': Push(PopToMark(at).ToArray()); break;             // TUPLE
                    case 0x85: Push(new[] { Pop(at) }); break;                        // TUPLE1
                    case 0x86: { var b = Pop(at); var a = Pop(at); Push(new[] { a, b }); break; }          // TUPLE2
                    case 0x87: { var c = Pop(at); var b = Pop(at); var a = Pop(at); Push(new[] { a, b, c }); break; } // TUPLE3
                    case (byte)'X': Push(Utf8(ReadLength(4, at), at)); break;         // BINUNICODE
                    case 0x8c: Push(Utf8(ReadByte(at), at)); break;                   // SHORT_BINUNICODE
                    case 0x8d: Push(Utf8(ReadLength(8, at), at)); break;              // BINUNICODE8
                    case (byte)'B': Push(ReadBytes(ReadLength(4, at), at)); break;    // BINBYTES
                    case (byte)'C': Push(ReadBytes(ReadByte(at), at)); break;         // SHORT_BINBYTES
                    case 0x8e: Push(ReadBytes(ReadLength(8, at), at)); break;         // BINBYTES8
                    case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4, at))); break; // BININT
                    case (byte)'K': Push((long)ReadByte(at)); break;                  // BININT1
                    case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2, at))); break; // BININT2
                    case 0x8a: Push(Long1(at)); break;                                // LONG1
                    case 0x88: Push(true); break;                                     // NEWTRUE
                    case 0x89: Push(false); break;                                    // NEWFALSE
                    case (byte)'N': Push(null); break;                                // NONE
                    case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8, at))); break; // BINFLOAT
                    case (byte)'q': _memo[ReadByte(at)] = Peek(at); break;            // BINPUT
                    case (byte)'r': _memo[ReadLength(4, at)] = Peek(at); break;       // LONG_BINPUT
                    case 0x94: _memo[_memo.Count] = Peek(at); break;                  // MEMOIZE
                    case (byte)'h': Push(Get(ReadByte(at), at)); break;               // BINGET
                    case (byte)'j': Push(Get(ReadLength(4, at), at)); break;          // LONG_BINGET
                    case (byte)'s': { var v = Pop(at); var k = Pop(at); SetItem(Peek(at), k, v, at); break; } // SETITEM
                    case (byte)'u':                                                   // SETITEMS
                    {
                        var items = PopToMark(at);
                        if (items.Count % 2 != 0) throw Fail(at, "SETITEMS with an odd number of items.");
                        var target = Peek(at);
                        for (int i = 0; i < items.Count; i += 2) SetItem(target, items[i], items[i + 1], at);
                        break;
                    }
                    case (byte)'a': { var v = Pop(at); AsList(Peek(at), at).Add(v); break; }  // APPEND
                    case (byte)'e': { var items = PopToMark(at); AsList(Peek(at), at).AddRange(items); break; } // APPENDS
                    case (byte)'c': Push(MakeGlobal(ReadLine(at), ReadLine(at), at)); break; // GLOBAL
                    case 0x93:                                                        // STACK_GLOBAL
                    {
                        var n = Pop(at) as string; var m = Pop(at) as string;
                        if (n is null || m is null) throw Fail(at, "STACK_GLOBAL without two strings.");
                        Push(MakeGlobal(m, n, at));
                        break;
                    }
                    case (byte)'R': { var args = Pop(at); var f = Pop(at); Push(Reduce(f, args, at)); break; } // REDUCE
                    case (byte)'b': { var state = Pop(at); Build(Peek(at), state, at); break; }               // BUILD
                    default:
                        throw Fail(at, $"opcode 0x{op:x2} ('{(op is >= 32 and < 127 ? (char)op : '?')}') is not allowed: only the opcodes that NumPy array pickles use are read.");
                }
                if (_stack.Count > MaxDepth) throw Fail(at, "the pickle's stack grows beyond any NumPy weights file.");
            }
        }

        private Exception Fail(int at, string problem) => new DataFormatException(name, at, problem);

        private object MakeGlobal(string module, string global, int at) => (module, global) switch
        {
            ("numpy.core.multiarray" or "numpy._core.multiarray", "_reconstruct") or ("numpy", "ndarray") or ("numpy", "dtype")
                or ("_codecs", "encode") => new Global(module, global),
            _ => throw Fail(at, $"global {module}.{global} is not allowed: only NumPy array reconstruction is read (no code is executed)."),
        };

        private object? Reduce(object? f, object? args, int at)
        {
            if (f is not Global g || args is not object?[] a) throw Fail(at, "REDUCE on something that is not an allowed global.");
            switch (g.Name)
            {
                case "_reconstruct":
                    return new ArrayBuilder();
                case "dtype":
                    if (a.Length < 1 || a[0] is not string kind) throw Fail(at, "numpy.dtype(...) without a type string.");
                    return new DType(kind);
                case "encode":
                    if (a.Length < 1 || a[0] is not string text) throw Fail(at, "_codecs.encode(...) without a string.");
                    if (a.Length > 1 && a[1] is string enc && enc != "latin1" && enc != "latin-1") throw Fail(at, $"_codecs.encode with encoding '{enc}' is not supported.");
                    return Encoding.Latin1.GetBytes(text);
                default:
                    throw Fail(at, $"calling {g.Module}.{g.Name} is not allowed.");
            }
        }

        private void Build(object? target, object? state, int at)
        {
            switch (target)
            {
                case DType d when state is object?[] s && s.Length >= 2 && s[1] is string order && order.Length == 1:
                    d.Order = order[0];
                    break;
                case ArrayBuilder arr when state is object?[] s && s.Length == 5:
                {
                    if (s[1] is not object?[] shapeItems || s[2] is not DType dtype || s[3] is not bool fortran)
                        throw Fail(at, "an ndarray state that is not (version, shape, dtype, fortran, data).");
                    var shape = new int[shapeItems.Length];
                    for (int i = 0; i < shape.Length; i++)
                        shape[i] = shapeItems[i] is long l && l is >= 0 and <= int.MaxValue ? (int)l : throw Fail(at, "an ndarray shape that is not non-negative integers.");
                    byte[] bytes = s[4] switch
                    {
                        byte[] b => b,
                        string str => Encoding.Latin1.GetBytes(str),
                        _ => throw Fail(at, "an ndarray whose data is not bytes (object arrays are not supported)."),
                    };
                    string kind = dtype.Kind;
                    char order = dtype.Order == '=' ? '<' : dtype.Order;
                    string descr = kind.Length > 0 && kind[0] is '<' or '>' or '|' ? kind : order + kind;
                    try { arr.Array = new NpyArray(descr, shape, fortran, bytes, name); }
                    catch (DataFormatException e) { throw Fail(at, e.Problem); }
                    break;
                }
                default:
                    throw Fail(at, $"BUILD on a {Describe(target)} is not allowed.");
            }
        }

        private void SetItem(object? target, object? key, object? value, int at)
        {
            if (target is not Dictionary<object, object?> d) throw Fail(at, "SETITEM(S) on something that is not a dict.");
            d[key ?? throw Fail(at, "a dict key of None.")] = value;
        }

        private List<object?> AsList(object? o, int at) => o as List<object?> ?? throw Fail(at, "APPEND on something that is not a list.");

        private void Push(object? o) => _stack.Add(o);

        private object? Pop(int at)
        {
            if (_stack.Count == 0 || _stack[^1] is Mark) throw Fail(at, "the pickle pops an empty stack.");
            var o = _stack[^1];
            _stack.RemoveAt(_stack.Count - 1);
            return o;
        }

        private object? Peek(int at) => _stack.Count > 0 && _stack[^1] is not Mark ? _stack[^1] : throw Fail(at, "the pickle reads an empty stack.");

        private List<object?> PopToMark(int at)
        {
            int m = _stack.FindLastIndex(o => o is Mark);
            if (m < 0) throw Fail(at, "no MARK on the stack.");
            var items = _stack.GetRange(m + 1, _stack.Count - m - 1);
            _stack.RemoveRange(m, _stack.Count - m);
            return items;
        }

        private object? Get(long key, int at) => _memo.TryGetValue(key, out var v) ? v : throw Fail(at, $"memo entry {key} was never stored.");

        private int ReadByte(int at) => _pos < data.Length ? data[_pos++] : throw Fail(at, "the file ends inside an opcode's argument.");

        private int ReadLength(int size, int at)
        {
            var b = ReadBytes(size, at);
            long len = size == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(b) : (long)BinaryPrimitives.ReadUInt64LittleEndian(b);
            if (len < 0 || len > data.Length - _pos) throw Fail(at, $"a length of {len} bytes runs past the end of the file ({data.Length - _pos} bytes left).");
            return (int)len;
        }

        private byte[] ReadBytes(int count, int at)
        {
            if (count < 0 || count > data.Length - _pos) throw Fail(at, $"the file ends inside an opcode's argument ({count} bytes needed, {data.Length - _pos} left).");
            var b = data.AsSpan(_pos, count).ToArray();
            _pos += count;
            return b;
        }

        private string Utf8(int count, int at)
        {
            try { return new UTF8Encoding(false, true).GetString(ReadBytes(count, at)); }
            catch (DecoderFallbackException) { throw Fail(at, "a string that is not valid UTF-8."); }
        }

        private string ReadLine(int at)
        {
            int end = Array.IndexOf(data, (byte)'\n', _pos);
            if (end < 0 || end - _pos > 256) throw Fail(at, "a GLOBAL name without an end of line.");
            string s = Encoding.ASCII.GetString(data, _pos, end - _pos);
            _pos = end + 1;
            return s;
        }

        private object Long1(int at)
        {
            var b = ReadBytes(ReadByte(at), at);
            if (b.Length > 8) throw Fail(at, "an integer wider than 64 bits.");
            long v = 0;
            for (int i = b.Length - 1; i >= 0; i--) v = (v << 8) | b[i];
            if (b.Length is > 0 and < 8 && (b[^1] & 0x80) != 0) v -= 1L << (8 * b.Length);
            return v;
        }
    }
}
