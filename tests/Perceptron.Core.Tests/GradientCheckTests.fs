/// GradientCheck: propagate's analytic gradients agree with central finite differences for random
/// architectures, every hidden activation and both losses.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.GradientCheckTests

open System
open Xunit
open FsCheck.FSharp
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// The smallest |pre-activation| of a ReLU or LeakyReLU hidden unit over the batch (infinity if none).
let distanceToKink (c: Case) =
    List.zip c.Network.Layers (referenceForward c.Network c.Features)
    |> List.filter (fun (layer, _) -> layer.Activation = Relu || layer.Activation = LeakyRelu)
    |> List.collect (fun (_, r) -> Seq.cast<float> r.Z |> Seq.map abs |> List.ofSeq)
    |> List.fold min infinity

[<Property(MaxRejected = 10000)>]
let ``analytic gradients agree with central finite differences`` (c: Case) =
    // ReLU and LeakyReLU have a kink at 0: a central difference taken across it measures the average
    // of two slopes, which is legitimately not the (one-sided) derivative. Cases where a hidden
    // pre-activation is within 1e-4 of 0 are discarded; the step of 1e-6 moves none across.
    distanceToKink c > 1e-4
    ==> lazy
        (let report = GradientCheck.check 1e-6 c.Network c.Features c.Labels

         Assert.True(
             report.RelativeDifference < 1e-7,
             $"relative difference {report.RelativeDifference}; per layer %A{report.Layers |> List.map _.RelativeDifference}"
         ))

[<Property>]
let ``the report has one entry per layer, counting its parameters`` (c: Case) =
    let report = GradientCheck.check 1e-6 c.Network c.Features c.Labels
    Assert.Equal(1e-6, report.Epsilon)
    Assert.Equal<int list>([ 0 .. c.Network.Layers.Length - 1 ], report.Layers |> List.map _.Layer)

    Assert.Equal<int list>(
        c.Network.Layers |> List.map (fun l -> l.Weights.Length + l.Bias.Length),
        report.Layers |> List.map _.Parameters
    )

[<Property>]
let ``check leaves the network untouched`` (c: Case) =
    let network = copyNetwork c.Network
    GradientCheck.check 1e-6 c.Network c.Features c.Labels |> ignore
    sameNetwork network c.Network

[<Fact>]
let ``a gradient check across a ReLU kink is expected to disagree`` () =
    // Justifies the discard above: one ReLU unit with pre-activation exactly 0 at the sample.
    let network: Network =
        {
            Layers =
                [
                    {
                        Weights = array2D [ [ 1.0 ] ]
                        Bias = [| -1.0 |]
                        Activation = Relu
                    }
                    {
                        Weights = array2D [ [ 2.0 ] ]
                        Bias = [| 0.0 |]
                        Activation = Sigmoid
                    }
                ]
        }

    let report = GradientCheck.check 1e-6 network (array2D [ [ 1.0 ] ]) [| 1 |]
    Assert.True(report.RelativeDifference > 1e-3, $"relative difference {report.RelativeDifference}")

[<Fact>]
let ``relative difference on known vectors`` () =
    Assert.Equal(0.0, GradientCheck.relativeDifference [| 1.0; 2.0 |] [| 1.0; 2.0 |])
    Assert.Equal(0.0, GradientCheck.relativeDifference [| 0.0; 0.0 |] [| 0.0; 0.0 |])
    Assert.Equal(1.0, GradientCheck.relativeDifference [| 1.0; 0.0 |] [| -1.0; 0.0 |])
    Assert.Equal(sqrt 2.0 / 2.0, GradientCheck.relativeDifference [| 1.0; 0.0 |] [| 0.0; 1.0 |], 15)
    // ||(3,4) - (0,0)|| / (5 + 0) = 1.
    Assert.Equal(1.0, GradientCheck.relativeDifference [| 3.0; 4.0 |] [| 0.0; 0.0 |])
    Assert.Equal(1e-7, GradientCheck.Threshold)

[<Fact>]
let ``check rejects a step that is not a small positive number`` () =
    let network = Network.initialize Xavier 1 2 [] Sigmoid 2

    for epsilon in [ 0.0; -1e-6; nan; infinity ] do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () ->
                GradientCheck.check epsilon network (array2D [ [ 1.0; 2.0 ] ]) [| 1 |] |> ignore)

        Assert.Equal("epsilon", e.ParamName)
