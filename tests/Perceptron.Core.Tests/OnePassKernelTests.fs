/// ManagedGemv.axpyRows and dotRows prefetching the next block, as the one-pass kernel runs them: the same
/// bits as without prefetching, whatever the prefetched range.
module Perceptron.Core.Tests.OnePassKernelTests

#nowarn "9" // native pointers: the kernels take pinned buffers
#nowarn "3535" // the vector operations are chosen by a type argument

open System
open System.Runtime.Intrinsics
open Xunit
open Microsoft.FSharp.NativeInterop
open Perceptron.Core

/// acc + the scaled rows p0 .. p1 of a (rows x n) by axpyRows without prefetching and prefetching
/// `ahead` values past row p1.
let private both<'O, 'V when 'O :> IVectorOps<'V>> (seed: int) (rows: int) (n: int) (p0: int) (p1: int) (ahead: int) =
    let random = Random seed
    let a = Array.init (rows * n) (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let x = Array.init rows (fun _ -> random.NextDouble() - 0.5)
    let start = Array.init n (fun _ -> random.NextDouble())
    let expected = Array.copy start
    let actual = Array.copy start
    use pa = fixed a
    use px = fixed x
    use pe = fixed expected
    use pc = fixed actual
    ManagedGemv.axpyRows<'O, 'V> pa n px n pe p0 p1 NativePtr.nullPtr 0
    let next = NativePtr.add pa (p1 * n)
    let ahead = min ahead ((rows - p1) * n)
    ManagedGemv.axpyRows<'O, 'V> pa n px n pc p0 p1 next ahead
    expected, actual

[<Fact>]
let ``axpyRows prefetching gives its bits without, on every width, with vector tails and rows left over`` () =
    for n in [ 1; 3; 7; 8; 100; 101; 257 ] do
        for p0, p1 in [ 0, 0; 0, 1; 0, 4; 1, 11; 3, 40 ] do
            for ahead in [ 0; 5; 64; 10000 ] do
                let rows = 60

                let check (expected: float[], actual: float[]) =
                    Assert.True((expected = actual), $"n {n}, rows {p0} .. {p1}, ahead {ahead}")

                check (both<Ops512, Vector512<float>> n rows n p0 p1 ahead)
                check (both<Ops256, Vector256<float>> n rows n p0 p1 ahead)
                check (both<Ops128, Vector128<float>> n rows n p0 p1 ahead)
                check (both<OpsPlain128, Vector128<float>> n rows n p0 p1 ahead)

/// The dot products of rows p0 .. p1 of a (rows x n) with a vector, by dotRows (alpha 1, beta 0, over a
/// NaN-filled output) without prefetching and prefetching `ahead` values past row p1.
let private dots<'O, 'V when 'O :> IVectorOps<'V>> (seed: int) (rows: int) (n: int) (p0: int) (p1: int) (ahead: int) =
    let random = Random seed
    let a = Array.init (rows * n) (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let x = Array.init n (fun _ -> random.NextDouble() - 0.5)
    let expected = Array.create rows nan
    let actual = Array.create rows nan
    use pa = fixed a
    use px = fixed x
    use pe = fixed expected
    use pc = fixed actual
    ManagedGemv.dotRows<'O, 'V> pa n px n 1.0 0.0 pe p0 p1 NativePtr.nullPtr 0
    let next = NativePtr.add pa (p1 * n)
    let ahead = min ahead ((rows - p1) * n)
    ManagedGemv.dotRows<'O, 'V> pa n px n 1.0 0.0 pc p0 p1 next ahead
    // NaN where no row was summed: compare the bits.
    Array.map BitConverter.DoubleToInt64Bits expected, Array.map BitConverter.DoubleToInt64Bits actual

[<Fact>]
let ``dotRows prefetching gives its bits without, on every width, with vector tails and rows left over`` () =
    for n in [ 1; 3; 7; 8; 100; 101; 257 ] do
        for p0, p1 in [ 0, 0; 0, 1; 0, 4; 1, 11; 3, 40 ] do
            for ahead in [ 0; 5; 64; 10000 ] do
                let rows = 60

                let check (expected: int64[], actual: int64[]) =
                    Assert.True((expected = actual), $"n {n}, rows {p0} .. {p1}, ahead {ahead}")

                check (dots<Ops512, Vector512<float>> n rows n p0 p1 ahead)
                check (dots<Ops256, Vector256<float>> n rows n p0 p1 ahead)
                check (dots<Ops128, Vector128<float>> n rows n p0 p1 ahead)
                check (dots<OpsPlain128, Vector128<float>> n rows n p0 p1 ahead)
