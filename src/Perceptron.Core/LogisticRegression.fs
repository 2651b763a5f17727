/// The seed: logistic regression as in the deep-learning course, under the course's names.
/// It is the zero-hidden-layer case of Network, Propagation and Training, not a separate copy.
namespace Perceptron.Core

open System

/// The perceptron's parameters: one weight per feature and a bias.
type LogisticParameters = {
    /// One weight per feature.
    W: float[]
    /// The bias.
    B: float
}

/// The perceptron's gradients, dCost/dW and dCost/dB.
type LogisticGradients = {
    /// One value per feature.
    Dw: float[]
    /// dCost/dB.
    Db: float
}

/// What `optimize` returns.
type LogisticOptimization = {
    /// The parameters after the last update.
    Parameters: LogisticParameters
    /// The gradients computed in the last iteration (before its update).
    Gradients: LogisticGradients
    /// The cost at iterations 0, 100, 200, ...
    Costs: float list
}

/// What `model` returns.
type LogisticModel = {
    /// The trained parameters.
    Parameters: LogisticParameters
    /// The cost at iterations 0, 100, 200, ...
    Costs: float list
    /// Predictions on the training samples.
    TrainPredictions: int[]
    /// Predictions on the test samples.
    TestPredictions: int[]
    /// Fraction of training samples predicted right, in [0, 1].
    TrainAccuracy: float
    /// Fraction of test samples predicted right, in [0, 1].
    TestAccuracy: float
}

/// The seed's functions. Samples are rows: features is samples x features; labels are 0 or 1.
[<RequireQualifiedAccess>]
module LogisticRegression =
    /// σ(z) = 1 / (1 + e^-z), stable for any finite z.
    [<CompiledName("Sigmoid")>]
    let sigmoid (z: float) = Activation.sigmoid z

    /// w = 0 (one per feature), b = 0: the seed's starting point.
    [<CompiledName("InitializeWithZeros")>]
    let initializeWithZeros (dimension: int) =
        if dimension < 1 then
            invalidArg "dimension" $"dimension is {dimension}; expected at least 1 feature"

        {
            W = Array.zeroCreate dimension
            B = 0.0
        }

    /// Checks parameters: at least one weight, every weight and the bias finite; the messages name the weights
    /// and the bias as the caller does (`w` and `b`), e.g. "w[1] is NaN; expected a finite number."
    [<CompiledName("CheckParameters")>]
    let checkParameters (w: string) (b: string) (parameters: LogisticParameters) =
        if isNull (box parameters) then
            nullArg "parameters"

        if isNull parameters.W then
            nullArg w

        if parameters.W.Length = 0 then
            invalidArg w $"{w} is empty; expected one weight per feature."

        match parameters.W |> Array.tryFindIndex (Double.IsFinite >> not) with
        | Some i -> invalidArg w $"{w}[{i}] is {parameters.W[i]}; expected a finite number."
        | None -> ()

        if not (Double.IsFinite parameters.B) then
            invalidArg b $"{b} is {parameters.B}; expected a finite number."

    let private check (parameters: LogisticParameters) = checkParameters "W" "B" parameters

    /// The one-layer, one-sigmoid-unit network with these parameters.
    [<CompiledName("ToNetwork")>]
    let toNetwork (parameters: LogisticParameters) : Network =
        check parameters

        {
            Layers = [
                {
                    Weights = Array2D.init 1 parameters.W.Length (fun _ j -> parameters.W[j])
                    Bias = [| parameters.B |]
                    Activation = Sigmoid
                }
            ]
        }

    /// The parameters of a one-layer, one-sigmoid-unit network.
    [<CompiledName("OfNetwork")>]
    let ofNetwork (network: Network) =
        match network.Layers with
        | [ layer ] when layer.Units = 1 && layer.Activation = Sigmoid -> {
            W = Array.init layer.Inputs (fun j -> layer.Weights[0, j])
            B = layer.Bias[0]
          }
        | _ -> invalidArg "network" "a perceptron is one layer with one sigmoid unit"

    let private ofGradients (gradients: Gradients) =
        let g = gradients.Layers.Head

        {
            Dw = Array.init (g.Weights.GetLength 1) (fun j -> g.Weights[0, j])
            Db = g.Bias[0]
        }

    /// Forward pass, cross-entropy cost and gradients: the seed's propagate.
    [<CompiledName("Propagate")>]
    let propagate (parameters: LogisticParameters) (features: float[,]) (labels: int[]) =
        let gradients, cost = Propagation.propagate (toNetwork parameters) features labels
        ofGradients gradients, cost

    /// One gradient-descent update, a function from state to state:
    /// w <- w - learningRate dw, b <- b - learningRate db.
    [<CompiledName("Update")>]
    let update (learningRate: float) (gradients: LogisticGradients) (parameters: LogisticParameters) =
        let optimizer = Optimizer.gradientDescent learningRate

        let asGradients: Gradients = {
            Layers = [
                {
                    Weights = Array2D.init 1 gradients.Dw.Length (fun _ j -> gradients.Dw[j])
                    Bias = [| gradients.Db |]
                }
            ]
        }

        let network, _ = optimizer.Update asGradients Stateless (toNetwork parameters)
        ofNetwork network

    /// Runs `iterations` full-batch gradient-descent steps from the given parameters; records the cost
    /// at iterations 0, 100, 200, ... (each before its update), as the seed does.
    [<CompiledName("Optimize")>]
    let optimize
        (parameters: LogisticParameters)
        (features: float[,])
        (labels: int[])
        (iterations: int)
        (learningRate: float)
        =
        if iterations < 1 then
            invalidArg "iterations" $"iterations is {iterations}; expected at least 1"

        let optimizer = Optimizer.gradientDescent learningRate
        let start = Training.init optimizer (toNetwork parameters)

        // Only the last state and the recorded costs are kept, so the steps run in place (bit-identical
        // to the fold of Training.step; the buffers never leave this call).
        use run =
            (Training.batchSteps (Training.stepper optimizer (fun _ -> 1.0)) None 0 features labels None start)
                .GetEnumerator()

        let mutable costs = []

        for i in 0 .. iterations - 1 do
            run.MoveNext() |> ignore
            let struct (_, cost, _, _) = run.Current

            if i % 100 = 0 then
                costs <- cost :: costs

        let struct (stepper, _, _, _) = run.Current
        let last = stepper.State

        {
            Parameters = ofNetwork last.Network
            Gradients = ofGradients last.Gradients.Value
            Costs = List.rev costs
        }

    /// The predicted label of each sample: 1 when σ(w·x + b) > 0.5, else 0.
    [<CompiledName("Predict")>]
    let predict (parameters: LogisticParameters) (features: float[,]) =
        Prediction.predict (toNetwork parameters) features

    /// The seed's model: zero initialisation, optimize, then train and test accuracy.
    [<CompiledName("Model")>]
    let model
        (trainFeatures: float[,])
        (trainLabels: int[])
        (testFeatures: float[,])
        (testLabels: int[])
        (iterations: int)
        (learningRate: float)
        =
        // Checked here under the caller's names; the steps below would call them "features" and "labels".
        Checks.features "trainFeatures" None trainFeatures
        Checks.labels "trainLabels" (trainFeatures.GetLength 0) (Some 2) trainLabels
        Checks.features "testFeatures" (Some(trainFeatures.GetLength 1)) testFeatures
        Checks.labels "testLabels" (testFeatures.GetLength 0) (Some 2) testLabels

        let start = initializeWithZeros (trainFeatures.GetLength 1)
        let result = optimize start trainFeatures trainLabels iterations learningRate
        let trainPredictions = predict result.Parameters trainFeatures
        let testPredictions = predict result.Parameters testFeatures

        {
            Parameters = result.Parameters
            Costs = result.Costs
            TrainPredictions = trainPredictions
            TestPredictions = testPredictions
            TrainAccuracy = Metrics.accuracy trainLabels trainPredictions
            TestAccuracy = Metrics.accuracy testLabels testPredictions
        }
