/// Managed GEMM. Panels of op(B) and op(A) are packed into aligned scratch (Packing.fs) and a
/// register-blocked micro-kernel computes MR x NR tiles of C with FMA on the selected vector width. Work
/// is split across cores only by tiles of C (never along k), and every element's summation order
/// depends on the shape alone, so results are bit-identical from run to run whatever the thread timing.
/// Arguments are pinned addresses (Kernels.gemm pins the spans), so that parallel workers can share them.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the kernels work on pinned buffers

open System
open System.Runtime.Intrinsics
open System.Threading.Tasks
open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// The managed matrix-matrix product.
module internal ManagedGemm =
    /// Products (multiply-adds) below this run on the calling thread.
    let parallelThreshold = 1L <<< 21

    /// Products (multiply-adds) from which a product is split when the team is awake anyway (Team.warm):
    /// the small products of a training step between its large ones.
    let warmThreshold = 1L <<< 16

    /// Largest k block: a packed kc x NR panel of B stays in L1 while A streams from L2.
    let kcMax = 256

    /// Columns of op(B) packed at once (a multiple of NR).
    let ncMax = 2048

    // ------------------------------------------------------------------ micro-kernels

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
    let private macro<'O, 'V when 'O :> IVectorOps<'V>>
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

    // ------------------------------------------------------------------ blocking

    /// C[i0..i1, j0..j1] for all of k, with k blocks of kc.
    let private block<'O, 'V when 'O :> IVectorOps<'V>>
        (transA: bool)
        (transB: bool)
        (k: int)
        (kc: int)
        (alpha: float)
        (a: nativeptr<float>)
        (lda: int)
        (b: nativeptr<float>)
        (ldb: int)
        (beta: float)
        (c: nativeptr<float>)
        (ldc: int)
        (i0: int)
        (i1: int)
        (j0: int)
        (j1: int)
        =
        let mr, nr = Tiles.mr<'O, 'V>(), Tiles.nr<'O, 'V>()
        let mcMax = Tiles.mcMax<'O, 'V>()
        let sizeA = min mcMax (roundUp (i1 - i0) mr) * kc
        let sizeB = min ncMax (roundUp (j1 - j0) nr) * kc
        let buffer = System.Buffers.ArrayPool<float>.Shared.Rent(sizeA + sizeB + 16)

        try
            use pinned = fixed buffer
            let pA = align64 pinned
            let pB = align64 (at pA sizeA)
            let mutable jc = j0

            while jc < j1 do
                let nc = min ncMax (j1 - jc)
                let mutable pc = 0

                while pc < k do
                    let kcur = min kc (k - pc)
                    Packing.packB<'O, 'V> transB b ldb pc kcur jc nc pB
                    let mutable ic = i0

                    while ic < i1 do
                        let mc = min mcMax (i1 - ic)
                        Packing.packA<'O, 'V> transA a lda ic mc pc kcur pA
                        macro<'O, 'V> kcur mc nc pA pB (at c (ic * ldc + jc)) ldc alpha beta (pc = 0)
                        ic <- ic + mc

                    pc <- pc + kcur

                jc <- jc + nc
        finally
            System.Buffers.ArrayPool<float>.Shared.Return buffer

    /// C (m x n) <- alpha op(A) op(B) + beta C, row-major, with the vector operations 'O.
    let private gemmOf<'O, 'V when 'O :> IVectorOps<'V>>
        (threads: int)
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
        if alpha = 0.0 then
            for i in 0 .. m - 1 do
                scale beta (span c (i * ldc) n)
        else
            // Balanced k blocks, from k alone: every element sums in the same order on any split.
            let kBlocks = (k + kcMax - 1) / kcMax
            let kc = (k + kBlocks - 1) / kBlocks
            let pa = NativePtr.ofNativeInt<float> a
            let pb = NativePtr.ofNativeInt<float> b
            let pc = NativePtr.ofNativeInt<float> c
            let mr, nr = Tiles.mr<'O, 'V>(), Tiles.nr<'O, 'V>()
            let panels = (n + nr - 1) / nr
            let slivers = (m + mr - 1) / mr
            let work = int64 m * int64 n * int64 k

            let chunks =
                if work < warmThreshold || (work < parallelThreshold && not (Team.warm ())) then
                    1
                else
                    min threads (max panels slivers)

            // Split the dimension whose largest chunk is the smaller share of the work (11 slivers of 12
            // rows on 2 cores give 6/11 to one; 8 panels give 4/8), the longer one on a tie.
            let largestShare units =
                float ((units + chunks - 1) / chunks) / float units

            let byPanels =
                let p, s = largestShare panels, largestShare slivers
                p < s || (p = s && panels >= slivers)

            if chunks <= 1 then
                block<'O, 'V> transA transB k kc alpha pa lda pb ldb beta pc ldc 0 m 0 n
            elif byPanels then
                Team.run chunks (fun t ->
                    let j0 = panels * t / chunks * nr
                    let j1 = min n (panels * (t + 1) / chunks * nr)

                    if j1 > j0 then
                        block<'O, 'V> transA transB k kc alpha pa lda pb ldb beta pc ldc 0 m j0 j1)
            else
                Team.run chunks (fun t ->
                    let i0 = slivers * t / chunks * mr
                    let i1 = min m (slivers * (t + 1) / chunks * mr)

                    if i1 > i0 then
                        block<'O, 'V> transA transB k kc alpha pa lda pb ldb beta pc ldc i0 i1 0 n)

    /// C (m x n) <- alpha op(A) op(B) + beta C, row-major, on the selected vector width, on at most
    /// `threads` threads (the bits do not depend on it).
    let gemmOn threads transA transB m n k alpha a lda b ldb beta c ldc =
        match Selection.simd with
        | Simd512 -> gemmOf<Ops512, Vector512<float>> threads transA transB m n k alpha a lda b ldb beta c ldc
        | Simd256 -> gemmOf<Ops256, Vector256<float>> threads transA transB m n k alpha a lda b ldb beta c ldc
        | Simd128 -> gemmOf<Ops128, Vector128<float>> threads transA transB m n k alpha a lda b ldb beta c ldc
        | Plain128 -> gemmOf<OpsPlain128, Vector128<float>> threads transA transB m n k alpha a lda b ldb beta c ldc

    /// C (m x n) <- alpha op(A) op(B) + beta C, row-major, on the selected vector width, on every core.
    let gemm transA transB m n k alpha a lda b ldb beta c ldc =
        gemmOn Environment.ProcessorCount transA transB m n k alpha a lda b ldb beta c ldc
