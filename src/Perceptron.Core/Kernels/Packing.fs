/// Packing for the managed GEMM: copies panels of op(B) and slivers of op(A) into contiguous, aligned
/// scratch in the order the micro-kernel reads them, transposing where op() asks (by 8 x 8 blocks of
/// AVX-512 shuffles on that width).
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the kernels work on pinned buffers

open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// The register tile of the GEMM micro-kernel for a vector width.
module internal Tiles =
    /// Rows of a micro-tile (broadcast operand): 12 on AVX-512 (32 registers), 6 otherwise (16).
    let inline mr<'O, 'V when 'O :> IVectorOps<'V>> () = if 'O.Width = 8 then 12 else 6

    /// Columns of a micro-tile: two vectors.
    let inline nr<'O, 'V when 'O :> IVectorOps<'V>> () = 2 * 'O.Width

    /// Rows of op(A) packed at once (a multiple of MR).
    let inline mcMax<'O, 'V when 'O :> IVectorOps<'V>> () = if 'O.Width = 8 then 144 else 96

/// Packing of the GEMM operands.
module internal Packing =
    /// Writes the transpose of the 8 x 8 block at src (rows ld apart) to dst (rows stride apart).
    let inline private transpose8 (src: nativeptr<float>) (ld: int) (dst: nativeptr<float>) (stride: int) =
        let r0 = Vector512.Load src
        let r1 = Vector512.Load(at src ld)
        let r2 = Vector512.Load(at src (2 * ld))
        let r3 = Vector512.Load(at src (3 * ld))
        let r4 = Vector512.Load(at src (4 * ld))
        let r5 = Vector512.Load(at src (5 * ld))
        let r6 = Vector512.Load(at src (6 * ld))
        let r7 = Vector512.Load(at src (7 * ld))
        let t0 = Avx512F.UnpackLow(r0, r1)
        let t1 = Avx512F.UnpackHigh(r0, r1)
        let t2 = Avx512F.UnpackLow(r2, r3)
        let t3 = Avx512F.UnpackHigh(r2, r3)
        let t4 = Avx512F.UnpackLow(r4, r5)
        let t5 = Avx512F.UnpackHigh(r4, r5)
        let t6 = Avx512F.UnpackLow(r6, r7)
        let t7 = Avx512F.UnpackHigh(r6, r7)
        let u0 = Avx512F.Shuffle4x128(t0, t2, 0x88uy)
        let u1 = Avx512F.Shuffle4x128(t0, t2, 0xDDuy)
        let u2 = Avx512F.Shuffle4x128(t1, t3, 0x88uy)
        let u3 = Avx512F.Shuffle4x128(t1, t3, 0xDDuy)
        let u4 = Avx512F.Shuffle4x128(t4, t6, 0x88uy)
        let u5 = Avx512F.Shuffle4x128(t4, t6, 0xDDuy)
        let u6 = Avx512F.Shuffle4x128(t5, t7, 0x88uy)
        let u7 = Avx512F.Shuffle4x128(t5, t7, 0xDDuy)
        Vector512.Store(Avx512F.Shuffle4x128(u0, u4, 0x88uy), dst)
        Vector512.Store(Avx512F.Shuffle4x128(u2, u6, 0x88uy), at dst stride)
        Vector512.Store(Avx512F.Shuffle4x128(u1, u5, 0x88uy), at dst (2 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u3, u7, 0x88uy), at dst (3 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u0, u4, 0xDDuy), at dst (4 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u2, u6, 0xDDuy), at dst (5 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u1, u5, 0xDDuy), at dst (6 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u3, u7, 0xDDuy), at dst (7 * stride))

    /// Writes the transpose of the 4 x 8 block at src (rows ld apart) to dst (8 rows of 4, stride apart).
    let inline private transpose4x8 (src: nativeptr<float>) (ld: int) (dst: nativeptr<float>) (stride: int) =
        let r0 = Vector512.Load src
        let r1 = Vector512.Load(at src ld)
        let r2 = Vector512.Load(at src (2 * ld))
        let r3 = Vector512.Load(at src (3 * ld))
        let t0 = Avx512F.UnpackLow(r0, r1)
        let t1 = Avx512F.UnpackHigh(r0, r1)
        let t2 = Avx512F.UnpackLow(r2, r3)
        let t3 = Avx512F.UnpackHigh(r2, r3)
        // Lanes (2 doubles) of u: column pairs 0|4 in u0, 2|6 in u1, 1|5 in u2, 3|7 in u3.
        let u0 = Avx512F.Shuffle4x128(t0, t2, 0x88uy)
        let u1 = Avx512F.Shuffle4x128(t0, t2, 0xDDuy)
        let u2 = Avx512F.Shuffle4x128(t1, t3, 0x88uy)
        let u3 = Avx512F.Shuffle4x128(t1, t3, 0xDDuy)
        // u0 = [a00 a10 | a04 a14 | a20 a30 | a24 a34]: columns 0 and 4 are lanes (0, 2) and (1, 3).
        let v0 = Avx512F.Shuffle4x128(u0, u0, 0x88uy)
        let v4 = Avx512F.Shuffle4x128(u0, u0, 0xDDuy)
        let v2 = Avx512F.Shuffle4x128(u1, u1, 0x88uy)
        let v6 = Avx512F.Shuffle4x128(u1, u1, 0xDDuy)
        let v1 = Avx512F.Shuffle4x128(u2, u2, 0x88uy)
        let v5 = Avx512F.Shuffle4x128(u2, u2, 0xDDuy)
        let v3 = Avx512F.Shuffle4x128(u3, u3, 0x88uy)
        let v7 = Avx512F.Shuffle4x128(u3, u3, 0xDDuy)
        Vector256.Store(v0.GetLower(), dst)
        Vector256.Store(v1.GetLower(), at dst stride)
        Vector256.Store(v2.GetLower(), at dst (2 * stride))
        Vector256.Store(v3.GetLower(), at dst (3 * stride))
        Vector256.Store(v4.GetLower(), at dst (4 * stride))
        Vector256.Store(v5.GetLower(), at dst (5 * stride))
        Vector256.Store(v6.GetLower(), at dst (6 * stride))
        Vector256.Store(v7.GetLower(), at dst (7 * stride))

    /// Packs op(B)[pc .. pc+kc, jc .. jc+nc] as panels of NR columns: panel s holds kc rows of NR
    /// values (zero beyond column nc).
    let packB<'O, 'V when 'O :> IVectorOps<'V>>
        (transB: bool)
        (b: nativeptr<float>)
        (ldb: int)
        (pc: int)
        (kc: int)
        (jc: int)
        (nc: int)
        (dst: nativeptr<float>)
        =
        optimizeNow ()
        let nr = Tiles.nr<'O, 'V>()
        let is512 = 'O.Width = 8
        let panels = (nc + nr - 1) / nr

        for s in 0 .. panels - 1 do
            let j = jc + s * nr
            let w = min nr (nc - s * nr)
            let d = at dst (s * kc * nr)

            if not transB then
                // op(B)[p, j] = B[p, j]: rows of the panel are contiguous.
                if is512 && w = nr then
                    for p in 0 .. kc - 1 do
                        let src = at b ((pc + p) * ldb + j)
                        let dp = at d (p * nr)
                        Vector512.Store(Vector512.Load src, dp)
                        Vector512.Store(Vector512.Load(at src 8), at dp 8)
                else
                    for p in 0 .. kc - 1 do
                        let src = at b ((pc + p) * ldb + j)
                        let dp = at d (p * nr)

                        for q in 0 .. w - 1 do
                            NativePtr.set dp q (NativePtr.get src q)

                        for q in w .. nr - 1 do
                            NativePtr.set dp q 0.0
            else
                // op(B)[p, j + q] = B[j + q, p]: a transpose, by 8 x 8 blocks where they fit.
                let mutable q0 = 0

                if is512 then
                    while q0 + 8 <= w do
                        let src = at b ((j + q0) * ldb + pc)
                        let mutable p = 0

                        while p + 8 <= kc do
                            transpose8 (at src p) ldb (at d (p * nr + q0)) nr
                            p <- p + 8

                        for q in q0 .. q0 + 7 do
                            let row = at b ((j + q) * ldb + pc)

                            for p in p .. kc - 1 do
                                NativePtr.set d (p * nr + q) (NativePtr.get row p)

                        q0 <- q0 + 8

                for q in q0 .. w - 1 do
                    let src = at b ((j + q) * ldb + pc)

                    for p in 0 .. kc - 1 do
                        NativePtr.set d (p * nr + q) (NativePtr.get src p)

                for q in w .. nr - 1 do
                    for p in 0 .. kc - 1 do
                        NativePtr.set d (p * nr + q) 0.0

    /// Packs op(A)[ic .. ic+mc, pc .. pc+kc] as slivers of MR rows: sliver s holds kc columns of
    /// MR values (zero beyond row mc).
    let packA<'O, 'V when 'O :> IVectorOps<'V>>
        (transA: bool)
        (a: nativeptr<float>)
        (lda: int)
        (ic: int)
        (mc: int)
        (pc: int)
        (kc: int)
        (dst: nativeptr<float>)
        =
        optimizeNow ()
        let mr = Tiles.mr<'O, 'V>()
        let is512 = 'O.Width = 8
        let slivers = (mc + mr - 1) / mr

        for s in 0 .. slivers - 1 do
            let i = ic + s * mr
            let h = min mr (mc - s * mr)
            let d = at dst (s * kc * mr)

            if transA then
                // op(A)[i + r, p] = A[p, i + r]: contiguous.
                if is512 && h = mr then
                    for p in 0 .. kc - 1 do
                        let src = at a ((pc + p) * lda + i)
                        let dp = at d (p * mr)
                        Vector512.Store(Vector512.Load src, dp)
                        Vector256.Store(Vector256.Load(at src 8), at dp 8)
                else
                    for p in 0 .. kc - 1 do
                        let src = at a ((pc + p) * lda + i)
                        let dp = at d (p * mr)

                        for r in 0 .. h - 1 do
                            NativePtr.set dp r (NativePtr.get src r)

                        for r in h .. mr - 1 do
                            NativePtr.set dp r 0.0
            else
                // op(A)[i + r, p] = A[i + r, p]: a transpose, by 8 x 8 and 4 x 8 blocks where they fit.
                let mutable p0 = 0

                if is512 && h = mr then
                    let src = at a (i * lda + pc)

                    while p0 + 8 <= kc do
                        transpose8 (at src p0) lda (at d (p0 * mr)) mr
                        transpose4x8 (at src (8 * lda + p0)) lda (at d (p0 * mr + 8)) mr
                        p0 <- p0 + 8

                for r in 0 .. h - 1 do
                    let src = at a ((i + r) * lda + pc)

                    for p in p0 .. kc - 1 do
                        NativePtr.set d (p * mr + r) (NativePtr.get src p)

                for r in h .. mr - 1 do
                    for p in 0 .. kc - 1 do
                        NativePtr.set d (p * mr + r) 0.0
