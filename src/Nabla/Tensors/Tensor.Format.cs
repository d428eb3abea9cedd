using System.Globalization;
using System.Text;

namespace Nabla;

public sealed partial class Tensor<T>
{
    private const int SummaryThreshold = 1000, EdgeItems = 3, LineWidth = 75;

    /// <summary>
    /// Formats the tensor as NumPy's <c>print</c> does: nested brackets, aligned columns, at most
    /// 8 fractional digits, <c>1.</c> for whole numbers, scientific notation for wide ranges, and
    /// <c>...</c> summaries for more than 1000 elements. A sparse-row tensor prints its elements likewise.
    /// </summary>
    public override string ToString()
    {
        if (_sparse is not null) return ToDense().ToString();
        if (Rank == 0) return FormatAll([Span[0]], out _)[0];
        bool summarize = Length > SummaryThreshold;
        var shown = new List<T>();
        CollectShown(0, 0, summarize, shown);
        var texts = FormatAll(shown, out int width);
        var sb = new StringBuilder();
        int next = 0;
        Write(sb, 0, 0, summarize, texts, ref next, width);
        return sb.ToString();
    }

    private int AxisStride(int axis) => Product(_shape.AsSpan(axis + 1));

    private IEnumerable<int> ShownIndices(int axis, bool summarize)
    {
        int n = _shape[axis];
        if (!summarize || n <= 2 * EdgeItems) { for (int i = 0; i < n; i++) yield return i; yield break; }
        for (int i = 0; i < EdgeItems; i++) yield return i;
        yield return -1;
        for (int i = n - EdgeItems; i < n; i++) yield return i;
    }

    private void CollectShown(int axis, int offset, bool summarize, List<T> into)
    {
        var s = Span;
        foreach (int i in ShownIndices(axis, summarize))
        {
            if (i < 0) continue;
            if (axis == Rank - 1) into.Add(s[offset + i]);
            else CollectShown(axis + 1, offset + i * AxisStride(axis), summarize, into);
        }
    }

    private void Write(StringBuilder sb, int axis, int offset, bool summarize, string[] texts, ref int next, int width)
    {
        sb.Append('[');
        string indent = new(' ', axis + 1);
        if (axis == Rank - 1)
        {
            int lineStart = sb.Length - axis - 1;
            bool first = true;
            foreach (int i in ShownIndices(axis, summarize))
            {
                string item = i < 0 ? "..." : texts[next++].PadLeft(width);
                if (!first)
                {
                    if (sb.Length - lineStart + 1 + item.Length + 1 > LineWidth) { sb.Append('\n').Append(indent); lineStart = sb.Length - indent.Length; }
                    else sb.Append(' ');
                }
                sb.Append(item);
                first = false;
            }
        }
        else
        {
            bool first = true;
            string sep = "\n" + new string('\n', Rank - axis - 2) + indent;
            foreach (int i in ShownIndices(axis, summarize))
            {
                if (!first) sb.Append(sep);
                if (i < 0) sb.Append("...");
                else Write(sb, axis + 1, offset + i * AxisStride(axis), summarize, texts, ref next, width);
                first = false;
            }
        }
        sb.Append(']');
    }

    private static string[] FormatAll(IReadOnlyList<T> values, out int width)
    {
        var finite = values.Where(T.IsFinite).Select(v => Math.Abs(double.CreateTruncating(v))).ToList();
        double maxAbs = finite.Count > 0 ? finite.Max() : 0, minAbs = finite.Where(v => v > 0).DefaultIfEmpty(0).Min();
        bool scientific = maxAbs >= 1e8 || (minAbs > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1e3));
        bool allIntegers = values.All(v => !T.IsFinite(v) || T.IsInteger(v));
        var texts = new string[values.Count];
        if (scientific)
        {
            int digits = 0;
            foreach (var v in values.Where(T.IsFinite))
            {
                string m = double.CreateTruncating(v).ToString("0.########e+00", CultureInfo.InvariantCulture);
                int dot = m.IndexOf('.'), e = m.IndexOf('e');
                digits = Math.Max(digits, dot < 0 ? 0 : e - dot - 1);
            }
            // NumPy keeps the point even with no fractional digits: 1.e-05.
            string fmt = digits == 0 ? "0e+00" : "0." + new string('0', digits) + "e+00";
            for (int i = 0; i < texts.Length; i++)
            {
                texts[i] = Special(values[i]) ?? double.CreateTruncating(values[i]).ToString(fmt, CultureInfo.InvariantCulture);
                if (digits == 0 && Special(values[i]) is null) texts[i] = texts[i].Replace("e", ".e");
            }
        }
        else
        {
            int frac = 0;
            var raw = new string[values.Count];
            for (int i = 0; i < raw.Length; i++)
            {
                if (Special(values[i]) is { } sp) { raw[i] = sp; continue; }
                double d = double.CreateTruncating(values[i]);
                // float32 values print with the digits that identify them as float32, like NumPy.
                string r = typeof(T) == typeof(float) ? ((float)d).ToString("R", CultureInfo.InvariantCulture) : d.ToString("R", CultureInfo.InvariantCulture);
                if (r.Contains('E')) r = d.ToString("0.########", CultureInfo.InvariantCulture);
                int dot = r.IndexOf('.');
                if (dot >= 0 && r.Length - dot - 1 > 8) r = Math.Round(d, 8).ToString("0.########", CultureInfo.InvariantCulture);
                raw[i] = allIntegers ? d.ToString("0", CultureInfo.InvariantCulture) + "." : r;
                dot = raw[i].IndexOf('.');
                if (dot >= 0) frac = Math.Max(frac, raw[i].Length - dot - 1);
            }
            for (int i = 0; i < raw.Length; i++)
            {
                string r = raw[i];
                if (!allIntegers && Special(values[i]) is null)
                {
                    if (!r.Contains('.')) r += ".";
                    r = r.PadRight(r.IndexOf('.') + 1 + frac);
                }
                texts[i] = r;
            }
        }
        width = texts.Length == 0 ? 0 : texts.Max(t => t.Length);
        return texts;
    }

    private static string? Special(T v) => T.IsNaN(v) ? "nan" : T.IsPositiveInfinity(v) ? "inf" : T.IsNegativeInfinity(v) ? "-inf" : null;
}
