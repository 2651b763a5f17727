/// Gradient checking: analytic gradients against central finite differences.
namespace Perceptron.Core

open System

/// The comparison for one layer.
type LayerCheck = {
    /// 0 for the first layer.
    Layer: int
    /// ||g - g~|| / (||g|| + ||g~||) over the layer's weights and biases.
    RelativeDifference: float
    /// The number of parameters compared.
    Parameters: int
}

/// The comparison for a whole network.
type GradientCheckReport = {
    /// ||g - g~|| / (||g|| + ||g~||) over every parameter.
    RelativeDifference: float
    /// Per layer, input layer first.
    Layers: LayerCheck list
    /// The step used for the central differences.
    Epsilon: float
}

/// Gradient checking for any network and loss.
[<RequireQualifiedAccess>]
module GradientCheck =
    /// The threshold below which gradients are taken to agree: 1e-6. With ε = 1e-6 in float64, each
    /// difference quotient carries a rounding error of about 1e-16 · |J| / ε ≈ 1e-10 · |J|, which grows
    /// relative to the gradient as classes are added (each logit's gradient shrinks like 1 / classes):
    /// correct gradients of a 100-class softmax measure about 1.2e-7. A wrong gradient (a missing term,
    /// a wrong sign or factor) measures 1e-3 or more, so 1e-6 still separates the two by orders of magnitude.
    [<Literal>]
    let Threshold = 1e-6

    /// ||a - b|| / (||a|| + ||b||), 0 when both are zero.
    [<CompiledName("RelativeDifference")>]
    let relativeDifference (analytic: float[]) (numeric: float[]) =
        let mutable difference = 0.0
        let mutable a = 0.0
        let mutable b = 0.0

        for i in 0 .. analytic.Length - 1 do
            difference <- difference + (analytic[i] - numeric[i]) ** 2.0
            a <- a + analytic[i] ** 2.0
            b <- b + numeric[i] ** 2.0

        let denominator = sqrt a + sqrt b

        if denominator = 0.0 then
            0.0
        else
            sqrt difference / denominator

    /// The check of `propagate`'s gradients against differences of `cost` (each of a network), plus L2.
    let internal checkWith
        (propagate: Network -> Gradients * float)
        (cost: Network -> float)
        (lambda: float)
        (epsilon: float)
        (network: Network)
        =
        if not (epsilon > 0.0 && Double.IsFinite epsilon) then
            invalidArg "epsilon" $"epsilon is {epsilon}; expected a small number > 0"

        if not (lambda >= 0.0 && Double.IsFinite lambda) then
            invalidArg "lambda" $"L2 is {lambda}; expected a finite number >= 0"

        let gradients, _ = propagate network

        let gradients =
            if lambda = 0.0 then
                gradients
            else
                Optimizer.l2Gradients lambda gradients network

        let layers = List.toArray network.Layers

        let costWith (l: int) (perturb: Layer -> Layer) =
            let changed: Network = {
                Layers =
                    layers
                    |> Array.mapi (fun i layer -> if i = l then perturb layer else layer)
                    |> List.ofArray
            }

            let cost = cost changed

            if lambda = 0.0 then
                cost
            else
                cost + Optimizer.l2Penalty lambda changed

        let numericLayer l =
            let layer = layers[l]

            let weights = [|
                for i in 0 .. layer.Units - 1 do
                    for j in 0 .. layer.Inputs - 1 do
                        let shifted delta =
                            costWith l (fun layer ->
                                let w = Array2D.copy layer.Weights
                                w[i, j] <- w[i, j] + delta
                                { layer with Weights = w })

                        (shifted epsilon - shifted -epsilon) / (2.0 * epsilon)
            |]

            let bias = [|
                for i in 0 .. layer.Units - 1 do
                    let shifted delta =
                        costWith l (fun layer ->
                            let b = Array.copy layer.Bias
                            b[i] <- b[i] + delta
                            { layer with Bias = b })

                    (shifted epsilon - shifted -epsilon) / (2.0 * epsilon)
            |]

            Array.append weights bias

        let analyticLayer (g: LayerGradients) =
            Array.append (Seq.cast<float> g.Weights |> Array.ofSeq) g.Bias

        let pairs =
            gradients.Layers |> List.mapi (fun l g -> analyticLayer g, numericLayer l)

        {
            RelativeDifference =
                relativeDifference (pairs |> List.map fst |> Array.concat) (pairs |> List.map snd |> Array.concat)
            Layers =
                pairs
                |> List.mapi (fun l (a, n) -> {
                    Layer = l
                    RelativeDifference = relativeDifference a n
                    Parameters = a.Length
                })
            Epsilon = epsilon
        }

    /// Compares the gradients training follows with (J(θ + ε) - J(θ - ε)) / 2ε for every parameter, where J
    /// is the cross-entropy plus (lambda / 2) ||W||^2, the objective of an optimizer `withL2 lambda`: the
    /// analytic side is propagate's gradients through Optimizer.l2Gradients, the numeric side differences
    /// of the cost plus Optimizer.l2Penalty. Pure: each perturbation is made on a copy.
    [<CompiledName("CheckWithL2")>]
    let checkWithL2 (lambda: float) (epsilon: float) (network: Network) (features: float[,]) (labels: int[]) =
        checkWith
            (fun n -> Propagation.propagate n features labels)
            (fun n -> Propagation.cost n features labels)
            lambda
            epsilon
            network

    /// checkWithL2 on the weighted objective Σ wᵢ Lᵢ / Σ wᵢ plus (lambda / 2) ||W||^2: the analytic side is
    /// Propagation.propagateWeighted's gradients, the numeric side differences of Propagation.costWeighted.
    [<CompiledName("CheckWeighted")>]
    let checkWeighted
        (lambda: float)
        (epsilon: float)
        (network: Network)
        (features: float[,])
        (labels: int[])
        (sampleWeights: float[])
        =
        checkWith
            (fun n -> Propagation.propagateWeighted n features labels sampleWeights)
            (fun n -> Propagation.costWeighted n features labels sampleWeights)
            lambda
            epsilon
            network

    /// Compares propagate's gradients with (J(θ + ε) - J(θ - ε)) / 2ε for every parameter, J the
    /// cross-entropy without penalty (checkWithL2 0). Pure.
    [<CompiledName("Check")>]
    let check (epsilon: float) (network: Network) (features: float[,]) (labels: int[]) =
        checkWithL2 0.0 epsilon network features labels
