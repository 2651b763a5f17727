/// The pipeline of Model: the same model as the steps composed by hand; one scan of the data per call;
/// messages that blame the caller's data only for the caller's own NaN or infinity.
module Perceptron.Core.Tests.ModelTests

open System
open Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// Two noisy blobs with features on different scales (so standardising matters), seeded.
let blobs (samples: int) (seed: int) =
    let random = Random(seed)
    let labels = Array.init samples (fun i -> i % 3)

    let features =
        Array2D.init samples 4 (fun i j -> float labels[i] * 2.0 + random.NextDouble() * 3.0 + float (j * 100))

    features, labels

let options (optimizer: Optimizer) : TrainOptions = {
    Hidden = [ 5 ]
    HiddenActivation = Tanh
    Initialization = Xavier
    Optimizer = optimizer
    Epochs = 20
    BatchSize = Some 16
    Seed = 7
    Standardize = true
    ValidationFraction = 0.25
    Stratify = false
    EarlyStopping = None
    WarmStart = None
    Classes = None
    Schedule = Schedule.constant
    HiddenActivations = None
    SampleWeights = None
    ClassWeights = ClassWeights.None
}

let always _ = true

[<Fact>]
let ``train gives bit for bit the model of the steps composed by hand`` () =
    let x, y = blobs 80 1
    let optimizer = Optimizer.adam 0.01 0.9 0.999 1e-8
    let model = Model.train (options optimizer) x y always

    // The pipeline spelled out: split, standardise on the training rows only, initialise, fit.
    let train, validation = Preprocessing.split 7 0.25 80
    let trainX = Preprocessing.takeRows train x
    let s = Preprocessing.fitStandardization trainX
    let network = Network.initialize Xavier 7 4 [ 5 ] Tanh 3

    let fit: FitOptions = {
        Epochs = 20
        BatchSize = Some 16
        Seed = 7
        Validation =
            Some(
                Preprocessing.standardize s (Preprocessing.takeRows validation x),
                Array.map (fun i -> y[i]) validation
            )
        EarlyStopping = None
        Schedule = Schedule.constant
        EpochsBefore = 0
        SampleWeights = None
        ValidationWeights = None
    }

    let expected =
        Training.fit
            optimizer
            fit
            (Preprocessing.standardize s trainX)
            (Array.map (fun i -> y[i]) train)
            (Training.init optimizer network)
            always

    Assert.True(sameNetwork expected.Network model.Network)
    Assert.True(sameBits (List.toArray expected.Costs) (List.toArray model.Training.Costs))
    Assert.True(sameBits (List.toArray expected.ValidationCosts) (List.toArray model.Training.ValidationCosts))
    Assert.Equal(Some s.Mean, model.Standardization |> Option.map _.Mean)
    Assert.Equal(Completed, model.Training.Reason)
    Assert.Equal(20, model.Training.Epochs)
    Assert.Equal<string[]>([| "x0"; "x1"; "x2"; "x3" |], model.FeatureNames)
    Assert.Equal<string[]>([| "0"; "1"; "2" |], model.Classes)

[<Fact>]
let ``a warm start continues from the model's network, standardisation and names`` () =
    let x, y = blobs 60 2
    let optimizer = Optimizer.gradientDescent 0.1
    let first = Model.train (options optimizer) x y always

    let named = {
        first with
            Classes = [| "a"; "b"; "c" |]
    }

    let prepared =
        Model.prepare
            {
                options optimizer with
                    WarmStart = Some named
                    ValidationFraction = 0.0
                    Standardize = false
            }
            x
            y

    Assert.True(sameNetwork first.Network prepared.Network)
    Assert.Equal(first.Standardization, prepared.Standardization)
    Assert.Equal<string[]>([| "a"; "b"; "c" |], prepared.Classes)

[<Fact>]
let ``predict is the most probable class of probabilities`` () =
    let x, y = blobs 60 3
    let model = Model.train (options (Optimizer.gradientDescent 0.1)) x y always
    let probabilities = Model.probabilities model x
    let predicted = Model.predict model x

    for i in 0 .. predicted.Length - 1 do
        let row = Array.init 3 (fun j -> probabilities[i, j])
        Assert.Equal(Array.findIndex ((=) (Array.max row)) row, predicted[i])

    Assert.Equal<int[]>(predicted, (Model.evaluate model x y).Predicted)

/// The non-finite scans that `f` runs on this thread.
let scans f =
    let before = ScanCount.OnThisThread
    f () |> ignore
    ScanCount.OnThisThread - before

[<Theory>]
[<InlineData(true)>]
[<InlineData(false)>]
let ``predict, probabilities and evaluate scan the caller's features once`` (standardize: bool) =
    let x, y = blobs 40 4

    let model =
        Model.train
            {
                options (Optimizer.gradientDescent 0.1) with
                    Standardize = standardize
                    Epochs = 2
            }
            x
            y
            always

    Assert.Equal(1, scans (fun () -> Model.predict model x))
    Assert.Equal(1, scans (fun () -> Model.probabilities model x))
    Assert.Equal(1, scans (fun () -> Model.evaluate model x y))

[<Theory>]
[<InlineData(true)>]
[<InlineData(false)>]
let ``train scans the data it trains on once`` (standardize: bool) =
    let x, y = blobs 40 5

    let run () =
        Model.train
            {
                options (Optimizer.gradientDescent 0.1) with
                    Standardize = standardize
                    ValidationFraction = 0.0
                    Epochs = 3
            }
            x
            y
            always

    Assert.Equal(1, scans run)

let rejects (f: unit -> obj) =
    let e = Assert.ThrowsAny<ArgumentException>(fun () -> f () |> ignore)
    Assert.Equal("features", e.ParamName)
    e.Message

[<Fact>]
let ``the caller's NaN is named by its place in the caller's array, whatever the split and standardisation`` () =
    let x, y = blobs 40 6
    x[33, 2] <- nan

    for standardize in [ true; false ] do
        for fraction in [ 0.0; 0.25 ] do
            let o = {
                options (Optimizer.gradientDescent 0.1) with
                    Standardize = standardize
                    ValidationFraction = fraction
            }

            Assert.StartsWith("features[33, 2] is NaN", rejects (fun () -> box (Model.train o x y always)))
            Assert.StartsWith("features[33, 2] is NaN", rejects (fun () -> box (Model.prepare o x y)))

[<Fact>]
let ``a model whose standardisation overflows on new data says so at prediction`` () =
    let x, y = blobs 40 8
    let model = Model.train (options (Optimizer.gradientDescent 0.1)) x y always
    let huge = Array2D.copy x
    huge[3, 0] <- Double.MaxValue
    let s = model.Standardization.Value

    // (MaxValue - mean) / std overflows when std < 1 and the mean is negative; make sure of it.
    let model = {
        model with
            Standardization =
                Some {
                    s with
                        Mean = Array.map (fun _ -> -1e308) s.Mean
                        Std = Array.map (fun _ -> 0.5) s.Std
                }
    }

    let message = rejects (fun () -> box (Model.predict model huge))
    Assert.StartsWith("features column 'x0' cannot be standardised: features row 0 holds", message)
    Assert.DoesNotContain("NaN", message)

    // Every row overflows, so the first is named; a caller that read the rows from a file names them as its user
    // counts them (data rows from 1), with no rewriting.
    let dataRows = { Rows = "data row"; First = 1 }

    Assert.StartsWith(
        "features column 'x0' cannot be standardised: data row 1 holds",
        rejects (fun () -> box (Model.predictWith dataRows model huge))
    )

    Assert.StartsWith(
        "features column 'x0' cannot be standardised: data row 1 holds",
        rejects (fun () -> box (Model.evaluateWith dataRows model huge y))
    )

[<Fact>]
let ``the held-out count is the split's`` () =
    for samples in [ 1; 2; 7; 10; 33 ] do
        for fraction in [ 0.0; 0.05; 0.25; 0.5; 0.95 ] do
            let held = Preprocessing.heldOut fraction samples

            if held < samples then
                Assert.Equal(held, (snd (Preprocessing.split 3 fraction samples)).Length)

[<Fact>]
let ``a validation fraction that leaves no training rows names ValidationFraction`` () =
    let x, y = blobs 10 9

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () ->
            Model.prepare
                {
                    options (Optimizer.gradientDescent 0.1) with
                        ValidationFraction = 0.95
                }
                x
                y
            |> ignore)

    Assert.Equal("ValidationFraction", e.ParamName)

    Assert.Contains(
        "ValidationFraction 0.95 holds out all 10 samples and leaves none for training; expected a smaller ValidationFraction",
        e.Message
    )

[<Fact>]
let ``the divergence message suggests a tenth of the learning rate`` () =
    Assert.Equal(
        "Training diverged: the cost became NaN or infinite in epoch 3 with learning rate 1000000; try a smaller learning rate (e.g. 100000) or standardised features.",
        Model.divergenceMessage 1e6 false 3
    )

    Assert.EndsWith("(e.g. 0.001).", Model.divergenceMessage 0.01 true 1)

[<Fact>]
let ``a divergent run is reported with its epoch and a finite network`` () =
    let x, y = blobs 40 10

    let model =
        Model.train
            {
                options (Optimizer.gradientDescent 1e6) with
                    Hidden = [ 8 ]
                    HiddenActivation = LeakyRelu
                    Initialization = He
                    Standardize = false
                    ValidationFraction = 0.0
                    Epochs = 50
            }
            (Array2D.map (fun v -> v * 1e3) x)
            y
            always

    Assert.Equal(Diverged, model.Training.Reason)
    Assert.Equal(model.Training.Costs.Length + 1, Model.divergedEpoch model)
    Assert.True(networkIsFinite model.Network)

[<Fact>]
let ``a class index that skips classes is refused naming the missing ones`` () =
    let x, y = blobs 60 3
    let skipping = Array.copy y
    skipping[0] <- 5

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () ->
            Model.train (options (Optimizer.gradientDescent 0.1)) x skipping always
            |> ignore)

    Assert.Equal("labels", e.ParamName)
    Assert.Contains("no sample of classes 3, 4;", e.Message)

[<Fact>]
let ``declared classes name the model's classes, including one that does not occur`` () =
    let x, y = blobs 60 3
    let declared = [| "a"; "b"; "c"; "d" |]

    let model =
        Model.train
            {
                options (Optimizer.gradientDescent 0.1) with
                    Classes = Some declared
            }
            x
            y
            always

    Assert.Equal<string[]>(declared, model.Classes)
    Assert.Equal(4, (Model.probabilities model x).GetLength 1)

[<Fact>]
let ``a cost that ends above the first epoch's is a warning; one that falls is not`` () =
    let x, y = blobs 60 3
    let model = Model.train (options (Optimizer.adamDefault 0.01)) x y always

    let rising = {
        model with
            Training.Costs = [ 0.7; 3.0; 50.0 ]
            Training.CostEpochs = [ 1; 2; 3 ]
    }

    Assert.Empty(Model.warnings model)
    let warning = Assert.Single(Model.warnings rising)
    Assert.Contains("rose from 0.7 in epoch 1 to 50 in epoch 3", warning)

[<Fact>]
let ``probabilities of no rows are no rows, with the model's columns checked`` () =
    let x, y = blobs 60 3
    let model = Model.train (options (Optimizer.adamDefault 0.01)) x y always

    Assert.Equal(0, (Model.probabilities model (Array2D.zeroCreate 0 4)).GetLength 0)
    Assert.Equal(3, (Model.probabilities model (Array2D.zeroCreate 0 4)).GetLength 1)
    Assert.Empty(Model.predict model (Array2D.zeroCreate 0 4))

    Assert.ThrowsAny<ArgumentException>(fun () -> Model.predict model (Array2D.zeroCreate 0 3) |> ignore)
    |> ignore

[<Fact>]
let ``trainUntil stops between batches with the network of the last batch, and records where`` () =
    let x, y = blobs 60 3
    let o = options (Optimizer.adamDefault 0.01)
    let mutable asked = 0

    let stop () =
        asked <- asked + 1
        asked > 7

    // 45 training rows in batches of 16: 3 batches an epoch. The hook is asked before every batch (and while
    // preparing); whatever the count, the model is the state after the batches that ran.
    let model = Model.trainUntil o x y always stop
    let batches = model.Training.Epochs * 3 + model.Training.Batch
    let last = Model.states o (Model.prepare o x y) |> Seq.item (batches - 1)

    Assert.Equal(Interrupted, model.Training.Reason)
    Assert.InRange(batches, 5, 7)
    Assert.InRange(model.Training.Batch, 0, 2)
    Assert.Equal(model.Training.Epochs, model.Training.Costs.Length)
    Assert.Equal(batches, last.Step)
    Assert.True(sameNetwork last.Network model.Network)

[<Fact>]
let ``trainUntil asked to stop from the start takes no step and keeps the initial network`` () =
    let x, y = blobs 60 3
    let o = options (Optimizer.adamDefault 0.01)
    let mutable asked = 0

    let model =
        Model.trainUntil o x y always (fun () ->
            asked <- asked + 1
            true)

    let prepared = Model.prepare o x y

    Assert.Equal(Interrupted, model.Training.Reason)
    Assert.Equal((0, 0), (model.Training.Epochs, model.Training.Batch))
    Assert.Empty(model.Training.Costs)
    Assert.True(sameNetwork prepared.Network model.Network)

/// The console host's names for the options, as it passes them.
let flags: OptionNames = {
    OptionNames.library with
        Hidden = "--hidden"
        Initialization = "--init"
        Patience = "--patience"
        ValidationFraction = "--validation-fraction"
        Flags = true
}

[<Fact>]
let ``checkOptions words each rule once and names the options as the caller names them`` () =
    let zeros = {
        options (Optimizer.gradientDescent 0.1) with
            Initialization = Zeros
    }

    let patience = {
        options (Optimizer.gradientDescent 0.1) with
            ValidationFraction = 0.0
            EarlyStopping = Some { Patience = 3; Tolerance = 0.0 }
    }

    let message names o =
        Assert.ThrowsAny<ArgumentException>(fun () -> Model.checkOptions names o).Message

    Assert.StartsWith(
        "--init zeros does not work with --hidden: every hidden unit would start with the same weights and get the same gradients, so the units would never differ (symmetry is not broken); use --init normal, xavier or he (",
        message flags zeros
    )

    Assert.StartsWith(
        "Initialization Zeros does not work with HiddenLayers: every hidden unit would start with the same weights and get the same gradients, so the units would never differ (symmetry is not broken); use Initialization Normal, Xavier or He. (",
        message OptionNames.library zeros
    )

    Assert.StartsWith(
        "--patience needs a validation split to watch; add --validation-fraction, e.g. --validation-fraction 0.2 (",
        message flags patience
    )

    Assert.StartsWith(
        "Patience needs a validation split to watch; set ValidationFraction, e.g. ValidationFraction = 0.2. (",
        message OptionNames.library patience
    )

    Model.checkOptions flags (options (Optimizer.gradientDescent 0.1))

[<Fact>]
let ``the default initialisation is zeros for the perceptron, He for the ReLU family, Xavier otherwise`` () =
    Assert.Equal(Zeros, Initialization.defaultFor [])
    Assert.Equal(He, Initialization.defaultFor [ Relu ])
    Assert.Equal(He, Initialization.defaultFor [ LeakyRelu; LeakyRelu ])
    Assert.Equal(Xavier, Initialization.defaultFor [ Tanh ])
    Assert.Equal(Xavier, Initialization.defaultFor [ Sigmoid ])
