/// Three checks run their rules twice: once as a test without messages (what every training call runs,
/// cheap to compile) and once with the messages (run only on failure, to name the first broken rule).
/// These properties pin the two together: over grids that cross every rule's boundary, the check raises
/// exactly when its explaining function does, so no input passes the quick test that the messages
/// would reject, and no failing input goes unexplained.
module Perceptron.Core.Tests.RuleConsistencyTests

open System
open Xunit
open Perceptron.Core

/// Whether the function raises an ArgumentException (any other exception fails the test).
let private raises (f: unit -> unit) =
    try
        f ()
        false
    with :? ArgumentException ->
        true

[<Fact>]
let ``Schedule.check raises exactly when its messages do`` () =
    let fractions = [ nan; -0.5; 0.0; 1e-300; 0.5; 1.0; 1.0000000000000002; 2.0; infinity ]
    let counts = [ Int32.MinValue; -1; 0; 1; 7 ]

    let decays = [
        yield Decay.Constant
        for every in counts do
            for factor in fractions do
                yield Decay.Step(every, factor)
        for gamma in fractions do
            yield Decay.Exponential gamma
        for floor in fractions do
            yield Decay.Cosine floor
    ]

    for decay in decays do
        for warmup in counts do
            let schedule = { Decay = decay; Warmup = warmup }

            Assert.True(
                raises (fun () -> Schedule.check "s" schedule) = raises (fun () -> Schedule.reject "s" schedule),
                $"{schedule}"
            )

[<Fact>]
let ``Network.validate raises exactly when its messages do`` () =
    let activations = [ Sigmoid; Tanh; Relu; LeakyRelu; Softmax ]

    let layer (units: int) (inputs: int) (bias: int) activation = {
        Weights = Array2D.zeroCreate units inputs
        Bias = Array.zeroCreate bias
        Activation = activation
    }

    let shapes = [ 0, 1, 0; 1, 0, 1; 1, 2, 1; 2, 2, 2; 2, 3, 1; 3, 2, 3 ]

    let single = [
        for units, inputs, bias in shapes do
            for a in activations do
                yield [ layer units inputs bias a ]
    ]

    let double = [
        for units, inputs, bias in shapes do
            for a in activations do
                for units2, inputs2, bias2 in shapes do
                    for b in [ Sigmoid; Softmax; Relu ] do
                        yield [ layer units inputs bias a; layer units2 inputs2 bias2 b ]
    ]

    let broken = [
        [
            {
                layer 1 2 1 Sigmoid with
                    Weights = null
            }
        ]
        [ { layer 1 2 1 Sigmoid with Bias = null } ]
        []
    ]

    for layers in single @ double @ broken do
        let network = { Layers = layers }

        Assert.True(
            raises (fun () -> Network.validate network |> ignore) = raises (fun () -> Network.explainInvalid network),
            $"{layers |> List.map (fun l -> l.Activation)}"
        )

[<Fact>]
let ``Model.checkOptions raises exactly when its messages or the schedule's do`` () =
    let start = ModelTests.options (Optimizer.gradientDescent 0.1)

    let stopping = [
        None
        Some { Patience = 0; Tolerance = 0.0 }
        Some { Patience = 2; Tolerance = 0.0 }
    ]

    let stopping =
        stopping
        @ [
            for t in [ nan; -1.0; infinity; 1e-3 ] -> Some { Patience = 3; Tolerance = t }
        ]

    for hidden in [ []; [ 0 ]; [ 3 ]; [ 2; 0 ]; [ 4; 2 ] ] do
        for activations in [ None; Some []; Some [ Relu ]; Some [ Relu; Tanh ] ] do
            for init in [ Zeros; Xavier ] do
                for epochs in [ 0; 1 ] do
                    for batch in [ None; Some 0; Some 8 ] do
                        for fraction in [ nan; -0.1; 0.0; 0.2; 1.0; infinity ] do
                            for early in stopping do
                                for schedule in
                                    [
                                        Schedule.constant
                                        {
                                            Decay = Decay.Exponential 2.0
                                            Warmup = 0
                                        }
                                    ] do
                                    let o = {
                                        start with
                                            Hidden = hidden
                                            HiddenActivations = activations
                                            Initialization = init
                                            Epochs = epochs
                                            BatchSize = batch
                                            ValidationFraction = fraction
                                            EarlyStopping = early
                                            Schedule = schedule
                                    }

                                    let explained =
                                        raises (fun () -> Model.explainOptions OptionNames.library o)
                                        || raises (fun () -> Schedule.check "Schedule" o.Schedule)

                                    Assert.True(
                                        raises (fun () -> Model.checkOptions OptionNames.library o) = explained,
                                        $"{o}"
                                    )
