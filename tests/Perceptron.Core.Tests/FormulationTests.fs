/// Formulation: the course's published numbers, gradients against central finite differences of its
/// own cost, a trace that is forward, cost, backward and update, and purity.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.FormulationTests

open System
open Xunit
open FsCheck.FSharp
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

// The deeplearning.ai assignment's test case, with samples as rows.
let course: Network = {
    Layers = [
        {
            Weights = array2D [ [ 1.0; 2.0 ] ]
            Bias = [| 2.0 |]
            Activation = Sigmoid
        }
    ]
}

let X = array2D [ [ 1.0; 3.0 ]; [ 2.0; 4.0 ]; [ -1.0; -3.2 ] ]
let Y = [| 1; 0; 1 |]

let near (tolerance: float) (expected: float) (actual: float) =
    Assert.True(abs (expected - actual) <= tolerance, $"expected {expected}, got {actual} (tolerance {tolerance})")

[<Fact>]
let ``one step reproduces the course's published gradients and cost`` () =
    let step = Formulation.trace 0.009 course X Y
    let g = step.Backward.Head
    // Tolerances are half a unit in the last printed digit; the cost is printed in full.
    near 5e-9 0.99845601 g.DW[0, 0]
    near 5e-9 2.39507239 g.DW[0, 1]
    near 5e-9 0.00145558 g.Db[0]
    near 1e-10 5.801545319394553 step.Cost

[<Fact>]
let ``100 steps reproduce the course's published parameters and last gradients`` () =
    let steps =
        List.scan (fun (s: StepTrace) _ -> Formulation.trace 0.009 s.Updated X Y) (Formulation.trace 0.009 course X Y) [
            2..100
        ]

    let last = List.last steps
    let layer = last.Updated.Layers.Head
    near 5e-9 0.19033591 layer.Weights[0, 0]
    near 5e-9 0.12259159 layer.Weights[0, 1]
    near 5e-12 1.92535983008 layer.Bias[0]
    near 5e-9 0.67752042 last.Backward.Head.DW[0, 0]
    near 5e-9 1.41625495 last.Backward.Head.DW[0, 1]
    near 5e-13 0.219194504541 last.Backward.Head.Db[0]

[<Fact>]
let ``the output layer's dZ is A - Y and the forward pass is Z = X wᵀ + b, A = σ(Z)`` () =
    let step = Formulation.trace 0.009 course X Y
    let forward = step.Forward.Head
    // Z = x₁ w₁ + x₂ w₂ + b for each row of X.
    Assert.Equal<float[,]>(array2D [ [ 1.0 + 6.0 + 2.0 ]; [ 2.0 + 8.0 + 2.0 ]; [ -1.0 + -3.2 * 2.0 + 2.0 ] ], forward.Z)

    for i in 0..2 do
        near 1e-15 (1.0 / (1.0 + exp -forward.Z[i, 0])) forward.A[i, 0]
        Assert.Equal(forward.A[i, 0] - float Y[i], step.Backward.Head.DZ[i, 0])

/// The case's network with ReLU and LeakyReLU replaced by tanh: no kinks for a difference to cross.
let smooth (c: Case) : Network = {
    Layers =
        c.Network.Layers
        |> List.map (fun l ->
            match l.Activation with
            | Relu
            | LeakyRelu -> { l with Activation = Tanh }
            | _ -> l)
}

/// The network with one parameter (layer l, weight index k row by row, then the biases) moved by delta.
let nudge (network: Network) (l: int) (k: int) (delta: float) : Network = {
    Layers =
        network.Layers
        |> List.mapi (fun i layer ->
            if i <> l then
                layer
            elif k < layer.Weights.Length then
                let w = Array2D.copy layer.Weights
                w[k / layer.Inputs, k % layer.Inputs] <- w[k / layer.Inputs, k % layer.Inputs] + delta
                { layer with Weights = w }
            else
                let b = Array.copy layer.Bias
                b[k - layer.Weights.Length] <- b[k - layer.Weights.Length] + delta
                { layer with Bias = b })
}

let costOf network features labels =
    Formulation.cost (Formulation.forward network features) labels

[<Property(MaxRejected = 10000)>]
let ``backward agrees with central finite differences of cost`` (c: Case) =
    let network = smooth c
    let forward = Formulation.forward network c.Features

    let analytic =
        flattenBackward (Formulation.backward network c.Features forward c.Labels)

    let cost = Formulation.cost forward c.Labels

    let largestLogit =
        (List.last forward).Z |> Seq.cast<float> |> Seq.map abs |> Seq.max

    // As in GradientCheckTests: below this norm, the cost's rounding noise alone approaches the tolerance.
    let resolvable =
        norm analytic
        >= 1e-3 * sqrt (float analytic.Length) * max 1.0 (max cost largestLogit)

    resolvable
    ==> lazy
        (let epsilon = 1e-6

         let numeric = [|
             for l, layer in List.indexed network.Layers do
                 for k in 0 .. layer.Weights.Length + layer.Bias.Length - 1 ->
                     (costOf (nudge network l k epsilon) c.Features c.Labels
                      - costOf (nudge network l k -epsilon) c.Features c.Labels)
                     / (2.0 * epsilon)
         |]

         let difference =
             norm (Array.map2 (-) analytic numeric) / (norm analytic + norm numeric)

         Assert.True(difference < 1e-7, $"relative difference {difference}"))

[<Property>]
let ``a trace is forward, cost, backward and update, and a small step lowers the cost`` (c: Case) =
    let network = smooth c
    let step = Formulation.trace 1e-6 network c.Features c.Labels
    let forward = Formulation.forward network c.Features
    let backward = Formulation.backward network c.Features forward c.Labels

    Assert.True(
        List.forall2
            (fun (a: LayerForward) (b: LayerForward) -> sameBits2 a.Z b.Z && sameBits2 a.A b.A)
            step.Forward
            forward
    )

    Assert.Equal(bits (Formulation.cost forward c.Labels), bits step.Cost)
    Assert.True(sameBits (flattenBackward backward) (flattenBackward step.Backward))
    Assert.True(sameNetwork (Formulation.update 1e-6 network backward) step.Updated)

    for layer, updated, g in List.zip3 network.Layers step.Updated.Layers backward do
        for u in 0 .. layer.Units - 1 do
            Assert.Equal(layer.Bias[u] - 1e-6 * g.Db[u], updated.Bias[u])

            for j in 0 .. layer.Inputs - 1 do
                Assert.Equal(layer.Weights[u, j] - 1e-6 * g.DW[u, j], updated.Weights[u, j])

    // J(θ - α g) ≈ J(θ) - α |g|²: lower whenever α |g|² is above the cost's rounding.
    let gradient = flattenBackward backward

    if 1e-6 * (norm gradient ** 2.0) > 1e-13 * max 1.0 step.Cost then
        let after = costOf step.Updated c.Features c.Labels
        Assert.True(after < step.Cost, $"cost {step.Cost} became {after}")

[<Property>]
let ``trace leaves its inputs untouched and repeats bit for bit`` (c: Case) =
    let network, features, labels =
        copyNetwork c.Network, Array2D.copy c.Features, Array.copy c.Labels

    let a = Formulation.trace 0.1 c.Network c.Features c.Labels
    let b = Formulation.trace 0.1 c.Network c.Features c.Labels

    Assert.True(
        sameNetwork network c.Network
        && sameBits2 features c.Features
        && labels = c.Labels
    )

    Assert.True(bits a.Cost = bits b.Cost && sameNetwork a.Updated b.Updated)

[<Property>]
let ``the output activations are probabilities and the cost is finite for huge logits`` (h: HugeCase) =
    let forward = Formulation.forward h.Case.Network h.Case.Features
    let output = (List.last forward).A

    Assert.True(
        allFinite (Seq.cast<float> output)
        && Seq.forall (fun p -> p >= 0.0 && p <= 1.0) (Seq.cast<float> output)
    )

    let cost = Formulation.cost forward h.Case.Labels
    Assert.True(Double.IsFinite cost && cost >= 0.0, $"cost {cost}")

[<Fact>]
let ``bad shapes and labels are rejected naming the argument`` () =
    let reject (name: string) (f: unit -> obj) =
        Assert.Equal(name, Assert.ThrowsAny<ArgumentException>(fun () -> f () |> ignore).ParamName)

    reject "features" (fun () -> box (Formulation.forward course (Array2D.zeroCreate 2 3)))
    let forward = Formulation.forward course X
    reject "labels" (fun () -> box (Formulation.cost forward [| 1; 0 |]))
    reject "labels" (fun () -> box (Formulation.cost forward [| 1; 0; 2 |]))
    reject "labels" (fun () -> box (Formulation.backward course X forward [| 1; -1; 0 |]))
    reject "network" (fun () -> box (Formulation.forward { Layers = [] } X))
    reject "forward" (fun () -> box (Formulation.backward course X (forward @ forward) Y))
