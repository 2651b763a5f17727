/// The formulation as it is written on paper: the forward pass, the cross-entropy cost, the backward
/// pass and a gradient-descent step, with plain arrays and loops. Samples are rows: X is m x n, and a
/// layer's W is units x inputs, so Z = A_prev Wᵀ + b. Propagation computes the same values fast; the
/// tests hold it to these definitions.
namespace Perceptron.Core

open System

/// One layer's values in the forward pass, samples x units.
type LayerForward = {
    /// The pre-activations Z = A_prev Wᵀ + b (for the output layer, the logits).
    Z: float[,]
    /// The activations A = f(Z).
    A: float[,]
}

/// One layer's values in the backward pass.
type LayerBackward = {
    /// dZ = w ∂L/∂Z for each sample's loss L and weight w (1 without weights), samples x units (the mean
    /// over samples comes in dW and db).
    DZ: float[,]
    /// dW = ∂J/∂W = (1/m) dZᵀ A_prev, units x inputs like the layer's weights.
    DW: float[,]
    /// db = ∂J/∂b = (1/m) Σ_i dZ[i, ·], one per unit.
    Db: float[]
}

/// Every value of one gradient-descent step, for a learner to inspect.
type StepTrace = {
    /// Z and A per layer, input layer first.
    Forward: LayerForward list
    /// The mean cross-entropy J before the step.
    Cost: float
    /// dZ, dW and db per layer, input layer first.
    Backward: LayerBackward list
    /// The network after W := W - α dW and b := b - α db.
    Updated: Network
}

/// Forward, cost, backward and update, each written like the math.
[<RequireQualifiedAccess>]
module Formulation =
    /// Σ_{k = 0}^{n - 1} term k, added in order.
    let private sum (n: int) (term: int -> float) =
        let mutable total = 0.0

        for k in 0 .. n - 1 do
            total <- total + term k

        total

    let private rows (x: float[,]) = x.GetLength 0
    let private columns (x: float[,]) = x.GetLength 1

    /// A = f(Z), elementwise, or row by row for softmax.
    [<CompiledName("Activate")>]
    let activate (activation: Activation) (z: float[,]) =
        match activation with
        | Sigmoid -> Array2D.map Activation.sigmoid z // σ(z) = 1 / (1 + e^-z)
        | Tanh -> Array2D.map Math.Tanh z
        | Relu -> Array2D.map (fun v -> max v 0.0) z
        | LeakyRelu -> Array2D.map (fun v -> if v < 0.0 then Activation.LeakySlope * v else v) z
        | Softmax ->
            // softmax(z)_u = e^(z_u - M) / Σ_k e^(z_k - M) with M = max_k z_k: no exponent is above 0.
            Array2D.init (rows z) (columns z) (fun i u ->
                let top = Seq.max (seq { for k in 0 .. columns z - 1 -> z[i, k] })
                exp (z[i, u] - top) / sum (columns z) (fun k -> exp (z[i, k] - top)))

    /// f'(z) of a hidden activation, given z and a = f(z); ReLU's slope at 0 is taken as 0.
    let private slope (activation: Activation) (z: float) (a: float) =
        match activation with
        | Sigmoid -> a * (1.0 - a) // σ' = σ (1 - σ)
        | Tanh -> 1.0 - a * a // tanh' = 1 - tanh²
        | Relu -> if z > 0.0 then 1.0 else 0.0
        | LeakyRelu -> if z > 0.0 then 1.0 else Activation.LeakySlope
        | Softmax -> invalidOp "softmax is only used on the output layer, where dZ = A - Y"

    /// The forward pass: A_0 = X, then Z = A_prev Wᵀ + b and A = f(Z) for each layer, input layer first.
    [<CompiledName("Forward")>]
    let forward (network: Network) (features: float[,]) : LayerForward list =
        Network.validate network |> ignore

        if columns features <> network.Inputs then
            invalidArg "features" $"features has {columns features} columns; the network expects {network.Inputs}"

        let rec pass (input: float[,]) (layers: Layer list) =
            match layers with
            | [] -> []
            | layer :: rest ->
                // Z[i, u] = Σ_j A_prev[i, j] W[u, j] + b[u]
                let z =
                    Array2D.init (rows input) layer.Units (fun i u ->
                        sum layer.Inputs (fun j -> input[i, j] * layer.Weights[u, j]) + layer.Bias[u])

                let a = activate layer.Activation z
                { Z = z; A = a } :: pass a rest

        pass features network.Layers

    /// Checks that there is one label per sample, each a class of the output layer.
    let private checkLabels (units: int) (samples: int) (labels: int[]) =
        let classes = if units = 1 then 2 else units

        if labels.Length <> samples then
            invalidArg "labels" $"labels has {labels.Length} values for {samples} samples; expected one per sample"

        labels
        |> Array.iteri (fun i y ->
            if y < 0 || y >= classes then
                invalidArg "labels" $"labels[{i}] is {y}; expected a class from 0 to {classes - 1}")

    /// Checks that there is one weight per sample (the values themselves: SampleWeights.check).
    let private checkWeights (samples: int) (weights: float[]) =
        if weights.Length <> samples then
            invalidArg "sampleWeights" $"sampleWeights has {weights.Length} values for {samples} samples"

    /// The weighted mean cross-entropy J = Σ_i w_i L_i / Σ_i w_i, from the output layer's logits.
    [<CompiledName("CostWeighted")>]
    let costWeighted (forward: LayerForward list) (labels: int[]) (weights: float[]) =
        let z = (List.last forward).Z
        let m = rows z
        checkLabels (columns z) m labels
        checkWeights m weights

        if columns z = 1 then
            // L = -y log σ(z) - (1 - y) log(1 - σ(z)), which is softplus(-z) for y = 1 and softplus(z) for y = 0.
            sum m (fun i -> weights[i] * Loss.binaryFromLogit z[i, 0] labels[i])
            / sum m (fun i -> weights[i])
        else
            // L = -log softmax(z)_y = log Σ_k e^(z_k) - z_y, and with M = z_top the largest logit,
            // log Σ_k e^(z_k) = M + log(1 + Σ_{k ≠ top} e^(z_k - M)).
            sum m (fun i ->
                let top = Array.maxBy (fun k -> z[i, k]) [| 0 .. columns z - 1 |]

                let rest =
                    sum (columns z) (fun k -> if k = top then 0.0 else exp (z[i, k] - z[i, top]))

                weights[i] * (z[i, top] - z[i, labels[i]] + Loss.log1p rest))
            / sum m (fun i -> weights[i])

    /// The mean cross-entropy J = (1/m) Σ_i L_i: costWeighted with every weight 1 (exactly, as 1 · L = L).
    [<CompiledName("Cost")>]
    let cost (forward: LayerForward list) (labels: int[]) =
        costWeighted forward labels (Array.create (rows (List.last forward).Z) 1.0)

    /// The backward pass of the weighted cost: dZ (each sample's scaled by its weight), dW and db (divided
    /// by Σ_i w_i) for every layer, input layer first.
    [<CompiledName("BackwardWeighted")>]
    let backwardWeighted
        (network: Network)
        (features: float[,])
        (forward: LayerForward list)
        (labels: int[])
        (weights: float[])
        =
        let layers = List.toArray network.Layers
        let values = List.toArray forward

        if values.Length <> layers.Length then
            invalidArg "forward" $"forward has {values.Length} layers; the network has {layers.Length}"

        let last = layers.Length - 1
        let output = values[last].A
        let m = rows output
        checkLabels (columns output) m labels
        checkWeights m weights
        let total = sum m (fun i -> weights[i])
        // Y: the label as a column (sigmoid), or one-hot rows (softmax).
        let y =
            Array2D.init m (columns output) (fun i u ->
                if columns output = 1 then float labels[i]
                elif u = labels[i] then 1.0
                else 0.0)

        let rec back (l: int) (dz: float[,]) (later: LayerBackward list) =
            let layer = layers[l]
            let input = if l = 0 then features else values[l - 1].A
            // dW = (1/Σw) dZᵀ A_prev and db = (1/Σw) Σ_i dZ[i, ·]; Σw = m without weights
            let dw =
                Array2D.init layer.Units layer.Inputs (fun u j -> sum m (fun i -> dz[i, u] * input[i, j]) / total)

            let db = Array.init layer.Units (fun u -> sum m (fun i -> dz[i, u]) / total)
            let gradients = { DZ = dz; DW = dw; Db = db } :: later

            if l = 0 then
                gradients
            else
                // dA_prev = dZ W, and dZ_prev = dA_prev ⊙ f'(Z_prev)
                let previous = values[l - 1]

                let dzPrevious =
                    Array2D.init m layer.Inputs (fun i j ->
                        sum layer.Units (fun u -> dz[i, u] * layer.Weights[u, j])
                        * slope layers[l - 1].Activation previous.Z[i, j] previous.A[i, j])

                back (l - 1) dzPrevious gradients

        // Output layer: dZ = (A - Y) w, for sigmoid with binary and softmax with categorical cross-entropy alike.
        back last (Array2D.init m (columns output) (fun i u -> (output[i, u] - y[i, u]) * weights[i])) []

    /// The backward pass: dZ, dW and db for every layer, input layer first (backwardWeighted with weights 1).
    [<CompiledName("Backward")>]
    let backward (network: Network) (features: float[,]) (forward: LayerForward list) (labels: int[]) =
        let samples =
            forward
            |> List.tryLast
            |> Option.map (fun f -> rows f.A)
            |> Option.defaultValue 0

        backwardWeighted network features forward labels (Array.create samples 1.0)

    /// One gradient-descent step: W := W - α dW and b := b - α db for every layer, as a new network.
    [<CompiledName("Update")>]
    let update (learningRate: float) (network: Network) (gradients: LayerBackward list) : Network = {
        Layers =
            List.map2
                (fun (layer: Layer) g -> {
                    layer with
                        Weights = Array2D.mapi (fun u j w -> w - learningRate * g.DW[u, j]) layer.Weights
                        Bias = Array.mapi (fun u b -> b - learningRate * g.Db[u]) layer.Bias
                })
                network.Layers
                gradients
    }

    /// One step of gradient descent on a batch, with every intermediate value kept.
    [<CompiledName("Trace")>]
    let trace (learningRate: float) (network: Network) (features: float[,]) (labels: int[]) =
        let values = forward network features
        let gradients = backward network features values labels

        {
            Forward = values
            Cost = cost values labels
            Backward = gradients
            Updated = update learningRate network gradients
        }
