/// The managed GEMM's register tiles: micro-kernels that compute an MR x NR tile of C from packed panels
/// with fused multiply-adds on the selected vector width, and the macro-kernel that runs them over a packed
/// block and adds the tiles into C (ManagedGemm.fs does the blocking, the packing and the threads).
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the kernels work on pinned buffers

open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// Micro-kernels and the macro-kernel of the managed GEMM.
module internal GemmTiles =

    /// t (12 x 2w, row-major) <- sum over p < kc of a[p*12 + r] * b[p*2w + j].
    let inline private kernel12<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (a: nativeptr<float>)
        (b: nativeptr<float>)
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
        let mutable pa = a
        let mutable pb = b

        for _ in 1..kc do
            let ba = 'O.Load pb
            let bb = 'O.Load(at pb w)
            let x = 'O.Splat(NativePtr.read pa)
            c0a <- 'O.MultiplyAdd(x, ba, c0a)
            c0b <- 'O.MultiplyAdd(x, bb, c0b)
            let x = 'O.Splat(NativePtr.get pa 1)
            c1a <- 'O.MultiplyAdd(x, ba, c1a)
            c1b <- 'O.MultiplyAdd(x, bb, c1b)
            let x = 'O.Splat(NativePtr.get pa 2)
            c2a <- 'O.MultiplyAdd(x, ba, c2a)
            c2b <- 'O.MultiplyAdd(x, bb, c2b)
            let x = 'O.Splat(NativePtr.get pa 3)
            c3a <- 'O.MultiplyAdd(x, ba, c3a)
            c3b <- 'O.MultiplyAdd(x, bb, c3b)
            let x = 'O.Splat(NativePtr.get pa 4)
            c4a <- 'O.MultiplyAdd(x, ba, c4a)
            c4b <- 'O.MultiplyAdd(x, bb, c4b)
            let x = 'O.Splat(NativePtr.get pa 5)
            c5a <- 'O.MultiplyAdd(x, ba, c5a)
            c5b <- 'O.MultiplyAdd(x, bb, c5b)
            let x = 'O.Splat(NativePtr.get pa 6)
            c6a <- 'O.MultiplyAdd(x, ba, c6a)
            c6b <- 'O.MultiplyAdd(x, bb, c6b)
            let x = 'O.Splat(NativePtr.get pa 7)
            c7a <- 'O.MultiplyAdd(x, ba, c7a)
            c7b <- 'O.MultiplyAdd(x, bb, c7b)
            let x = 'O.Splat(NativePtr.get pa 8)
            c8a <- 'O.MultiplyAdd(x, ba, c8a)
            c8b <- 'O.MultiplyAdd(x, bb, c8b)
            let x = 'O.Splat(NativePtr.get pa 9)
            c9a <- 'O.MultiplyAdd(x, ba, c9a)
            c9b <- 'O.MultiplyAdd(x, bb, c9b)
            let x = 'O.Splat(NativePtr.get pa 10)
            cAa <- 'O.MultiplyAdd(x, ba, cAa)
            cAb <- 'O.MultiplyAdd(x, bb, cAb)
            let x = 'O.Splat(NativePtr.get pa 11)
            cBa <- 'O.MultiplyAdd(x, ba, cBa)
            cBb <- 'O.MultiplyAdd(x, bb, cBb)
            pa <- at pa 12
            pb <- at pb (2 * w)

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

    /// t (8 x 2w, row-major) <- sum over p < kc of a[p*12 + r] * b[p*2w + j]: kernel12's first 8 rows, for
    /// a last sliver of at most 8 rows (W2's 128 = 10 x 12 + 8), which kernel12 would compute 12 rows of.
    let inline private kernel8<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (a: nativeptr<float>)
        (b: nativeptr<float>)
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
        let mutable pa = a
        let mutable pb = b

        for _ in 1..kc do
            let ba = 'O.Load pb
            let bb = 'O.Load(at pb w)
            let x = 'O.Splat(NativePtr.read pa)
            c0a <- 'O.MultiplyAdd(x, ba, c0a)
            c0b <- 'O.MultiplyAdd(x, bb, c0b)
            let x = 'O.Splat(NativePtr.get pa 1)
            c1a <- 'O.MultiplyAdd(x, ba, c1a)
            c1b <- 'O.MultiplyAdd(x, bb, c1b)
            let x = 'O.Splat(NativePtr.get pa 2)
            c2a <- 'O.MultiplyAdd(x, ba, c2a)
            c2b <- 'O.MultiplyAdd(x, bb, c2b)
            let x = 'O.Splat(NativePtr.get pa 3)
            c3a <- 'O.MultiplyAdd(x, ba, c3a)
            c3b <- 'O.MultiplyAdd(x, bb, c3b)
            let x = 'O.Splat(NativePtr.get pa 4)
            c4a <- 'O.MultiplyAdd(x, ba, c4a)
            c4b <- 'O.MultiplyAdd(x, bb, c4b)
            let x = 'O.Splat(NativePtr.get pa 5)
            c5a <- 'O.MultiplyAdd(x, ba, c5a)
            c5b <- 'O.MultiplyAdd(x, bb, c5b)
            let x = 'O.Splat(NativePtr.get pa 6)
            c6a <- 'O.MultiplyAdd(x, ba, c6a)
            c6b <- 'O.MultiplyAdd(x, bb, c6b)
            let x = 'O.Splat(NativePtr.get pa 7)
            c7a <- 'O.MultiplyAdd(x, ba, c7a)
            c7b <- 'O.MultiplyAdd(x, bb, c7b)
            pa <- at pa 12
            pb <- at pb (2 * w)

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

    /// t (6 x 2w, row-major) <- sum over p < kc of a[p*6 + r] * b[p*2w + j].
    let inline private kernel6<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (a: nativeptr<float>)
        (b: nativeptr<float>)
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
        let mutable pa = a
        let mutable pb = b

        for _ in 1..kc do
            let ba = 'O.Load pb
            let bb = 'O.Load(at pb w)
            let x = 'O.Splat(NativePtr.read pa)
            c0a <- 'O.MultiplyAdd(x, ba, c0a)
            c0b <- 'O.MultiplyAdd(x, bb, c0b)
            let x = 'O.Splat(NativePtr.get pa 1)
            c1a <- 'O.MultiplyAdd(x, ba, c1a)
            c1b <- 'O.MultiplyAdd(x, bb, c1b)
            let x = 'O.Splat(NativePtr.get pa 2)
            c2a <- 'O.MultiplyAdd(x, ba, c2a)
            c2b <- 'O.MultiplyAdd(x, bb, c2b)
            let x = 'O.Splat(NativePtr.get pa 3)
            c3a <- 'O.MultiplyAdd(x, ba, c3a)
            c3b <- 'O.MultiplyAdd(x, bb, c3b)
            let x = 'O.Splat(NativePtr.get pa 4)
            c4a <- 'O.MultiplyAdd(x, ba, c4a)
            c4b <- 'O.MultiplyAdd(x, bb, c4b)
            let x = 'O.Splat(NativePtr.get pa 5)
            c5a <- 'O.MultiplyAdd(x, ba, c5a)
            c5b <- 'O.MultiplyAdd(x, bb, c5b)
            pa <- at pa 6
            pb <- at pb (2 * w)

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

    /// Runs the micro-kernel over every MR x NR tile of a packed block (mc x kc of A, kc x nc
    /// of B) and adds the tiles into C.
    let macro<'O, 'V when 'O :> IVectorOps<'V>>
        (kc: int)
        (mc: int)
        (nc: int)
        (pA: nativeptr<float>)
        (pB: nativeptr<float>)
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
            let panel = at pB (jr * kc)
            let mutable ir = 0

            while ir < mc do
                if mr = 12 then
                    if mc - ir <= 8 then
                        kernel8<'O, 'V> kc (at pA (ir * kc)) panel tile
                    else
                        kernel12<'O, 'V> kc (at pA (ir * kc)) panel tile
                else
                    kernel6<'O, 'V> kc (at pA (ir * kc)) panel tile

                let rows = min mr (mc - ir)
                let ct = at c (ir * ldc + jr)

                if cols = nr then
                    writeFull<'O, 'V> tile ct ldc rows alpha beta first
                else
                    writePartial nr tile ct ldc rows cols alpha beta first

                ir <- ir + mr

            jr <- jr + nr
