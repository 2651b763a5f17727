/// The first call's warm-up (issue 12): it compiles the network the caller will train, changes no result
/// however many threads run it beside training, starts once however many trainings ask, and never lets a
/// failure of its own reach the caller.
module Perceptron.Core.Tests.WarmupTests

open System
open System.Threading
open Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

let private data (samples: int) (classes: int) (seed: int) =
    let random = Random(seed)
    let labels = Array.init samples (fun i -> i % classes)

    let features =
        Array2D.init samples 5 (fun i j -> float labels[i] + random.NextDouble() * 2.0 + float j)

    features, labels

let private options (hidden: int list) (optimizer: Optimizer) : TrainOptions = {
    Hidden = hidden
    HiddenActivation = Tanh
    Initialization = (if hidden.IsEmpty then Zeros else Xavier)
    Optimizer = optimizer
    Epochs = 5
    BatchSize = Some 16
    Seed = 3
    Standardize = true
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

let private always _ = true

let private sameModel (a: Model) (b: Model) =
    sameNetwork a.Network b.Network
    && sameBits (List.toArray a.Training.Costs) (List.toArray b.Training.Costs)
    && sameBits (List.toArray a.Training.ValidationCosts) (List.toArray b.Training.ValidationCosts)

let private shapes (layers: Layer seq) =
    layers |> Seq.map (fun l -> l.Units, l.Inputs, l.Activation) |> Seq.toList

[<Fact>]
let ``the warm-up's network has the shapes and activations of the one training draws`` () =
    let binary = data 40 2 1
    let three = data 60 3 2
    let gd = Optimizer.gradientDescent 0.1

    let cases = [
        options [] gd, binary
        options [ 4 ] gd, three
        {
            options [ 6; 3 ] gd with
                HiddenActivations = Some [ Relu; Sigmoid ]
        },
        binary
        {
            options [] gd with
                Classes = Some [| "a"; "b"; "c"; "d" |]
        },
        three
    ]

    for o, (x, y) in cases do
        let trained = Model.train o x y always
        let expected = shapes trained.Network.Layers
        Assert.Equal<(int * int * Activation) list>(expected, shapes (Warmup.shape o 5 y))
        // A warm start is trained from its own network, whatever the options say of layers.
        let warm = {
            options [ 9 ] gd with
                WarmStart = Some trained
        }

        Assert.Equal<(int * int * Activation) list>(expected, shapes (Warmup.shape warm 5 y))

[<Fact>]
let ``training beside warm-ups on other threads gives the same bits`` () =
    let x, y = data 90 3 4
    let perceptronX, perceptronY = data 90 2 5
    let adam = Optimizer.adam 0.01 0.9 0.999 1e-8
    let mlp = options [ 7 ] adam
    let perceptron = options [] (Optimizer.withL2 0.01 (Optimizer.momentum 0.1 0.9))
    let alone = Model.train mlp x y always
    let aloneP = Model.train perceptron perceptronX perceptronY always
    use stop = new ManualResetEventSlim(false)

    let warmers =
        [
            mlp, y, 16
            perceptron, perceptronY, 72
            {
                mlp with
                    Optimizer = Optimizer.gradientDescent 0.1
            },
            y,
            90
        ]
        |> List.map (fun (o, labels, rows) ->
            let thread =
                Thread(fun () ->
                    while not stop.IsSet do
                        Warmup.work o.Optimizer (Warmup.shape o 5 labels) rows ())

            thread.Start()
            thread)

    let beside = [
        for _ in 1..5 -> Model.train mlp x y always, Model.train perceptron perceptronX perceptronY always
    ]

    stop.Set()
    warmers |> List.iter (fun t -> t.Join())

    for m, p in beside do
        Assert.True(sameModel alone m)
        Assert.True(sameModel aloneP p)

[<Fact>]
let ``one warm-up starts however many threads ask at once`` () =
    let flag = ref 0
    let mutable launches = 0
    let threads = 16
    use barrier = new Barrier(threads)

    let callers =
        Array.init threads (fun _ ->
            Thread(fun () ->
                barrier.SignalAndWait()
                Warmup.once flag (fun () -> Interlocked.Increment(&launches) |> ignore)))

    callers |> Array.iter (fun t -> t.Start())
    callers |> Array.iter (fun t -> t.Join())
    Assert.Equal(1, launches)
    Warmup.once flag (fun () -> Interlocked.Increment(&launches) |> ignore)
    Assert.Equal(1, launches)

[<Fact>]
let ``concurrent first trainings agree bit for bit and launch one warm-up`` () =
    let x, y = data 100 2 6
    let o = options [] (Optimizer.gradientDescent 0.5)
    let reference = Model.train o x y always
    // As in a fresh process: no warm-up started yet, then eight trainings at once.
    Warmup.started.Value <- 0
    let threads = 8
    use barrier = new Barrier(threads)
    let models = Array.zeroCreate<Model> threads

    let trainers =
        Array.init threads (fun i ->
            Thread(fun () ->
                barrier.SignalAndWait()
                models[i] <- Model.train o x y always))

    trainers |> Array.iter (fun t -> t.Start())
    trainers |> Array.iter (fun t -> t.Join())
    Assert.Equal(1, Warmup.started.Value)

    for m in models do
        Assert.True(sameModel reference m)

[<Fact>]
let ``a failure inside the warm-up reaches neither its thread's owner nor the caller`` () =
    let mutable unhandled = 0

    let handler =
        UnhandledExceptionEventHandler(fun _ _ -> Interlocked.Increment(&unhandled) |> ignore)

    AppDomain.CurrentDomain.UnhandledException.AddHandler handler

    try
        match Warmup.launch (fun () -> failwith "a failing warm-up") with
        | Some thread ->
            Assert.True(thread.IsBackground)
            thread.Join()
        | None -> Assert.Fail "no warm-up thread started"

        // A shape that cannot be drawn (one class): the warm-up fails on its thread, and training reports
        // the caller's mistake as it always did.
        let x, y = data 30 2 7

        let bad = {
            options [] (Optimizer.gradientDescent 0.1) with
                Classes = Some [| "only" |]
        }

        match Warmup.launch (fun () -> Warmup.work bad.Optimizer (Warmup.shape bad 5 y) 24 ()) with
        | Some thread -> thread.Join()
        | None -> Assert.Fail "no warm-up thread started"

        Warmup.started.Value <- 0

        let e =
            Assert.ThrowsAny<ArgumentException>(fun () -> Model.train bad x y always |> ignore)

        Assert.Contains("Classes", e.Message)
        // Nothing the warm-up is given can make its start throw.
        Warmup.started.Value <- 0
        Warmup.start bad (Unchecked.defaultof<float[,]>) y
        Warmup.start bad x (Unchecked.defaultof<int[]>)
        Assert.Equal(0, unhandled)
    finally
        AppDomain.CurrentDomain.UnhandledException.RemoveHandler handler
