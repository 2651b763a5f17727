/// Learning-rate schedules: closed forms of each factor, checks and text form; training at the schedule's
/// rate in place and in the pure fold alike; resumed and warm-started runs continue the schedule.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.ScheduleTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// The schedules the properties draw from (a tag, so that failing cases print readably).
type ScheduleKind =
    | ConstantRate
    | StepDecay
    | ExponentialDecay
    | CosineDecay

    /// The schedule this tag stands for, with a warm-up of 2 epochs when asked.
    member kind.Make(warmup: bool) = {
        Decay =
            match kind with
            | ConstantRate -> Decay.Constant
            | StepDecay -> Decay.Step(2, 0.5)
            | ExponentialDecay -> Decay.Exponential 0.7
            | CosineDecay -> Decay.Cosine 0.1
        Warmup = if warmup then 2 else 0
    }

let schedule decay = { Decay = decay; Warmup = 0 }

let fitOptions: FitOptions = {
    Epochs = 4
    BatchSize = None
    Seed = 1
    Validation = None
    EarlyStopping = None
    Schedule = Schedule.constant
    EpochsBefore = 0
    SampleWeights = None
    ValidationWeights = None
}

let batchesPerEpoch (t: TrainingCase) =
    let samples = t.Case.Labels.Length

    let size =
        match t.BatchSize with
        | Some b when b < samples -> b
        | _ -> samples

    (samples + size - 1) / size

/// The state after each epoch of fitUntil (the in-place engine for every built-in optimizer), and the result.
let fitStates (optimizer: Optimizer) (options: FitOptions) (t: TrainingCase) (start: TrainingState) (stopAfter: int) =
    let states = ResizeArray<TrainingState>()

    let result =
        Training.fitUntil
            optimizer
            options
            t.Case.Features
            t.Case.Labels
            start
            (fun report ->
                states.Add report.State
                states.Count < stopAfter)
            (fun () -> false)

    List.ofSeq states, result

[<Fact>]
let ``step decay keeps the rate for EVERY epochs, then multiplies it by FACTOR`` () =
    let s = schedule (Decay.Step(5, 0.5))
    Assert.Equal(1.0, Schedule.factor s 100 0)
    Assert.Equal(1.0, Schedule.factor s 100 4)
    Assert.Equal(0.5, Schedule.factor s 100 5)
    Assert.Equal(0.5, Schedule.factor s 100 9)
    Assert.Equal(0.25, Schedule.factor s 100 10)

[<Fact>]
let ``exponential decay is GAMMA to the power of the epoch`` () =
    let s = schedule (Decay.Exponential 0.9)
    Assert.Equal(1.0, Schedule.factor s 10 0)
    Assert.Equal(0.9, Schedule.factor s 10 1)
    Assert.Equal(Math.Pow(0.9, 7.0), Schedule.factor s 10 7)

[<Fact>]
let ``cosine starts at the rate, is halfway at the middle, reaches the floor at the end and stays there`` () =
    let s = schedule (Decay.Cosine 0.2)
    Assert.Equal(1.0, Schedule.factor s 10 0)
    Assert.Equal(0.6, Schedule.factor s 10 5, 12)
    Assert.Equal(0.2, Schedule.factor s 10 10)
    Assert.Equal(0.2, Schedule.factor s 10 25)
    let factors = [ 0..10 ] |> List.map (Schedule.factor s 10)
    Assert.True(List.pairwise factors |> List.forall (fun (a, b) -> b < a), $"not decreasing: %A{factors}")
    Assert.True(Schedule.factor s 10 9 > 0.2, "the last epoch of the run already at the floor")

[<Fact>]
let ``warm-up rises linearly from rate / W to the rate, then the decay starts from its first epoch`` () =
    let s = {
        Decay = Decay.Step(3, 0.5)
        Warmup = 4
    }

    Assert.Equal<float list>([ 0.25; 0.5; 0.75; 1.0 ], [ 0..3 ] |> List.map (Schedule.factor s 100))
    // Decay epochs 0, 2 (rate), 3 (first decay).
    Assert.Equal(1.0, Schedule.factor s 100 4)
    Assert.Equal(1.0, Schedule.factor s 100 6)
    Assert.Equal(0.5, Schedule.factor s 100 7)

[<Fact>]
let ``cosine after a warm-up spans the epochs left in the run`` () =
    let s = { Decay = Decay.Cosine 0.0; Warmup = 2 }
    Assert.Equal(1.0, Schedule.factor s 12 2)
    Assert.Equal(0.5, Schedule.factor s 12 7, 12)
    Assert.Equal(0.0, Schedule.factor s 12 12)

[<Fact>]
let ``the names are the core's one table, and the text form reads back`` () =
    Assert.Equal<string list>(
        [ "constant"; "step"; "exponential"; "cosine" ],
        [ Decay.Constant; Decay.Step(1, 0.5); Decay.Exponential 0.5; Decay.Cosine 0.0 ]
        |> List.map Schedule.name
    )

    Assert.Equal<string list>(Schedule.names, Schedule.names |> List.distinct)

    for decay in
        [
            Decay.Constant
            Decay.Step(10, 0.5)
            Decay.Exponential 0.95
            Decay.Cosine 0.1
        ] do
        Assert.Equal(Ok decay, Schedule.tryParse (Schedule.format decay))

    Assert.Equal(Ok(Decay.Cosine 0.0), Schedule.tryParse " Cosine ")

[<Theory>]
[<InlineData("step:0:0.5", "step EVERY is 0; expected a whole number of epochs >= 1")>]
[<InlineData("step:5:0", "step FACTOR is 0; expected a number in (0, 1]")>]
[<InlineData("step:5:1.5", "step FACTOR is 1.5; expected a number in (0, 1]")>]
[<InlineData("exponential:0", "exponential GAMMA is 0; expected a number in (0, 1]")>]
[<InlineData("exponential:1.01", "exponential GAMMA is 1.01; expected a number in (0, 1]")>]
[<InlineData("cosine:-0.1", "cosine FLOOR is -0.1; expected a fraction of the learning rate in [0, 1]")>]
[<InlineData("cosine:2", "cosine FLOOR is 2; expected a fraction of the learning rate in [0, 1]")>]
[<InlineData("step:x:0.5", "step EVERY 'x' is not a whole number")>]
[<InlineData("exponential:nan", "exponential GAMMA 'nan' is not a number")>]
[<InlineData("step:5",
             "wrong number of parameters; expected constant, step:EVERY:FACTOR, exponential:GAMMA or cosine[:FLOOR]")>]
[<InlineData("linear",
             "'linear' is not a schedule; expected constant, step:EVERY:FACTOR, exponential:GAMMA or cosine[:FLOOR]")>]
let ``bad schedule text gives a one-line reason`` (text: string) (reason: string) =
    Assert.Equal(Error reason, Schedule.tryParse text)

[<Fact>]
let ``a negative warm-up and bad parameters are ArgumentExceptions naming the option`` () =
    let e =
        Assert.Throws<ArgumentException>(fun () -> Schedule.check "Schedule" { Decay = Decay.Constant; Warmup = -1 })

    Assert.Equal("Schedule", e.ParamName)
    Assert.StartsWith("Schedule: warm-up is -1 epochs; expected a whole number >= 0.", e.Message)

    Assert.Throws<ArgumentException>(fun () ->
        Training.fit
            (Optimizer.gradientDescent 0.1)
            {
                fitOptions with
                    Schedule = schedule (Decay.Exponential 2.0)
            }
            (array2D [ [ 0.0 ]; [ 1.0 ] ])
            [| 0; 1 |]
            (Training.init (Optimizer.gradientDescent 0.1) (Network.initialize Zeros 0 1 [] Tanh 2))
            (fun _ -> true)
        |> ignore)
    |> ignore

[<Fact>]
let ``a negative count of earlier epochs is refused`` () =
    let optimizer = Optimizer.gradientDescent 0.1

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Training.fit
                optimizer
                { fitOptions with EpochsBefore = -1 }
                (array2D [ [ 0.0 ]; [ 1.0 ] ])
                [| 0; 1 |]
                (Training.init optimizer (Network.initialize Zeros 0 1 [] Tanh 2))
                (fun _ -> true)
            |> ignore)

    Assert.StartsWith("EpochsBefore is -1; expected a number of epochs >= 0", e.Message)

[<Fact>]
let ``a schedule is refused for a custom optimizer, whose rate training cannot see`` () =
    let custom =
        Optimizer.custom "plain" (fun _ -> ()) (fun g () n ->
            fst (Optimizer.update (Optimizer.gradientDescent 0.1) g Stateless n), ())

    let network = Network.initialize Zeros 0 1 [] Tanh 2

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Training.fit
                custom
                {
                    fitOptions with
                        Schedule = schedule (Decay.Step(1, 0.5))
                }
                (array2D [ [ 0.0 ]; [ 1.0 ] ])
                [| 0; 1 |]
                (Training.init custom network)
                (fun _ -> true)
            |> ignore)

    Assert.Contains("needs a built-in optimizer", e.Message)

[<Property>]
let ``a schedule that never leaves the rate trains bit for bit as the constant one, and as epochs`` (t: TrainingCase) =
    let optimizer = t.Optimizer.Make()
    let start = Training.init optimizer t.Case.Network

    let options = {
        fitOptions with
            BatchSize = t.BatchSize
            Seed = t.Seed
            Epochs = 3
    }

    // A step decay whose first step lies after the run multiplies the rate by exactly 1.0 on the scaled path.
    let constant, _ = fitStates optimizer options t start 3

    let neverDecays, _ =
        fitStates
            optimizer
            {
                options with
                    Schedule = schedule (Decay.Step(1000, 0.5))
            }
            t
            start
            3

    let unscheduled =
        Training.epochs optimizer t.BatchSize t.Seed t.Case.Features t.Case.Labels None start
        |> Seq.truncate constant.Length
        |> Seq.map _.State
        |> List.ofSeq

    Assert.Equal(constant.Length, neverDecays.Length)

    for a, b, c in List.zip3 constant neverDecays unscheduled do
        Assert.True(sameState a b && sameState a c, $"epoch {a.Epoch} differs")

[<Property>]
let ``fit in place reaches the pure fold's states bit for bit under every schedule``
    (t: TrainingCase)
    (kind: ScheduleKind)
    (warmup: bool)
    (before: byte)
    =
    let optimizer = t.Optimizer.Make()
    let start = Training.init optimizer t.Case.Network
    let before = int before % 4
    let schedule = kind.Make warmup

    let options = {
        fitOptions with
            BatchSize = t.BatchSize
            Seed = t.Seed
            Epochs = 4
            Schedule = schedule
            EpochsBefore = before
    }

    let inPlace, _ = fitStates optimizer options t start 4
    let perEpoch = batchesPerEpoch t

    let folded =
        Training.scheduledSteps
            schedule
            before
            (before + 4)
            optimizer
            t.BatchSize
            t.Seed
            t.Case.Features
            t.Case.Labels
            start
        |> Seq.take (4 * perEpoch)
        |> Seq.toArray

    for state in inPlace do
        let expected = folded[state.Epoch * perEpoch - 1]
        Assert.True(sameState expected state, $"epoch {state.Epoch} differs from the pure fold")

[<Property>]
let ``a run interrupted after some epochs and resumed reaches the uninterrupted run's states``
    (t: TrainingCase)
    (kind: ScheduleKind)
    (warmup: bool)
    (split: byte)
    =
    let optimizer = t.Optimizer.Make()
    let start = Training.init optimizer t.Case.Network
    let first = int split % 4 + 1

    let options = {
        fitOptions with
            BatchSize = t.BatchSize
            Seed = t.Seed
            Epochs = 5
            Schedule = kind.Make warmup
    }

    let whole, _ = fitStates optimizer options t start 5
    let part, stopped = fitStates optimizer options t start first

    if stopped.Reason = Interrupted then
        // Resumed for the epochs left: the schedule sees the state's epoch and the same end of the run.
        let rest, _ =
            fitStates optimizer { options with Epochs = 5 - first } t stopped.State 5

        for state in part @ rest do
            let expected = whole |> List.find (fun s -> s.Epoch = state.Epoch)
            Assert.True(sameState expected state, $"epoch {state.Epoch} differs from the uninterrupted run")

[<Fact>]
let ``full-batch gradient descent under a schedule takes each epoch's step at that epoch's rate`` () =
    let network = Network.initialize Xavier 3 2 [ 3 ] Tanh 2
    let x = array2D [ [ 0.0; 1.0 ]; [ 1.0; 0.0 ]; [ 1.0; 1.0 ]; [ -1.0; 0.5 ] ]
    let y = [| 0; 1; 1; 0 |]
    let learningRate = 0.3

    for s in
        [
            {
                Decay = Decay.Exponential 0.5
                Warmup = 0
            }
            {
                Decay = Decay.Step(2, 0.1)
                Warmup = 3
            }
            { Decay = Decay.Cosine 0.0; Warmup = 1 }
        ] do
        let optimizer = Optimizer.gradientDescent learningRate

        let scheduled =
            Training.fit
                optimizer
                {
                    fitOptions with
                        Epochs = 6
                        Schedule = s
                }
                x
                y
                (Training.init optimizer network)
                (fun _ -> true)

        // The same epochs by hand: one full-batch step each with gradient descent at the epoch's rate.
        let byHand =
            [ 0..5 ]
            |> List.fold
                (fun state e ->
                    Training.step (Optimizer.gradientDescent (learningRate * Schedule.factor s 6 e)) x y state)
                (Training.init optimizer network)

        Assert.True(
            sameNetwork byHand.Network scheduled.Network,
            $"{Schedule.format s.Decay} differs from the steps by hand"
        )

        let constant =
            Training.fit optimizer { fitOptions with Epochs = 6 } x y (Training.init optimizer network) (fun _ -> true)

        Assert.False(sameNetwork constant.Network scheduled.Network, "the schedule changed nothing")

let trainOptions: TrainOptions = {
    Hidden = [ 4 ]
    HiddenActivation = Tanh
    Initialization = Xavier
    Optimizer = Optimizer.gradientDescent 0.2
    Epochs = 6
    BatchSize = None
    Seed = 5
    Standardize = true
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

let blobs () =
    let random = Random(3)
    let labels = Array.init 40 (fun i -> i % 3)

    let features =
        Array2D.init 40 3 (fun i j -> float labels[i] + random.NextDouble() * 2.0 + float (j * 10))

    features, labels

[<Fact>]
let ``warm-starting continues the schedule: 3N epochs equal N, then N and N more from each model`` () =
    let x, y = blobs ()

    for s in
        [
            Schedule.constant
            {
                Decay = Decay.Step(2, 0.5)
                Warmup = 2
            }
            {
                Decay = Decay.Exponential 0.8
                Warmup = 0
            }
        ] do
        let options = { trainOptions with Schedule = s }
        let always _ = true
        let whole = Model.train { options with Epochs = 9 } x y always
        let first = Model.train { options with Epochs = 3 } x y always

        let second =
            Model.train
                {
                    options with
                        Epochs = 3
                        WarmStart = Some first
                }
                x
                y
                always

        let third =
            Model.train
                {
                    options with
                        Epochs = 3
                        WarmStart = Some second
                }
                x
                y
                always

        Assert.Equal(6, third.Training.EpochsBefore)
        let label = $"{Schedule.format s.Decay} warm-up {s.Warmup}"
        Assert.True(sameNetwork whole.Network third.Network, $"{label}: the warm-started chain differs")

        Assert.True(
            sameBits
                (List.toArray whole.Training.Costs)
                (List.toArray (first.Training.Costs @ second.Training.Costs @ third.Training.Costs)),
            $"{label}: the costs differ"
        )

        // Starting the schedule afresh on the warm start (what an unscheduled counter would do) differs.
        if s <> Schedule.constant then
            let afresh =
                Model.train
                    {
                        options with
                            Epochs = 3
                            WarmStart =
                                Some {
                                    first with
                                        Training.EpochsBefore = 0
                                        Training.Epochs = 0
                                }
                    }
                    x
                    y
                    always

            Assert.False(sameNetwork second.Network afresh.Network, $"{label}: the epoch count made no difference")

[<Fact>]
let ``Model.states takes the scheduled steps that train takes`` () =
    let x, y = blobs ()

    let options = {
        trainOptions with
            Schedule = { Decay = Decay.Cosine 0.0; Warmup = 1 }
            BatchSize = Some 8
    }

    let prepared = Model.prepare options x y
    let last = Model.states options prepared |> Seq.last
    let trained = Model.train options x y (fun _ -> true)
    Assert.Equal(6, last.Epoch)
    Assert.True(sameNetwork last.Network trained.Network)

[<Fact>]
let ``each hidden layer gets its own activation, and the list must have one per layer`` () =
    let x, y = blobs ()

    let options = {
        trainOptions with
            Hidden = [ 5; 4 ]
            HiddenActivations = Some [ Relu; Tanh ]
    }

    let model = Model.train options x y (fun _ -> true)

    Assert.Equal<Activation list>([ Relu; Tanh; Softmax ], model.Network.Layers |> List.map _.Activation)
    Assert.Equal<(int * Activation) list>([ 5, Relu; 4, Tanh ], Model.hiddenLayers options)

    // The same draws as the one-activation form: only the activations differ.
    let uniform =
        Model.train
            {
                options with
                    HiddenActivations = Some [ Tanh; Tanh ]
            }
            x
            y
            (fun _ -> true)

    let plain =
        Model.train
            {
                options with
                    HiddenActivations = None
            }
            x
            y
            (fun _ -> true)

    Assert.True(sameNetwork uniform.Network plain.Network)

    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Model.train
                {
                    options with
                        HiddenActivations = Some [ Relu ]
                }
                x
                y
                (fun _ -> true)
            |> ignore)

    Assert.Equal("HiddenActivations", e.ParamName)

    Assert.StartsWith(
        "HiddenActivations has 1 activation for 2 hidden layers; expected one per hidden layer.",
        e.Message
    )

[<Fact>]
let ``the default initialisation is He only when every hidden layer is ReLU-like`` () =
    Assert.Equal(Zeros, Initialization.defaultFor [])
    Assert.Equal(He, Initialization.defaultFor [ Relu; LeakyRelu ])
    Assert.Equal(Xavier, Initialization.defaultFor [ Relu; Tanh ])
    Assert.Equal(Xavier, Initialization.defaultFor [ Sigmoid ])
