/// Training: steps are lazy, resumable and seeded; epochs summarise them; fit stops for the right
/// reason and returns the right network; step is pure.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.TrainingTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

let start (t: TrainingCase) =
    Training.init (t.Optimizer.Make()) t.Case.Network

let steps (t: TrainingCase) (from: TrainingState) =
    Training.steps (t.Optimizer.Make()) t.BatchSize t.Seed t.Case.Features t.Case.Labels from

/// The batch size training really uses: the sample count for full batch or a size at or above it.
let effectiveSize (t: TrainingCase) =
    let samples = t.Case.Labels.Length

    match t.BatchSize with
    | Some b when b < samples -> b
    | _ -> samples

let batchesPerEpoch (t: TrainingCase) =
    let size = effectiveSize t
    (t.Case.Labels.Length + size - 1) / size

[<Property>]
let ``taking n + k steps equals taking n, then resuming from the n-th state for k more`` (t: TrainingCase) =
    let straight = steps t (start t) |> Seq.take (t.First + t.Then) |> Seq.last

    let middle =
        if t.First = 0 then
            start t
        else
            steps t (start t) |> Seq.item (t.First - 1)

    let resumed = steps t middle |> Seq.take t.Then |> Seq.last
    Assert.True(sameState straight resumed, $"resumed at step {middle.Step} (epoch {middle.Epoch}) differs")
    Assert.Equal(t.First + t.Then, resumed.Step)

[<Property>]
let ``steps are a fold of Training.step over the batches of Training.epochOrder`` (t: TrainingCase) =
    let optimizer = t.Optimizer.Make()
    let samples = t.Case.Labels.Length
    let size = effectiveSize t
    let shuffled = size < samples

    let batches epoch =
        let order =
            if shuffled then
                Training.epochOrder t.Seed epoch samples
            else
                Array.init samples id

        Array.chunkBySize size order

    let manual =
        [ 0; 1 ]
        |> List.collect (fun epoch -> List.ofArray (batches epoch))
        |> List.fold
            (fun state rows ->
                Training.step
                    optimizer
                    (Preprocessing.takeRows rows t.Case.Features)
                    (rows |> Array.map (fun r -> t.Case.Labels[r]))
                    state)
            (start t)

    let viaSteps = steps t (start t) |> Seq.item (2 * batchesPerEpoch t - 1)
    // Not the epoch: Training.step counts each batch it is given as an epoch (it cannot see the others).
    Assert.True(sameNetwork manual.Network viaSteps.Network, "the networks differ")
    Assert.True(sameOptimizerState manual.OptimizerState viaSteps.OptimizerState, "the optimizer states differ")
    Assert.Equal(manual.Step, viaSteps.Step)
    Assert.Equal(2, viaSteps.Epoch)
    Assert.Equal(bits manual.Cost, bits viaSteps.Cost)

[<Property>]
let ``the same arguments give the same states, bit for bit`` (t: TrainingCase) =
    let a = steps t (start t) |> Seq.take 5 |> Seq.toList
    let b = steps t (start t) |> Seq.take 5 |> Seq.toList
    List.forall2 sameState a b

[<Property>]
let ``different seeds shuffle an epoch differently`` (seed: int) (other: int) (epoch: byte) =
    // 20! orders: two seeds give the same one with negligible probability.
    seed = other
    || Training.epochOrder seed (int epoch) 20
       <> Training.epochOrder other (int epoch) 20

[<Fact>]
let ``mini-batch training with different seeds gives different networks`` () =
    let random = Random(2)
    let features = Array2D.init 24 3 (fun _ _ -> random.NextDouble() * 2.0 - 1.0)
    let labels = Array.init 24 (fun i -> i % 2)
    let optimizer = Optimizer.gradientDescent 0.5
    let initial = Training.init optimizer (Network.initialize Xavier 4 3 [ 5 ] Tanh 2)

    let after seed =
        (Training.steps optimizer (Some 4) seed features labels initial |> Seq.item 5).Network

    Assert.True(sameNetwork (after 1) (after 1))
    Assert.False(sameNetwork (after 1) (after 2))
    Assert.NotEqual<int[]>(Training.epochOrder 1 0 24, Training.epochOrder 1 1 24)

[<Property>]
let ``steps are lazy: nothing runs until states are taken, then one update per state`` (t: TrainingCase) =
    let updates = ref 0
    let inner = t.Optimizer.Make()

    let counting =
        Optimizer.Custom {
            Name = inner.Name
            Init = inner.Init
            Update =
                fun g s n ->
                    updates.Value <- updates.Value + 1
                    inner.Update g s n
        }

    let states =
        Training.steps counting t.BatchSize t.Seed t.Case.Features t.Case.Labels (Training.init counting t.Case.Network)

    Assert.Equal(0, updates.Value)
    let taken = states |> Seq.take t.Then |> Seq.toArray
    Assert.Equal(t.Then, updates.Value)
    Assert.Equal<int[]>([| 1 .. t.Then |], taken |> Array.map _.Step)

[<Property>]
let ``epochs yield one report per epoch with the sample-weighted mean cost of its batches`` (t: TrainingCase) =
    let perEpoch = batchesPerEpoch t
    let size = effectiveSize t
    let samples = t.Case.Labels.Length
    let states = steps t (start t) |> Seq.take (3 * perEpoch) |> Seq.toArray
    let validation = Some(t.Case.Features, t.Case.Labels)

    let reports =
        Training.epochs (t.Optimizer.Make()) t.BatchSize t.Seed t.Case.Features t.Case.Labels validation (start t)
        |> Seq.take 3
        |> Seq.toArray

    for e in 0..2 do
        let report = reports[e]
        let last = states[(e + 1) * perEpoch - 1]
        Assert.Equal(e + 1, report.Epoch)
        Assert.True(sameState last report.State, $"epoch {e + 1}: the state differs")

        let mean =
            [ 0 .. perEpoch - 1 ]
            |> List.sumBy (fun b ->
                let count = min size (samples - b * size)
                states[e * perEpoch + b].Cost * float count)
            |> fun total -> total / float samples

        Assert.True(
            abs (report.Cost - mean) <= 1e-12 * max 1.0 (abs mean),
            $"epoch {e + 1}: cost {report.Cost}, mean {mean}"
        )

        // The validation cost is the objective the optimizer minimises, L2 penalty included.
        let expected =
            Training.cost (t.Optimizer.Make()) last.Network t.Case.Features t.Case.Labels

        Assert.Equal(Some(bits expected), report.ValidationCost |> Option.map bits)

[<Property>]
let ``Training.step leaves its inputs untouched and repeats bit for bit`` (t: TrainingCase) =
    let optimizer = t.Optimizer.Make()
    // A state after two steps, so that optimizer state and gradients are not empty.
    let state = steps t (start t) |> Seq.item 1
    let before = copyState state
    let features, labels = Array2D.copy t.Case.Features, Array.copy t.Case.Labels
    let a = Training.step optimizer t.Case.Features t.Case.Labels state
    let b = Training.step optimizer t.Case.Features t.Case.Labels state
    Assert.True(sameState before state, "the state was modified")
    Assert.True(sameBits2 features t.Case.Features && labels = t.Case.Labels, "the data was modified")
    Assert.True(sameState a b, "step differs")
    Assert.Equal(state.Step + 1, a.Step)

[<Fact>]
let ``init starts at step 0 with no cost and no gradients, and validates the network`` () =
    let optimizer = Optimizer.adamDefault 0.1
    let network = Network.initialize He 3 2 [ 3 ] Relu 2
    let state = Training.init optimizer network
    Assert.Equal(0, state.Step)
    Assert.Equal(0, state.Epoch)
    Assert.True(Double.IsNaN state.Cost)
    Assert.True(state.Gradients.IsNone)
    Assert.True(sameOptimizerState (optimizer.Init network) state.OptimizerState)

    Assert.ThrowsAny<ArgumentException>(fun () -> Training.init optimizer { Layers = [] } |> ignore)
    |> ignore

/// 60 points in the plane, label 1 when x0 + x1 > 0.
let dataset (seed: int) =
    let random = Random(seed)
    let features = Array2D.init 60 2 (fun _ _ -> random.NextDouble() * 2.0 - 1.0)

    let labels =
        Array.init 60 (fun i -> if features[i, 0] + features[i, 1] > 0.0 then 1 else 0)

    features, labels

let options = {
    Epochs = 5
    BatchSize = None
    Seed = 1
    Validation = None
    EarlyStopping = None
    Schedule = Schedule.constant
    EpochsBefore = 0
    SampleWeights = None
    ValidationWeights = None
}

[<Fact>]
let ``fit runs every epoch and returns the last network when nothing stops it`` () =
    let features, labels = dataset 1
    let optimizer = Optimizer.gradientDescent 0.5
    let initial = Training.init optimizer (Network.initialize Xavier 2 2 [ 3 ] Tanh 2)

    let result =
        Training.fit optimizer { options with BatchSize = Some 16 } features labels initial (fun _ -> true)

    let reports =
        Training.epochs optimizer (Some 16) 1 features labels None initial
        |> Seq.take 5
        |> Seq.toList

    Assert.Equal(Completed, result.Reason)
    Assert.Equal<float list>(reports |> List.map _.Cost, result.Costs)
    Assert.Empty(result.ValidationCosts)
    Assert.True(sameState (List.last reports).State result.State)
    Assert.True(sameNetwork result.State.Network result.Network)
    Assert.Equal(5, result.BestEpoch)

[<Fact>]
let ``fit stops early when the validation cost stops improving and returns the best epoch's network`` () =
    let features, labels = dataset 3
    // Validation labels are the training labels flipped: the better the fit, the worse the validation
    // cost, so epoch 1 is the best and training stops after Patience epochs without improvement.
    let flipped = labels |> Array.map (fun y -> 1 - y)
    let optimizer = Optimizer.gradientDescent 0.5
    let initial = Training.init optimizer (Network.initialize Xavier 2 2 [] Sigmoid 2)

    let opts = {
        options with
            Epochs = 50
            Validation = Some(features, flipped)
            EarlyStopping = Some { Patience = 3; Tolerance = 0.0 }
    }

    let result = Training.fit optimizer opts features labels initial (fun _ -> true)

    let first =
        Training.epochs optimizer None 1 features labels None initial |> Seq.head

    Assert.Equal(EarlyStopped, result.Reason)
    Assert.Equal(4, result.Costs.Length)
    Assert.Equal(4, result.ValidationCosts.Length)

    Assert.True(
        List.pairwise result.ValidationCosts |> List.forall (fun (a, b) -> b > a),
        $"%A{result.ValidationCosts}"
    )

    Assert.Equal(1, result.BestEpoch)
    Assert.True(sameNetwork first.State.Network result.Network, "not the best epoch's network")
    Assert.Equal(4, result.State.Epoch)

[<Property(MaxTest = 40)>]
let ``under early stopping fit returns the network with the lowest validation cost``
    (t: TrainingCase)
    (v: Case)
    (patience: byte)
    =
    // Validation data of the same shape as the training data, drawn independently.
    let validation =
        Array2D.init (v.Features.GetLength 0) (t.Case.Features.GetLength 1) (fun i j ->
            v.Features[i, j % v.Features.GetLength 1])

    let classes = t.Case.Architecture.Classes
    let labels = v.Labels |> Array.map (fun y -> y % classes)
    let patience = int patience % 3 + 1
    let optimizer = t.Optimizer.Make()

    let opts = {
        options with
            Epochs = 8
            BatchSize = t.BatchSize
            Seed = t.Seed
            Validation = Some(validation, labels)
            EarlyStopping = Some { Patience = patience; Tolerance = 0.0 }
    }

    let result =
        Training.fit optimizer opts t.Case.Features t.Case.Labels (start t) (fun _ -> true)

    if result.Reason <> Diverged then
        let costs = result.ValidationCosts
        let best = List.min costs
        // The first epoch reaching the minimum is the best (later equal costs are no improvement).
        Assert.Equal(1 + List.findIndex ((=) best) costs, result.BestEpoch)
        Assert.Equal(bits best, bits (Training.cost optimizer result.Network validation labels))

        match result.Reason with
        | EarlyStopped -> Assert.Equal(result.BestEpoch + patience, costs.Length)
        | Completed -> Assert.Equal(8, costs.Length)
        | other -> failwith $"unexpected {other}"

[<Fact>]
let ``fit stops when proceed returns false, after that epoch`` () =
    let features, labels = dataset 4
    let optimizer = Optimizer.momentum 0.1 0.9
    let initial = Training.init optimizer (Network.initialize He 2 2 [ 4 ] Relu 2)
    let seen = ResizeArray()

    let result =
        Training.fit optimizer { options with Epochs = 10 } features labels initial (fun report ->
            seen.Add report.Epoch
            report.Epoch < 3)

    Assert.Equal(Interrupted, result.Reason)
    Assert.Equal<int list>([ 1; 2; 3 ], List.ofSeq seen)
    Assert.Equal(3, result.Costs.Length)
    Assert.Equal(3, result.State.Epoch)

/// Badly scaled data (one feature of order 1000) and a learning rate of 1e6: the cost overflows.
let divergent () =
    let random = Random(1)

    let features =
        Array2D.init 40 3 (fun _ j -> (random.NextDouble() - 0.5) * (if j = 0 then 1000.0 else 1.0))

    let labels = Array.init 40 (fun i -> if features[i, 1] > 0.0 then 1 else 0)
    let optimizer = Optimizer.gradientDescent 1e6
    let initial = Training.init optimizer (Network.initialize Xavier 3 3 [ 4 ] Relu 2)

    let result =
        Training.fit optimizer { options with Epochs = 200 } features labels initial (fun _ -> true)

    features, labels, result

[<Fact>]
let ``a divergent learning rate stops with Diverged, finite costs and a finite network`` () =
    let _, _, result = divergent ()
    Assert.Equal(Diverged, result.Reason)
    Assert.True(result.Costs.Length < 200)
    Assert.True(allFinite result.Costs, $"%A{result.Costs}")
    Assert.True(networkIsFinite result.Network)
    Assert.True(networkIsFinite result.State.Network)
    // The returned state is one epoch before the non-finite cost; the costs end with its own cost.
    Assert.Equal(result.Costs.Length, result.State.Epoch + 1)

// Regression test (found by these tests, since fixed): on divergence fit returns the state reached at the end of the
// last epoch whose (mean, pre-update) cost was finite. That state's network is the one whose cost
// was found to be NaN/infinite in the next epoch, so the "last finite state" it documents is not
// finite in cost: here Propagation.cost of result.Network is NaN. Returning the state before the
// last epoch (or checking the returned network's cost) would honour the documentation.
[<Fact>]
let ``regression: a diverged fit returns a network whose cost is finite`` () =
    let features, labels, result = divergent ()
    Assert.Equal(Diverged, result.Reason)
    let cost = Propagation.cost result.Network features labels
    Assert.True(Double.IsFinite cost, $"the returned network's cost is {cost}")

[<Fact>]
let ``fit rejects bad options`` () =
    let features, labels = dataset 5
    let optimizer = Optimizer.gradientDescent 0.1
    let initial = Training.init optimizer (Network.initialize Xavier 2 2 [] Sigmoid 2)

    let bad = [
        { options with Epochs = 0 }
        {
            options with
                Validation = Some(features, labels)
                EarlyStopping = Some { Patience = 0; Tolerance = 0.0 }
        }
        {
            options with
                Validation = Some(features, labels)
                EarlyStopping = Some { Patience = 2; Tolerance = -1.0 }
        }
        {
            options with
                EarlyStopping = Some { Patience = 2; Tolerance = 0.0 }
        }
    ]

    for opts in bad do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () ->
                Training.fit optimizer opts features labels initial (fun _ -> true) |> ignore)

        Assert.Equal("options", e.ParamName)

    Assert.ThrowsAny<ArgumentException>(fun () ->
        Training.steps optimizer (Some 0) 1 features labels initial
        |> Seq.head
        |> ignore)
    |> ignore

/// The optimizer as a Custom init/update pair: training has no in-place rule for it, so it takes the
/// pure path (one Training.step per update). An L2 penalty stays outside, as WithL2 around the custom
/// pair, so that it remains part of the objective whose cost training reports.
let rec opaque (inner: Optimizer) =
    match inner with
    | Optimizer.WithL2(lambda, inside) -> Optimizer.WithL2(lambda, opaque inside)
    | _ ->
        Optimizer.Custom {
            Name = inner.Name
            Init = inner.Init
            Update = fun gradients state network -> inner.Update gradients state network
        }

/// The states at the end of the first `count` epochs, through `epochs`.
let epochStates (optimizer: Optimizer) (t: TrainingCase) (count: int) =
    Training.epochs optimizer t.BatchSize t.Seed t.Case.Features t.Case.Labels None (start t)
    |> Seq.take count
    |> Seq.map _.State
    |> Seq.toArray

[<Property>]
let ``epochs run in place and reach the pure fold's states bit for bit`` (t: TrainingCase) =
    let perEpoch = batchesPerEpoch t
    let folded = steps t (start t) |> Seq.take (3 * perEpoch) |> Seq.toArray
    let inPlace = epochStates (t.Optimizer.Make()) t 3

    for e in 0..2 do
        let expected = folded[(e + 1) * perEpoch - 1]
        Assert.True(sameState expected inPlace[e], $"epoch {e + 1} differs from the pure fold")

[<Property>]
let ``a hand-made optimizer trains through the pure path to the same states`` (t: TrainingCase) =
    let built = epochStates (t.Optimizer.Make()) t 2
    let handMade = epochStates (opaque (t.Optimizer.Make())) t 2

    for e in 0..1 do
        Assert.True(sameState built[e] handMade[e], $"epoch {e + 1} differs")

[<Property>]
let ``epochs leave the start state and the data untouched, and earlier reports unchanged`` (t: TrainingCase) =
    let from = steps t (start t) |> Seq.item 1
    let before = copyState from
    let features, labels = Array2D.copy t.Case.Features, Array.copy t.Case.Labels

    use reports =
        (Training.epochs (t.Optimizer.Make()) t.BatchSize t.Seed t.Case.Features t.Case.Labels None from)
            .GetEnumerator()

    Assert.True(reports.MoveNext())
    let first = reports.Current
    let firstCopy = copyState first.State
    // Later steps of the same enumeration, and another enumeration, must not reach into it.
    Assert.True(reports.MoveNext() && reports.MoveNext())

    Training.epochs (t.Optimizer.Make()) t.BatchSize t.Seed t.Case.Features t.Case.Labels None from
    |> Seq.take 3
    |> Seq.iter ignore

    Assert.True(sameState before from, "the start state was modified")
    Assert.True(sameBits2 features t.Case.Features && labels = t.Case.Labels, "the data was modified")
    Assert.True(sameState firstCopy first.State, "a report's state changed after it was yielded")

[<Property(MaxTest = 20)>]
let ``epochs enumerated from several threads at once give the same states`` (t: TrainingCase) =
    let optimizer = t.Optimizer.Make()

    let sequence =
        Training.epochs optimizer t.BatchSize t.Seed t.Case.Features t.Case.Labels None (start t)

    let runs =
        Array.Parallel.init 4 (fun _ -> sequence |> Seq.take 2 |> Seq.map _.State |> Seq.toArray)

    for run in runs[1..] do
        for e in 0..1 do
            Assert.True(sameState (runs[0][e]) run[e], $"epoch {e + 1} differs between threads")

[<Property>]
let ``epochs resumed from a mid-run state reach the pure fold's states (Adam's step count included)``
    (t: TrainingCase)
    =
    let perEpoch = batchesPerEpoch t
    // A state some steps in, possibly in the middle of an epoch.
    let middle =
        if t.First = 0 then
            start t
        else
            steps t (start t) |> Seq.item (t.First - 1)

    let folded = steps t middle |> Seq.take (2 * perEpoch + 1) |> Seq.toArray

    let inPlace =
        Training.epochs (t.Optimizer.Make()) t.BatchSize t.Seed t.Case.Features t.Case.Labels None middle
        |> Seq.take 2
        |> Seq.map _.State
        |> Seq.toArray

    for state in inPlace do
        let expected = folded |> Array.find (fun s -> s.Step = state.Step)
        Assert.True(sameState expected state, $"the state at step {state.Step} differs from the pure fold")

[<Fact>]
let ``an epoch in place allocates far less than one network per step`` () =
    // 64 samples in batches of 4: 16 updates per epoch of a 64-32-10 network (2,410 parameters,
    // 19 KB). The pure fold allocates at least a network and its gradients per update.
    let random = Random(4)
    let features = Array2D.init 64 64 (fun _ _ -> random.NextDouble() - 0.5)
    let labels = Array.init 64 (fun i -> i % 10)
    let network = Network.initialize He 1 64 [ 32 ] Relu 10
    let parameterBytes = 8L * int64 (64 * 32 + 32 + 32 * 10 + 10)

    let allocated (optimizer: Optimizer) (epochs: int) =
        let start = Training.init optimizer network
        // Warm up (JIT, lazy statics), then measure on this thread.
        Training.epochs optimizer (Some 4) 0 features labels None start
        |> Seq.take 1
        |> Seq.iter ignore

        let before = GC.GetAllocatedBytesForCurrentThread()

        Training.epochs optimizer (Some 4) 0 features labels None start
        |> Seq.take epochs
        |> Seq.iter ignore

        GC.GetAllocatedBytesForCurrentThread() - before

    for optimizer in [ Optimizer.gradientDescent 0.1; Optimizer.adamDefault 0.01 ] do
        let perEpoch = allocated optimizer 3 - allocated optimizer 2
        let pureFold = allocated (opaque optimizer) 3 - allocated (opaque optimizer) 2
        Assert.True(perEpoch < 16L * parameterBytes / 2L, $"{optimizer.Name}: {perEpoch} bytes per epoch in place")
        Assert.True(pureFold > 16L * parameterBytes, $"{optimizer.Name}: the pure fold allocated only {pureFold} bytes")

[<Property>]
let ``a fold of Training.step is steps' full-batch states, field for field, and steps resumes from it``
    (t: TrainingCase)
    =
    let optimizer = t.Optimizer.Make()
    let count = t.First + 1

    let folded =
        List.replicate count ()
        |> List.scan (fun state () -> Training.step optimizer t.Case.Features t.Case.Labels state) (start t)
        |> List.tail

    let viaSteps =
        Training.steps optimizer None t.Seed t.Case.Features t.Case.Labels (start t)
        |> Seq.take count
        |> Seq.toList

    List.iter2
        (fun (a: TrainingState) b ->
            Assert.True(sameState a b, $"step {b.Step}: the fold has epoch {a.Epoch}, steps {b.Epoch}"))
        folded
        viaSteps

    // Resumed with the case's batches, the hand fold continues as steps' own state does: the epoch it
    // reports picks the batch order.
    let resume from =
        Training.steps optimizer t.BatchSize t.Seed t.Case.Features t.Case.Labels from
        |> Seq.take t.Then
        |> Seq.toArray

    Array.iter2
        (fun a b -> Assert.True(sameState a b, $"resumed at step {a.Step}"))
        (resume (List.last folded))
        (resume (List.last viaSteps))

    Assert.Equal(count, (List.last folded).Epoch)

/// (lambda / 2) ||W||^2 by plain loops, independent of the core's vectorised dot product.
let penaltyByHand (lambda: float) (network: Network) =
    0.5
    * lambda
    * (network.Layers
       |> List.sumBy (fun l -> Seq.cast<float> l.Weights |> Seq.sumBy (fun w -> w * w)))

[<Fact>]
let ``with L2 the first epoch's cost is the cost without L2 plus (lambda / 2) ||W||^2 of the initial weights`` () =
    // A learning rate of 1e-12 leaves the weights at their initial values (to about 1e-12), so the
    // penalty of every batch in the epoch, and of the network the validation cost is measured on, is
    // that of the initial weights.
    let features, labels = dataset 6
    let network = Network.initialize Xavier 6 2 [ 5 ] Tanh 2
    let lambda = 0.8
    let penalty = penaltyByHand lambda network
    Assert.True(penalty > 0.5, $"penalty {penalty}: too small to tell")

    for make in
        [
            Optimizer.gradientDescent
            (fun rate -> Optimizer.momentum rate 0.9)
            Optimizer.adamDefault
        ] do
        for batchSize in [ None; Some 16 ] do
            let plain = make 1e-12
            let penalised = Optimizer.withL2 lambda plain

            let first optimizer =
                let opts = {
                    options with
                        Epochs = 1
                        BatchSize = batchSize
                        Validation = Some(features, labels)
                }

                Training.fit optimizer opts features labels (Training.init optimizer network) (fun _ -> true)

            let without, withL2 = first plain, first penalised
            let difference = withL2.Costs.Head - without.Costs.Head

            let validationDifference =
                withL2.ValidationCosts.Head - without.ValidationCosts.Head

            let what = $"{penalised.Name}, batch {batchSize}"
            Assert.True(abs (difference - penalty) <= 1e-9 * penalty, $"{what}: {difference}, expected {penalty}")

            Assert.True(
                abs (validationDifference - penalty) <= 1e-9 * penalty,
                $"{what}: validation {validationDifference}, expected {penalty}"
            )

            // Training.step and Training.cost report the same objective.
            let stepped =
                Training.step penalised features labels (Training.init penalised network)

            let plainCost = Propagation.cost network features labels
            Assert.True(abs (stepped.Cost - plainCost - penalty) <= 1e-12 * penalty, $"{what}: step {stepped.Cost}")
            Assert.Equal(bits stepped.Cost, bits (Training.cost penalised network features labels))
            Assert.Equal(bits plainCost, bits (Training.cost plain network features labels))

[<Theory>]
[<InlineData(0)>]
[<InlineData(1)>]
[<InlineData(5)>]
[<InlineData(9)>]
let ``fitUntil stops between batches with the state of the last completed batch`` (batches: int) =
    // 60 samples in batches of 16: 4 batches an epoch. Stopping after `batches` of them (asked before each)
    // lands in epoch batches / 4 + 1, at batch batches % 4; fit alone only stopped between epochs.
    let features, labels = dataset 1
    let optimizer = Optimizer.adamDefault 0.01
    let initial = Training.init optimizer (Network.initialize Xavier 2 2 [ 3 ] Tanh 2)
    let mutable asked = 0

    let stop () =
        asked <- asked + 1
        asked > batches

    let result =
        Training.fitUntil optimizer { options with BatchSize = Some 16 } features labels initial (fun _ -> true) stop

    let expected =
        if batches = 0 then
            initial
        else
            Training.steps optimizer (Some 16) 1 features labels initial
            |> Seq.item (batches - 1)

    Assert.Equal(Interrupted, result.Reason)
    Assert.Equal(batches % 4, result.Batch)
    Assert.Equal(batches, result.State.Step)
    Assert.Equal(batches / 4, result.State.Epoch)
    Assert.Equal(batches / 4, result.Costs.Length)
    Assert.True(sameState expected result.State)
    Assert.True(sameNetwork expected.Network result.Network)

[<Fact>]
let ``fit is fitUntil that is never asked to stop: same result bit for bit`` () =
    let features, labels = dataset 2
    let optimizer = Optimizer.momentum 0.1 0.9
    let initial = Training.init optimizer (Network.initialize Xavier 2 2 [ 3 ] Tanh 2)
    let fitOptions = { options with BatchSize = Some 8 }

    let a = Training.fit optimizer fitOptions features labels initial (fun _ -> true)

    let b =
        Training.fitUntil optimizer fitOptions features labels initial (fun _ -> true) (fun () -> false)

    Assert.Equal(Completed, a.Reason)
    Assert.Equal(0, a.Batch)
    Assert.Equal<float list>(a.Costs, b.Costs)
    Assert.True(sameState a.State b.State)
