using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>The linear-algebra kernels the library runs on this machine (chosen once per process, at the first product; products of at most 16384 multiply-adds always run managed, and matrix products of up to 2^24 on AVX-512).</summary>
public static class Kernels
{
    /// <summary>Which kernels run, per kind of product, e.g. "native BLAS (OpenBLAS, libopenblas.so.0)".</summary>
    public static string Summary() => Core.Kernels.summary();
}
