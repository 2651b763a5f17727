/// Predictions from a trained network: probabilities and classes.
namespace Perceptron.Core

open System

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

    /// Refuses a row whose forward pass overflowed, with an OverflowException naming the row and the layer:
    /// finite weights and inputs can still give an infinite pre-activation (weights of 1e308), and then
    /// inf - inf is NaN, or a saturated output is printed as a certain answer. Only rows with a probability
    /// that is not strictly between 0 and 1 are traced again, one row at a time, so the check costs nothing
    /// on ordinary data.
    let private checkRows (rows: RowNames) (network: Network) (features: float[,]) (probabilities: float[,]) =
        for i in 0 .. probabilities.GetLength 0 - 1 do
            let mutable certain = false

            for j in 0 .. probabilities.GetLength 1 - 1 do
                if not (probabilities[i, j] > 0.0 && probabilities[i, j] < 1.0) then
                    certain <- true

            if certain then
                let row = Array2D.init 1 (features.GetLength 1) (fun _ j -> features[i, j])

                Formulation.forward network row
                |> List.iteri (fun l layer ->
                    let values = Seq.append (Seq.cast<float> layer.Z) (Seq.cast<float> layer.A)

                    match values |> Seq.tryFind (Double.IsFinite >> not) with
                    | Some value ->
                        raise (
                            OverflowException
                                $"{RowNames.row rows i}: the forward pass overflows in layers[{l}] (a value is {value}); the model's weights are too large for this input, so it has no probability to give"
                        )
                    | None -> ())

                for j in 0 .. probabilities.GetLength 1 - 1 do
                    if not (Double.IsFinite probabilities[i, j]) then
                        raise (
                            OverflowException
                                $"{RowNames.row rows i}: the probability of class {j} is {probabilities[i, j]}; the model's weights are too large for this input"
                        )

    /// Probabilities of features already checked against a valid network.
    let internal probabilitiesUnchecked (rows: RowNames) (network: Network) (features: float[,]) =
        let probabilities =
            asProbabilities network (Propagation.forwardUnchecked network features)

        checkRows rows network features probabilities
        probabilities

    /// Class probabilities, samples x classes (two columns, P(0) and P(1), for a sigmoid output); a row whose
    /// forward pass overflows raises an OverflowException that names it.
    [<CompiledName("Probabilities")>]
    let probabilities (network: Network) (features: float[,]) =
        let probabilities = asProbabilities network (Propagation.forward network features)
        checkRows RowNames.features network features probabilities
        probabilities

    /// The predicted class of each sample: probability > 0.5 gives class 1 for a sigmoid output
    /// (the seed's rule), the most probable class (first on ties) for softmax.
    [<CompiledName("Predict")>]
    let predict (network: Network) (features: float[,]) =
        classesOf (probabilities network features)
