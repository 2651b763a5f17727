/// The vector operations the managed kernels are written in, one struct type per SIMD width. Each kernel
/// is one generic function over these; the JIT compiles it once per struct type with the operations
/// inlined, so the generic code runs as a hand-specialised copy would.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the kernels work on pinned buffers

open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop

/// Operations on a vector 'V of doubles.
type internal IVectorOps<'V> =
    /// Doubles per vector.
    static abstract Width: int
    /// The zero vector.
    static abstract Zero: 'V
    /// Loads Width doubles.
    static abstract Load: nativeptr<float> -> 'V
    /// Stores Width doubles.
    static abstract Store: 'V * nativeptr<float> -> unit
    /// Every lane set to one value.
    static abstract Splat: float -> 'V
    /// x * y + z, fused where the hardware has FMA.
    static abstract MultiplyAdd: 'V * 'V * 'V -> 'V
    /// Lane-wise product.
    static abstract Multiply: 'V * 'V -> 'V
    /// Lane-wise sum.
    static abstract Add: 'V * 'V -> 'V
    /// The sum of the lanes.
    static abstract Sum: 'V -> float

/// AVX-512: 8 doubles, FMA.
[<Struct>]
type internal Ops512 =
    interface IVectorOps<Vector512<float>> with
        static member Width = 8
        static member Zero = Vector512<float>.Zero
        static member Load p = Vector512.Load p
        static member Store(v, p) = Vector512.Store(v, p)
        static member Splat x = Vector512.Create x
        static member MultiplyAdd(x, y, z) = Vector512.FusedMultiplyAdd(x, y, z)
        static member Multiply(x, y) = x * y
        static member Add(x, y) = x + y
        static member Sum v = Vector512.Sum v

/// AVX2: 4 doubles, FMA.
[<Struct>]
type internal Ops256 =
    interface IVectorOps<Vector256<float>> with
        static member Width = 4
        static member Zero = Vector256<float>.Zero
        static member Load p = Vector256.Load p
        static member Store(v, p) = Vector256.Store(v, p)
        static member Splat x = Vector256.Create x
        static member MultiplyAdd(x, y, z) = Vector256.FusedMultiplyAdd(x, y, z)
        static member Multiply(x, y) = x * y
        static member Add(x, y) = x + y
        static member Sum v = Vector256.Sum v

/// 128-bit vectors: 2 doubles, FMA.
[<Struct>]
type internal Ops128 =
    interface IVectorOps<Vector128<float>> with
        static member Width = 2
        static member Zero = Vector128<float>.Zero
        static member Load p = Vector128.Load p
        static member Store(v, p) = Vector128.Store(v, p)
        static member Splat x = Vector128.Create x
        static member MultiplyAdd(x, y, z) = Vector128.FusedMultiplyAdd(x, y, z)
        static member Multiply(x, y) = x * y
        static member Add(x, y) = x + y
        static member Sum v = Vector128.Sum v

/// 128-bit vectors without FMA: multiply, then add (two roundings).
[<Struct>]
type internal OpsPlain128 =
    interface IVectorOps<Vector128<float>> with
        static member Width = 2
        static member Zero = Vector128<float>.Zero
        static member Load p = Vector128.Load p
        static member Store(v, p) = Vector128.Store(v, p)
        static member Splat x = Vector128.Create x
        static member MultiplyAdd(x, y, z) = x * y + z
        static member Multiply(x, y) = x * y
        static member Add(x, y) = x + y
        static member Sum v = Vector128.Sum v

/// Pointer arithmetic shared by the managed kernels, which run on pinned buffers so that parallel
/// workers can share them.
module internal Pointers =
    /// The address i elements after p.
    let inline at (p: nativeptr<float>) (i: int) = NativePtr.add p i

    /// A span over a pinned address.
    let inline span (p: nativeint) (offset: int) (length: int) =
        System.Span<float>(NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<float> p) offset), length)

    /// Compiles the calling method fully optimized at once (see Tiering.optimizeNow).
    let inline optimizeNow () = Tiering.optimizeNow ()

    /// Rounds a pinned address up to 64 bytes.
    let inline align64 (p: nativeptr<float>) =
        let address = NativePtr.toNativeInt p
        NativePtr.ofNativeInt<float>((address + 63n) &&& ~~~63n)

    /// x rounded up to a multiple of step.
    let inline roundUp (x: int) (step: int) = (x + step - 1) / step * step

    /// row <- beta row (cleared when beta is 0, so NaN in C never survives).
    let scale (beta: float) (row: System.Span<float>) =
        if beta = 0.0 then
            row.Clear()
        elif beta <> 1.0 then
            Elementwise.multiplyScalar row beta
