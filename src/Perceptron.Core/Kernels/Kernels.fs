/// The seam between the formulation and the matrix kernels: products on row-major spans, checked, then
/// run by the provider the selection (Selection.fs) chose, and the one public description of that choice.
namespace Perceptron.Core

#nowarn "9" // native pointers: spans pinned for the managed kernels

open System
open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// Matrix products on row-major spans, dispatched to native BLAS or managed code (see Selection.fs);
/// `summary` says which kernels run.
module Kernels =
    /// A one-line description of the provider, for `--version` and training output.
    let internal describe (p: KernelProvider) =
        match p with
        | NativeBlas ->
            match NativeBlas.coreName.Force() with
            | Some core -> $"native BLAS (OpenBLAS, libopenblas.so.0, {core} kernels)"
            | None -> "native BLAS (OpenBLAS, libopenblas.so.0)"
        | Managed ->
            match Selection.simd with
            | Simd512 -> "managed SIMD (AVX-512)"
            | Simd256 -> "managed SIMD (AVX2)"
            | Simd128
            | Plain128 -> "managed SIMD (128-bit vectors)"

    /// The description of a selection, followed by the environment values it ignored.
    let internal withIgnored (description: string) (ignored: string list) =
        match ignored with
        | [] -> description
        | problems -> $"""{description}; ignored: {String.Join("; ", problems)}"""

    /// What the selection uses, per kind of product (products of at most Selection.smallProduct multiply-adds
    /// run managed whatever it says), for `--version` and training output.
    let summary () =
        let description =
            let provider = Selection.provider ()
            let gemmProvider = Selection.gemmProvider ()

            if gemmProvider <> provider then
                $"{describe provider} for matrix-vector products, {describe gemmProvider} "
                + "for matrix products and the transposed product of a tall matrix"
            elif
                gemmProvider = NativeBlas
                && Selection.gemmRunsManaged Selection.forced Selection.simd Selection.teamProduct
            then
                $"{describe provider}, {describe Managed} for matrix products of up to "
                + $"{Selection.teamProduct} multiply-adds"
            else
                describe provider

        withIgnored description Selection.ignored

    let private check name (needed: int64) (actual: int) =
        if int64 actual < needed then
            invalidArg name $"{name} holds {actual} values; the product needs at least {needed}"

    /// The operands of an m x n x k product hold what it reads. With k = 0 nothing of A or B is read (C is
    /// only scaled), so empty operands are fine.
    let private checkOperands transA transB m n k aLength lda bLength ldb cLength ldc =
        if k > 0 then
            check
                "a"
                (int64 ((if transA then k else m) - 1) * int64 lda
                 + int64 (if transA then m else k))
                aLength

            check
                "b"
                (int64 ((if transB then n else k) - 1) * int64 ldb
                 + int64 (if transB then k else n))
                bLength

        check "c" (int64 (m - 1) * int64 ldc + int64 n) cLength

    /// C (m x n) <- alpha op(A) op(B) + beta C on row-major spans, with the given provider; a managed product
    /// on at most `threads` threads (the bits do not depend on them).
    let private gemmOn
        (threads: int)
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
            checkOperands transA transB m n k a.Length lda b.Length ldb c.Length ldc

            if k = 0 then
                for i in 0 .. m - 1 do
                    scale beta (c.Slice(i * ldc, n))
            else
                match p with
                | NativeBlas -> NativeBlas.gemm (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                | Managed ->
                    use pa = fixed a
                    use pb = fixed b
                    use pc = fixed c

                    ManagedGemm.gemmOn
                        threads
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

    /// C (m x n) <- alpha op(A) op(B) + beta C on row-major spans, with the given provider (a managed product
    /// on every core).
    let internal gemmWith
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
        gemmOn Environment.ProcessorCount p (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    /// y <- alpha op(A) x + beta y for a row-major m x n matrix A, with the given provider.
    let internal gemvWith
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

                ManagedGemv.gemv
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
            scale beta (y.Slice(0, yLength))

    /// C (m x n) <- alpha op(A) op(B) + beta C with the provider of matrix products of its shape.
    let internal gemm
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
        gemmWith (Selection.gemmProviderFor m n k) (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    /// Whether a matrix product of this shape runs managed (then gemmOnCaller keeps it on the calling thread).
    let internal gemmIsManaged (m: int) (n: int) (k: int) =
        Selection.gemmProviderFor m n k = Managed

    /// gemm on the calling thread alone where the product runs managed (the bits do not depend on the
    /// threads), for a chunk of a team job that runs beside another product; native BLAS as gemm otherwise.
    let internal gemmOnCaller
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
        gemmOn 1 (Selection.gemmProviderFor m n k) (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    /// y <- alpha op(A) x + beta y with the provider of matrix-vector products of its shape.
    let internal gemv
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
        gemvWith (Selection.gemvProvider trans m n) (trans, m, n, alpha, a, lda, x, beta, y)
