/// Managed GEMV: y = A x as dot products of rows, four rows at a time; y = A^T x as sums of scaled rows
/// (by blocks of rows with partial sums added in a fixed order, or by blocks of columns on wide
/// matrices). Splits depend on the shape alone, so results are bit-identical whatever the thread timing.
/// `dotRows` and `axpyRows` (and their copies that prefetch in step) are also the two halves of the one-pass
/// logistic kernel.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the kernels work on pinned buffers

open System
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open System.Runtime.CompilerServices
open System.Threading.Tasks
open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// The managed matrix-vector product.
module internal ManagedGemv =
    /// GEMV elements below this run on the calling thread.
    let parallelThreshold = 1L <<< 18

    /// Asks for the cache lines of [p, p + length) to be brought into L2 (no-op without SSE).
    let inline private prefetch (p: nativeptr<float>) (length: int) =
        if Sse.IsSupported then
            let mutable k = 0

            while k < length do
                Sse.Prefetch1(NativePtr.toVoidPtr (at p k))
                k <- k + 8

    /// The share of `ahead` values to prefetch before each group of four of `rows` rows, whole cache lines.
    let private prefetchSlice (rows: int) (ahead: int) =
        let groups = max 1 (rows / 4)
        ((ahead + groups - 1) / groups + 7) / 8 * 8

    /// The lanes of an AVX-512 accumulator summed as one tree: lane i with lane i + 4, then i with i + 2,
    /// then the two left. `sum4` sums four accumulators by the same tree, so a row gets the same bits in a
    /// group of four or alone. Narrower vectors keep their own Sum, which is cheap enough.
    let inline private half (v: Vector512<float>) =
        Vector512.GetLower v + Vector512.GetUpper v

    let inline private sumTree (v: Vector512<float>) =
        let t = half v
        let u = Vector256.GetLower t + Vector256.GetUpper t
        u.ToScalar() + u.GetElement 1

    /// Four accumulators' sums in one shuffle tree: rows 0, 2, 1, 3 in lanes 0 .. 3.
    let inline private sum4
        (s0: Vector512<float>)
        (s1: Vector512<float>)
        (s2: Vector512<float>)
        (s3: Vector512<float>)
        =
        let t0, t1, t2, t3 = half s0, half s1, half s2, half s3
        let u01 = Avx.Permute2x128(t0, t1, 0x20uy) + Avx.Permute2x128(t0, t1, 0x31uy)
        let u23 = Avx.Permute2x128(t2, t3, 0x20uy) + Avx.Permute2x128(t2, t3, 0x31uy)
        Avx.HorizontalAdd(u01, u23)

    /// An accumulator of width 'O.Width = 8 as the Vector512 it is.
    let inline private wide<'V> (v: 'V) =
        let mutable copy = v
        Unsafe.As<'V, Vector512<float>>(&copy)

    /// The sum of an accumulator's lanes, by sumTree on AVX-512.
    let inline private lanes<'O, 'V when 'O :> IVectorOps<'V>> (v: 'V) =
        if 'O.Width = 8 && Avx.IsSupported then
            sumTree (wide v)
        else
            'O.Sum v

    /// y[i] <- alpha dot(A[i, :], x) + beta y[i] for rows i0 .. i1, four rows at a time. Each row
    /// is summed the same way (vector lanes, then the lanes, then the tail) in a group or alone. Meanwhile
    /// `ahead` values from `next` are prefetched into L2, a slice per group of rows (0: none), for the
    /// one-pass kernel, whose next block would otherwise wait for memory that idles through these sums.
    let dotRows<'O, 'V when 'O :> IVectorOps<'V>>
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (n: int)
        (alpha: float)
        (beta: float)
        (y: nativeptr<float>)
        (i0: int)
        (i1: int)
        (next: nativeptr<float>)
        (ahead: int)
        =
        optimizeNow ()
        let w = 'O.Width
        let full = n - n % w
        let slice = prefetchSlice (i1 - i0) ahead
        let mutable fetched = 0

        let inline finish (i: int) (d: float) =
            NativePtr.set
                y
                i
                (if beta = 0.0 then
                     alpha * d
                 else
                     alpha * d + beta * NativePtr.get y i)

        let mutable i = i0

        while i + 4 <= i1 do
            if fetched < ahead then
                prefetch (at next fetched) (min slice (ahead - fetched))
                fetched <- fetched + slice

            let r0 = at a (i * lda)
            let r1 = at r0 lda
            let r2 = at r1 lda
            let r3 = at r2 lda
            let mutable s0 = 'O.Zero
            let mutable s1 = 'O.Zero
            let mutable s2 = 'O.Zero
            let mutable s3 = 'O.Zero
            let mutable j = 0

            while j < full do
                let xv = 'O.Load(at x j)
                s0 <- 'O.MultiplyAdd('O.Load(at r0 j), xv, s0)
                s1 <- 'O.MultiplyAdd('O.Load(at r1 j), xv, s1)
                s2 <- 'O.MultiplyAdd('O.Load(at r2 j), xv, s2)
                s3 <- 'O.MultiplyAdd('O.Load(at r3 j), xv, s3)
                j <- j + w

            let mutable d0 = 0.0
            let mutable d1 = 0.0
            let mutable d2 = 0.0
            let mutable d3 = 0.0

            if 'O.Width = 8 && Avx.IsSupported then
                let v = sum4 (wide s0) (wide s1) (wide s2) (wide s3)
                d0 <- v.ToScalar()
                d1 <- v.GetElement 2
                d2 <- v.GetElement 1
                d3 <- v.GetElement 3
            else
                d0 <- 'O.Sum s0
                d1 <- 'O.Sum s1
                d2 <- 'O.Sum s2
                d3 <- 'O.Sum s3

            for j in full .. n - 1 do
                let xj = NativePtr.get x j
                d0 <- d0 + NativePtr.get r0 j * xj
                d1 <- d1 + NativePtr.get r1 j * xj
                d2 <- d2 + NativePtr.get r2 j * xj
                d3 <- d3 + NativePtr.get r3 j * xj

            finish i d0
            finish (i + 1) d1
            finish (i + 2) d2
            finish (i + 3) d3
            i <- i + 4

        if fetched < ahead then
            prefetch (at next fetched) (ahead - fetched)

        while i < i1 do
            let r0 = at a (i * lda)
            let mutable s0 = 'O.Zero
            let mutable j = 0

            while j < full do
                s0 <- 'O.MultiplyAdd('O.Load(at r0 j), 'O.Load(at x j), s0)
                j <- j + w

            let mutable d0 = lanes<'O, 'V> s0

            for j in full .. n - 1 do
                d0 <- d0 + NativePtr.get r0 j * NativePtr.get x j

            finish i d0
            i <- i + 1

    /// acc[0 .. n) += x[p] A[p, :] for rows p0 .. p1 in order, four rows per pass over acc. Each
    /// element gets the same sequence of operations in a group or alone. Prefetches `ahead` values from
    /// `next` as dotRows does (0: none).
    let axpyRows<'O, 'V when 'O :> IVectorOps<'V>>
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (n: int)
        (acc: nativeptr<float>)
        (p0: int)
        (p1: int)
        (next: nativeptr<float>)
        (ahead: int)
        =
        optimizeNow ()
        let w = 'O.Width
        let full = n - n % w
        let slice = prefetchSlice (p1 - p0) ahead
        let mutable fetched = 0
        let mutable p = p0

        while p + 4 <= p1 do
            if fetched < ahead then
                prefetch (at next fetched) (min slice (ahead - fetched))
                fetched <- fetched + slice

            let r0 = at a (p * lda)
            let r1 = at r0 lda
            let r2 = at r1 lda
            let r3 = at r2 lda
            let x0 = NativePtr.get x p
            let x1 = NativePtr.get x (p + 1)
            let x2 = NativePtr.get x (p + 2)
            let x3 = NativePtr.get x (p + 3)
            let v0 = 'O.Splat x0
            let v1 = 'O.Splat x1
            let v2 = 'O.Splat x2
            let v3 = 'O.Splat x3
            let mutable j = 0

            while j < full do
                let mutable s = 'O.Load(at acc j)
                s <- 'O.MultiplyAdd(v0, 'O.Load(at r0 j), s)
                s <- 'O.MultiplyAdd(v1, 'O.Load(at r1 j), s)
                s <- 'O.MultiplyAdd(v2, 'O.Load(at r2 j), s)
                s <- 'O.MultiplyAdd(v3, 'O.Load(at r3 j), s)
                'O.Store(s, at acc j)
                j <- j + w

            // The tail's first four columns on 256-bit vectors when the rows have them, with the scalar
            // loop's operations: each product rounded, then added, in row order (so the same bits).
            let mutable tail = full

            if w = 8 && n - full >= 4 && Avx.IsSupported then
                let mutable s = Vector256.Load(at acc full)
                s <- s + Vector256.Create x0 * Vector256.Load(at r0 full)
                s <- s + Vector256.Create x1 * Vector256.Load(at r1 full)
                s <- s + Vector256.Create x2 * Vector256.Load(at r2 full)
                s <- s + Vector256.Create x3 * Vector256.Load(at r3 full)
                Vector256.Store(s, at acc full)
                tail <- full + 4

            for j in tail .. n - 1 do
                let mutable s = NativePtr.get acc j
                s <- s + x0 * NativePtr.get r0 j
                s <- s + x1 * NativePtr.get r1 j
                s <- s + x2 * NativePtr.get r2 j
                s <- s + x3 * NativePtr.get r3 j
                NativePtr.set acc j s

            p <- p + 4

        if fetched < ahead then
            prefetch (at next fetched) (ahead - fetched)

        while p < p1 do
            let r0 = at a (p * lda)
            let x0 = NativePtr.get x p
            let v0 = 'O.Splat x0
            let mutable j = 0

            while j < full do
                'O.Store('O.MultiplyAdd(v0, 'O.Load(at r0 j), 'O.Load(at acc j)), at acc j)
                j <- j + w

            for j in full .. n - 1 do
                NativePtr.set acc j (NativePtr.get acc j + x0 * NativePtr.get r0 j)

            p <- p + 1

    /// Whether the loop over columns issues a prefetch at column j: once per 64-byte line, whatever the width.
    let inline private lineStart (width: int) (j: int) = width >= 8 || j % 8 = 0

    /// Prefetches the last lines of a row of n values whose first `full` values the loop prefetched a line
    /// apart: a prefetch at most 64 bytes after the last, so that no line of the row is skipped.
    let inline private prefetchTail (row: nativeptr<float>) (full: int) (n: int) =
        prefetch (at row (min full (n - 1))) 1
        prefetch (at row (n - 1)) 1

    /// dotRows with alpha 1 and beta 0 (same bits), prefetching the `ahead` rows after i1 in step with its
    /// loads instead of in slices:
    /// with each group of four rows, the first two of the four rows i1 - i0 further on, line by line in the
    /// loop over columns (axpyRowsInStep fetches the other two). For wide rows, where slices were slower
    /// than no prefetching: the memory streams the next block while this one is summed from the cache.
    let dotRowsInStep<'O, 'V when 'O :> IVectorOps<'V>>
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (n: int)
        (y: nativeptr<float>)
        (i0: int)
        (i1: int)
        (ahead: int)
        =
        optimizeNow ()
        let w = 'O.Width
        let full = n - n % w
        let distance = (i1 - i0) * lda
        let mutable i = i0

        while i + 4 <= i1 && i - i0 + 4 <= ahead do
            let r0 = at a (i * lda)
            let r1 = at r0 lda
            let r2 = at r1 lda
            let r3 = at r2 lda
            let q0 = at r0 distance
            let q1 = at q0 lda
            let mutable s0 = 'O.Zero
            let mutable s1 = 'O.Zero
            let mutable s2 = 'O.Zero
            let mutable s3 = 'O.Zero
            let mutable j = 0

            while j < full do
                if lineStart w j then
                    prefetch (at q0 j) 1
                    prefetch (at q1 j) 1

                let xv = 'O.Load(at x j)
                s0 <- 'O.MultiplyAdd('O.Load(at r0 j), xv, s0)
                s1 <- 'O.MultiplyAdd('O.Load(at r1 j), xv, s1)
                s2 <- 'O.MultiplyAdd('O.Load(at r2 j), xv, s2)
                s3 <- 'O.MultiplyAdd('O.Load(at r3 j), xv, s3)
                j <- j + w

            prefetchTail q0 full n
            prefetchTail q1 full n
            // The four sums as dotRows forms them (sum4, then the tail in order), so the same bits.
            let mutable d0 = 0.0
            let mutable d1 = 0.0
            let mutable d2 = 0.0
            let mutable d3 = 0.0

            if 'O.Width = 8 && Avx.IsSupported then
                let v = sum4 (wide s0) (wide s1) (wide s2) (wide s3)
                d0 <- v.ToScalar()
                d1 <- v.GetElement 2
                d2 <- v.GetElement 1
                d3 <- v.GetElement 3
            else
                d0 <- 'O.Sum s0
                d1 <- 'O.Sum s1
                d2 <- 'O.Sum s2
                d3 <- 'O.Sum s3

            for j in full .. n - 1 do
                let xj = NativePtr.get x j
                d0 <- d0 + NativePtr.get r0 j * xj
                d1 <- d1 + NativePtr.get r1 j * xj
                d2 <- d2 + NativePtr.get r2 j * xj
                d3 <- d3 + NativePtr.get r3 j * xj

            NativePtr.set y i d0
            NativePtr.set y (i + 1) d1
            NativePtr.set y (i + 2) d2
            NativePtr.set y (i + 3) d3
            i <- i + 4

        // The groups with nothing left to prefetch, and the rows left over.
        if i < i1 then
            dotRows<'O, 'V> a lda x n 1.0 0.0 y i i1 NativePtr.nullPtr 0

    /// axpyRows (same bits) prefetching as dotRowsInStep does: the last two of each group's four rows
    /// p1 - p0 further on, for the `ahead` rows after p1.
    let axpyRowsInStep<'O, 'V when 'O :> IVectorOps<'V>>
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (n: int)
        (acc: nativeptr<float>)
        (p0: int)
        (p1: int)
        (ahead: int)
        =
        optimizeNow ()
        let w = 'O.Width
        let full = n - n % w
        let distance = (p1 - p0) * lda
        let mutable p = p0

        while p + 4 <= p1 && p - p0 + 4 <= ahead do
            let r0 = at a (p * lda)
            let r1 = at r0 lda
            let r2 = at r1 lda
            let r3 = at r2 lda
            let q2 = at r2 distance
            let q3 = at q2 lda
            let v0 = 'O.Splat(NativePtr.get x p)
            let v1 = 'O.Splat(NativePtr.get x (p + 1))
            let v2 = 'O.Splat(NativePtr.get x (p + 2))
            let v3 = 'O.Splat(NativePtr.get x (p + 3))
            let mutable j = 0

            while j < full do
                if lineStart w j then
                    prefetch (at q2 j) 1
                    prefetch (at q3 j) 1

                let mutable s = 'O.Load(at acc j)
                s <- 'O.MultiplyAdd(v0, 'O.Load(at r0 j), s)
                s <- 'O.MultiplyAdd(v1, 'O.Load(at r1 j), s)
                s <- 'O.MultiplyAdd(v2, 'O.Load(at r2 j), s)
                s <- 'O.MultiplyAdd(v3, 'O.Load(at r3 j), s)
                'O.Store(s, at acc j)
                j <- j + w

            prefetchTail q2 full n
            prefetchTail q3 full n
            // The columns past the vectors by axpyRows itself, whose tail arithmetic they keep.
            if full < n then
                axpyRows<'O, 'V> (at a full) lda x (n - full) (at acc full) p (p + 4) NativePtr.nullPtr 0

            p <- p + 4

        if p < p1 then
            axpyRows<'O, 'V> a lda x n acc p p1 NativePtr.nullPtr 0

    /// Columns per block of A^T x on wide matrices: a block's sums stay in L1.
    let transColumns = 1024

    /// y[j0 .. j0+w) <- alpha A[:, j0 .. j0+w)^T x + beta y[j0 .. j0+w), summing all rows in order.
    let private transColumnBlock<'O, 'V when 'O :> IVectorOps<'V>>
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (m: int)
        (j0: int)
        (w: int)
        (alpha: float)
        (beta: float)
        (y: nativeptr<float>)
        =
        // On the stack: also makes the JIT optimize this method at once (see optimizeNow).
        let acc = align64 (NativePtr.stackalloc<float>(transColumns + 8))
        Span<float>(NativePtr.toVoidPtr acc, w).Clear()
        axpyRows<'O, 'V> (at a j0) lda x w acc 0 m NativePtr.nullPtr 0
        let ys = at y j0

        if beta = 0.0 then
            for j in 0 .. w - 1 do
                NativePtr.set ys j (alpha * NativePtr.get acc j)
        else
            for j in 0 .. w - 1 do
                NativePtr.set ys j (alpha * NativePtr.get acc j + beta * NativePtr.get ys j)

    /// Row blocks of A^T x: their number depends on the shape alone (about 2^18 elements each,
    /// at most 8), so the partial sums, and their fixed-order total, do too.
    let private transBlocks (m: int) (n: int) =
        let target = (int64 m * int64 n + (1L <<< 18) - 1L) >>> 18
        int (max 1L (min (min 8L target) (int64 m / 4L)))

    /// y (length m for A m x n, or n when transposed) <- alpha op(A) x + beta y, with the vector operations 'O.
    let private gemvOf<'O, 'V when 'O :> IVectorOps<'V>>
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
        optimizeNow ()
        let pa = NativePtr.ofNativeInt<float> a
        let px = NativePtr.ofNativeInt<float> x
        let py = NativePtr.ofNativeInt<float> y
        let wide = int64 m * int64 n >= parallelThreshold

        if alpha = 0.0 then
            scale beta (span y 0 (if trans then n else m))
        elif not trans then
            // Rows are independent: any split gives the same bits.
            let chunks =
                if wide then
                    min Environment.ProcessorCount ((m + 3) / 4)
                else
                    1

            if chunks <= 1 then
                dotRows<'O, 'V> pa lda px n alpha beta py 0 m NativePtr.nullPtr 0
            else
                Parallel.For(
                    0,
                    chunks,
                    fun t ->
                        let i0 = (m / 4) * t / chunks * 4
                        let i1 = if t = chunks - 1 then m else (m / 4) * (t + 1) / chunks * 4
                        dotRows<'O, 'V> pa lda px n alpha beta py i0 i1 NativePtr.nullPtr 0
                )
                |> ignore
        elif n >= 2 * transColumns then
            // Wide: y = A^T x by blocks of columns, each summing every row in order (any split
            // gives the same bits).
            // F# may compile this branch and the next as a method of their own: optimize them too.
            optimizeNow ()
            let blocks = (n + transColumns - 1) / transColumns

            let body t =
                let j0 = t * transColumns
                transColumnBlock<'O, 'V> pa lda px m j0 (min transColumns (n - j0)) alpha beta py

            if wide then
                Parallel.For(0, blocks, body) |> ignore
            else
                for t in 0 .. blocks - 1 do
                    body t
        else
            // y = A^T x sums scaled rows of A; each block of rows sums into its own partial
            // vector, and the partials are added in a fixed order.
            optimizeNow ()
            let blocks = transBlocks m n
            let stride = roundUp n 8
            let buffer = System.Buffers.ArrayPool<float>.Shared.Rent(blocks * stride + 8)

            try
                use pinned = fixed buffer
                let partials = align64 pinned
                let parts = Span<float>(NativePtr.toVoidPtr partials, blocks * stride)
                parts.Clear()

                let body t =
                    let p0 = int (int64 m * int64 t / int64 blocks)
                    let p1 = int (int64 m * int64 (t + 1) / int64 blocks)
                    axpyRows<'O, 'V> pa lda px n (at partials (t * stride)) p0 p1 NativePtr.nullPtr 0

                if wide && blocks > 1 then
                    Parallel.For(0, blocks, body) |> ignore
                else
                    for t in 0 .. blocks - 1 do
                        body t

                for t in 1 .. blocks - 1 do
                    let total = Span<float>(NativePtr.toVoidPtr partials, n)
                    let part = ReadOnlySpan<float>(NativePtr.toVoidPtr (at partials (t * stride)), n)
                    Elementwise.add part total

                let total = ReadOnlySpan<float>(NativePtr.toVoidPtr partials, n)
                let ys = span y 0 n

                if beta = 0.0 then
                    Elementwise.scaled total alpha ys
                else
                    // alpha total + beta y, as two roundings like the scalar formula.
                    for j in 0 .. n - 1 do
                        ys[j] <- alpha * total[j] + beta * ys[j]
            finally
                System.Buffers.ArrayPool<float>.Shared.Return buffer

    /// y (length m for A m x n, or n when transposed) <- alpha op(A) x + beta y, on the selected width.
    let gemv trans m n alpha a lda x beta y =
        match Selection.simd with
        | Simd512 -> gemvOf<Ops512, Vector512<float>> trans m n alpha a lda x beta y
        | Simd256 -> gemvOf<Ops256, Vector256<float>> trans m n alpha a lda x beta y
        | Simd128 -> gemvOf<Ops128, Vector128<float>> trans m n alpha a lda x beta y
        | Plain128 -> gemvOf<OpsPlain128, Vector128<float>> trans m n alpha a lda x beta y
