/// Prediction: classes and probabilities from the forward pass; purity.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.PredictionTests

open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

[<Property>]
let ``predict is p > 0.5 for a sigmoid output and the first most probable class for softmax`` (c: Case) =
    let output = Propagation.forward c.Network c.Features
    let predicted = Prediction.predict c.Network c.Features

    let expected =
        Array.init (output.GetLength 0) (fun i ->
            if output.GetLength 1 = 1 then
                (if output[i, 0] > 0.5 then 1 else 0)
            else
                let row = [| for j in 0 .. output.GetLength 1 - 1 -> output[i, j] |]
                Array.findIndex ((=) (Array.max row)) row)

    Assert.Equal<int[]>(expected, predicted)

[<Property>]
let ``probabilities have one column per class, in [0, 1], summing to 1`` (c: Case) =
    let p = Prediction.probabilities c.Network c.Features
    let output = Propagation.forward c.Network c.Features
    Assert.Equal(c.Features.GetLength 0, p.GetLength 0)
    Assert.Equal(c.Architecture.Classes, p.GetLength 1)

    for i in 0 .. p.GetLength 0 - 1 do
        let row = [| for j in 0 .. p.GetLength 1 - 1 -> p[i, j] |]
        Assert.True(row |> Array.forall (fun v -> v >= 0.0 && v <= 1.0))
        Assert.True(abs (Array.sum row - 1.0) <= 1e-12)

        if p.GetLength 1 = 2 && output.GetLength 1 = 1 then
            Assert.Equal(output[i, 0], p[i, 1])
            Assert.Equal(1.0 - output[i, 0], p[i, 0])
        else
            Assert.True(sameBits row [| for j in 0 .. output.GetLength 1 - 1 -> output[i, j] |])

[<Property>]
let ``predict and probabilities leave their inputs untouched and repeat bit for bit`` (c: Case) =
    let network, features = copyNetwork c.Network, Array2D.copy c.Features
    let a = Prediction.predict c.Network c.Features
    let b = Prediction.predict c.Network c.Features
    let p = Prediction.probabilities c.Network c.Features
    let q = Prediction.probabilities c.Network c.Features
    Assert.True(sameNetwork network c.Network && sameBits2 features c.Features, "an input was modified")
    Assert.Equal<int[]>(a, b)
    Assert.True(sameBits2 p q)

[<Fact>]
let ``ties go to class 0: p = 0.5 for sigmoid, equal probabilities for softmax`` () =
    let zero (units: int) activation : Network = {
        Layers = [
            {
                Weights = Array2D.zeroCreate units 2
                Bias = Array.zeroCreate units
                Activation = activation
            }
        ]
    }

    let features = array2D [ [ 1.0; -2.0 ]; [ 0.5; 0.5 ] ]
    Assert.Equal<int[]>([| 0; 0 |], Prediction.predict (zero 1 Sigmoid) features)
    Assert.Equal<int[]>([| 0; 0 |], Prediction.predict (zero 4 Softmax) features)

/// A one-layer network with one output unit per row of weights.
let private layer (weights: float[,]) (activation: Activation) : Network = {
    Layers = [
        {
            Weights = weights
            Bias = Array.zeroCreate (weights.GetLength 0)
            Activation = activation
        }
    ]
}

[<Fact>]
let ``a row whose forward pass overflows is refused by its index, and a saturated but finite row is not`` () =
    // 1e308 * 2 is infinite: its sigmoid would print as a certain answer, its softmax as NaN.
    let features = array2D [ [ 0.5; 0.5 ]; [ 2.0; -2.0 ] ]

    for network in
        [
            layer (array2D [ [ 1e308; 1e308 ] ]) Sigmoid
            layer (array2D [ [ 1e308; 1e308 ]; [ -1e308; 0.0 ]; [ 0.0; 1.0 ] ]) Softmax
        ] do
        let e =
            Assert.Throws<System.OverflowException>(fun () -> Prediction.probabilities network features |> ignore)

        Assert.StartsWith("features row 1: the forward pass overflows in layers[0]", e.Message)

    // A logit of 1000 saturates the sigmoid to exactly 1 without any overflow: a certain, sound answer.
    let saturated =
        Prediction.probabilities (layer (array2D [ [ 1000.0; 0.0 ] ]) Sigmoid) features

    Assert.Equal(1.0, saturated[1, 1])
