/// Loss: softplus and cross-entropy from logits stay finite and non-negative, even for huge logits.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.LossTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

[<Property>]
let ``softplus is finite, at least max(z, 0), and softplus(z) - softplus(-z) = z`` (AnyFinite z) =
    let s = Loss.softplus z
    Assert.True(Double.IsFinite s && s >= max z 0.0, $"softplus {z} = {s}")
    let difference = Loss.softplus z - Loss.softplus -z
    Assert.True(abs (difference - z) <= 1e-15 * max 1.0 (abs z), $"softplus({z}) - softplus({-z}) = {difference}")

[<Property>]
let ``softplus agrees with log(1 + e^z) where that does not overflow`` (Moderate z) =
    let naive = Math.Log(1.0 + Math.Exp z)
    // Absolute near 0: for z << 0 both are about e^z and lose relative precision alike.
    abs (Loss.softplus z - naive) <= 1e-14 * max 1.0 naive

[<Fact>]
let ``softplus at the extremes`` () =
    Assert.Equal(1000.0, Loss.softplus 1000.0)
    Assert.Equal(1e308, Loss.softplus 1e308)
    Assert.Equal(0.0, Loss.softplus -1e308)
    Assert.Equal(Math.Log 2.0, Loss.softplus 0.0)
    Assert.InRange(Loss.softplus -1000.0, 0.0, 1e-300)

[<Property>]
let ``binary cross-entropy from a logit is non-negative and finite; for y = 1 it is softplus(-z)`` (AnyFinite z) =

    for y in [ 0; 1 ] do
        let loss = Loss.binaryFromLogit z y
        Assert.True(Double.IsFinite loss && loss >= 0.0, $"loss({z}, {y}) = {loss}")

    Assert.True(abs (Loss.binaryFromLogit z 1 - Loss.softplus -z) <= 1e-15 * max 1.0 (abs z))

[<Fact>]
let ``binary cross-entropy matches -log sigmoid on ordinary logits`` () =
    for z in [ -5.0; -0.3; 0.0; 1.7; 8.0 ] do
        Assert.Equal(-Math.Log(Activation.sigmoid z), Loss.binaryFromLogit z 1, 12)
        Assert.Equal(-Math.Log(1.0 - Activation.sigmoid z), Loss.binaryFromLogit z 0, 12)

[<Fact>]
let ``the output activation implies the loss`` () =
    Assert.Equal(BinaryCrossEntropy, Loss.forOutput Sigmoid)
    Assert.Equal(CategoricalCrossEntropy, Loss.forOutput Softmax)

    for a in [ Tanh; Relu; LeakyRelu ] do
        Assert.ThrowsAny<ArgumentException>(fun () -> Loss.forOutput a |> ignore)
        |> ignore

[<Property>]
let ``the cost is finite and non-negative, and probabilities are in [0, 1], for huge logits`` (c: HugeCase) =
    let case = c.Case
    let cost = Propagation.cost case.Network case.Features case.Labels
    Assert.True(Double.IsFinite cost && cost >= 0.0, $"cost {cost}")
    let probabilities = Propagation.forward case.Network case.Features

    for i in 0 .. probabilities.GetLength 0 - 1 do
        let row = [| for j in 0 .. probabilities.GetLength 1 - 1 -> probabilities[i, j] |]
        Assert.True(row |> Array.forall (fun p -> p >= 0.0 && p <= 1.0), $"row {i}: %A{row}")

        if row.Length > 1 then
            Assert.True(abs (Array.sum row - 1.0) <= 1e-12, $"row {i} sums to {Array.sum row}")

[<Property>]
let ``the cost is finite and non-negative for ordinary networks and data`` (c: Case) =
    let cost = Propagation.cost c.Network c.Features c.Labels
    Double.IsFinite cost && cost >= 0.0

/// One layer, one input: the logits are the weights times the single feature 1.
let oneLayer (weights: float list) (activation: Activation) : Network = {
    Layers = [
        {
            Weights = Array2D.init weights.Length 1 (fun u _ -> weights[u])
            Bias = Array.zeroCreate weights.Length
            Activation = activation
        }
    ]
}

[<Fact>]
let ``binary cost at logits of plus and minus 1000 and 1e300`` () =
    let one = array2D [ [ 1.0 ] ]

    for logit in [ 1000.0; 1e300 ] do
        let network = oneLayer [ logit ] Sigmoid
        // Confidently right: the cost is (about) zero, not NaN.
        Assert.Equal(0.0, Propagation.cost network one [| 1 |])
        // Confidently wrong: the cost is the logit itself.
        Assert.Equal(logit, Propagation.cost network one [| 0 |], 12)
        let negative = oneLayer [ -logit ] Sigmoid
        Assert.Equal(0.0, Propagation.cost negative one [| 0 |])
        Assert.Equal(logit, Propagation.cost negative one [| 1 |], 12)
        let gradients, _ = Propagation.propagate network one [| 0 |]
        Assert.True(gradientsAreFinite gradients)

[<Fact>]
let ``softmax cost with logits 1e300 is finite`` () =
    let network = oneLayer [ 1e300; -1e300; 0.0 ] Softmax
    let one = array2D [ [ 1.0 ] ]
    Assert.Equal(0.0, Propagation.cost network one [| 0 |])
    Assert.Equal(1e300, Propagation.cost network one [| 2 |], 12)
    Assert.Equal(2e300, Propagation.cost network one [| 1 |], 12)
    let p = Propagation.forward network one
    Assert.Equal<float[]>([| 1.0; 0.0; 0.0 |], [| p[0, 0]; p[0, 1]; p[0, 2] |])
    let gradients, _ = Propagation.propagate network one [| 1 |]
    Assert.True(gradientsAreFinite gradients)

// Regression test (found by these tests, since fixed): Loss.sumAndDelta computes the categorical cost as
// (m + log s) - z[y], where m is the largest logit. When m is huge, m + log s rounds back to m and
// log s is lost: logits (1e300, 1e300) give a cost of 0 instead of log 2 (and already at logits
// around 1e17 the error is of order 1). Computing (m - z[y]) + log s keeps it exact.
[<Fact>]
let ``regression: softmax cost with equal huge logits is log K`` () =
    for k in 2..5 do
        let network = oneLayer (List.replicate k 1e300) Softmax
        Assert.Equal(Math.Log(float k), Propagation.cost network (array2D [ [ 1.0 ] ]) [| k - 1 |], 14)
