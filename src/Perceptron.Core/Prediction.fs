/// Predictions from a trained network: probabilities and classes.
namespace Perceptron.Core

/// Prediction functions.
[<RequireQualifiedAccess>]
module Prediction =
    /// Class probabilities, samples x classes (two columns, P(0) and P(1), for a sigmoid output).
    [<CompiledName("Probabilities")>]
    let probabilities (network: Network) (features: float[,]) =
        let output = Propagation.forward network features

        if network.Outputs = 1 then
            Array2D.init (output.GetLength 0) 2 (fun i j -> if j = 1 then output[i, 0] else 1.0 - output[i, 0])
        else
            output

    /// The predicted class of each sample: probability > 0.5 gives class 1 for a sigmoid output
    /// (the seed's rule), the most probable class (first on ties) for softmax.
    [<CompiledName("Predict")>]
    let predict (network: Network) (features: float[,]) =
        let output = Propagation.forward network features
        let samples = output.GetLength 0

        if network.Outputs = 1 then
            Array.init samples (fun i -> if output[i, 0] > 0.5 then 1 else 0)
        else
            Array.init samples (fun i ->
                let mutable best = 0

                for j in 1 .. network.Outputs - 1 do
                    if output[i, j] > output[i, best] then
                        best <- j

                best)
