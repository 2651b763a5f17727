/// The one-pass kernel of one sigmoid unit (the perceptron): for each block of rows, z = X w + b, the
/// loss and dZ, then dW += dZ^T X while the block is still in cache, so X is read once instead of twice.
/// Selection.onePass decides when it runs; Propagation falls back to two products otherwise.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the features and labels are pinned for the parallel chunks that read them

open System
open System.Runtime.Intrinsics
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
    /// faster on 1000, whose rows prefetch nothing.
    let prefetches (inputs: int) = inputs <= 256

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
                ManagedGemv.dotRows<'O, 'V> xp inputs wp inputs 1.0 0.0 zp b0 (b0 + count) next half

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
                ManagedGemv.axpyRows<'O, 'V> xp inputs dp inputs partial b0 (b0 + count) (at next half) (ahead - half)

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
