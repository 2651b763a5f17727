/// The one-pass kernel of one sigmoid unit (the perceptron): for each block of rows, z = X w + b, the
/// loss and dZ, then dW += dZ^T X while the block is still in cache, so X is read once instead of twice.
/// Selection.onePass decides when it runs; Propagation falls back to two products otherwise.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the features and labels are pinned for the parallel chunks that read them

open System
open System.Runtime.CompilerServices
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// How the kernel splits a batch: blocks of rows small enough to stay in the L2 cache between the
/// forward and the backward use, grouped into chunks that run in parallel. Both depend on the shape
/// alone, so the partial sums and their fixed-order total do too.
module internal LogisticOnePass =
    /// Rows per block: about 256 KB of features.
    let blockRows (inputs: int) = max 1 (min 1024 (32768 / inputs))

    /// Parts per block on short rows (the unweighted path that prefetches in slices): each part prefetches
    /// the next, so a part ahead (about 128 KB on 100 features) instead of a block. Two measured about 14 %
    /// faster than whole blocks on 100 x 100000 (medians 2.72 against 3.18 ms), three and four between
    /// (docs/benchmarks.md).
    let partsPerBlock = 2

    /// Rows per part when a block of `inputs`-feature rows goes in `parts` parts: a multiple of 8, so that
    /// every part but a block's last starts the loss's vectors where the whole block would.
    let partRows (inputs: int) (parts: int) =
        ((blockRows inputs + parts - 1) / parts + 7) / 8 * 8

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

    /// Whether the next block is prefetched line by line in step with the loads of this one
    /// (ManagedGemv.dotRowsInStep), or in slices before each group of four rows: in step on wide rows
    /// (1000 x 20000: about 20 % faster on one core and on two, where slices were slower than no
    /// prefetching), slices on short rows (100 x 100000: in step was not faster).
    let prefetchesInStep (inputs: int) = inputs > 256

    /// `value` with the lanes that `valid` leaves clear recomputed by `scalar` (VectorMath.fixLanes, as map uses it).
    let inline private fix<'M, 'V when 'M :> IMathOps<'V>>
        (valid: 'V)
        (x: 'V)
        ([<InlineIfLambda>] scalar: float -> float)
        (value: 'V)
        (scratch: nativeptr<float>)
        =
        if 'M.All valid then
            value
        else
            'M.Store(value, scratch)
            VectorMath.fixLanes<'M, 'V> valid x scalar scratch 'M.Width
            'M.Load scratch

    /// One block's (or part of a block's) binary cross-entropy in a single pass, unweighted: z <- z + bias,
    /// delta <- dZ, and the loss added to the sums in `state` (lossState values, cleared before a block's
    /// first part; lossTotal gives the block's loss). A block's parts, all but the last a multiple of 8
    /// rows, meet the lanes as the whole block would, so the sums have the whole block's bits. The
    /// arithmetic of Loss.sumAndDeltaWeighted lane by lane (the sign 1 - 2y, softplus as max(s, 0) + log w
    /// - ((w - 1) - u) / w with u = e^-|s| and w = 1 + u, and dZ = (sign σ(sign z)) scale, σ from the same
    /// e^-|s|), so dZ has its bits; the loss differs only in the order of its three sums and in the last
    /// bit of the correction term (multiplied by 1 / w, see below).
    /// The loss's passes over the block (about 12) cost as much as its products on narrow rows.
    let private lossWith<'M, 'V when 'M :> IMathOps<'V>>
        (z: Span<float>)
        (bias: float)
        (labels: ReadOnlySpan<int>)
        (scale: float)
        (delta: Span<float>)
        (state: nativeptr<float>)
        =
        let n = labels.Length
        let width = 'M.Width
        let signs = NativePtr.stackalloc<float> 8
        let values = NativePtr.stackalloc<float> 8
        let scratch = NativePtr.stackalloc<float> 8
        use pz = fixed z
        use pd = fixed delta
        use pl = fixed labels
        let zero = 'M.Splat 0.0
        let one = 'M.Splat 1.0
        let mutable positive = 'M.Load state
        let mutable correction = 'M.Load(NativePtr.add state 8)
        let mutable logarithm = 'M.Load(NativePtr.add state 16)
        let mutable tail = NativePtr.get state 24
        let mutable i = 0

        while i < n do
            let count = min width (n - i)

            let mutable zv = zero
            let mutable sign = zero

            if count = width then
                zv <- 'M.Add('M.Load(NativePtr.add pz i), 'M.Splat bias)

                if width = 8 && Avx512F.IsSupported then
                    // 1 - 2y from eight labels at once (exact: the labels are 0 or 1).
                    let y = Avx512F.ConvertToVector512Double(Vector256.Load(NativePtr.add pl i))
                    let mutable ones = Vector512.Create 1.0 - (y + y)
                    sign <- Unsafe.As<Vector512<float>, 'V>(&ones)
                else
                    for lane in 0 .. width - 1 do
                        NativePtr.set signs lane (float (1 - 2 * labels[i + lane]))

                    sign <- 'M.Load signs
            else
                for lane in 0 .. width - 1 do
                    if lane < count then
                        NativePtr.set signs lane (float (1 - 2 * labels[i + lane]))
                        NativePtr.set values lane (NativePtr.get pz (i + lane) + bias)
                    else
                        // Padding lanes: z = 0 and sign 0 keep every step finite; they are not summed.
                        NativePtr.set signs lane 0.0
                        NativePtr.set values lane 0.0

                zv <- 'M.Load values
                sign <- 'M.Load signs

            let sv = 'M.Multiply(sign, zv)
            let pos = 'M.Max(sv, zero)
            let negative = 'M.Or(sv, 'M.Bits Int64.MinValue)

            let u =
                fix<'M, 'V>
                    (VectorMath.expValid<'M, 'V> negative)
                    negative
                    Math.Exp
                    (VectorMath.expVector<'M, 'V> negative)
                    scratch

            let w = 'M.Add(u, one)
            let reciprocal = 'M.Divide(one, w)
            // The correction (w's rounding error, below 2^-53 w) times 1 / w rather than divided by w: at most
            // a last-bit change of a term that small, for one division fewer.
            let c = 'M.Multiply('M.Subtract('M.Subtract(w, one), u), reciprocal)

            let l =
                fix<'M, 'V> (VectorMath.logValid<'M, 'V> w) w Math.Log (VectorMath.logVector<'M, 'V> w) scratch

            // σ(s) as VectorMath.sigmoidVector forms it, from the same e^-|s| (u) and 1 + e^-|s| (w).
            let sigma = 'M.Select('M.LessOrEqual(zero, sv), reciprocal, 'M.Divide(u, w))

            let d = 'M.Multiply('M.Multiply(sign, sigma), 'M.Splat scale)

            if count = width then
                'M.Store(zv, NativePtr.add pz i)
                'M.Store(d, NativePtr.add pd i)
                positive <- 'M.Add(positive, pos)
                correction <- 'M.Add(correction, c)
                logarithm <- 'M.Add(logarithm, l)
            else
                for lane in 0 .. count - 1 do
                    NativePtr.set pz (i + lane) ('M.Lane(zv, lane))
                    NativePtr.set pd (i + lane) ('M.Lane(d, lane))
                    tail <- tail + 'M.Lane(pos, lane) - 'M.Lane(c, lane) + 'M.Lane(l, lane)

            i <- i + count

        'M.Store(positive, state)
        'M.Store(correction, NativePtr.add state 8)
        'M.Store(logarithm, NativePtr.add state 16)
        NativePtr.set state 24 tail

    /// The loss's sums carried between the parts of a block: three vectors of up to 8 lanes and the tail.
    let lossState = 25

    /// The summed loss of the block whose sums `state` holds.
    let private lossTotalWith<'M, 'V when 'M :> IMathOps<'V>> (state: nativeptr<float>) =
        'M.Sum('M.Load state) - 'M.Sum('M.Load(NativePtr.add state 8))
        + 'M.Sum('M.Load(NativePtr.add state 16))
        + NativePtr.get state 24

    /// lossWith over part of a block at the width VectorMath runs (the vector functions give the same bits
    /// at every width).
    let internal lossPart z bias labels scale delta state =
        if Vector512.IsHardwareAccelerated then
            lossWith<Math512, Vector512<float>> z bias labels scale delta state
        elif Vector256.IsHardwareAccelerated then
            lossWith<Math256, Vector256<float>> z bias labels scale delta state
        else
            lossWith<Math128, Vector128<float>> z bias labels scale delta state

    /// The summed loss of the block whose parts lossPart took, from their sums in `state`.
    let internal lossTotal state =
        if Vector512.IsHardwareAccelerated then
            lossTotalWith<Math512, Vector512<float>> state
        elif Vector256.IsHardwareAccelerated then
            lossTotalWith<Math256, Vector256<float>> state
        else
            lossTotalWith<Math128, Vector128<float>> state

    /// lossWith over a whole block: z <- z + bias, delta <- dZ, and the summed loss returned.
    let internal loss z bias labels scale delta =
        let state = NativePtr.stackalloc<float> lossState
        Span<float>(NativePtr.toVoidPtr state, lossState).Clear()
        lossPart z bias labels scale delta state
        lossTotal state

    let private run<'O, 'V when 'O :> IVectorOps<'V>>
        (parts: int)
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
            let inParts = parts > 1 && not weighted && not (prefetchesInStep inputs)
            let partRows = partRows inputs parts
            let state = NativePtr.stackalloc<float> lossState

            while b0 < r1 do
                let count = min blockRows (r1 - b0)
                let wp = NativePtr.ofNativeInt<float> w

                if inParts then
                    // Short rows: the block in parts, each prefetching the next part (the next block's
                    // first, after the last), half while its logits are summed and half while its gradient
                    // is. The loss carries its sums from part to part, so the bits are those of the block.
                    Span<float>(NativePtr.toVoidPtr state, lossState).Clear()
                    let mutable s0 = b0

                    while s0 < b0 + count do
                        let s1 = min (s0 + partRows) (b0 + count)
                        let ahead = (min r1 (s1 + partRows) - s1) * inputs
                        let next = at xp (s1 * inputs)
                        let half = ahead / 2
                        ManagedGemv.dotRows<'O, 'V> xp inputs wp inputs 1.0 0.0 zp s0 s1 next half

                        lossPart
                            (Span<float>(buffers.Logits, s0, s1 - s0))
                            bias
                            (allLabels.Slice(s0, s1 - s0))
                            scale
                            (Span<float>(buffers.Deltas, s0, s1 - s0))
                            state

                        ManagedGemv.axpyRows<'O, 'V> xp inputs dp inputs partial s0 s1 (at next half) (ahead - half)
                        s0 <- s1

                    cost <- cost + lossTotal state
                    sum <- sum + VectorMath.sum (ReadOnlySpan<float>(buffers.Deltas, b0, count))
                else
                    // The next block's rows (none past the chunk's end) are prefetched while this block is
                    // summed: the memory would idle while the gradient (and, on short rows, the loss) works
                    // from the cache. Short rows: half the next block in slices while the logits are summed,
                    // half while the gradient is; wide rows: line by line in step with the loads.
                    let nextRows = min blockRows (r1 - b0 - count)
                    let inStep = prefetchesInStep inputs
                    let ahead = if inStep then 0 else inputs * nextRows
                    let next = at xp ((b0 + count) * inputs)
                    let half = ahead / 2

                    // z = X w + b for the block's rows.
                    if inStep then
                        ManagedGemv.dotRowsInStep<'O, 'V> xp inputs wp inputs zp b0 (b0 + count) nextRows
                    else
                        ManagedGemv.dotRows<'O, 'V> xp inputs wp inputs 1.0 0.0 zp b0 (b0 + count) next half

                    let z = Span<float>(buffers.Logits, b0, count)
                    let delta = Span<float>(buffers.Deltas, b0, count)

                    if weighted then
                        Elementwise.addScalar z bias
                        let a = Span<float>(buffers.Activations, b0, count)
                        z.CopyTo a
                        Activation.applyInPlace Sigmoid 1 a

                        cost <-
                            cost
                            + Loss.sumAndDeltaWeighted
                                BinaryCrossEntropy
                                1
                                (Span<float>.op_Implicit z)
                                (Span<float>.op_Implicit a)
                                (allLabels.Slice(b0, count))
                                (allWeights.Slice(b0, count))
                                scale
                                delta
                                (Span<float>(buffers.Scratch, b0, count))
                                (Span<float>(buffers.Scratch2, b0, count))
                    else
                        cost <- cost + loss z bias (allLabels.Slice(b0, count)) scale delta

                    sum <- sum + VectorMath.sum (Span<float>.op_Implicit delta)
                    // dW += dZ^T X for the same rows, while they are in cache.
                    if inStep then
                        ManagedGemv.axpyRowsInStep<'O, 'V> xp inputs dp inputs partial b0 (b0 + count) nextRows
                    else
                        ManagedGemv.axpyRows<'O, 'V>
                            xp
                            inputs
                            dp
                            inputs
                            partial
                            b0
                            (b0 + count)
                            (at next half)
                            (ahead - half)

                b0 <- b0 + count

            sums[2 * c] <- cost
            sums[2 * c + 1] <- sum

        // On the team (Team.fs): its workers spin between the iterations of a training run, where the thread
        // pool's sleep and take tens of microseconds to wake; any thread may run any chunk.
        Team.run chunks chunk

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

    /// propagate with blocks of short rows in `parts` parts (1: whole blocks), for tests: the bits must not
    /// depend on it.
    let internal propagateInParts parts buffers layer input labels weights scale dw db =
        match Selection.simd with
        | Simd512 -> run<Ops512, Vector512<float>> parts buffers layer input labels weights scale dw db
        | Simd256 -> run<Ops256, Vector256<float>> parts buffers layer input labels weights scale dw db
        | Simd128 -> run<Ops128, Vector128<float>> parts buffers layer input labels weights scale dw db
        | Plain128 -> run<OpsPlain128, Vector128<float>> parts buffers layer input labels weights scale dw db

    /// Forward and backward pass of one sigmoid unit over a batch in one pass over the features: writes
    /// dW and db (each scaled by `scale` and the sample's weight, via dZ; weights empty for 1 everywhere)
    /// and returns the summed (weighted) loss.
    let propagate buffers layer input labels weights scale dw db =
        propagateInParts partsPerBlock buffers layer input labels weights scale dw db
