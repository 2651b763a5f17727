/// Predictions from a trained network: probabilities and classes.
namespace Perceptron.Core

/// Prediction functions.
[<RequireQualifiedAccess>]
module Prediction =
    /// Two columns, P(0) and P(1), from a sigmoid output's single column; softmax outputs as they are.
    let private asProbabilities (network: Network) (output: float[,]) =
        if network.Outputs = 1 then
            Array2D.init (output.GetLength 0) 2 (fun i j -> if j = 1 then output[i, 0] else 1.0 - output[i, 0])
        else
            output

    /// The predicted class of each row of probabilities (samples x classes): the most probable class,
    /// the first on ties. For two classes this is the seed's rule, P(1) > 0.5.
    [<CompiledName("ClassesOf")>]
    let classesOf (probabilities: float[,]) =
        Array.init (probabilities.GetLength 0) (fun i ->
            let mutable best = 0

            for j in 1 .. probabilities.GetLength 1 - 1 do
                if probabilities[i, j] > probabilities[i, best] then
                    best <- j

            best)

    /// Probabilities of features already checked against a valid network.
    let internal probabilitiesUnchecked (network: Network) (features: float[,]) =
        asProbabilities network (Propagation.forwardUnchecked network features)

    /// Class probabilities, samples x classes (two columns, P(0) and P(1), for a sigmoid output).
    [<CompiledName("Probabilities")>]
    let probabilities (network: Network) (features: float[,]) =
        asProbabilities network (Propagation.forward network features)

    /// The predicted class of each sample: probability > 0.5 gives class 1 for a sigmoid output
    /// (the seed's rule), the most probable class (first on ties) for softmax.
    [<CompiledName("Predict")>]
    let predict (network: Network) (features: float[,]) =
        classesOf (probabilities network features)
