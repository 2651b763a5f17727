/// The numeric kernels under the core: matrix products on row-major buffers.
/// Native OpenBLAS (cblas) when the system library loads, a managed SIMD path otherwise.
/// Every kernel writes only into the output span it is given, so callers stay pure.
namespace Perceptron.Core

#nowarn "9" // native pointers: pinned spans handed to cblas

open System
open System.Numerics.Tensors
open System.Runtime.CompilerServices
open System.Runtime.InteropServices
open System.Threading.Tasks
open Microsoft.FSharp.NativeInterop

/// Which implementation of the matrix kernels is in use.
type KernelProvider =
    /// The system's OpenBLAS (`libopenblas.so.0`) through P/Invoke.
    | NativeBlas
    /// Managed code: System.Numerics.Tensors and Parallel.For.
    | Managed

/// Views of 2-D arrays as flat row-major spans, without copying.
module Buffers =
    /// The elements of a 2-D array, row after row, as one span (no copy).
    let span2 (a: float[,]) : Span<float> =
        if a.Length = 0 then
            Span<float>.Empty
        else
            let r = &MemoryMarshal.GetArrayDataReference(a :> Array)
            MemoryMarshal.CreateSpan(&Unsafe.As<byte, float>(&r), a.Length)

    /// Read-only view of the elements of a 2-D array, row after row (no copy).
    let readOnly2 (a: float[,]) : ReadOnlySpan<float> = Span<float>.op_Implicit(span2 a)

    /// The flat (row-major) index of the first NaN or infinite element, or -1 when all are finite.
    let firstNonFinite (a: float[,]) =
        let values = readOnly2 a

        if TensorPrimitives.IsFiniteAll values then
            -1
        else
            let mutable i = 0

            while Double.IsFinite values[i] do
                i <- i + 1

            i

module internal NativeBlas =
    [<Literal>]
    let Library = "libopenblas.so.0"

    [<Literal>]
    let RowMajor = 101

    [<Literal>]
    let NoTrans = 111

    [<Literal>]
    let Trans = 112

    [<DllImport(Library, CallingConvention = CallingConvention.Cdecl)>]
    extern void cblas_dgemm(
        int order,
        int transA,
        int transB,
        int m,
        int n,
        int k,
        float alpha,
        nativeint a,
        int lda,
        nativeint b,
        int ldb,
        float beta,
        nativeint c,
        int ldc
    )

    [<DllImport(Library, CallingConvention = CallingConvention.Cdecl)>]
    extern void cblas_dgemv(
        int order,
        int trans,
        int m,
        int n,
        float alpha,
        nativeint a,
        int lda,
        nativeint x,
        int incx,
        float beta,
        nativeint y,
        int incy
    )

    /// True when the library loads and its entry points resolve.
    let available =
        lazy
            (let mutable handle = 0n

             if NativeLibrary.TryLoad(Library, typeof<KernelProvider>.Assembly, Nullable(), &handle) then
                 let mutable f = 0n

                 NativeLibrary.TryGetExport(handle, "cblas_dgemm", &f)
                 && NativeLibrary.TryGetExport(handle, "cblas_dgemv", &f)
             else
                 false)

    let gemm
        (
            transA: bool,
            transB: bool,
            m: int,
            n: int,
            k: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            b: ReadOnlySpan<float>,
            ldb: int,
            beta: float,
            c: Span<float>,
            ldc: int
        ) =
        use pa = fixed a
        use pb = fixed b
        use pc = fixed c

        cblas_dgemm (
            RowMajor,
            (if transA then Trans else NoTrans),
            (if transB then Trans else NoTrans),
            m,
            n,
            k,
            alpha,
            NativePtr.toNativeInt pa,
            lda,
            NativePtr.toNativeInt pb,
            ldb,
            beta,
            NativePtr.toNativeInt pc,
            ldc
        )

    let gemv
        (
            trans: bool,
            m: int,
            n: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            x: ReadOnlySpan<float>,
            beta: float,
            y: Span<float>
        ) =
        use pa = fixed a
        use px = fixed x
        use py = fixed y

        cblas_dgemv (
            RowMajor,
            (if trans then Trans else NoTrans),
            m,
            n,
            alpha,
            NativePtr.toNativeInt pa,
            lda,
            NativePtr.toNativeInt px,
            1,
            beta,
            NativePtr.toNativeInt py,
            1
        )

/// Managed kernels: rows of the output are independent, so they are split across cores.
/// Arguments are pinned addresses (the public entry points pin the spans), so that
/// parallel workers can share them.
module internal ManagedBlas =
    /// Below this many multiply-adds a product runs on one thread.
    let parallelThreshold = 1L <<< 17

    let inline span (p: nativeint) (offset: int) (length: int) =
        Span<float>(NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<float> p) offset), length)

    let inline readOnly (p: nativeint) (offset: int) (length: int) =
        ReadOnlySpan<float>(NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<float> p) offset), length)

    let scale (beta: float) (row: Span<float>) =
        if beta = 0.0 then
            row.Clear()
        elif beta <> 1.0 then
            TensorPrimitives.Multiply(Span<float>.op_Implicit row, beta, row)

    /// Runs body over [0, count) in contiguous chunks, in parallel when the work is large.
    let forChunks (count: int) (work: int64) (body: int -> int -> unit) =
        let chunks =
            if work < parallelThreshold then
                1
            else
                min count Environment.ProcessorCount

        if chunks <= 1 then
            body 0 count
        else
            Parallel.For(
                0,
                chunks,
                fun chunk ->
                    let start = int (int64 count * int64 chunk / int64 chunks)
                    let stop = int (int64 count * int64 (chunk + 1) / int64 chunks)
                    body start stop
            )
            |> ignore

    /// C (m x n) <- alpha op(A) op(B) + beta C, row-major.
    let gemm
        (transA: bool)
        (transB: bool)
        (m: int)
        (n: int)
        (k: int)
        (alpha: float)
        (a: nativeint)
        (lda: int)
        (b: nativeint)
        (ldb: int)
        (beta: float)
        (c: nativeint)
        (ldc: int)
        =
        forChunks m (int64 m * int64 n * int64 k) (fun start stop ->
            for i in start .. stop - 1 do
                scale beta (span c (i * ldc) n)

            match transA, transB with
            | false, false ->
                // C[i,:] += alpha A[i,p] B[p,:]: contiguous multiply-adds over rows of B.
                for i in start .. stop - 1 do
                    let row = span c (i * ldc) n

                    for p in 0 .. k - 1 do
                        let s = alpha * (readOnly a (i * lda + p) 1)[0]

                        if s <> 0.0 then
                            TensorPrimitives.MultiplyAdd(readOnly b (p * ldb) n, s, Span<float>.op_Implicit row, row)
            | true, false ->
                // A is stored k x m: walk it row by row so reads stay contiguous.
                for p in 0 .. k - 1 do
                    let ap = readOnly a (p * lda) m
                    let bp = readOnly b (p * ldb) n

                    for i in start .. stop - 1 do
                        let s = alpha * ap[i]

                        if s <> 0.0 then
                            let row = span c (i * ldc) n
                            TensorPrimitives.MultiplyAdd(bp, s, Span<float>.op_Implicit row, row)
            | false, true ->
                // C[i,j] += alpha dot(A[i,:], B[j,:]): both operands contiguous.
                for i in start .. stop - 1 do
                    let row = span c (i * ldc) n
                    let ai = readOnly a (i * lda) k

                    for j in 0 .. n - 1 do
                        row[j] <- row[j] + alpha * TensorPrimitives.Dot(ai, readOnly b (j * ldb) k)
            | true, true ->
                for i in start .. stop - 1 do
                    let row = span c (i * ldc) n

                    for j in 0 .. n - 1 do
                        let bj = readOnly b (j * ldb) k
                        let mutable acc = 0.0

                        for p in 0 .. k - 1 do
                            acc <- acc + (readOnly a (p * lda + i) 1)[0] * bj[p]

                        row[j] <- row[j] + alpha * acc)

    /// y (length m for A m x n, or n when transposed) <- alpha op(A) x + beta y.
    let gemv
        (trans: bool)
        (m: int)
        (n: int)
        (alpha: float)
        (a: nativeint)
        (lda: int)
        (x: nativeint)
        (beta: float)
        (y: nativeint)
        =
        if not trans then
            forChunks m (int64 m * int64 n) (fun start stop ->
                let xs = readOnly x 0 n
                let ys = span y 0 m

                for i in start .. stop - 1 do
                    let dot = TensorPrimitives.Dot(readOnly a (i * lda) n, xs)
                    ys[i] <- (if beta = 0.0 then 0.0 else beta * ys[i]) + alpha * dot)
        else
            // y = A^T x sums scaled rows of A; each worker sums a block of rows into its own
            // partial vector, and the partials are added in a fixed order (deterministic).
            let chunks =
                if int64 m * int64 n < parallelThreshold then
                    1
                else
                    min m Environment.ProcessorCount

            let partials = Array.init chunks (fun _ -> Array.zeroCreate<float> n)

            let body chunk =
                let start = int (int64 m * int64 chunk / int64 chunks)
                let stop = int (int64 m * int64 (chunk + 1) / int64 chunks)
                let acc = Span<float>(partials[chunk])
                let xs = readOnly x 0 m

                for p in start .. stop - 1 do
                    let s = xs[p]

                    if s <> 0.0 then
                        TensorPrimitives.MultiplyAdd(readOnly a (p * lda) n, s, Span<float>.op_Implicit acc, acc)

            if chunks = 1 then
                body 0
            else
                Parallel.For(0, chunks, body) |> ignore

            let ys = span y 0 n
            scale beta ys

            for chunk in 0 .. chunks - 1 do
                TensorPrimitives.MultiplyAdd(
                    ReadOnlySpan<float>(partials[chunk]),
                    alpha,
                    Span<float>.op_Implicit ys,
                    ys
                )

/// Matrix products on row-major spans, dispatched once to native BLAS or managed code.
/// Set PERCEPTRON_KERNELS=managed to force the managed path.
module Kernels =
    let private forced =
        match Environment.GetEnvironmentVariable "PERCEPTRON_KERNELS" with
        | null -> None
        | v when v.Equals("managed", StringComparison.OrdinalIgnoreCase) -> Some Managed
        | v when v.Equals("native", StringComparison.OrdinalIgnoreCase) -> Some NativeBlas
        | _ -> None

    /// True when the system's OpenBLAS can be loaded.
    let nativeAvailable () = NativeBlas.available.Force()

    /// The provider selected at start-up: native BLAS when it loads, unless PERCEPTRON_KERNELS=managed.
    let provider =
        match forced with
        | Some Managed -> Managed
        | _ -> if nativeAvailable () then NativeBlas else Managed

    /// A one-line description of the provider, for `--version` and training output.
    let describe (p: KernelProvider) =
        match p with
        | NativeBlas -> "native BLAS (OpenBLAS, libopenblas.so.0)"
        | Managed -> "managed SIMD (System.Numerics.Tensors)"

    let private check name (needed: int64) (actual: int) =
        if int64 actual < needed then
            invalidArg name $"{name} holds {actual} values; the product needs at least {needed}"

    /// C (m x n) <- alpha op(A) op(B) + beta C on row-major spans, with the given provider.
    let gemmWith
        (p: KernelProvider)
        (
            transA: bool,
            transB: bool,
            m: int,
            n: int,
            k: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            b: ReadOnlySpan<float>,
            ldb: int,
            beta: float,
            c: Span<float>,
            ldc: int
        ) =
        if m > 0 && n > 0 then
            // With k = 0 nothing of A or B is read (C is only scaled), so empty operands are fine.
            if k > 0 then
                check
                    "a"
                    (int64 ((if transA then k else m) - 1) * int64 lda
                     + int64 (if transA then m else k))
                    a.Length

                check
                    "b"
                    (int64 ((if transB then n else k) - 1) * int64 ldb
                     + int64 (if transB then k else n))
                    b.Length

            check "c" (int64 (m - 1) * int64 ldc + int64 n) c.Length

            if k = 0 then
                for i in 0 .. m - 1 do
                    ManagedBlas.scale beta (c.Slice(i * ldc, n))
            else
                match p with
                | NativeBlas -> NativeBlas.gemm (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                | Managed ->
                    use pa = fixed a
                    use pb = fixed b
                    use pc = fixed c

                    ManagedBlas.gemm
                        transA
                        transB
                        m
                        n
                        k
                        alpha
                        (NativePtr.toNativeInt pa)
                        lda
                        (NativePtr.toNativeInt pb)
                        ldb
                        beta
                        (NativePtr.toNativeInt pc)
                        ldc

    /// y <- alpha op(A) x + beta y for a row-major m x n matrix A, with the given provider.
    let gemvWith
        (p: KernelProvider)
        (
            trans: bool,
            m: int,
            n: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            x: ReadOnlySpan<float>,
            beta: float,
            y: Span<float>
        ) =
        let xLength, yLength = if trans then m, n else n, m

        if m > 0 && n > 0 then
            check "a" (int64 (m - 1) * int64 lda + int64 n) a.Length
            check "x" (int64 xLength) x.Length
            check "y" (int64 yLength) y.Length

            match p with
            | NativeBlas -> NativeBlas.gemv (trans, m, n, alpha, a, lda, x, beta, y)
            | Managed ->
                use pa = fixed a
                use px = fixed x
                use py = fixed y

                ManagedBlas.gemv
                    trans
                    m
                    n
                    alpha
                    (NativePtr.toNativeInt pa)
                    lda
                    (NativePtr.toNativeInt px)
                    beta
                    (NativePtr.toNativeInt py)
        elif yLength > 0 then
            ManagedBlas.scale beta (y.Slice(0, yLength))

    /// C (m x n) <- alpha op(A) op(B) + beta C with the start-up provider.
    let gemm
        (
            transA: bool,
            transB: bool,
            m: int,
            n: int,
            k: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            b: ReadOnlySpan<float>,
            ldb: int,
            beta: float,
            c: Span<float>,
            ldc: int
        ) =
        gemmWith provider (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    /// y <- alpha op(A) x + beta y with the start-up provider.
    let gemv
        (
            trans: bool,
            m: int,
            n: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            x: ReadOnlySpan<float>,
            beta: float,
            y: Span<float>
        ) =
        gemvWith provider (trans, m, n, alpha, a, lda, x, beta, y)
