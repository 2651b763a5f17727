/// The bounded cost history: every epoch while there are few, then every k-th, always the last; training
/// of any length keeps at most CostHistory.limit costs, each with its right epoch.
module Perceptron.Core.Tests.CostHistoryTests

open Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// A history of epochs 1..n whose cost is the epoch itself (so a cost names the epoch it belongs to).
let history (n: int) =
    Seq.fold (fun h e -> CostHistory.add e (float e) (Some(-float e)) h) CostHistory.empty (seq { 1..n })

/// The epochs a stride-k history of n epochs keeps: 1, 1 + k, 1 + 2k, ... and the last.
let strided (k: int) (n: int) =
    let onStride = [ 1..k..n ]

    if List.last onStride = n then
        onStride
    else
        onStride @ [ n ]

[<Fact>]
let ``up to the limit every epoch is kept, in order`` () =
    let h = history (CostHistory.limit - 1)

    Assert.Equal<int list>([ 1 .. CostHistory.limit - 1 ], CostHistory.epochs h)
    Assert.Equal<float list>([ 1.0 .. float (CostHistory.limit - 1) ], CostHistory.costs h)

[<Fact>]
let ``past the limit every k-th epoch and the last are kept, never more than the limit`` () =
    for n in [ CostHistory.limit; CostHistory.limit + 1; 3 * CostHistory.limit + 7; 200_000 ] do
        let h = history n
        let epochs = CostHistory.epochs h
        // The stride is the gap between the first two kept epochs; every kept epoch but the last is on it.
        let k = epochs[1] - epochs[0]

        Assert.True(epochs.Length <= CostHistory.limit, $"{n} epochs kept {epochs.Length} points")
        Assert.True(epochs.Length >= CostHistory.limit / 2, $"{n} epochs kept only {epochs.Length} points")
        Assert.True(k > 1 && k &&& (k - 1) = 0, $"stride {k} after {n} epochs")
        Assert.Equal<int list>(strided k n, epochs)
        Assert.Equal<float list>(epochs |> List.map float, CostHistory.costs h)
        Assert.Equal<float list>(epochs |> List.map (fun e -> -float e), CostHistory.validationCosts h)
        Assert.Equal(n, CostHistory.added h)

[<Fact>]
let ``epochs without a validation cost give no validation costs`` () =
    let h =
        CostHistory.empty |> CostHistory.add 1 0.5 None |> CostHistory.add 2 0.4 None

    Assert.Empty(CostHistory.validationCosts h)
    Assert.Equal<float list>([ 0.5; 0.4 ], CostHistory.costs h)

[<Fact>]
let ``training 200,000 epochs keeps a bounded record whose costs are those of the epochs it names`` () =
    let x =
        array2D [ [ 0.0; 1.0 ]; [ 1.0; 0.0 ]; [ 1.0; 1.0 ]; [ 0.0; 0.0 ]; [ 0.5; 0.2 ] ]

    let y = [| 1; 0; 1; 0; 0 |]
    let epochs = 200_000
    let reported = Array.zeroCreate<float>(epochs + 1)
    let validation = Array.zeroCreate<float>(epochs + 1)

    let options: TrainOptions = {
        Hidden = []
        HiddenActivation = Tanh
        Initialization = Zeros
        Optimizer = Optimizer.gradientDescent 0.1
        Epochs = epochs
        BatchSize = None
        Seed = 1
        Standardize = false
        ValidationFraction = 0.2
        Stratify = false
        EarlyStopping = None
        WarmStart = None
        Classes = None
        Schedule = Schedule.constant
        HiddenActivations = None
        SampleWeights = None
        ClassWeights = ClassWeights.None
    }

    let model =
        Model.train options x y (fun report ->
            reported[report.Epoch] <- report.Cost
            validation[report.Epoch] <- report.ValidationCost.Value
            true)

    let record = model.Training
    let kept = record.CostEpochs

    Assert.Equal(Completed, record.Reason)
    Assert.Equal(epochs, record.Epochs)
    Assert.True(kept.Length <= CostHistory.limit, $"{kept.Length} costs kept")
    Assert.Equal<int list>(strided (kept[1] - kept[0]) epochs, kept)
    Assert.True(sameBits (kept |> List.map (fun e -> reported[e]) |> List.toArray) (List.toArray record.Costs))

    Assert.True(
        sameBits (kept |> List.map (fun e -> validation[e]) |> List.toArray) (List.toArray record.ValidationCosts)
    )

[<Fact>]
let ``divergence and the rising-cost warning name epochs from the record, not its length`` () =
    let x = array2D [ [ 0.0; 1.0 ]; [ 1.0; 0.0 ]; [ 1.0; 1.0 ]; [ 0.0; 0.0 ] ]
    let y = [| 1; 0; 1; 0 |]

    let options: TrainOptions = {
        Hidden = []
        HiddenActivation = Tanh
        Initialization = Zeros
        Optimizer = Optimizer.gradientDescent 0.1
        Epochs = 3
        BatchSize = None
        Seed = 1
        Standardize = false
        ValidationFraction = 0.0
        Stratify = false
        EarlyStopping = None
        WarmStart = None
        Classes = None
        Schedule = Schedule.constant
        HiddenActivations = None
        SampleWeights = None
        ClassWeights = ClassWeights.None
    }

    let model = Model.train options x y (fun _ -> true)

    let thinned = {
        model with
            Training.Costs = [ 0.7; 3.0; 50.0 ]
            Training.CostEpochs = [ 1; 17; 40 ]
    }

    Assert.Equal(41, Model.divergedEpoch thinned)
    let warning = Assert.Single(Model.warnings thinned)
    Assert.Contains("rose from 0.7 in epoch 1 to 50 in epoch 40", warning)
