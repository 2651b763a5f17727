/// Views of 2-D arrays as flat row-major spans, without copying: how the kernels, the engine and the
/// input checks read a `float[,]`.
namespace Perceptron.Core

#nowarn "9" // Tiering.optimizeNow's one-byte stack allocation

open System
open System.Runtime.CompilerServices
open System.Runtime.InteropServices

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
        // No Tiering.optimizeNow here: the scan's loop is VectorMath.allFinite's, compiled optimized on
        // its own; the loop below runs only to name a bad value. Compiled optimized, this method cost
        // about 4 ms of the first training call's JIT.
        let values = readOnly2 a

        if values.Length <= 16384 then
            // A small array takes the plain loop alone, so that a small training run never compiles the
            // vector scan (about 4 ms of its first call's JIT); at tier 0 it scans 16384 values in tens of us.
            let mutable i = 0

            while i < values.Length && Double.IsFinite values[i] do
                i <- i + 1

            if i = values.Length then -1 else i
        elif VectorMath.allFinite values then
            -1
        else
            let mutable i = 0

            while Double.IsFinite values[i] do
                i <- i + 1

            i
