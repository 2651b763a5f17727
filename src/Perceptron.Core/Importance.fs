/// Permutation importance: how much a model's accuracy drops when one feature column is shuffled.
namespace Perceptron.Core

open MathNet.Numerics.Random

/// One feature's permutation importance: the drop in accuracy when its column is shuffled.
type FeatureImportance = {
    /// The feature's name, from the model.
    Feature: string
    /// The mean drop in accuracy over the shuffles (baseline accuracy minus shuffled accuracy).
    Mean: float
    /// The population standard deviation of the drops (0 for one shuffle), as scikit-learn reports it.
    Std: float
}

/// Permutation importance functions.
[<RequireQualifiedAccess>]
module Importance =
    /// Mean and population standard deviation of a non-empty array.
    let private moments (values: float[]) =
        let mean = Array.average values
        let variance = values |> Array.averageBy (fun v -> (v - mean) * (v - mean))
        mean, sqrt variance

    /// The features with column j reordered by `order`, as a new array.
    let private shuffleColumn (features: float[,]) (j: int) (order: int[]) =
        let shuffled = Array2D.copy features

        for i in 0 .. order.Length - 1 do
            shuffled[i, j] <- features[order[i], j]

        shuffled

    /// Per feature (in input order), the mean and standard deviation of the drop in accuracy over
    /// `repeats` seeded shuffles of that column; same seed, same result.
    [<CompiledName("Permutation")>]
    let permutation (model: Model) (features: float[,]) (labels: int[]) (repeats: int) (seed: int) =
        if repeats < 1 then
            invalidArg "repeats" $"repeats is {repeats}; expected a whole number >= 1"

        Checks.features "features" (Some model.Network.Inputs) features
        Checks.labels "labels" (features.GetLength 0) (Some model.Classes.Length) labels
        let baseline = Metrics.accuracy labels (Model.predict model features)
        // One generator for the whole run draws each shuffle's seed, feature by feature, so that every
        // (feature, repeat) gets its own shuffle and the whole result follows from `seed` alone.
        let random = Xoshiro256StarStar(seed)

        Array.init (features.GetLength 1) (fun j ->
            let drops =
                Array.init repeats (fun _ ->
                    let order = Preprocessing.permutation (random.Next()) (features.GetLength 0)
                    let shuffled = shuffleColumn features j order
                    baseline - Metrics.accuracy labels (Model.predict model shuffled))

            let mean, std = moments drops

            {
                Feature = model.FeatureNames[j]
                Mean = mean
                Std = std
            })
