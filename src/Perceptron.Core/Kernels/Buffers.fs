/// Views of 2-D arrays as flat row-major spans, without copying: how the kernels, the engine and the
/// input checks read a `float[,]`.
namespace Perceptron.Core

open System
open System.Numerics.Tensors
open System.Runtime.CompilerServices
open System.Runtime.InteropServices
open Microsoft.FSharp.NativeInterop

#nowarn "9" // a one-byte stack allocation, see Tiering.optimizeNow

/// How the hot loops escape tier-0 code in applications that keep .NET's default quick JIT.
module internal Tiering =
    /// A stack allocation makes the JIT compile a method with loops fully optimized at once, instead
    /// of as unoptimized tier-0 code that a short loop never leaves (on-stack replacement needs
    /// thousands of iterations of one call; tier 1 needs 30 calls and a quiet moment). F# drops
    /// MethodImplOptions.AggressiveOptimization, so this is its equivalent. Call it in every method
    /// (and closure) that holds a hot loop.
    let inline optimizeNow () =
        NativePtr.write (NativePtr.stackalloc<byte> 1) 0uy

/// Views of 2-D arrays as flat row-major spans, without copying.
module internal Buffers =
    /// The elements of a 2-D array, row after row, as one span (no copy).
    let internal span2 (a: float[,]) : Span<float> =
        if a.Length = 0 then
            Span<float>.Empty
        else
            let r = &MemoryMarshal.GetArrayDataReference(a :> Array)
            MemoryMarshal.CreateSpan(&Unsafe.As<byte, float>(&r), a.Length)

    /// Read-only view of the elements of a 2-D array, row after row (no copy).
    let internal readOnly2 (a: float[,]) : ReadOnlySpan<float> = Span<float>.op_Implicit(span2 a)

    /// The flat (row-major) index of the first NaN or infinite element, or -1 when all are finite.
    let internal firstNonFinite (a: float[,]) =
        let values = readOnly2 a

        if TensorPrimitives.IsFiniteAll values then
            -1
        else
            let mutable i = 0

            while Double.IsFinite values[i] do
                i <- i + 1

            i
