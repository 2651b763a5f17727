/// The managed GEMM's register tiles: micro-kernels that compute an MR x NR tile of C from slivers of op(A) and
/// panels of op(B), packed or read in place through their strides, with fused multiply-adds on the selected
/// vector width, and the macro-kernel that runs them over a block and adds the tiles into C (ManagedGemm.fs
/// does the blocking, the packing and the threads).
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the kernels work on pinned buffers

open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// Micro-kernels and the macro-kernel of the managed GEMM.
module internal GemmTiles =

    /// t (12 x 2w, row-major) <- sum over p < kc of A(r, p) * B(p, j), where A(r, p) is at a + r ra + p sa and
    /// row p of B (2w values) at b + p sb: packed slivers and panels (ra = 1, sa = 12, sb = 2w) or the
    /// operands in place (ManagedGemm.block).
    let inline private kernel12<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (a: nativeptr<float>)
        (ra: int)
        (sa: int)
        (b: nativeptr<float>)
        (sb: int)
        (t: nativeptr<float>)
        =
        let w = 'O.Width
        let mutable c0a = 'O.Zero
        let mutable c0b = 'O.Zero
        let mutable c1a = 'O.Zero
        let mutable c1b = 'O.Zero
        let mutable c2a = 'O.Zero
        let mutable c2b = 'O.Zero
        let mutable c3a = 'O.Zero
        let mutable c3b = 'O.Zero
        let mutable c4a = 'O.Zero
        let mutable c4b = 'O.Zero
        let mutable c5a = 'O.Zero
        let mutable c5b = 'O.Zero
        let mutable c6a = 'O.Zero
        let mutable c6b = 'O.Zero
        let mutable c7a = 'O.Zero
        let mutable c7b = 'O.Zero
        let mutable c8a = 'O.Zero
        let mutable c8b = 'O.Zero
        let mutable c9a = 'O.Zero
        let mutable c9b = 'O.Zero
        let mutable cAa = 'O.Zero
        let mutable cAb = 'O.Zero
        let mutable cBa = 'O.Zero
        let mutable cBb = 'O.Zero
        // Rows in groups of three off one pointer each: x86 addresses p, p + ra and p + 2 ra with index
        // registers, whatever the layout (packed: ra = 1; in place: ra = lda).
        let ra2 = 2 * ra
        let mutable p0 = a
        let mutable p3 = at a (3 * ra)
        let mutable p6 = at a (6 * ra)
        let mutable p9 = at a (9 * ra)
        let mutable pb = b

        for _ in 1..kc do
            let ba = 'O.Load pb
            let bb = 'O.Load(at pb w)
            let x = 'O.Splat(NativePtr.read p0)
            c0a <- 'O.MultiplyAdd(x, ba, c0a)
            c0b <- 'O.MultiplyAdd(x, bb, c0b)
            let x = 'O.Splat(NativePtr.get p0 ra)
            c1a <- 'O.MultiplyAdd(x, ba, c1a)
            c1b <- 'O.MultiplyAdd(x, bb, c1b)
            let x = 'O.Splat(NativePtr.get p0 ra2)
            c2a <- 'O.MultiplyAdd(x, ba, c2a)
            c2b <- 'O.MultiplyAdd(x, bb, c2b)
            let x = 'O.Splat(NativePtr.read p3)
            c3a <- 'O.MultiplyAdd(x, ba, c3a)
            c3b <- 'O.MultiplyAdd(x, bb, c3b)
            let x = 'O.Splat(NativePtr.get p3 ra)
            c4a <- 'O.MultiplyAdd(x, ba, c4a)
            c4b <- 'O.MultiplyAdd(x, bb, c4b)
            let x = 'O.Splat(NativePtr.get p3 ra2)
            c5a <- 'O.MultiplyAdd(x, ba, c5a)
            c5b <- 'O.MultiplyAdd(x, bb, c5b)
            let x = 'O.Splat(NativePtr.read p6)
            c6a <- 'O.MultiplyAdd(x, ba, c6a)
            c6b <- 'O.MultiplyAdd(x, bb, c6b)
            let x = 'O.Splat(NativePtr.get p6 ra)
            c7a <- 'O.MultiplyAdd(x, ba, c7a)
            c7b <- 'O.MultiplyAdd(x, bb, c7b)
            let x = 'O.Splat(NativePtr.get p6 ra2)
            c8a <- 'O.MultiplyAdd(x, ba, c8a)
            c8b <- 'O.MultiplyAdd(x, bb, c8b)
            let x = 'O.Splat(NativePtr.read p9)
            c9a <- 'O.MultiplyAdd(x, ba, c9a)
            c9b <- 'O.MultiplyAdd(x, bb, c9b)
            let x = 'O.Splat(NativePtr.get p9 ra)
            cAa <- 'O.MultiplyAdd(x, ba, cAa)
            cAb <- 'O.MultiplyAdd(x, bb, cAb)
            let x = 'O.Splat(NativePtr.get p9 ra2)
            cBa <- 'O.MultiplyAdd(x, ba, cBa)
            cBb <- 'O.MultiplyAdd(x, bb, cBb)
            p0 <- at p0 sa
            p3 <- at p3 sa
            p6 <- at p6 sa
            p9 <- at p9 sa
            pb <- at pb sb

        let n = 2 * w
        'O.Store(c0a, t)
        'O.Store(c0b, at t w)
        'O.Store(c1a, at t n)
        'O.Store(c1b, at t (n + w))
        'O.Store(c2a, at t (2 * n))
        'O.Store(c2b, at t (2 * n + w))
        'O.Store(c3a, at t (3 * n))
        'O.Store(c3b, at t (3 * n + w))
        'O.Store(c4a, at t (4 * n))
        'O.Store(c4b, at t (4 * n + w))
        'O.Store(c5a, at t (5 * n))
        'O.Store(c5b, at t (5 * n + w))
        'O.Store(c6a, at t (6 * n))
        'O.Store(c6b, at t (6 * n + w))
        'O.Store(c7a, at t (7 * n))
        'O.Store(c7b, at t (7 * n + w))
        'O.Store(c8a, at t (8 * n))
        'O.Store(c8b, at t (8 * n + w))
        'O.Store(c9a, at t (9 * n))
        'O.Store(c9b, at t (9 * n + w))
        'O.Store(cAa, at t (10 * n))
        'O.Store(cAb, at t (10 * n + w))
        'O.Store(cBa, at t (11 * n))
        'O.Store(cBb, at t (11 * n + w))

    /// kernel12's first 8 rows, for a last sliver of at most 8 rows (W2's 128 = 10 x 12 + 8), which kernel12
    /// would compute 12 rows of.
    let inline private kernel8<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (a: nativeptr<float>)
        (ra: int)
        (sa: int)
        (b: nativeptr<float>)
        (sb: int)
        (t: nativeptr<float>)
        =
        let w = 'O.Width
        let mutable c0a = 'O.Zero
        let mutable c0b = 'O.Zero
        let mutable c1a = 'O.Zero
        let mutable c1b = 'O.Zero
        let mutable c2a = 'O.Zero
        let mutable c2b = 'O.Zero
        let mutable c3a = 'O.Zero
        let mutable c3b = 'O.Zero
        let mutable c4a = 'O.Zero
        let mutable c4b = 'O.Zero
        let mutable c5a = 'O.Zero
        let mutable c5b = 'O.Zero
        let mutable c6a = 'O.Zero
        let mutable c6b = 'O.Zero
        let mutable c7a = 'O.Zero
        let mutable c7b = 'O.Zero
        // Rows in groups of three off one pointer each: x86 addresses p, p + ra and p + 2 ra with index
        // registers, whatever the layout (packed: ra = 1; in place: ra = lda).
        let ra2 = 2 * ra
        let mutable p0 = a
        let mutable p3 = at a (3 * ra)
        let mutable p6 = at a (6 * ra)
        let mutable pb = b

        for _ in 1..kc do
            let ba = 'O.Load pb
            let bb = 'O.Load(at pb w)
            let x = 'O.Splat(NativePtr.read p0)
            c0a <- 'O.MultiplyAdd(x, ba, c0a)
            c0b <- 'O.MultiplyAdd(x, bb, c0b)
            let x = 'O.Splat(NativePtr.get p0 ra)
            c1a <- 'O.MultiplyAdd(x, ba, c1a)
            c1b <- 'O.MultiplyAdd(x, bb, c1b)
            let x = 'O.Splat(NativePtr.get p0 ra2)
            c2a <- 'O.MultiplyAdd(x, ba, c2a)
            c2b <- 'O.MultiplyAdd(x, bb, c2b)
            let x = 'O.Splat(NativePtr.read p3)
            c3a <- 'O.MultiplyAdd(x, ba, c3a)
            c3b <- 'O.MultiplyAdd(x, bb, c3b)
            let x = 'O.Splat(NativePtr.get p3 ra)
            c4a <- 'O.MultiplyAdd(x, ba, c4a)
            c4b <- 'O.MultiplyAdd(x, bb, c4b)
            let x = 'O.Splat(NativePtr.get p3 ra2)
            c5a <- 'O.MultiplyAdd(x, ba, c5a)
            c5b <- 'O.MultiplyAdd(x, bb, c5b)
            let x = 'O.Splat(NativePtr.read p6)
            c6a <- 'O.MultiplyAdd(x, ba, c6a)
            c6b <- 'O.MultiplyAdd(x, bb, c6b)
            let x = 'O.Splat(NativePtr.get p6 ra)
            c7a <- 'O.MultiplyAdd(x, ba, c7a)
            c7b <- 'O.MultiplyAdd(x, bb, c7b)
            p0 <- at p0 sa
            p3 <- at p3 sa
            p6 <- at p6 sa
            pb <- at pb sb

        let n = 2 * w
        'O.Store(c0a, t)
        'O.Store(c0b, at t w)
        'O.Store(c1a, at t n)
        'O.Store(c1b, at t (n + w))
        'O.Store(c2a, at t (2 * n))
        'O.Store(c2b, at t (2 * n + w))
        'O.Store(c3a, at t (3 * n))
        'O.Store(c3b, at t (3 * n + w))
        'O.Store(c4a, at t (4 * n))
        'O.Store(c4b, at t (4 * n + w))
        'O.Store(c5a, at t (5 * n))
        'O.Store(c5b, at t (5 * n + w))
        'O.Store(c6a, at t (6 * n))
        'O.Store(c6b, at t (6 * n + w))
        'O.Store(c7a, at t (7 * n))
        'O.Store(c7b, at t (7 * n + w))

    /// t (6 x 2w, row-major) <- sum over p < kc of A(r, p) * B(p, j), laid out as for kernel12.
    let inline private kernel6<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (a: nativeptr<float>)
        (ra: int)
        (sa: int)
        (b: nativeptr<float>)
        (sb: int)
        (t: nativeptr<float>)
        =
        let w = 'O.Width
        let mutable c0a = 'O.Zero
        let mutable c0b = 'O.Zero
        let mutable c1a = 'O.Zero
        let mutable c1b = 'O.Zero
        let mutable c2a = 'O.Zero
        let mutable c2b = 'O.Zero
        let mutable c3a = 'O.Zero
        let mutable c3b = 'O.Zero
        let mutable c4a = 'O.Zero
        let mutable c4b = 'O.Zero
        let mutable c5a = 'O.Zero
        let mutable c5b = 'O.Zero
        // Rows in groups of three off one pointer each: x86 addresses p, p + ra and p + 2 ra with index
        // registers, whatever the layout (packed: ra = 1; in place: ra = lda).
        let ra2 = 2 * ra
        let mutable p0 = a
        let mutable p3 = at a (3 * ra)
        let mutable pb = b

        for _ in 1..kc do
            let ba = 'O.Load pb
            let bb = 'O.Load(at pb w)
            let x = 'O.Splat(NativePtr.read p0)
            c0a <- 'O.MultiplyAdd(x, ba, c0a)
            c0b <- 'O.MultiplyAdd(x, bb, c0b)
            let x = 'O.Splat(NativePtr.get p0 ra)
            c1a <- 'O.MultiplyAdd(x, ba, c1a)
            c1b <- 'O.MultiplyAdd(x, bb, c1b)
            let x = 'O.Splat(NativePtr.get p0 ra2)
            c2a <- 'O.MultiplyAdd(x, ba, c2a)
            c2b <- 'O.MultiplyAdd(x, bb, c2b)
            let x = 'O.Splat(NativePtr.read p3)
            c3a <- 'O.MultiplyAdd(x, ba, c3a)
            c3b <- 'O.MultiplyAdd(x, bb, c3b)
            let x = 'O.Splat(NativePtr.get p3 ra)
            c4a <- 'O.MultiplyAdd(x, ba, c4a)
            c4b <- 'O.MultiplyAdd(x, bb, c4b)
            let x = 'O.Splat(NativePtr.get p3 ra2)
            c5a <- 'O.MultiplyAdd(x, ba, c5a)
            c5b <- 'O.MultiplyAdd(x, bb, c5b)
            p0 <- at p0 sa
            p3 <- at p3 sa
            pb <- at pb sb

        let n = 2 * w
        'O.Store(c0a, t)
        'O.Store(c0b, at t w)
        'O.Store(c1a, at t n)
        'O.Store(c1b, at t (n + w))
        'O.Store(c2a, at t (2 * n))
        'O.Store(c2b, at t (2 * n + w))
        'O.Store(c3a, at t (3 * n))
        'O.Store(c3b, at t (3 * n + w))
        'O.Store(c4a, at t (4 * n))
        'O.Store(c4b, at t (4 * n + w))
        'O.Store(c5a, at t (5 * n))
        'O.Store(c5b, at t (5 * n + w))

    /// C tile (rows x cols) <- alpha t + beta C on the first k block, C + alpha t after it.
    let private writePartial
        (nr: int)
        (t: nativeptr<float>)
        (c: nativeptr<float>)
        (ldc: int)
        (rows: int)
        (cols: int)
        (alpha: float)
        (beta: float)
        (first: bool)
        =
        for r in 0 .. rows - 1 do
            let tr = at t (r * nr)
            let cr = at c (r * ldc)

            if not first then
                for j in 0 .. cols - 1 do
                    NativePtr.set cr j (NativePtr.get cr j + alpha * NativePtr.get tr j)
            elif beta = 0.0 then
                for j in 0 .. cols - 1 do
                    NativePtr.set cr j (alpha * NativePtr.get tr j)
            else
                for j in 0 .. cols - 1 do
                    NativePtr.set cr j (alpha * NativePtr.get tr j + beta * NativePtr.get cr j)

    /// writePartial for a full-width tile (two vectors a row), with the same two roundings.
    let inline private writeFull<'O, 'V when 'O :> IVectorOps<'V>>
        (t: nativeptr<float>)
        (c: nativeptr<float>)
        (ldc: int)
        (rows: int)
        (alpha: float)
        (beta: float)
        (first: bool)
        =
        let w = 'O.Width
        let va = 'O.Splat alpha
        let vb = 'O.Splat beta

        for r in 0 .. rows - 1 do
            let tr = at t (r * 2 * w)
            let cr = at c (r * ldc)
            let cw = at cr w
            let x0 = 'O.Multiply(va, 'O.Load tr)
            let x1 = 'O.Multiply(va, 'O.Load(at tr w))

            if not first then
                'O.Store('O.Add('O.Load cr, x0), cr)
                'O.Store('O.Add('O.Load cw, x1), cw)
            elif beta = 0.0 then
                'O.Store(x0, cr)
                'O.Store(x1, cw)
            else
                'O.Store('O.Add(x0, 'O.Multiply(vb, 'O.Load cr)), cr)
                'O.Store('O.Add(x1, 'O.Multiply(vb, 'O.Load cw)), cw)

    /// Runs the micro-kernel over every MR x NR tile of a block (mc x kc of op(A), kc x nc of op(B)) and adds
    /// the tiles into C. The sliver of rows from ir is at a + ir ai, its A(r, p) at + r ra + p sa; the panel
    /// of columns from jr is at b + jr bj, its rows sb apart. Packed: ra = 1, sa = MR, ai = kc, sb = NR,
    /// bj = kc. In place, every sliver must have MR rows (or 8, the last, on AVX-512) and every panel NR
    /// columns: the kernels read whole slivers and panels.
    let macro<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (mc: int)
        (nc: int)
        (a: nativeptr<float>)
        (ra: int)
        (sa: int)
        (ai: int)
        (b: nativeptr<float>)
        (sb: int)
        (bj: int)
        (c: nativeptr<float>)
        (ldc: int)
        (alpha: float)
        (beta: float)
        (first: bool)
        =
        let mr, nr = Tiles.mr<'O, 'V>(), Tiles.nr<'O, 'V>()
        // On the stack: also makes the JIT optimize this method at once (see optimizeNow).
        let tile = align64 (NativePtr.stackalloc<float>(mr * nr + 8))
        let mutable jr = 0

        while jr < nc do
            let cols = min nr (nc - jr)
            let panel = at b (jr * bj)
            let mutable ir = 0

            while ir < mc do
                let sliver = at a (ir * ai)

                if mr = 12 then
                    if mc - ir <= 8 then
                        kernel8<'O, 'V> kc sliver ra sa panel sb tile
                    else
                        kernel12<'O, 'V> kc sliver ra sa panel sb tile
                else
                    kernel6<'O, 'V> kc sliver ra sa panel sb tile

                let rows = min mr (mc - ir)
                let ct = at c (ir * ldc + jr)

                if cols = nr then
                    writeFull<'O, 'V> tile ct ldc rows alpha beta first
                else
                    writePartial nr tile ct ldc rows cols alpha beta first

                ir <- ir + mr

            jr <- jr + nr
