/// The forward pass, the cross-entropy cost and the backward pass, for a network of any depth.
/// The seed's `propagate` is the case of one sigmoid layer.
namespace Perceptron.Core

open System
open System.Numerics.Tensors
open System.Threading.Tasks
open Microsoft.FSharp.NativeInterop

#nowarn "9" // NativePtr: the features and labels are pinned for the parallel chunks that read them

/// The gradients of the cost with respect to one layer's parameters (same shapes).
type LayerGradients = {
    /// units x inputs, like the layer's weights.
    Weights: float[,]
    /// One value per unit.
    Bias: float[]
}

/// The gradients of the cost with respect to every layer's parameters, input layer first.
type Gradients = { Layers: LayerGradients list }

/// How the one-pass kernel of a single sigmoid unit splits a batch: blocks of rows small enough to stay
/// in the L2 cache between the forward and the backward use, grouped into chunks that run in parallel.
/// Both depend on the shape alone, so the partial sums and their fixed-order total do too.
module internal SingleUnit =
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

    /// When the one pass pays (bench/scaling.sh and compare w1 on this machine): always for rows of up
    /// to `narrow` features (1.2-2x faster than two products from 100 x 3000 to 300 x 30000: the
    /// row-by-row products of narrow rows are dominated by per-row work that the one pass shares), and
    /// for wider rows once the batch outgrows a last-level cache (`threshold` values, 32 MB). Below
    /// that, a wide batch (e.g. 12288 x 209) is read back from cache by the second product, which beat
    /// the one pass (0.51 against 0.70 ms), whose partial gradients are as long as the rows.
    let narrow = 512

    /// See `narrow`.
    let threshold = 4L <<< 20

    /// Whether the one-pass kernel can run: a network of one layer with one sigmoid unit (the perceptron).
    let fits (layers: Layer[]) =
        layers.Length = 1 && layers[0].Units = 1 && layers[0].Activation = Sigmoid

    /// Whether the one-pass kernel runs: it fits, and the rows are narrow or the batch is larger than
    /// the cache.
    let applies (layers: Layer[]) (rows: int) =
        fits layers
        && (layers[0].Inputs <= narrow || int64 rows * int64 layers[0].Inputs > threshold)

/// Scratch space for one batch size: activations and deltas per layer. It belongs to a single
/// call or a single training run and never escapes it, which keeps the public functions pure.
type internal Workspace(network: Network, rows: int) =
    let layers = List.toArray network.Layers

    member val Rows = rows
    member val Activations = layers |> Array.map (fun l -> Array.zeroCreate<float>(rows * l.Units))
    member val Deltas = layers |> Array.map (fun l -> Array.zeroCreate<float>(rows * l.Units))
    member val Logits = Array.zeroCreate<float>(rows * (Array.last layers).Units)
    member val Scratch = Array.zeroCreate<float>(rows * (Array.last layers).Units)
    member val Scratch2 = Array.zeroCreate<float>(rows * (Array.last layers).Units)

    /// One partial cost and one partial bias gradient per chunk, for the single-unit kernel.
    member val ChunkSums =
        if SingleUnit.fits layers then
            Array.zeroCreate<float>(2 * SingleUnit.chunks rows layers[0].Inputs)
        else
            Array.empty

    /// One partial gradient per chunk, for the single-unit kernel (empty for other networks).
    member val Partials =
        if SingleUnit.fits layers then
            Array.zeroCreate<float>(SingleUnit.chunks rows layers[0].Inputs * layers[0].Inputs)
        else
            Array.empty

/// Forward and backward passes.
[<RequireQualifiedAccess>]
module Propagation =
    /// Adds the bias to every row of a rows x units block.
    let private addBias (bias: float[]) (block: Span<float>) =
        let units = bias.Length

        if units = 1 then
            TensorPrimitives.Add(Span<float>.op_Implicit block, bias[0], block)
        else
            let b = ReadOnlySpan<float>(bias)

            for row in 0 .. block.Length / units - 1 do
                let r = block.Slice(row * units, units)
                TensorPrimitives.Add(Span<float>.op_Implicit r, b, r)

    /// A = f(Z + b) in place, row by row: each row is still in L1 cache when the activation reads
    /// what the bias add wrote.
    let private addBiasAndActivate (layer: Layer) (block: Span<float>) =
        let units = layer.Units

        if units = 1 then
            addBias layer.Bias block
            Activation.applyInPlace layer.Activation 1 block
        else
            let b = ReadOnlySpan<float>(layer.Bias)

            for row in 0 .. block.Length / units - 1 do
                let r = block.Slice(row * units, units)
                TensorPrimitives.Add(Span<float>.op_Implicit r, b, r)
                Activation.applyInPlace layer.Activation units r

    /// Z = input W^T (rows x units), using the matrix-vector kernel for a single unit.
    let private linear (layer: Layer) (input: ReadOnlySpan<float>) (rows: int) (output: Span<float>) =
        let w = Buffers.readOnly2 layer.Weights

        if layer.Units = 1 then
            Kernels.gemv (false, rows, layer.Inputs, 1.0, input, layer.Inputs, w, 0.0, output)
        else
            Kernels.gemm (
                false,
                true,
                rows,
                layer.Units,
                layer.Inputs,
                1.0,
                input,
                layer.Inputs,
                w,
                layer.Inputs,
                0.0,
                output,
                layer.Units
            )

    /// Runs the forward pass into the workspace; the output probabilities end in the last activation buffer.
    let internal forwardInto (ws: Workspace) (layers: Layer[]) (input: ReadOnlySpan<float>) (rows: int) =
        let last = layers.Length - 1

        for l in 0..last do
            let layer = layers[l]

            let source =
                if l = 0 then
                    input
                else
                    ReadOnlySpan<float>(ws.Activations[l - 1], 0, rows * layers[l - 1].Units)

            let a = Span<float>(ws.Activations[l], 0, rows * layer.Units)

            if l = last then
                // Keep the logits: the cost is computed from them, not from probabilities.
                let z = Span<float>(ws.Logits, 0, rows * layer.Units)
                linear layer source rows z
                addBias layer.Bias z
                z.CopyTo a
                Activation.applyInPlace layer.Activation layer.Units a
            else
                linear layer source rows a
                addBiasAndActivate layer a

    /// Forward and backward pass of one sigmoid unit in one pass over the features: for each block of
    /// rows, z = X w + b, the loss and dZ, then dW += dZ^T X while the block is still in cache. Memory
    /// traffic is one read of X instead of the two of separate products. Returns the summed loss.
    let private singleUnitInto
        (ws: Workspace)
        (layer: Layer)
        (input: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (scale: float)
        (dw: float[,])
        (db: float[])
        =
        let rows = labels.Length
        let inputs = layer.Inputs
        let blockRows = SingleUnit.blockRows inputs
        let chunks = SingleUnit.chunks rows inputs

        // The buffers below are written through raw pointers: they must be this batch's.
        if
            ws.Rows <> rows
            || ws.Partials.Length < chunks * inputs
            || ws.ChunkSums.Length < 2 * chunks
            || input.Length < rows * inputs
        then
            invalidOp $"a workspace for {ws.Rows} rows was given a batch of {rows} x {inputs}"

        let bias = layer.Bias[0]
        // Chunk c's cost goes to sums[2c], its bias gradient to sums[2c + 1].
        let sums = ws.ChunkSums
        // Pinned for the parallel chunks, which take spans and pointers from these addresses.
        use xPinned = fixed input
        use yPinned = fixed labels
        use wPinned = fixed (Buffers.readOnly2 layer.Weights)
        use zPinned = fixed ws.Logits
        use deltaPinned = fixed ws.Deltas[0]
        use partialPinned = fixed ws.Partials

        let x, y, w =
            NativePtr.toNativeInt xPinned, NativePtr.toNativeInt yPinned, NativePtr.toNativeInt wPinned

        let zs, deltas = NativePtr.toNativeInt zPinned, NativePtr.toNativeInt deltaPinned
        let partials = NativePtr.toNativeInt partialPinned

        let chunk (c: int) =
            let r0 = int (int64 rows * int64 c / int64 chunks)
            let r1 = int (int64 rows * int64 (c + 1) / int64 chunks)
            let xp = NativePtr.ofNativeInt<float> x
            let zp = NativePtr.ofNativeInt<float> zs
            let dp = NativePtr.ofNativeInt<float> deltas
            let partial = NativePtr.add (NativePtr.ofNativeInt<float> partials) (c * inputs)

            let allLabels =
                ReadOnlySpan<int>(NativePtr.toVoidPtr (NativePtr.ofNativeInt<int> y), rows)

            Span<float>(NativePtr.toVoidPtr partial, inputs).Clear()
            let mutable cost = 0.0
            let mutable sum = 0.0
            let mutable b0 = r0

            while b0 < r1 do
                let count = min blockRows (r1 - b0)
                // z = X w + b for the block's rows.
                ManagedBlas.dotRowsWith xp inputs (NativePtr.ofNativeInt<float> w) inputs 1.0 0.0 zp b0 (b0 + count)
                let z = Span<float>(ws.Logits, b0, count)
                TensorPrimitives.Add(Span<float>.op_Implicit z, bias, z)
                let a = Span<float>(ws.Activations[0], b0, count)
                z.CopyTo a
                Activation.applyInPlace Sigmoid 1 a
                let delta = Span<float>(ws.Deltas[0], b0, count)

                cost <-
                    cost
                    + Loss.sumAndDelta
                        BinaryCrossEntropy
                        1
                        (Span<float>.op_Implicit z)
                        (Span<float>.op_Implicit a)
                        (allLabels.Slice(b0, count))
                        scale
                        delta
                        (Span<float>(ws.Scratch, b0, count))
                        (Span<float>(ws.Scratch2, b0, count))

                sum <- sum + TensorPrimitives.Sum(Span<float>.op_Implicit delta)
                // dW += dZ^T X for the same rows, while they are in cache.
                ManagedBlas.axpyRowsWith xp inputs dp inputs partial b0 (b0 + count)
                b0 <- b0 + count

            sums[2 * c] <- cost
            sums[2 * c + 1] <- sum

        if chunks = 1 then
            chunk 0
        else
            Parallel.For(0, chunks, chunk) |> ignore

        let total = Buffers.span2 dw
        ReadOnlySpan<float>(ws.Partials, 0, inputs).CopyTo total

        for c in 1 .. chunks - 1 do
            TensorPrimitives.Add(
                Span<float>.op_Implicit total,
                ReadOnlySpan<float>(ws.Partials, c * inputs, inputs),
                total
            )

        let mutable cost = 0.0
        let mutable sum = 0.0

        for c in 0 .. chunks - 1 do
            cost <- cost + sums[2 * c]
            sum <- sum + sums[2 * c + 1]

        db[0] <- sum
        cost

    /// Forward and backward pass over one batch; writes the gradients into the given arrays and
    /// returns the mean cost. Reads the layers and input only.
    let internal propagateWith
        (onePass: bool)
        (ws: Workspace)
        (layers: Layer[])
        (input: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (weightGradients: float[,][])
        (biasGradients: float[][])
        =
        let rows = labels.Length

        if onePass then
            let scale = 1.0 / float rows

            scale
            * singleUnitInto ws layers[0] input labels scale weightGradients[0] biasGradients[0]
        else

            forwardInto ws layers input rows
            let last = layers.Length - 1
            let outputUnits = layers[last].Units
            let scale = 1.0 / float rows

            let total =
                Loss.sumAndDelta
                    (Loss.forOutput layers[last].Activation)
                    outputUnits
                    (ReadOnlySpan<float>(ws.Logits, 0, rows * outputUnits))
                    (ReadOnlySpan<float>(ws.Activations[last], 0, rows * outputUnits))
                    labels
                    scale
                    (Span<float>(ws.Deltas[last], 0, rows * outputUnits))
                    (Span<float>(ws.Scratch, 0, rows * outputUnits))
                    (Span<float>(ws.Scratch2, 0, rows * outputUnits))

            for l in last .. -1 .. 0 do
                let layer = layers[l]
                let units, inputs = layer.Units, layer.Inputs

                let source =
                    if l = 0 then
                        input
                    else
                        ReadOnlySpan<float>(ws.Activations[l - 1], 0, rows * inputs)

                let delta = ReadOnlySpan<float>(ws.Deltas[l], 0, rows * units)
                let dw = Buffers.span2 weightGradients[l]

                // dW = dZ^T A_prev: units x inputs.
                if units = 1 then
                    Kernels.gemv (true, rows, inputs, 1.0, source, inputs, delta, 0.0, dw)
                else
                    Kernels.gemm (true, false, units, inputs, rows, 1.0, delta, units, source, inputs, 0.0, dw, inputs)

                // db = column sums of dZ.
                let db = Span<float>(biasGradients[l])

                if units = 1 then
                    db[0] <- TensorPrimitives.Sum(delta)
                else
                    db.Clear()

                    for row in 0 .. rows - 1 do
                        TensorPrimitives.Add(Span<float>.op_Implicit db, delta.Slice(row * units, units), db)

                if l > 0 then
                    // dA_prev = dZ W, then dZ_prev = dA_prev * f'(Z_prev).
                    let previous = Span<float>(ws.Deltas[l - 1], 0, rows * inputs)
                    let w = Buffers.readOnly2 layer.Weights

                    Kernels.gemm (
                        false,
                        false,
                        rows,
                        inputs,
                        units,
                        1.0,
                        delta,
                        units,
                        w,
                        inputs,
                        0.0,
                        previous,
                        inputs
                    )

                    Activation.backwardInPlace
                        layers[l - 1].Activation
                        (ReadOnlySpan<float>(ws.Activations[l - 1], 0, rows * inputs))
                        previous

            total * scale

    /// Forward and backward pass over one batch, with the one-pass kernel where it pays.
    let internal propagateInto ws layers input (labels: ReadOnlySpan<int>) weightGradients biasGradients =
        propagateWith (SingleUnit.applies layers labels.Length) ws layers input labels weightGradients biasGradients

    /// Fresh gradient arrays shaped like the network's parameters.
    let internal zeroGradients (layers: Layer[]) =
        layers |> Array.map (fun l -> Array2D.zeroCreate<float> l.Units l.Inputs),
        layers |> Array.map (fun l -> Array.zeroCreate<float> l.Units)

    let internal toGradients (weights: float[,][]) (bias: float[][]) : Gradients = {
        Layers = List.init weights.Length (fun l -> { Weights = weights[l]; Bias = bias[l] })
    }

    /// The forward pass of features already checked against a valid network (the caller's duty).
    let internal forwardUnchecked (network: Network) (features: float[,]) =
        let rows = features.GetLength 0
        let layers = List.toArray network.Layers
        let ws = Workspace(network, rows)
        forwardInto ws layers (Buffers.readOnly2 features) rows
        let result = Array2D.zeroCreate rows network.Outputs
        ReadOnlySpan<float>(Array.last ws.Activations).CopyTo(Buffers.span2 result)
        result

    /// The output probabilities (samples x outputs: one column for sigmoid, K for softmax).
    [<CompiledName("Forward")>]
    let forward (network: Network) (features: float[,]) =
        Network.validate network |> ignore
        Checks.forNetwork network features
        forwardUnchecked network features

    /// The seed's propagate for any depth: forward pass, mean cross-entropy cost, backward pass.
    /// Features are samples x inputs; labels are 0/1 (sigmoid output) or 0..K-1 (softmax).
    [<CompiledName("Propagate")>]
    let propagate (network: Network) (features: float[,]) (labels: int[]) : Gradients * float =
        Network.validate network |> ignore
        Checks.forNetwork network features
        Checks.labelsForNetwork network (features.GetLength 0) labels
        let layers = List.toArray network.Layers
        let ws = Workspace(network, labels.Length)
        let weights, bias = zeroGradients layers

        let cost =
            propagateInto ws layers (Buffers.readOnly2 features) (ReadOnlySpan<int>(labels)) weights bias

        toGradients weights bias, cost

    /// propagate with the one-pass kernel on (it must fit the network) or off, whatever the batch size:
    /// for tests that compare the two paths.
    let internal propagateForced (onePass: bool) (network: Network) (features: float[,]) (labels: int[]) =
        let layers = List.toArray network.Layers

        if onePass && not (SingleUnit.fits layers) then
            invalidArg "network" "the one-pass kernel is for one sigmoid unit"

        let ws = Workspace(network, labels.Length)
        let weights, bias = zeroGradients layers

        let cost =
            propagateWith onePass ws layers (Buffers.readOnly2 features) (ReadOnlySpan<int>(labels)) weights bias

        toGradients weights bias, cost

    /// The mean cross-entropy cost alone.
    [<CompiledName("Cost")>]
    let cost (network: Network) (features: float[,]) (labels: int[]) = snd (propagate network features labels)
