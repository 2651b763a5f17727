/// The non-finite scan of the training data runs once per call, whatever the number of epochs: the
/// validation cost of each epoch uses data that `epochs` has checked already.
module Perceptron.Core.Tests.ScanTests

open Xunit
open Perceptron.Core

let private scans f =
    let before = ScanCount.OnThisThread
    f () |> ignore
    ScanCount.OnThisThread - before

[<Theory>]
[<InlineData(1)>]
[<InlineData(12)>]
let ``epochs scans the training and validation data once however many epochs run`` (count: int) =
    let x, y = ModelTests.blobs 60 3
    let vx, vy = ModelTests.blobs 20 4
    let optimizer = Optimizer.withL2 0.01 (Optimizer.gradientDescent 0.1)
    let start = Training.init optimizer (Network.initialize Xavier 1 4 [ 3 ] Tanh 3)

    let run () =
        Training.epochs optimizer (Some 16) 1 x y (Some(vx, vy)) start
        |> Seq.take count
        |> Seq.toList

    // One scan of the training features and one of the validation features.
    Assert.Equal(2, scans run)

[<Fact>]
let ``the validation cost of an epoch is the checked cost of its network`` () =
    let x, y = ModelTests.blobs 60 5
    let vx, vy = ModelTests.blobs 20 6
    let optimizer = Optimizer.withL2 0.01 (Optimizer.momentum 0.1 0.9)
    let start = Training.init optimizer (Network.initialize Xavier 1 4 [ 3 ] Tanh 3)

    for report in Training.epochs optimizer (Some 16) 1 x y (Some(vx, vy)) start |> Seq.take 3 do
        Assert.Equal(Training.cost optimizer report.State.Network vx vy, report.ValidationCost.Value)
