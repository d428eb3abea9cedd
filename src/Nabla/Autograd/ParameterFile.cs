using System.Numerics;

namespace Nabla.Autograd;

/// <summary>The engine's only use of <c>Nabla.IO</c>: parameters to and from NumPy <c>.npz</c> by dotted name.</summary>
internal static class ParameterFile
{
    public static void Save<T>(string path, Layer<T> layer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var arrays = new Dictionary<string, Tensor<T>>();
        foreach (var (name, p) in layer.Parameters()) arrays[name] = p.Data;
        IO.Npz.Write(path, arrays);
    }

    public static void Load<T>(string path, Layer<T> layer) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var arrays = IO.Npz.Read(path);
        var ps = layer.Parameters().ToList();
        foreach (var (name, p) in ps)
        {
            if (!arrays.TryGetValue(name, out var a))
                throw new InvalidDataException($"{path}: no array named '{name}' (it holds {string.Join(", ", arrays.Keys)}).");
            var t = a.ToTensor<T>();
            if (p.Data.Length != 0 && !t.HasShape(p.Data.Shape))
                throw new InvalidDataException($"{path}: '{name}' has shape {Tensor<T>.ShapeString(t.Shape)}, the model expects {p.ShapeText}.");
            p.Data = t;
        }
        var extra = arrays.Keys.Except(ps.Select(p => p.Name)).ToList();
        if (extra.Count > 0) throw new InvalidDataException($"{path}: arrays {string.Join(", ", extra)} match no parameter of the model.");
    }
}
