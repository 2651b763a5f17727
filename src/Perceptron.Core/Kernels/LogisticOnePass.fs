/// The one-pass kernel of one sigmoid unit (the perceptron): for each block of rows, z = X w + b, the
/// loss and dZ, then dW += dZ^T X while the block is still in cache, so X is read once instead of twice.
/// Selection.onePass decides when it runs; Propagation falls back to two products otherwise.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the features and labels are pinned for the parallel chunks that read them

open System
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open System.Threading.Tasks
open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// How the kernel splits a batch: blocks of rows small enough to stay in the L2 cache between the
/// forward and the backward use, grouped into chunks that run in parallel. Both depend on the shape
/// alone, so the partial sums and their fixed-order total do too.
module internal LogisticOnePass =
    /// Rows per block: about 256 KB of features.
    let blockRows (inputs: int) = max 1 (min 1024 (32768 / inputs))

    /// Chunks (each with its own partial gradient); 1 for batches too small to share out. Each row
    /// costs about as much as 32 more features (its loss, sigmoid and the products' row overhead).
    let chunks (rows: int) (inputs: int) =
        let blocks = (rows + blockRows inputs - 1) / blockRows inputs

        if int64 rows * int64 (inputs + 32) < (1L <<< 17) then
            1
        else
            max 1 (min 8 blocks)

    /// Scratch of one batch of `Rows` rows, owned by the caller's workspace: Logits, Activations, Deltas,
    /// Scratch and Scratch2 hold one value per row; Partials one gradient per chunk; ChunkSums a cost and
    /// a bias gradient per chunk.
    [<NoEquality; NoComparison>]
    type Buffers = {
        Rows: int
        Logits: float[]
        Activations: float[]
        Deltas: float[]
        Scratch: float[]
        Scratch2: float[]
        Partials: float[]
        ChunkSums: float[]
    }

    /// Whether the kernel prefetches the next block while it sums the current one: on 100 features the
    /// memory otherwise idles through the many short rows' sums (see docs/benchmarks.md); not measured
    /// faster on 1000, whose rows keep ManagedGemv's own dotRows and axpyRows.
    let prefetches (inputs: int) = inputs <= 256

    /// Asks for the cache lines of [p, p + length) to be brought into L2 (no-op without SSE).
    let inline private prefetch (p: nativeptr<float>) (length: int) =
        if Sse.IsSupported then
            let mutable k = 0

            while k < length do
                Sse.Prefetch1(NativePtr.toVoidPtr (at p k))
                k <- k + 8

    /// z[i] <- dot(A[i, :], w) for rows i0 .. i1: ManagedGemv.dotRows with alpha 1 and beta 0 (the same
    /// operations in the same order, so the same bits), which also prefetches `ahead` values from `next`
    /// a slice per group of rows, as axpyPrefetching does.
    let dotPrefetching<'O, 'V when 'O :> IVectorOps<'V>>
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (n: int)
        (y: nativeptr<float>)
        (i0: int)
        (i1: int)
        (next: nativeptr<float>)
        (ahead: int)
        =
        optimizeNow ()
        let w = 'O.Width
        let full = n - n % w
        let groups = max 1 ((i1 - i0) / 4)
        let slice = ((ahead + groups - 1) / groups + 7) / 8 * 8
        let mutable fetched = 0
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

            let mutable d0 = 'O.Sum s0
            let mutable d1 = 'O.Sum s1
            let mutable d2 = 'O.Sum s2
            let mutable d3 = 'O.Sum s3

            for j in full .. n - 1 do
                let xj = NativePtr.get x j
                d0 <- d0 + NativePtr.get r0 j * xj
                d1 <- d1 + NativePtr.get r1 j * xj
                d2 <- d2 + NativePtr.get r2 j * xj
                d3 <- d3 + NativePtr.get r3 j * xj

            // dotRows stores 1.0 * d, which is d.
            NativePtr.set y i d0
            NativePtr.set y (i + 1) d1
            NativePtr.set y (i + 2) d2
            NativePtr.set y (i + 3) d3
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

            let mutable d0 = 'O.Sum s0

            for j in full .. n - 1 do
                d0 <- d0 + NativePtr.get r0 j * NativePtr.get x j

            NativePtr.set y i d0
            i <- i + 1

    /// ManagedGemv.axpyRows (the same operations in the same order, so the same bits), which also
    /// prefetches the next block (`ahead` values from `next`) a slice per group of rows: the block being
    /// summed comes from L2, so the memory would otherwise sit idle while it is.
    let axpyPrefetching<'O, 'V when 'O :> IVectorOps<'V>>
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
        let mutable p = p0
        // The next block's slice for each group of four rows: the rows' share of it, rounded up to lines.
        let groups = max 1 ((p1 - p0) / 4)
        let slice = ((ahead + groups - 1) / groups + 7) / 8 * 8
        let mutable fetched = 0

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

            for j in full .. n - 1 do
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

    let private run<'O, 'V when 'O :> IVectorOps<'V>>
        (buffers: Buffers)
        (layer: Layer)
        (input: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (weights: ReadOnlySpan<float>)
        (scale: float)
        (dw: float[,])
        (db: float[])
        =
        Tiering.optimizeNow ()
        let rows = labels.Length
        let weighted = not weights.IsEmpty
        let inputs = layer.Inputs
        let blockRows = blockRows inputs
        let chunks = chunks rows inputs

        // The buffers below are written through raw pointers: they must be this batch's.
        if
            buffers.Rows <> rows
            || buffers.Logits.Length < rows
            || buffers.Activations.Length < rows
            || buffers.Deltas.Length < rows
            || buffers.Scratch.Length < rows
            || buffers.Scratch2.Length < rows
            || buffers.Partials.Length < chunks * inputs
            || buffers.ChunkSums.Length < 2 * chunks
            || input.Length < rows * inputs
            || (weighted && weights.Length <> rows)
        then
            invalidOp $"a workspace for {buffers.Rows} rows was given a batch of {rows} x {inputs}"

        let bias = layer.Bias[0]
        // Chunk c's cost goes to sums[2c], its bias gradient to sums[2c + 1].
        let sums = buffers.ChunkSums
        // Pinned for the parallel chunks, which take spans and pointers from these addresses.
        use xPinned = fixed input
        use yPinned = fixed labels
        use weightsPinned = fixed weights
        use wPinned = fixed (Buffers.readOnly2 layer.Weights)
        use zPinned = fixed buffers.Logits
        use deltaPinned = fixed buffers.Deltas
        use partialPinned = fixed buffers.Partials

        let x, y, w =
            NativePtr.toNativeInt xPinned, NativePtr.toNativeInt yPinned, NativePtr.toNativeInt wPinned

        let zs, deltas = NativePtr.toNativeInt zPinned, NativePtr.toNativeInt deltaPinned
        let partials = NativePtr.toNativeInt partialPinned
        let sampleWeights = NativePtr.toNativeInt weightsPinned

        let chunk (c: int) =
            Tiering.optimizeNow ()
            let r0 = int (int64 rows * int64 c / int64 chunks)
            let r1 = int (int64 rows * int64 (c + 1) / int64 chunks)
            let xp = NativePtr.ofNativeInt<float> x
            let zp = NativePtr.ofNativeInt<float> zs
            let dp = NativePtr.ofNativeInt<float> deltas
            let partial = NativePtr.add (NativePtr.ofNativeInt<float> partials) (c * inputs)

            let allLabels =
                ReadOnlySpan<int>(NativePtr.toVoidPtr (NativePtr.ofNativeInt<int> y), rows)

            // Empty without weights, as the loss expects.
            let allWeights =
                ReadOnlySpan<float>(
                    NativePtr.toVoidPtr (NativePtr.ofNativeInt<float> sampleWeights),
                    (if weighted then rows else 0)
                )

            Span<float>(NativePtr.toVoidPtr partial, inputs).Clear()
            let mutable cost = 0.0
            let mutable sum = 0.0
            let mutable b0 = r0

            while b0 < r1 do
                let count = min blockRows (r1 - b0)
                // On short rows the next block (if any) is prefetched half while this one's logits are
                // summed, half while its gradient is: the memory would idle through both.
                let ahead =
                    if prefetches inputs then
                        inputs * min blockRows (r1 - b0 - count)
                    else
                        0

                let next = at xp ((b0 + count) * inputs)
                let half = ahead / 2
                let wp = NativePtr.ofNativeInt<float> w

                // z = X w + b for the block's rows.
                if prefetches inputs then
                    dotPrefetching<'O, 'V> xp inputs wp inputs zp b0 (b0 + count) next half
                else
                    ManagedGemv.dotRows<'O, 'V> xp inputs wp inputs 1.0 0.0 zp b0 (b0 + count)

                let z = Span<float>(buffers.Logits, b0, count)
                Elementwise.addScalar z bias
                let a = Span<float>(buffers.Activations, b0, count)
                z.CopyTo a
                Activation.applyInPlace Sigmoid 1 a
                let delta = Span<float>(buffers.Deltas, b0, count)

                cost <-
                    cost
                    + Loss.sumAndDeltaWeighted
                        BinaryCrossEntropy
                        1
                        (Span<float>.op_Implicit z)
                        (Span<float>.op_Implicit a)
                        (allLabels.Slice(b0, count))
                        (if weighted then
                             allWeights.Slice(b0, count)
                         else
                             ReadOnlySpan.Empty)
                        scale
                        delta
                        (Span<float>(buffers.Scratch, b0, count))
                        (Span<float>(buffers.Scratch2, b0, count))

                sum <- sum + VectorMath.sum (Span<float>.op_Implicit delta)
                // dW += dZ^T X for the same rows, while they are in cache.
                if prefetches inputs then
                    axpyPrefetching<'O, 'V> xp inputs dp inputs partial b0 (b0 + count) (at next half) (ahead - half)
                else
                    ManagedGemv.axpyRows<'O, 'V> xp inputs dp inputs partial b0 (b0 + count)

                b0 <- b0 + count

            sums[2 * c] <- cost
            sums[2 * c + 1] <- sum

        if chunks = 1 then
            chunk 0
        else
            Parallel.For(0, chunks, chunk) |> ignore

        let total = Buffers.span2 dw
        ReadOnlySpan<float>(buffers.Partials, 0, inputs).CopyTo total

        for c in 1 .. chunks - 1 do
            Elementwise.add (ReadOnlySpan<float>(buffers.Partials, c * inputs, inputs)) total

        let mutable cost = 0.0
        let mutable sum = 0.0

        for c in 0 .. chunks - 1 do
            cost <- cost + sums[2 * c]
            sum <- sum + sums[2 * c + 1]

        db[0] <- sum
        cost

    /// Forward and backward pass of one sigmoid unit over a batch in one pass over the features: writes
    /// dW and db (each scaled by `scale` and the sample's weight, via dZ; weights empty for 1 everywhere)
    /// and the activations, and returns the summed (weighted) loss.
    let propagate buffers layer input labels weights scale dw db =
        match Selection.simd with
        | Simd512 -> run<Ops512, Vector512<float>> buffers layer input labels weights scale dw db
        | Simd256 -> run<Ops256, Vector256<float>> buffers layer input labels weights scale dw db
        | Simd128 -> run<Ops128, Vector128<float>> buffers layer input labels weights scale dw db
        | Plain128 -> run<OpsPlain128, Vector128<float>> buffers layer input labels weights scale dw db
