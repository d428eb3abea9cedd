namespace Nabla.Kernels;

/// <summary>
/// Rows of a compressed operand whose entries are written on demand, a range of rows at a time: their producer has laid
/// out where every row begins and ends, and the rows can be filled independently. A product fills each task's rows
/// inside that task, so a minibatch is gathered by the cores that multiply it, in one dispatch instead of two.
/// </summary>
internal interface IRowFill
{
    /// <summary>Writes the entries of rows <paramref name="first"/> … <paramref name="end"/> − 1 (and their group starts).</summary>
    void FillRows(int first, int end);
}
