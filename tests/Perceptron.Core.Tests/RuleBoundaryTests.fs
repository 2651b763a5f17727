/// The rules of Schedule.check, Network.validate, Model.checkOptions and Training.fitUntil, each written once:
/// every rule raises just past its boundary with its exact message and holds at the boundary, the first broken
/// rule in order is the one named, and numbers print as the interpolated strings these messages once were.
module Perceptron.Core.Tests.RuleBoundaryTests

open System
open System.Globalization
open Xunit
open Perceptron.Core

/// The exception's type and message, or "ok" when nothing is raised (any other exception fails the test).
let private outcome (f: unit -> unit) =
    try
        f ()
        "ok"
    with :? ArgumentException as e ->
        e.GetType().Name + ": " + e.Message

/// A culture whose every number symbol differs from the invariant culture's (the tests run in invariant
/// globalization mode, where only cultures cloned from the invariant one exist): a minus sign of its own (U+2212,
/// as Swedish writes it), a decimal comma, and words of its own for NaN and the infinities.
let private foreign =
    let culture = CultureInfo.InvariantCulture.Clone() :?> CultureInfo
    culture.NumberFormat.NegativeSign <- "\u2212"
    culture.NumberFormat.NumberDecimalSeparator <- ","
    culture.NumberFormat.NaNSymbol <- "inget tal"
    culture.NumberFormat.PositiveInfinitySymbol <- "\u221e"
    culture.NumberFormat.NegativeInfinitySymbol <- "\u2212\u221e"
    culture

/// The outcome with `foreign` as the current culture, restored afterwards (the culture belongs to this thread).
let private inForeignCulture (f: unit -> 'T) =
    let before = CultureInfo.CurrentCulture

    try
        CultureInfo.CurrentCulture <- foreign
        f ()
    finally
        CultureInfo.CurrentCulture <- before

let private schedule (decay: Decay) (warmup: int) =
    outcome (fun () -> Schedule.check "Schedule" { Decay = decay; Warmup = warmup })

let private scheduleError (text: string) =
    "ArgumentException: Schedule: " + text + ". (Parameter 'Schedule')"

[<Fact>]
let ``each schedule rule raises just past its boundary and holds at it`` () =
    let unit (what: string) (shown: string) =
        scheduleError (what + " is " + shown + "; expected a number in (0, 1]")

    let floor (shown: string) =
        scheduleError (
            "cosine FLOOR is "
            + shown
            + "; expected a fraction of the learning rate in [0, 1]"
        )

    Assert.Equal("ok", schedule Decay.Constant 0)
    Assert.Equal(scheduleError "warm-up is -1 epochs; expected a whole number >= 0", schedule Decay.Constant -1)
    Assert.Equal("ok", schedule (Decay.Step(1, 0.5)) 0)

    Assert.Equal(
        scheduleError "step EVERY is 0; expected a whole number of epochs >= 1",
        schedule (Decay.Step(0, 0.5)) 0
    )

    // The smallest positive double and 1 are inside (0, 1]; 0 and the double after 1 are not.
    Assert.Equal("ok", schedule (Decay.Step(3, 5e-324)) 0)
    Assert.Equal("ok", schedule (Decay.Step(3, 1.0)) 0)
    Assert.Equal(unit "step FACTOR" "0", schedule (Decay.Step(3, 0.0)) 0)
    Assert.Equal(unit "step FACTOR" "1.0000000000000002", schedule (Decay.Step(3, 1.0000000000000002)) 0)
    Assert.Equal("ok", schedule (Decay.Exponential 5e-324) 0)
    Assert.Equal("ok", schedule (Decay.Exponential 1.0) 0)
    Assert.Equal(unit "exponential GAMMA" "-0", schedule (Decay.Exponential -0.0) 0)
    Assert.Equal(unit "exponential GAMMA" "1.0000000000000002", schedule (Decay.Exponential 1.0000000000000002) 0)
    // [0, 1] holds -0 (it equals 0) and both ends; the doubles just outside do not.
    Assert.Equal("ok", schedule (Decay.Cosine -0.0) 0)
    Assert.Equal("ok", schedule (Decay.Cosine 1.0) 0)
    Assert.Equal(floor "-5E-324", schedule (Decay.Cosine -5e-324) 0)
    Assert.Equal(floor "1.0000000000000002", schedule (Decay.Cosine 1.0000000000000002) 0)
    // The warm-up is checked before the decay.
    Assert.Equal(scheduleError "warm-up is -2 epochs; expected a whole number >= 0", schedule (Decay.Cosine 2.0) -2)

[<Fact>]
let ``schedule messages print doubles round-trip and invariant, and counts as the current culture does`` () =
    let gamma (shown: string) =
        scheduleError ("exponential GAMMA is " + shown + "; expected a number in (0, 1]")

    let cases = [
        nan, "NaN"
        infinity, "Infinity"
        -infinity, "-Infinity"
        1e300, "1E+300"
        Double.MaxValue, "1.7976931348623157E+308"
        -5e-324, "-5E-324"
        -0.30000000000000004, "-0.30000000000000004"
        1.25, "1.25"
    ]

    for x, shown in cases do
        Assert.Equal(gamma shown, schedule (Decay.Exponential x) 0)
        // A culture with its own decimal separator, infinity and minus sign changes none of them.
        Assert.Equal(gamma shown, inForeignCulture (fun () -> schedule (Decay.Exponential x) 0))

    // Counts were interpolated, which shows them in the current culture, with its own minus sign.
    Assert.Equal(
        scheduleError "warm-up is \u22123 epochs; expected a whole number >= 0",
        inForeignCulture (fun () -> schedule Decay.Constant -3)
    )

    Assert.Equal(
        scheduleError "step EVERY is \u22122147483648; expected a whole number of epochs >= 1",
        inForeignCulture (fun () -> schedule (Decay.Step(Int32.MinValue, 0.5)) 0)
    )

    Assert.Equal(
        Some "warm-up is -3 epochs; expected a whole number >= 0",
        Schedule.problem { Decay = Decay.Constant; Warmup = -3 }
    )

let private layer (units: int) (inputs: int) (activation: Activation) = {
    Weights = Array2D.zeroCreate units inputs
    Bias = Array.zeroCreate units
    Activation = activation
}

let private validate (layers: Layer list) =
    outcome (fun () -> Network.validate { Layers = layers } |> ignore)

let private networkError (text: string) =
    "ArgumentException: " + text + " (Parameter 'network')"

[<Fact>]
let ``each network rule raises with its message, naming the layer, and holds at its boundary`` () =
    Assert.Equal(networkError "a network needs at least one layer (the output layer)", validate [])

    Assert.Equal(
        networkError "layer 0 has no weights or bias",
        validate [
            {
                layer 1 2 Sigmoid with
                    Weights = null
            }
        ]
    )

    Assert.Equal(
        networkError "layer 1 has no weights or bias",
        validate [ layer 2 2 Tanh; { layer 1 2 Sigmoid with Bias = null } ]
    )

    Assert.Equal(networkError "layer 0 has shape 0 x 2; expected at least 1 x 1", validate [ layer 0 2 Sigmoid ])

    Assert.Equal(
        networkError "layer 1 has shape 1 x 0; expected at least 1 x 1",
        validate [ layer 2 2 Tanh; layer 1 0 Sigmoid ]
    )

    Assert.Equal("ok", validate [ layer 1 1 Sigmoid ])

    Assert.Equal(
        networkError "layer 0 has 2 biases for 1 units",
        validate [
            {
                layer 1 3 Sigmoid with
                    Bias = [| 0.0; 0.0 |]
            }
        ]
    )

    Assert.Equal(
        networkError "layer 1 has 5 inputs but layer 0 has 4 units",
        validate [ layer 4 3 Tanh; layer 1 5 Sigmoid ]
    )

    Assert.Equal(
        networkError "layer 2 has 3 inputs but layer 1 has 2 units",
        validate [ layer 4 3 Tanh; layer 2 4 Relu; layer 1 3 Sigmoid ]
    )

    Assert.Equal(
        networkError "layer 0 is hidden; softmax is only for the output layer",
        validate [ layer 4 3 Softmax; layer 3 4 Softmax ]
    )

    Assert.Equal(
        networkError "the sigmoid output layer has 2 units; expected 1 (two classes)",
        validate [ layer 2 3 Sigmoid ]
    )

    Assert.Equal(networkError "the softmax output layer needs at least 2 units", validate [ layer 1 3 Softmax ])
    Assert.Equal("ok", validate [ layer 2 3 Softmax ])

    for activation in [ Tanh; Relu; LeakyRelu ] do
        Assert.Equal(
            networkError "the output layer uses sigmoid (two classes) or softmax (more)",
            validate [ layer 4 3 Tanh; layer 1 4 activation ]
        )

        Assert.Equal("ok", validate [ layer 4 3 activation; layer 1 4 Sigmoid ])

[<Fact>]
let ``a network broken several ways is named by its first layer's first broken rule`` () =
    // Layer 0: its bias and its softmax are both wrong, and layer 1 does not chain: the bias comes first.
    let broken = [
        {
            layer 4 3 Softmax with
                Bias = [| 0.0 |]
        }
        layer 1 5 Sigmoid
    ]

    Assert.Equal(networkError "layer 0 has 1 biases for 4 units", validate broken)
    // Its shape is checked before its bias, and a wrong chain before the activation.
    Assert.Equal(
        networkError "layer 0 has shape 0 x 3; expected at least 1 x 1",
        validate [
            {
                layer 0 3 Softmax with
                    Bias = [| 0.0 |]
            }
        ]
    )

    Assert.Equal(
        networkError "layer 1 has 5 inputs but layer 0 has 4 units",
        validate [ layer 4 3 Tanh; layer 1 5 Relu ]
    )

let private start = ModelTests.options (Optimizer.gradientDescent 0.1)

/// Flag names for every option, as a console host would pass them.
let private flags = {
    Hidden = "--hidden"
    Initialization = "--init"
    Epochs = "--epochs"
    BatchSize = "--batch-size"
    Patience = "--patience"
    Tolerance = "--tolerance"
    ValidationFraction = "--validation-fraction"
    Flags = true
}

let private check (names: OptionNames) (options: TrainOptions) =
    outcome (fun () -> Model.checkOptions names options)

let private outOfRange (name: string) (text: string) =
    "ArgumentOutOfRangeException: " + text + " (Parameter '" + name + "')"

let private invalid (name: string) (text: string) =
    "ArgumentException: " + text + " (Parameter '" + name + "')"

[<Fact>]
let ``each option rule raises just past its boundary and holds at it`` () =
    let library = check OptionNames.library

    let stopping patience tolerance =
        Some {
            Patience = patience
            Tolerance = tolerance
        }

    Assert.Equal("ok", library { start with Hidden = [ 1; 1 ] })

    Assert.Equal(
        invalid "HiddenLayers" "HiddenLayers[1] is 0; expected a width of at least 1 unit.",
        library { start with Hidden = [ 1; 0 ] }
    )

    Assert.Equal(
        invalid
            "HiddenActivations"
            "HiddenActivations has 1 activation for 2 hidden layers; expected one per hidden layer.",
        library {
            start with
                Hidden = [ 3; 2 ]
                HiddenActivations = Some [ Relu ]
        }
    )

    Assert.Equal(
        "ok",
        library {
            start with
                Hidden = [ 3; 2 ]
                HiddenActivations = Some [ Relu; Tanh ]
        }
    )

    Assert.Equal(
        invalid "Schedule" "Schedule: exponential GAMMA is 2; expected a number in (0, 1].",
        library {
            start with
                Schedule = {
                    Decay = Decay.Exponential 2.0
                    Warmup = 0
                }
        }
    )

    Assert.Equal(
        "ok",
        library {
            start with
                Hidden = []
                Initialization = Zeros
        }
    )

    Assert.StartsWith(
        "ArgumentException: Initialization Zeros does not work with HiddenLayers:",
        library {
            start with
                Hidden = [ 1 ]
                Initialization = Zeros
        }
    )

    Assert.Equal(outOfRange "Epochs" "Epochs is 0; expected > 0.", library { start with Epochs = 0 })
    Assert.Equal("ok", library { start with Epochs = 1 })
    Assert.Equal(outOfRange "BatchSize" "BatchSize is 0; expected > 0.", library { start with BatchSize = Some 0 })
    Assert.Equal("ok", library { start with BatchSize = Some 1 })
    // [0, 1): -0 equals 0 and holds, as does the double just below 1; 1 and the double below 0 do not.
    Assert.Equal("ok", library { start with ValidationFraction = -0.0 })

    Assert.Equal(
        "ok",
        library {
            start with
                ValidationFraction = 0.9999999999999999
        }
    )

    Assert.Equal(
        outOfRange "ValidationFraction" "ValidationFraction is 1; expected a number in [0, 1).",
        library { start with ValidationFraction = 1.0 }
    )

    Assert.Equal(
        outOfRange "ValidationFraction" "ValidationFraction is -5E-324; expected a number in [0, 1).",
        library {
            start with
                ValidationFraction = -5e-324
        }
    )

    Assert.Equal(
        outOfRange "Patience" "Patience is 0; expected > 0.",
        library {
            start with
                EarlyStopping = stopping 0 0.0
        }
    )

    Assert.Equal(
        "ok",
        library {
            start with
                EarlyStopping = stopping 1 0.0
        }
    )

    Assert.Equal(
        "ok",
        library {
            start with
                EarlyStopping = stopping 1 Double.MaxValue
        }
    )

    Assert.Equal(
        outOfRange "Tolerance" "Tolerance is -5E-324; expected a finite number >= 0.",
        library {
            start with
                EarlyStopping = stopping 1 -5e-324
        }
    )

    Assert.Equal(
        outOfRange "Tolerance" "Tolerance is Infinity; expected a finite number >= 0.",
        library {
            start with
                EarlyStopping = stopping 1 infinity
        }
    )

    Assert.Equal(
        invalid
            "Patience"
            "Patience needs a validation split to watch; set ValidationFraction, e.g. ValidationFraction = 0.2.",
        library {
            start with
                ValidationFraction = 0.0
                EarlyStopping = stopping 1 0.0
        }
    )

    Assert.Equal(
        "ok",
        library {
            start with
                ValidationFraction = 5e-324
                EarlyStopping = stopping 1 0.0
        }
    )

[<Fact>]
let ``options broken every way are named in the rules' order, one rule at a time as each is mended`` () =
    let broken = {
        start with
            Hidden = [ 2; -1 ]
            HiddenActivations = Some [ Relu ]
            Schedule = { Decay = Decay.Constant; Warmup = -1 }
            Initialization = Zeros
            Epochs = 0
            BatchSize = Some -4
            ValidationFraction = nan
            EarlyStopping = Some { Patience = 0; Tolerance = -infinity }
    }

    let mends: (string * (TrainOptions -> TrainOptions)) list = [
        "--hidden[1] is -1; expected a width of at least 1 unit", (fun o -> { o with Hidden = [ 2; 1 ] })
        "HiddenActivations has 1 activation for 2 hidden layers; expected one per hidden layer.",
        (fun o -> { o with HiddenActivations = None })
        "Schedule: warm-up is -1 epochs; expected a whole number >= 0.",
        (fun o -> { o with Schedule = Schedule.constant })
        "--init zeros does not work with --hidden: every hidden unit would start with the same weights and get the same gradients, so the units would never differ (symmetry is not broken); use --init normal, xavier or he",
        (fun o -> { o with Initialization = Xavier })
        "--epochs is 0; expected > 0", (fun o -> { o with Epochs = 1 })
        "--batch-size is -4; expected > 0", (fun o -> { o with BatchSize = None })
        "--validation-fraction is NaN; expected a number in [0, 1)", (fun o -> { o with ValidationFraction = 0.0 })
        "--patience is 0; expected > 0",
        (fun o -> {
            o with
                EarlyStopping = Some { Patience = 1; Tolerance = -infinity }
        })
        "--tolerance is -Infinity; expected a finite number >= 0",
        (fun o -> {
            o with
                EarlyStopping = Some { Patience = 1; Tolerance = 0.0 }
        })
        "--patience needs a validation split to watch; add --validation-fraction, e.g. --validation-fraction 0.2",
        (fun o -> { o with EarlyStopping = None })
    ]

    let mutable options = broken

    for expected, mend in mends do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () -> Model.checkOptions flags options)

        Assert.StartsWith(expected + " (Parameter '", e.Message)
        options <- mend options

    Assert.Equal("ok", check flags options)

[<Fact>]
let ``option messages print doubles round-trip and invariant, and widths as the current culture does`` () =
    let fraction (x: float) =
        check OptionNames.library { start with ValidationFraction = x }

    let tolerance (x: float) =
        check OptionNames.library {
            start with
                EarlyStopping = Some { Patience = 2; Tolerance = x }
        }

    let cases = [
        nan, "NaN"
        -infinity, "-Infinity"
        1e300, "1E+300"
        1.0000000000000002, "1.0000000000000002"
        -0.30000000000000004, "-0.30000000000000004"
    ]

    for x, shown in cases do
        let expected =
            outOfRange "ValidationFraction" ("ValidationFraction is " + shown + "; expected a number in [0, 1).")

        Assert.Equal(expected, fraction x)
        Assert.Equal(expected, inForeignCulture (fun () -> fraction x))

    Assert.Equal(outOfRange "Tolerance" "Tolerance is -1E-300; expected a finite number >= 0.", tolerance -1e-300)

    Assert.Equal(
        outOfRange "Tolerance" "Tolerance is NaN; expected a finite number >= 0.",
        inForeignCulture (fun () -> tolerance nan)
    )

    // Widths were interpolated, which shows them in the current culture, with its own minus sign.
    Assert.Equal(
        invalid "HiddenLayers" "HiddenLayers[0] is \u22125; expected a width of at least 1 unit.",
        inForeignCulture (fun () -> check OptionNames.library { start with Hidden = [ -5 ] })
    )

    Assert.Equal(
        invalid "HiddenLayers" "HiddenLayers[0] is -5; expected a width of at least 1 unit.",
        check OptionNames.library { start with Hidden = [ -5 ] }
    )

/// fitUntil's outcome for these options on a tiny data set (validation: the training rows themselves).
let private fit (options: FitOptions) =
    let features = array2D [ [ 0.0; 1.0 ]; [ 1.0; 0.0 ]; [ 1.0; 1.0 ]; [ 0.0; 0.0 ] ]
    let labels = [| 0; 1; 1; 0 |]
    let optimizer = Optimizer.gradientDescent 0.1
    let start = Training.init optimizer (Network.initialize Zeros 1 2 [] Sigmoid 2)

    outcome (fun () ->
        Training.fitUntil optimizer options features labels start (fun _ -> true) (fun () -> false)
        |> ignore)

let private fitError (text: string) =
    "ArgumentException: " + text + " (Parameter 'options')"

[<Fact>]
let ``each rule of fitUntil's options raises just past its boundary and holds at it, in order`` () =
    let valid = {
        ScheduleTests.fitOptions with
            Epochs = 1
            Validation = Some(array2D [ [ 0.0; 1.0 ]; [ 1.0; 0.0 ] ], [| 0; 1 |])
            EarlyStopping = Some { Patience = 1; Tolerance = -0.0 }
    }

    let stopping patience tolerance =
        Some {
            Patience = patience
            Tolerance = tolerance
        }

    Assert.Equal("ok", fit valid)
    Assert.Equal(fitError "Epochs is 0; expected at least 1", fit { valid with Epochs = 0 })

    Assert.Equal(
        fitError "Patience is 0; expected at least 1",
        fit {
            valid with
                EarlyStopping = stopping 0 0.0
        }
    )

    Assert.Equal(
        fitError "Tolerance is -5E-324; expected >= 0",
        fit {
            valid with
                EarlyStopping = stopping 1 -5e-324
        }
    )

    Assert.Equal(
        fitError "Tolerance is NaN; expected >= 0",
        fit {
            valid with
                EarlyStopping = stopping 1 nan
        }
    )

    Assert.Equal(fitError "early stopping needs validation data", fit { valid with Validation = None })

    Assert.Equal(
        "ok",
        fit {
            valid with
                Validation = None
                EarlyStopping = None
        }
    )

    // Broken several ways: epochs, then patience, then tolerance, then the validation data.
    let broken = {
        valid with
            Epochs = 0
            Validation = None
            EarlyStopping = stopping 0 nan
    }

    Assert.Equal(fitError "Epochs is 0; expected at least 1", fit broken)
    Assert.Equal(fitError "Patience is 0; expected at least 1", fit { broken with Epochs = 1 })

    Assert.Equal(
        fitError "Tolerance is NaN; expected >= 0",
        fit {
            broken with
                Epochs = 1
                EarlyStopping = stopping 1 nan
        }
    )

    // These numbers are interpolated, which shows them in the current culture.
    Assert.Equal(
        fitError "Tolerance is \u22120,5; expected >= 0",
        inForeignCulture (fun () ->
            fit {
                valid with
                    EarlyStopping = stopping 1 -0.5
            })
    )
