/// Kernels: native BLAS and managed products agree with each other and with MathNet.Numerics.
/// When libopenblas.so.0 does not load, only the managed path is compared with MathNet.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.KernelsTests

open System
open System.Numerics.Tensors
open System.Threading.Tasks
open MathNet.Numerics.LinearAlgebra
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

let internal providers =
    if Selection.nativeAvailable () then
        [ NativeBlas; Managed ]
    else
        [ Managed ]

let internal gemm (p: KernelProvider) (c: GemmCase) =
    let output = Array.copy c.C

    Kernels.gemmWith
        p
        (c.TransA,
         c.TransB,
         c.M,
         c.N,
         c.K,
         c.Alpha,
         ReadOnlySpan<float>(c.A),
         c.Lda,
         ReadOnlySpan<float>(c.B),
         c.Ldb,
         c.Beta,
         Span<float>(output),
         c.Ldc)

    output

let internal gemv (p: KernelProvider) (c: GemvCase) =
    let output = Array.copy c.Y

    Kernels.gemvWith
        p
        (c.Trans,
         c.M,
         c.N,
         c.Alpha,
         ReadOnlySpan<float>(c.A),
         c.Lda,
         ReadOnlySpan<float>(c.X),
         c.Beta,
         Span<float>(output))

    output

/// The m x n result (without padding) of a product, as a row-major array.
let rowsOf (m: int) (n: int) (ld: int) (buffer: float[]) =
    Array.init (m * n) (fun index -> buffer[(index / n) * ld + index % n])

/// alpha op(A) op(B) + beta C with MathNet dense matrices: an independent reference.
let referenceGemm (c: GemmCase) =
    let opA =
        Matrix<float>.Build.Dense(c.M, c.K, fun i p -> if c.TransA then c.A[p * c.Lda + i] else c.A[i * c.Lda + p])

    let opB =
        Matrix<float>.Build.Dense(c.K, c.N, fun p j -> if c.TransB then c.B[j * c.Ldb + p] else c.B[p * c.Ldb + j])

    let c0 = Matrix<float>.Build.Dense(c.M, c.N, fun i j -> c.C[i * c.Ldc + j])
    let result = opA.Multiply(opB).Multiply(c.Alpha) + c0.Multiply(c.Beta)
    Array.init (c.M * c.N) (fun index -> result[index / c.N, index % c.N])

let referenceGemv (c: GemvCase) =
    let a = Matrix<float>.Build.Dense(c.M, c.N, fun i j -> c.A[i * c.Lda + j])
    let op = if c.Trans then a.Transpose() else a

    let result =
        op.Multiply(Vector<float>.Build.DenseOfArray c.X).Multiply(c.Alpha)
        + Vector<float>.Build.DenseOfArray(c.Y).Multiply(c.Beta)

    result.ToArray()

/// The padding of C (NaN) must come back untouched, bit for bit.
let paddingUntouched (m: int) (n: int) (ld: int) (before: float[]) (after: float[]) =
    Seq.forall (fun index -> index % ld < n || bits before[index] = bits after[index]) (seq { 0 .. m * ld - 1 })

[<Property>]
let ``gemm agrees with MathNet for every provider, shape and transpose`` (c: GemmCase) =
    let reference = referenceGemm c

    for p in providers do
        let output = gemm p c
        let error = relativeError reference (rowsOf c.M c.N c.Ldc output)
        Assert.True(error <= 1e-12, $"{p}: relative error {error} against MathNet")
        Assert.True(paddingUntouched c.M c.N c.Ldc c.C output, $"{p} wrote into the padding of C")

[<Property>]
let ``native and managed gemm agree`` (c: GemmCase) =
    // Without libopenblas.so.0 there is nothing to compare: the MathNet property covers Managed.
    if Selection.nativeAvailable () then
        let native = rowsOf c.M c.N c.Ldc (gemm NativeBlas c)
        let managed = rowsOf c.M c.N c.Ldc (gemm Managed c)
        let error = relativeError native managed
        Assert.True(error <= 1e-12, $"relative error {error}")

[<Property>]
let ``gemv agrees with MathNet for every provider and shape`` (c: GemvCase) =
    let reference = referenceGemv c

    for p in providers do
        let error = relativeError reference (gemv p c)
        Assert.True(error <= 1e-12, $"{p}: relative error {error} against MathNet")

[<Property>]
let ``native and managed gemv agree`` (c: GemvCase) =
    if Selection.nativeAvailable () then
        let error = relativeError (gemv NativeBlas c) (gemv Managed c)
        Assert.True(error <= 1e-12, $"relative error {error}")

[<Property>]
let ``gemm and gemv leave their inputs untouched`` (c: GemmCase) (v: GemvCase) =
    let a, b = Array.copy c.A, Array.copy c.B
    let va, vx = Array.copy v.A, Array.copy v.X

    for p in providers do
        gemm p c |> ignore
        gemv p v |> ignore
        Assert.True(sameBits a c.A && sameBits b c.B && sameBits va v.A && sameBits vx v.X, $"{p} wrote into an input")

/// Large enough for the managed kernels to split rows across threads (m n k above 2^17).
let largeCase (transA: bool) (transB: bool) (seed: int) =
    GemmCase.dense (Random(seed)) transA transB 70 50 40 1.0 0.5 50

[<Fact>]
let ``gemm on products large enough to run in parallel agrees with MathNet`` () =
    for transA in [ false; true ] do
        for transB in [ false; true ] do
            let c = largeCase transA transB 7
            let reference = referenceGemm c

            for p in providers do
                let error = relativeError reference (gemm p c)
                Assert.True(error <= 1e-12, $"{p} transA={transA} transB={transB}: relative error {error}")

[<Fact>]
let ``gemv on products large enough to run in parallel agrees with MathNet`` () =
    let random = Random(3)

    for trans in [ false; true ] do
        let m, n = 700, 300

        let c = {
            Trans = trans
            M = m
            N = n
            Alpha = -1.5
            Beta = 2.0
            Lda = n
            A = Array.init (m * n) (fun _ -> random.NextDouble() - 0.5)
            X = Array.init (if trans then m else n) (fun _ -> random.NextDouble() - 0.5)
            Y = Array.init (if trans then n else m) (fun _ -> random.NextDouble() - 0.5)
        }

        let reference = referenceGemv c

        for p in providers do
            let error = relativeError reference (gemv p c)
            Assert.True(error <= 1e-12, $"{p} trans={trans}: relative error {error}")

[<Fact>]
let ``kernels called from many threads at once give the sequential result bit for bit`` () =
    for transA in [ false; true ] do
        for transB in [ false; true ] do
            let c = largeCase transA transB 11

            for p in providers do
                let sequential = gemm p c
                let concurrent = Array.zeroCreate<float[]> 16
                Parallel.For(0, concurrent.Length, fun i -> concurrent[i] <- gemm p c) |> ignore

                for result in concurrent do
                    Assert.True(
                        sameBits sequential result,
                        $"{p} transA={transA} transB={transB}: a concurrent call differs"
                    )

// Regression test (found by these tests, since fixed): gemmWith has a branch for k = 0 (C <- beta C), but its length
// check first asks A for (m - 1) lda + k values and B for (k - 1) ldb + n, so an m x 0 or 0 x n
// operand held in an empty buffer is rejected ("a holds 0 values; the product needs at least 1")
// although no element of it is read. BLAS never references A or B when k = 0.
[<Fact>]
let ``regression: gemm with k = 0 accepts empty operands and scales C by beta`` () =
    for p in providers do
        let c = [| 1.0; 2.0; 3.0; 4.0 |]

        Kernels.gemmWith
            p
            (false,
             false,
             2,
             2,
             0,
             1.0,
             ReadOnlySpan<float>.Empty,
             1,
             ReadOnlySpan<float>.Empty,
             2,
             0.5,
             Span<float>(c),
             2)

        Assert.Equal<float[]>([| 0.5; 1.0; 1.5; 2.0 |], c)

[<Fact>]
let ``gemv with an empty dimension scales y by beta`` () =
    for p in providers do
        let y = [| 1.0; -2.0; 4.0 |]
        // y = A^T x with A 0 x 3: the sum is empty, so y = beta y.
        Kernels.gemvWith
            p
            (true, 0, 3, 1.0, ReadOnlySpan<float>.Empty, 3, ReadOnlySpan<float>.Empty, -1.0, Span<float>(y))

        Assert.Equal<float[]>([| -1.0; 2.0; -4.0 |], y)
        let z = [| 1.0; 2.0 |]
        // y = A x with A 2 x 0.
        Kernels.gemvWith
            p
            (false, 2, 0, 1.0, ReadOnlySpan<float>.Empty, 1, ReadOnlySpan<float>.Empty, 0.0, Span<float>(z))

        Assert.Equal<float[]>([| 0.0; 0.0 |], z)

[<Fact>]
let ``a buffer too short for the product is rejected with ArgumentException`` () =
    for p in providers do
        let a = Array.zeroCreate<float> 5 // 2 x 3 needs 6
        let b = Array.zeroCreate<float> 6
        let c = Array.zeroCreate<float> 4

        let e =
            Assert.ThrowsAny<ArgumentException>(fun () ->
                Kernels.gemmWith
                    p
                    (false,
                     false,
                     2,
                     2,
                     3,
                     1.0,
                     ReadOnlySpan<float>(a),
                     3,
                     ReadOnlySpan<float>(b),
                     2,
                     0.0,
                     Span<float>(c),
                     2))

        Assert.Equal("a", e.ParamName)

[<Fact>]
let ``the start-up provider is native BLAS exactly when it loads, unless forced to managed`` () =
    let forced = Environment.GetEnvironmentVariable "PERCEPTRON_KERNELS"

    if
        isNull forced
        || not (forced.Equals("managed", StringComparison.OrdinalIgnoreCase))
    then
        Assert.Equal((if Selection.nativeAvailable () then NativeBlas else Managed), Selection.provider ())
    else
        Assert.Equal(Managed, Selection.provider ())

    Assert.Contains("OpenBLAS", Kernels.describe NativeBlas)
    Assert.Contains("managed", Kernels.describe Managed)

[<Fact>]
let ``matrix products stay managed only where the managed kernels are wider than OpenBLAS's`` () =
    let expected =
        if
            Selection.forced.IsNone
            && Selection.provider () = NativeBlas
            && Selection.simd = Simd512
            && not (NativeBlas.usesAvx512 ())
        then
            Managed
        else
            Selection.provider ()

    Assert.Equal(expected, Selection.gemmProvider ())

    if Selection.gemmProvider () <> Selection.provider () then
        Assert.Contains("for matrix-vector products", Kernels.summary ())
        Assert.Contains("AVX-512", Kernels.summary ())
    elif
        Selection.provider () = NativeBlas
        && Selection.forced.IsNone
        && Selection.simd = Simd512
    then
        // Mid-size matrix products run managed on AVX-512 (Selection.teamProduct).
        Assert.Equal(
            $"{Kernels.describe NativeBlas}, {Kernels.describe Managed} for matrix products of up to 16777216 multiply-adds",
            Kernels.summary ()
        )
    else
        Assert.Equal(Kernels.describe (Selection.provider ()), Kernels.summary ())

    if Selection.nativeAvailable () then
        // The core OpenBLAS reports (Haswell here, where the environment sets OPENBLAS_CORETYPE) is
        // in the description.
        match NativeBlas.coreName.Force() with
        | Some core -> Assert.Contains(core, Kernels.describe NativeBlas)
        | None -> ()

// The element-wise passes replace TensorPrimitives calls in the hot path (issue 12): each must give
// the same bits as the call it replaces, for any length (vector body and tail) and any value
// (NaN, infinities, signed zeros among FsCheck's floats).

let private view (a: float[]) = ReadOnlySpan<float>(a)

let private sameBits (expected: float[]) (actual: float[]) =
    Assert.Equal<int64>(Array.map bits expected, Array.map bits actual)

[<Property>]
let ``element-wise passes give TensorPrimitives' bits`` (values: float[]) (others: float[]) (scalar: float) =
    let n = min values.Length others.Length
    let x, y = values[.. n - 1], others[.. n - 1]

    let expected = Array.zeroCreate n
    TensorPrimitives.Add(view x, scalar, Span expected)
    let actual = Array.copy x
    Elementwise.addScalar (Span actual) scalar
    sameBits expected actual

    TensorPrimitives.Add(view y, view x, Span expected)
    let actual = Array.copy y
    Elementwise.add (view x) (Span actual)
    sameBits expected actual

    TensorPrimitives.Multiply(view x, scalar, Span expected)
    let actual = Array.copy x
    Elementwise.multiplyScalar (Span actual) scalar
    sameBits expected actual

    TensorPrimitives.MultiplyAdd(view x, scalar, view y, Span expected)
    let actual = Array.copy y
    Elementwise.multiplyAdd (view x) scalar (Span actual)
    sameBits expected actual

    TensorPrimitives.Multiply(view x, scalar, Span expected)
    let actual = Array.zeroCreate n
    Elementwise.scaled (view x) scalar (Span actual)
    sameBits expected actual

    TensorPrimitives.Divide(view x, scalar, Span expected)
    let actual = Array.copy x
    Elementwise.divideScalar (Span actual) scalar
    sameBits expected actual

    TensorPrimitives.Subtract(view x, scalar, Span expected)
    let actual = Array.copy x
    Elementwise.subtractScalar (Span actual) scalar
    sameBits expected actual

    TensorPrimitives.MultiplyAdd(view x, scalar, view y, Span expected)
    let actual = Array.zeroCreate n
    Elementwise.multiplyAddInto (view x) scalar (view y) (Span actual)
    sameBits expected actual

[<Fact>]
let ``firstNonFinite names the first bad value on both sides of the small arrays' plain loop`` () =
    let random = Random 7

    for rows, columns in [ (1, 1); (3, 5); (1, 16384); (128, 128); (1, 16385); (129, 128); (300, 257) ] do
        let a = Array2D.init rows columns (fun _ _ -> random.NextDouble() - 0.5)
        Assert.Equal(-1, Buffers.firstNonFinite a)

        for bad in [ nan; infinity; -infinity ] do
            let n = rows * columns

            for first in [ 0; n / 2; n - 1; random.Next n ] do
                let b = Array2D.copy a
                b[first / columns, first % columns] <- bad
                // A later bad value must not be the one named.
                if first + 1 < n then
                    b[(n - 1) / columns, (n - 1) % columns] <- nan

                Assert.Equal(first, Buffers.firstNonFinite b)

/// The managed product's arithmetic, element by element: over each of the balanced k blocks (ManagedGemm.kcMax),
/// a chain of fused multiply-adds from 0 (multiply then add without FMA), then alpha t + beta C on the first block
/// (alpha t when beta is 0) and C + alpha t after it.
let private managedDefinition (c: GemmCase) =
    let fma = Selection.simd <> Plain128
    let blocks = (c.K + ManagedGemm.kcMax - 1) / ManagedGemm.kcMax
    let kc = (c.K + blocks - 1) / blocks
    let output = Array.copy c.C

    for i in 0 .. c.M - 1 do
        for j in 0 .. c.N - 1 do
            let a p =
                if c.TransA then c.A[p * c.Lda + i] else c.A[i * c.Lda + p]

            let b p =
                if c.TransB then c.B[j * c.Ldb + p] else c.B[p * c.Ldb + j]

            let mutable value = output[i * c.Ldc + j]
            let mutable p0 = 0

            while p0 < c.K do
                let mutable t = 0.0

                for p in p0 .. min c.K (p0 + kc) - 1 do
                    t <-
                        if fma then
                            Math.FusedMultiplyAdd(a p, b p, t)
                        else
                            t + a p * b p

                value <-
                    if p0 > 0 then value + c.Alpha * t
                    elif c.Beta = 0.0 then c.Alpha * t
                    else c.Alpha * t + c.Beta * value

                p0 <- p0 + kc

            output[i * c.Ldc + j] <- value

    output

/// The case with the rows of A and B `pad` values further apart, the padding NaN: a kernel that mistakes a leading
/// dimension for a width gives NaN. An over-read whose products land only in a tile's discarded rows or columns
/// never reaches C; the test of ManagedGemm.inPlaceRows and inPlaceColumns below covers those.
let private padded (pad: int) (c: GemmCase) =
    let relay (rows: int) (columns: int) (ld: int) (values: float[]) =
        let wider = ld + pad

        Array.init (rows * wider) (fun index ->
            if index % wider < columns then
                values[index / wider * ld + index % wider]
            else
                nan)

    let aRows, aColumns = if c.TransA then c.K, c.M else c.M, c.K
    let bRows, bColumns = if c.TransB then c.N, c.K else c.K, c.N

    {
        c with
            Lda = c.Lda + pad
            Ldb = c.Ldb + pad
            A = relay aRows aColumns c.Lda c.A
            B = relay bRows bColumns c.Ldb c.B
    }

[<Fact>]
let ``the managed product reads in place only whole slivers and panels, inside the block`` () =
    // A partial sliver or panel read in place would read past the block's rows or columns (past the array at its
    // end) into values whose products the tile then discards, which no comparison of C can see.
    for h in 0..400 do
        for mr in [ 6; 12 ] do
            Assert.Equal(0, ManagedGemm.inPlaceRows true mr h)
            let rows = ManagedGemm.inPlaceRows false mr h
            Assert.True(rows <= h && h - rows < mr, $"rows {h}, mr {mr}: {rows}")
            // Whole slivers, and where mr = 12 one last sliver of exactly 8 rows (kernel8).
            Assert.True(rows % mr = 0 || (mr = 12 && rows % mr = 8), $"rows {h}, mr {mr}: {rows}")

        for nr in [ 4; 8; 16 ] do
            Assert.Equal(0, ManagedGemm.inPlaceColumns true nr h)
            let columns = ManagedGemm.inPlaceColumns false nr h
            Assert.True(columns <= h && h - columns < nr && columns % nr = 0, $"columns {h}, nr {nr}: {columns}")

[<Fact>]
let ``the managed product computes every element as its definition, on every tail of rows and columns`` () =
    // Rows 1 to 30 cover every last sliver of 12 (AVX-512) and 6 rows, the 8-row one included (W2's 128); k
    // of one, two and three blocks; widths around the panels of 16 and 8; operands packed and read in place,
    // with rows as long as the matrix's and longer.
    for m in [ 1..30 ] @ [ 128 ] do
        for n, k in [ 1, 1; 17, 7; 33, 300; 8, 600; 16, 256 ] do
            for transA in [ false; true ] do
                for transB in [ false; true ] do
                    let random = Random(m * 1000 + n * 10 + k)

                    for beta in [ 0.0; 0.5 ] do
                        for pad in [ 0; 3 ] do
                            let c = padded pad (GemmCase.dense random transA transB m n k 1.5 beta (n + 1))

                            Assert.True(
                                Helpers.sameBits (managedDefinition c) (gemm Managed c),
                                $"{m}x{n}x{k} {transA} {transB} beta {beta} pad {pad}"
                            )
