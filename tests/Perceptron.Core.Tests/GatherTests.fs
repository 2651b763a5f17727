/// The gather of shuffled batches (Kernels/Gather.fs) and the finiteness check folded into it: the batch is
/// the indexed rows bit for bit, and a non-finite value is rejected with the message of the scan it
/// replaces, at the first bad cell in row-major order, before any step trains on it.
module Perceptron.Core.Tests.GatherTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// Values with every kind of bit pattern a copy could alter: signed zeros, subnormals, large values.
let private value (random: Random) =
    match random.Next 6 with
    | 0 -> -0.0
    | 1 -> 4.9e-324 * float (random.Next 1000)
    | 2 -> (random.NextDouble() - 0.5) * 1e300
    | _ -> random.NextDouble() * 2.0 - 1.0

/// A copy by index, the gather's definition.
let private indexed (source: float[]) (width: int) (rows: int[]) =
    Array.init (rows.Length * width) (fun k -> source[rows[k / width] * width + k % width])

[<Property(MaxTest = 200)>]
let ``the gathered batch is the indexed rows, bit for bit`` (seed: int) =
    let random = Random(seed)
    // Odd widths and widths below one vector leave tails for the scalar loop.
    let sourceRows, width = 1 + random.Next 40, 1 + random.Next 37
    let source = Array.init (sourceRows * width) (fun _ -> value random)
    // Any count, so that the rows in flight (four at a time) leave 0 to 3 rows over; repeats allowed.
    let rows = Array.init (random.Next 23) (fun _ -> random.Next sourceRows)
    // Room past the batch, as the last short batch of an epoch leaves: it must stay untouched.
    let target = Array.create ((rows.Length + 2) * width) 7.0

    let finite =
        Gather.rows (ReadOnlySpan source) width (ReadOnlySpan rows) (Span target)

    Assert.True(finite)
    Assert.True(sameBits (indexed source width rows) target[.. rows.Length * width - 1])
    Assert.True(target[rows.Length * width ..] |> Array.forall (fun x -> x = 7.0))

[<Property(MaxTest = 200)>]
let ``the gather says false exactly when a copied value is NaN or infinite`` (seed: int) =
    let random = Random(seed)
    let sourceRows, width = 2 + random.Next 30, 1 + random.Next 37
    let source = Array.init (sourceRows * width) (fun _ -> value random)
    let bad = random.Next source.Length

    source[bad] <-
        match random.Next 3 with
        | 0 -> nan
        | 1 -> infinity
        | _ -> -infinity

    let rows = Array.init (random.Next 23) (fun _ -> random.Next sourceRows)
    let target = Array.zeroCreate (rows.Length * width)

    let finite =
        Gather.rows (ReadOnlySpan source) width (ReadOnlySpan rows) (Span target)

    // Only the copied rows count: a bad value in a row left out is not this batch's.
    Assert.Equal(not (Array.contains (bad / width) rows), finite)
    Assert.True(sameBits (indexed source width rows) target)

[<Fact>]
let ``the gather rejects an index outside the source and a target too small`` () =
    let source = Array.zeroCreate 12

    Assert.Throws<ArgumentOutOfRangeException>(fun () ->
        Gather.rows (ReadOnlySpan source) 3 (ReadOnlySpan [| 0; 4 |]) (Span(Array.zeroCreate 6))
        |> ignore)
    |> ignore

    Assert.Throws<ArgumentOutOfRangeException>(fun () ->
        Gather.rows (ReadOnlySpan source) 3 (ReadOnlySpan [| 0; -1 |]) (Span(Array.zeroCreate 6))
        |> ignore)
    |> ignore

    Assert.Throws<ArgumentOutOfRangeException>(fun () ->
        Gather.rows (ReadOnlySpan source) 3 (ReadOnlySpan [| 0; 1 |]) (Span(Array.zeroCreate 5))
        |> ignore)
    |> ignore

let private fitOptions batchSize = {
    Epochs = 2
    BatchSize = batchSize
    Seed = 3
    Validation = None
    EarlyStopping = None
    Schedule = Schedule.constant
    EpochsBefore = 0
    SampleWeights = None
    ValidationWeights = None
}

let private optimizer = Optimizer.gradientDescent 0.1

/// Data just large enough for fit to gather with Gather.rows and leave the check to it (Gather.pays):
/// 2053 samples of 2048 features, three classes, batches of 8 rows with a last one of 5.
let private samples, private columns = 2053, 2048

let private data () =
    let random = Random(5)
    let y = Array.init samples (fun i -> i % 3)
    let x = Array2D.init samples columns (fun i _ -> float y[i] + random.NextDouble())

    let start =
        Training.init optimizer (Network.initialize Xavier 1 columns [ 3 ] Tanh 3)

    x, y, start

/// The message of fit on these features, or None when it trains.
let private fitMessage (x: float[,]) (y: int[]) start (stopAfter: int) =
    let mutable asked = 0

    let stop () =
        asked <- asked + 1
        asked > stopAfter

    try
        Training.fitUntil optimizer (fitOptions (Some 8)) x y start (fun _ -> true) stop
        |> ignore

        None
    with :? ArgumentException as e ->
        Some(e.ParamName, e.Message)

/// The rows of the first epoch's batches, in the order the gather meets them.
let private firstEpochOrder samples = Training.epochOrder 3 0 samples

[<Fact>]
let ``fit leaves the finiteness check to its gather: one check and no pass of its own`` () =
    let x, y, start = data ()
    let scans, gathered = ScanCount.OnThisThread, ScanCount.Gathered
    let result = Training.fit optimizer (fitOptions (Some 8)) x y start (fun _ -> true)
    Assert.Equal(Completed, result.Reason)
    Assert.Equal(1, ScanCount.OnThisThread - scans)
    Assert.Equal(1, ScanCount.Gathered - gathered)

[<Fact>]
let ``full batches, the lazy sequences, a run resumed mid-epoch and small data keep the scan before training`` () =
    let x, y, start = data ()
    let gathered = ScanCount.Gathered
    // Small data: Span's CopyTo and the scan (see Gather.pays).
    let small, labels = ModelTests.blobs 61 2
    let network = Network.initialize Xavier 1 4 [ 3 ] Tanh 3

    Training.fit optimizer (fitOptions (Some 8)) small labels (Training.init optimizer network) (fun _ -> true)
    |> ignore

    Training.fit optimizer (fitOptions None) x y start (fun _ -> true) |> ignore
    Training.epochs optimizer (Some 8) 3 x y None start |> Seq.head |> ignore
    Training.steps optimizer (Some 8) 3 x y start |> Seq.head |> ignore

    let middle = Training.steps optimizer (Some 8) 3 x y start |> Seq.item 2

    Training.fit optimizer (fitOptions (Some 8)) x y middle (fun _ -> true)
    |> ignore

    Assert.Equal(0, ScanCount.Gathered - gathered)

[<Theory>]
[<InlineData(0)>]
[<InlineData(1)>]
[<InlineData(2)>]
let ``a non-finite feature gives the scan's message at the first bad cell in row-major order`` (kind: int) =
    let x, y, start = data ()
    let order = firstEpochOrder samples
    // The gather meets row `first` in the first batch; `earlier` comes before it in row-major order but
    // in a later batch, so the cell the message must name is not the first bad one the gather sees.
    let first = order[0]
    let earlier = Array.min order[8..]
    Assert.True(earlier < first)
    let bad = [| nan; infinity; -infinity |][kind]
    x[first, 0] <- nan
    x[earlier, 3] <- bad

    let expected =
        Some("features", $"features[{earlier}, 3] is {bad}; expected a finite number. (Parameter 'features')")

    Assert.Equal(expected, fitMessage x y start Int32.MaxValue)
    // Model.train reaches fit's check through its own pipeline, unstandardised and unsplit.
    let options = {
        ModelTests.options optimizer with
            Standardize = false
            ValidationFraction = 0.0
    }

    let e =
        Assert.Throws<ArgumentException>(fun () -> Model.train options x y (fun _ -> true) |> ignore)

    Assert.Equal(snd expected.Value, e.Message)

[<Fact>]
let ``a bad value in the last batch stops fit before the epoch ends`` () =
    let x, y, start = data ()
    // The short last batch's last row, which Gather copies on its own after the groups of four.
    let last = (firstEpochOrder samples)[samples - 1]
    x[last, 2] <- nan
    let mutable epochs = 0

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Training.fit optimizer (fitOptions (Some 8)) x y start (fun _ ->
                epochs <- epochs + 1
                true)
            |> ignore)

    Assert.Equal($"features[{last}, 2] is {nan}; expected a finite number. (Parameter 'features')", e.Message)
    Assert.Equal(0, epochs)

[<Theory>]
[<InlineData(0)>]
[<InlineData(1)>]
[<InlineData(3)>]
let ``a run stopped before its gather saw the bad row still rejects it`` (batches: int) =
    let x, y, start = data ()
    // The short last batch's last row, which Gather copies on its own after the groups of four.
    let last = (firstEpochOrder samples)[samples - 1]
    x[last, 1] <- infinity

    Assert.Equal(
        Some("features", $"features[{last}, 1] is {infinity}; expected a finite number. (Parameter 'features')"),
        fitMessage x y start batches
    )

[<Fact>]
let ``a bad label and a bad feature report the feature first, as before`` () =
    let x, y, start = data ()
    x[40, 1] <- nan
    y[5] <- 7

    Assert.Equal(
        Some("features", $"features[40, 1] is {nan}; expected a finite number. (Parameter 'features')"),
        fitMessage x y start Int32.MaxValue
    )

    // Without the bad feature, the label's message.
    x[40, 1] <- 0.0
    Assert.Equal(Some "labels", fitMessage x y start Int32.MaxValue |> Option.map fst)

[<Fact>]
let ``fit with the gather trains exactly as the fold of Training.step over the epochs' batches`` () =
    let x, y, start = data ()
    let fitted = Training.fit optimizer (fitOptions (Some 8)) x y start (fun _ -> true)

    // The batches by hand: two epochs of 257, the last of each of 5 rows.
    let manual =
        [ 0; 1 ]
        |> List.collect (fun epoch -> List.ofArray (Array.chunkBySize 8 (Training.epochOrder 3 epoch samples)))
        |> List.fold
            (fun state rows ->
                Training.step optimizer (Preprocessing.takeRows rows x) (rows |> Array.map (fun r -> y[r])) state)
            start

    Assert.True(sameNetwork manual.Network fitted.Network, "the networks differ")
    Assert.Equal(2 * 257, fitted.State.Step)
    Assert.Equal(manual.Step, fitted.State.Step)

[<Fact>]
let ``with the check left to the gather, a bad feature is still reported before a bad start state, and a stop before the first batch builds nothing``
    ()
    =
    let x, y, _ = data ()
    // A start state for Adam, which gradient descent rejects when its run is built.
    let adamStart =
        Training.init (Optimizer.adamDefault 0.01) (Network.initialize Xavier 1 columns [ 3 ] Tanh 3)

    let stateError =
        Assert.Throws<ArgumentException>(fun () ->
            Training.fit optimizer (fitOptions (Some 8)) x y adamStart (fun _ -> true)
            |> ignore)

    Assert.Equal("state", stateError.ParamName)

    // Stopped before the first batch, no run is built, so the state is not looked at: interrupted.
    let stopped =
        Training.fitUntil optimizer (fitOptions (Some 8)) x y adamStart (fun _ -> true) (fun () -> true)

    Assert.Equal(Interrupted, stopped.Reason)

    x[7, 3] <- nan

    let featureError =
        Assert.Throws<ArgumentException>(fun () ->
            Training.fit optimizer (fitOptions (Some 8)) x y adamStart (fun _ -> true)
            |> ignore)

    Assert.Equal($"features[7, 3] is {nan}; expected a finite number. (Parameter 'features')", featureError.Message)
