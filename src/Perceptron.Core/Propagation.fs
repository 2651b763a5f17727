/// The forward pass, the cross-entropy cost and the backward pass, for a network of any depth.
/// The seed's `propagate` is the case of one sigmoid layer.
namespace Perceptron.Core

#nowarn "9" // native pointers: a block split across the team shares its pinned span

open System
open Microsoft.FSharp.NativeInterop

/// The gradients of the cost with respect to one layer's parameters (same shapes).
type LayerGradients = {
    /// units x inputs, like the layer's weights.
    Weights: float[,]
    /// One value per unit.
    Bias: float[]
}

/// The gradients of the cost with respect to every layer's parameters, input layer first.
type Gradients = { Layers: LayerGradients list }

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
        if Selection.onePassFits layers then
            Array.zeroCreate<float>(2 * LogisticOnePass.chunks rows layers[0].Inputs)
        else
            Array.empty

    /// One partial gradient per chunk, for the single-unit kernel (empty for other networks).
    member val Partials =
        if Selection.onePassFits layers then
            Array.zeroCreate<float>(LogisticOnePass.chunks rows layers[0].Inputs * layers[0].Inputs)
        else
            Array.empty

/// Forward and backward passes.
[<RequireQualifiedAccess>]
module Propagation =
    /// The smallest softmax output block (rows x units) whose bias, activation and loss split across the team.
    let internal softmaxTeamBlock = 1024

    /// Adds the bias to every row of a rows x units block.
    let private addBias (bias: float[]) (block: Span<float>) =
        Tiering.optimizeNow ()
        let units = bias.Length

        if units = 1 then
            Elementwise.addScalar block bias[0]
        else
            let b = ReadOnlySpan<float>(bias)

            for row in 0 .. block.Length / units - 1 do
                let r = block.Slice(row * units, units)
                Elementwise.add b r

    /// A = f(Z + b) in place for a block of whole rows of a layer of several units, row by row: each row is
    /// still in L1 cache when the activation reads what the bias add wrote.
    let private addBiasAndActivateRows (layer: Layer) (block: Span<float>) =
        Tiering.optimizeNow ()
        let units = layer.Units
        let b = ReadOnlySpan<float>(layer.Bias)

        for row in 0 .. block.Length / units - 1 do
            let r = block.Slice(row * units, units)
            Elementwise.add b r
            Activation.applyInPlace layer.Activation units r

    /// addBiasAndActivateRows, with `split`: in chunks of rows on the team (Team.run).
    let internal addBiasAndActivateSplit (split: bool) (layer: Layer) (block: Span<float>) =
        if not split then
            addBiasAndActivateRows layer block
        else
            use p = fixed block

            let p, units, rows, chunks =
                NativePtr.toNativeInt p, layer.Units, block.Length / layer.Units, Team.size

            Team.run chunks (fun c ->
                let r0, r1 = Team.bound rows c chunks, Team.bound rows (c + 1) chunks
                let start = NativePtr.add (NativePtr.ofNativeInt<float> p) (r0 * units)
                addBiasAndActivateRows layer (Span<float>(NativePtr.toVoidPtr start, (r1 - r0) * units)))

    /// A = f(Z + b) in place; split across the team when it is warm (between a step's products).
    let private addBiasAndActivate (layer: Layer) (block: Span<float>) =
        if layer.Units = 1 then
            addBias layer.Bias block
            Activation.applyInPlace layer.Activation 1 block
        else
            addBiasAndActivateSplit (block.Length >= Elementwise.teamBlock && Team.warm ()) layer block

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

    /// Runs the forward pass of layers 0 .. count - 1 into the workspace; with every layer, the output
    /// probabilities end in the last activation buffer, and the last layer's logits in Logits.
    let internal forwardLayers (ws: Workspace) (layers: Layer[]) (input: ReadOnlySpan<float>) (rows: int) (count: int) =
        Tiering.optimizeNow ()
        let last = layers.Length - 1

        for l in 0 .. count - 1 do
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

    /// Runs the forward pass into the workspace; the output probabilities end in the last activation buffer.
    let internal forwardInto (ws: Workspace) (layers: Layer[]) (input: ReadOnlySpan<float>) (rows: int) =
        forwardLayers ws layers input rows layers.Length

    /// The forward pass, then the summed (weighted) loss with dZ of the output layer in its delta buffer;
    /// `split` (softmax output only) runs the output layer's bias, softmax and loss on the team, same bits.
    let internal forwardAndLoss
        (split: bool)
        (ws: Workspace)
        (layers: Layer[])
        (input: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (weights: ReadOnlySpan<float>)
        (scale: float)
        =
        let rows = labels.Length
        let last = layers.Length - 1
        let outputUnits = layers[last].Units

        if split then
            forwardLayers ws layers input rows last

            let source =
                if last = 0 then
                    input
                else
                    ReadOnlySpan<float>(ws.Activations[last - 1], 0, rows * layers[last].Inputs)

            linear layers[last] source rows (Span<float>(ws.Logits, 0, rows * outputUnits))

            Loss.softmaxSplit
                layers[last].Bias
                rows
                ws.Logits
                ws.Activations[last]
                ws.Deltas[last]
                ws.Scratch
                labels
                weights
                scale
        else
            forwardInto ws layers input rows

            Loss.sumAndDeltaWeighted
                (Loss.forOutput layers[last].Activation)
                outputUnits
                (ReadOnlySpan<float>(ws.Logits, 0, rows * outputUnits))
                (ReadOnlySpan<float>(ws.Activations[last], 0, rows * outputUnits))
                labels
                weights
                scale
                (Span<float>(ws.Deltas[last], 0, rows * outputUnits))
                (Span<float>(ws.Scratch, 0, rows * outputUnits))
                (Span<float>(ws.Scratch2, 0, rows * outputUnits))

    /// dW = dZ^T A_prev (units x inputs) and db = column sums of dZ, where a hidden ReLU layer's bias
    /// gradient was not summed already (previousDelta sums it); `caller`: the product on this thread alone.
    let private weightGradient
        (caller: bool)
        (layer: Layer)
        (isLast: bool)
        (rows: int)
        (source: ReadOnlySpan<float>)
        (delta: ReadOnlySpan<float>)
        (dw: Span<float>)
        (db: Span<float>)
        =
        Tiering.optimizeNow ()
        let units, inputs = layer.Units, layer.Inputs

        if units = 1 then
            Kernels.gemv (true, rows, inputs, 1.0, source, inputs, delta, 0.0, dw)
            db[0] <- VectorMath.sum delta
        else
            if caller then
                Kernels.gemmOnCaller (
                    true,
                    false,
                    units,
                    inputs,
                    rows,
                    1.0,
                    delta,
                    units,
                    source,
                    inputs,
                    0.0,
                    dw,
                    inputs
                )
            else
                Kernels.gemm (true, false, units, inputs, rows, 1.0, delta, units, source, inputs, 0.0, dw, inputs)

            if isLast || layer.Activation <> Relu then
                db.Clear()

                for row in 0 .. rows - 1 do
                    Elementwise.add (delta.Slice(row * units, units)) db

    /// dA_prev = dZ W, then dZ_prev = dA_prev * f'(Z_prev) from the previous layer's outputs; for a ReLU layer
    /// also its bias gradient, in the same pass. `caller`: the product on this thread alone.
    let private previousDelta
        (caller: bool)
        (layer: Layer)
        (previousLayer: Layer)
        (rows: int)
        (delta: ReadOnlySpan<float>)
        (activations: ReadOnlySpan<float>)
        (previous: Span<float>)
        (dbPrevious: Span<float>)
        =
        Tiering.optimizeNow ()
        let units, inputs = layer.Units, layer.Inputs
        let w = Buffers.readOnly2 layer.Weights

        if caller then
            Kernels.gemmOnCaller (
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
        else
            Kernels.gemm (false, false, rows, inputs, units, 1.0, delta, units, w, inputs, 0.0, previous, inputs)

        if previousLayer.Activation = Relu && inputs > 1 then
            // The bias gradient (column sums) is summed as the derivative is applied, while each row is in
            // L1 cache: one pass over dZ_prev instead of two, the same sums.
            Elementwise.reluBackwardColumnSums activations inputs previous dbPrevious
        else
            Activation.backwardInPlace previousLayer.Activation activations previous

    /// Forward and backward pass over one batch; writes the gradients into the given arrays and
    /// returns the mean cost. Each sample's loss is multiplied by its weight (`weights` empty: by 1, with
    /// the unweighted arithmetic) and the sum divided by the batch size, so weights of mean 1 give the
    /// weighted mean. Reads the layers and input only. `pairing` forces (ValueSome) or leaves to the team's state
    /// (ValueNone) running a layer's two backward products side by side; the bits are the same either way.
    let internal propagatePaired
        (pairing: bool voption)
        (onePass: bool)
        (ws: Workspace)
        (layers: Layer[])
        (input: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (weights: ReadOnlySpan<float>)
        (weightGradients: float[,][])
        (biasGradients: float[][])
        =
        Tiering.optimizeNow ()
        let rows = labels.Length

        if onePass then
            let scale = 1.0 / float rows

            let buffers: LogisticOnePass.Buffers = {
                Rows = ws.Rows
                Logits = ws.Logits
                Activations = ws.Activations[0]
                Deltas = ws.Deltas[0]
                Scratch = ws.Scratch
                Scratch2 = ws.Scratch2
                Partials = ws.Partials
                ChunkSums = ws.ChunkSums
            }

            scale
            * LogisticOnePass.propagate buffers layers[0] input labels weights scale weightGradients[0] biasGradients[0]
        else

            let last = layers.Length - 1
            let outputUnits = layers[last].Units
            let scale = 1.0 / float rows

            // A softmax layer's rows are independent to the loss: split across the team while it is warm.
            let split =
                layers[last].Activation = Softmax
                && rows * outputUnits >= softmaxTeamBlock
                && Team.warm ()

            let total = forwardAndLoss split ws layers input labels weights scale

            for l in last .. -1 .. 0 do
                let layer = layers[l]
                let units, inputs = layer.Units, layer.Inputs

                let paired =
                    match pairing with
                    | ValueSome forced -> forced && l > 0 && units > 1
                    | ValueNone ->
                        l > 0
                        && units > 1
                        && int64 rows * int64 units * int64 inputs >= ManagedGemm.warmThreshold
                        && Kernels.gemmIsManaged units inputs rows
                        && Kernels.gemmIsManaged rows inputs units
                        && Team.warm ()

                if paired then
                    // Two small products of the same dZ, each on one thread, side by side: one team job
                    // instead of two split ones and the serial passes after them.
                    let deltas, activations = ws.Deltas, ws.Activations
                    let dw, db, dbPrevious = weightGradients[l], biasGradients[l], biasGradients[l - 1]

                    Team.run 2 (fun c ->
                        let delta = ReadOnlySpan<float>(deltas[l], 0, rows * units)
                        let source = ReadOnlySpan<float>(activations[l - 1], 0, rows * inputs)

                        if c = 0 then
                            weightGradient true layer (l = last) rows source delta (Buffers.span2 dw) (Span db)
                        else
                            previousDelta
                                true
                                layer
                                layers[l - 1]
                                rows
                                delta
                                source
                                (Span<float>(deltas[l - 1], 0, rows * inputs))
                                (Span dbPrevious))
                else
                    let source =
                        if l = 0 then
                            input
                        else
                            ReadOnlySpan<float>(ws.Activations[l - 1], 0, rows * inputs)

                    let delta = ReadOnlySpan<float>(ws.Deltas[l], 0, rows * units)

                    weightGradient
                        false
                        layer
                        (l = last)
                        rows
                        source
                        delta
                        (Buffers.span2 weightGradients[l])
                        (Span<float>(biasGradients[l]))

                    if l > 0 then
                        previousDelta
                            false
                            layer
                            layers[l - 1]
                            rows
                            delta
                            source
                            (Span<float>(ws.Deltas[l - 1], 0, rows * inputs))
                            (Span<float>(biasGradients[l - 1]))

            total * scale

    /// propagatePaired with the pairing left to the team's state.
    let internal propagateWith
        onePass
        ws
        layers
        input
        (labels: ReadOnlySpan<int>)
        weights
        weightGradients
        biasGradients
        =
        propagatePaired ValueNone onePass ws layers input labels weights weightGradients biasGradients

    /// Forward and backward pass over one batch, with the one-pass kernel where it pays.
    let internal propagateInto ws layers input (labels: ReadOnlySpan<int>) weights weightGradients biasGradients =
        propagateWith
            (Selection.onePass layers labels.Length)
            ws
            layers
            input
            labels
            weights
            weightGradients
            biasGradients

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

    /// propagate without the input checks, for data that its caller has checked already; `sampleWeights`
    /// (of mean 1, see SampleWeights.normalized) weigh each sample's loss when given.
    let internal propagateUncheckedWeighted
        (network: Network)
        (features: float[,])
        (labels: int[])
        (sampleWeights: float[] option)
        =
        let layers = List.toArray network.Layers
        let ws = Workspace(network, labels.Length)
        let weights, bias = zeroGradients layers

        let sampleWeights =
            match sampleWeights with
            | Some w -> ReadOnlySpan<float>(w)
            | None -> ReadOnlySpan.Empty

        let cost =
            propagateInto ws layers (Buffers.readOnly2 features) (ReadOnlySpan<int>(labels)) sampleWeights weights bias

        toGradients weights bias, cost

    /// propagate without the input checks, for data that its caller has checked already.
    let internal propagateUnchecked (network: Network) (features: float[,]) (labels: int[]) =
        propagateUncheckedWeighted network features labels None

    /// The seed's propagate for any depth: forward pass, mean cross-entropy cost, backward pass.
    /// Features are samples x inputs; labels are 0/1 (sigmoid output) or 0..K-1 (softmax).
    [<CompiledName("Propagate")>]
    let propagate (network: Network) (features: float[,]) (labels: int[]) : Gradients * float =
        Network.validate network |> ignore
        Checks.forNetwork network features
        Checks.labelsForNetwork network (features.GetLength 0) labels
        propagateUnchecked network features labels

    /// propagate with the one-pass kernel on (it must fit the network) or off, whatever the batch size, and
    /// sample weights of mean 1 (empty for none): for tests that compare the two paths.
    let internal propagateForcedWeighted
        (onePass: bool)
        (network: Network)
        (features: float[,])
        (labels: int[])
        (sampleWeights: float[])
        =
        let layers = List.toArray network.Layers

        if onePass && not (Selection.onePassFits layers) then
            invalidArg "network" "the one-pass kernel is for one sigmoid unit"

        let ws = Workspace(network, labels.Length)
        let weights, bias = zeroGradients layers

        let cost =
            propagateWith
                onePass
                ws
                layers
                (Buffers.readOnly2 features)
                (ReadOnlySpan<int>(labels))
                (ReadOnlySpan<float>(sampleWeights))
                weights
                bias

        toGradients weights bias, cost

    /// propagate with the one-pass kernel on or off (see propagateForcedWeighted), without weights.
    let internal propagateForced onePass network features labels =
        propagateForcedWeighted onePass network features labels Array.empty

    /// The mean cross-entropy cost alone.
    [<CompiledName("Cost")>]
    let cost (network: Network) (features: float[,]) (labels: int[]) = snd (propagate network features labels)

    /// propagate with sample weights: the cost is the weighted mean Σ wᵢ Lᵢ / Σ wᵢ of the cross-entropy and
    /// the gradients are its own, so integer weights act as repeated samples and a weight of 0 removes its
    /// sample. Weights are checked (SampleWeights.check, named "sampleWeights").
    [<CompiledName("PropagateWeighted")>]
    let propagateWeighted (network: Network) (features: float[,]) (labels: int[]) (sampleWeights: float[]) =
        Network.validate network |> ignore
        Checks.forNetwork network features
        Checks.labelsForNetwork network (features.GetLength 0) labels
        SampleWeights.check "sampleWeights" labels.Length sampleWeights
        propagateUncheckedWeighted network features labels (Some(SampleWeights.normalized sampleWeights))

    /// The weighted mean cross-entropy cost alone (see propagateWeighted).
    [<CompiledName("CostWeighted")>]
    let costWeighted (network: Network) (features: float[,]) (labels: int[]) (sampleWeights: float[]) =
        snd (propagateWeighted network features labels sampleWeights)
