using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>The linear-algebra kernels the library runs on this machine (chosen at start-up).</summary>
public static class Kernels
{
    /// <summary>Which kernels run, per kind of product, e.g. "native BLAS (OpenBLAS, libopenblas.so.0)".</summary>
    public static string Summary() => Core.Kernels.summary();
}
