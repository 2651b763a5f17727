/// Network: initialisation (shapes, seeds, scales, symmetry) and validation.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.NetworkTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

let initialize (a: Architecture) =
    Network.initialize
        a.Initialization
        a.Seed
        a.Inputs
        a.Hidden
        (List.tryHead a.HiddenActivations |> Option.defaultValue Tanh)
        a.Classes

[<Property>]
let ``initialize gives the requested shapes, zero biases and the output activation for the classes`` (a: Architecture) =
    let network = initialize a
    let widths = a.Inputs :: a.Hidden @ [ (if a.Classes = 2 then 1 else a.Classes) ]
    Assert.Equal(a.Hidden.Length + 1, network.Layers.Length)

    network.Layers
    |> List.iteri (fun i layer ->
        Assert.Equal(widths[i + 1], layer.Weights.GetLength 0)
        Assert.Equal(widths[i], layer.Weights.GetLength 1)
        Assert.Equal(widths[i + 1], layer.Bias.Length)
        Assert.True(layer.Bias |> Array.forall (fun b -> bits b = 0L), "biases start at +0.0")

        let expected =
            if i = a.Hidden.Length then
                (if a.Classes = 2 then Sigmoid else Softmax)
            else
                List.tryHead a.HiddenActivations |> Option.defaultValue Tanh

        Assert.Equal(expected, layer.Activation))

    Assert.Equal(a.Inputs, network.Inputs)
    Assert.Equal(Network.outputUnits a.Classes, network.Outputs)
    Assert.Same(network, Network.validate network)

[<Property>]
let ``the same seed gives the same network, bit for bit`` (a: Architecture) =
    sameNetwork (initialize a) (initialize a)

[<Property>]
let ``different seeds give different weights`` (a: Architecture) =
    let other = initialize { a with Seed = a.Seed + 1 }
    // Every weight is drawn from a continuous distribution, so equal weights would mean equal streams.
    (initialize a).Layers.Head.Weights[0, 0] <> other.Layers.Head.Weights[0, 0]

[<Fact>]
let ``Zeros with hidden layers is rejected, and the message explains symmetry`` () =
    let e =
        Assert.ThrowsAny<ArgumentException>(fun () -> Network.initialize Zeros 1 3 [ 4 ] Relu 2 |> ignore)

    Assert.Contains("symmetry", e.Message)
    Assert.Equal("initialization", e.ParamName)

[<Fact>]
let ``Zeros without hidden layers is the seed's all-zero start`` () =
    for classes in [ 2; 3 ] do
        let network = Network.initialize Zeros 1 4 [] Sigmoid classes
        let layer = network.Layers.Head
        Assert.True(Seq.cast<float> layer.Weights |> Seq.forall (fun w -> w = 0.0))
        Assert.Equal(4, layer.Inputs)

let standardDeviation (values: float seq) =
    let v = Array.ofSeq values
    let mean = Array.average v
    sqrt (v |> Array.averageBy (fun x -> (x - mean) ** 2.0))

[<Fact>]
let ``weights are drawn with the scale of Normal, Xavier and He`` () =
    // 400 x 500 = 200000 draws: the sample standard deviation is within 1% with overwhelming probability.
    let cases = [
        Normal 0.01, 0.01
        Normal 2.5, 2.5
        Xavier, sqrt (2.0 / 900.0)
        He, sqrt (2.0 / 500.0)
    ]

    for initialization, expected in cases do
        let weights =
            (Network.initialize initialization 42 500 [ 400 ] Relu 2).Layers.Head.Weights

        let actual = standardDeviation (Seq.cast<float> weights)
        Assert.True(abs (actual / expected - 1.0) < 0.01, $"{initialization}: std {actual}, expected {expected}")
        Assert.True(abs (Seq.average (Seq.cast<float> weights)) < 0.01 * expected, $"{initialization}: mean is not 0")

[<Fact>]
let ``initialize rejects bad arguments with ArgumentException naming them`` () =
    let rejects name (f: unit -> Network) =
        let e = Assert.ThrowsAny<ArgumentException>(fun () -> f () |> ignore)
        Assert.Equal(name, e.ParamName)

    rejects "inputs" (fun () -> Network.initialize Xavier 1 0 [ 3 ] Tanh 2)
    rejects "hidden" (fun () -> Network.initialize Xavier 1 2 [ 3; 0 ] Tanh 2)
    rejects "hiddenActivation" (fun () -> Network.initialize Xavier 1 2 [ 3 ] Softmax 2)
    rejects "initialization" (fun () -> Network.initialize (Normal 0.0) 1 2 [ 3 ] Tanh 2)
    rejects "initialization" (fun () -> Network.initialize (Normal nan) 1 2 [ 3 ] Tanh 2)
    rejects "initialization" (fun () -> Network.initialize (Normal -1.0) 1 2 [ 3 ] Tanh 2)
    rejects "classes" (fun () -> Network.initialize Xavier 1 2 [ 3 ] Tanh 1)

let layer units inputs activation = {
    Weights = Array2D.create units inputs 0.1
    Bias = Array.zeroCreate units
    Activation = activation
}

[<Fact>]
let ``validate rejects bad shapes and activations`` () =
    let bad: (string * Network) list = [
        "no layers", { Layers = [] }
        "0 x 0 weights", { Layers = [ layer 0 0 Sigmoid ] }
        "0 inputs", { Layers = [ layer 1 0 Sigmoid ] }
        "bias length",
        {
            Layers = [
                {
                    layer 1 3 Sigmoid with
                        Bias = [| 0.0; 0.0 |]
                }
            ]
        }
        "null weights",
        {
            Layers = [
                {
                    layer 1 3 Sigmoid with
                        Weights = null
                }
            ]
        }
        "inputs do not chain",
        {
            Layers = [ layer 4 3 Tanh; layer 1 5 Sigmoid ]
        }
        "softmax hidden",
        {
            Layers = [ layer 4 3 Softmax; layer 3 4 Softmax ]
        }
        "sigmoid output with 2 units", { Layers = [ layer 2 3 Sigmoid ] }
        "softmax output with 1 unit", { Layers = [ layer 1 3 Softmax ] }
        "tanh output", { Layers = [ layer 1 3 Tanh ] }
        "relu output",
        {
            Layers = [ layer 4 3 Tanh; layer 1 4 Relu ]
        }
    ]

    for name, network in bad do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () -> Network.validate network |> ignore)

        Assert.True(e.ParamName = "network", $"{name}: ParamName {e.ParamName}")

    for good in
        [
            { Layers = [ layer 1 3 Sigmoid ] }
            {
                Layers = [ layer 4 3 Relu; layer 1 4 Sigmoid ]
            }
            {
                Layers = [ layer 4 3 LeakyRelu; layer 2 4 Tanh; layer 5 2 Softmax ]
            }
        ] do
        Assert.Same(good, Network.validate good)

[<Fact>]
let ``output activation and units for a number of classes`` () =
    Assert.Equal(Sigmoid, Network.outputActivation 2)
    Assert.Equal(Softmax, Network.outputActivation 3)
    Assert.Equal(1, Network.outputUnits 2)
    Assert.Equal(7, Network.outputUnits 7)

    Assert.ThrowsAny<ArgumentException>(fun () -> Network.outputActivation 1 |> ignore)
    |> ignore

[<Fact>]
let ``the network's loss follows its output layer`` () =
    Assert.Equal(BinaryCrossEntropy, (Network.initialize He 1 3 [ 2 ] Relu 2).Loss)
    Assert.Equal(CategoricalCrossEntropy, (Network.initialize He 1 3 [ 2 ] Relu 4).Loss)
