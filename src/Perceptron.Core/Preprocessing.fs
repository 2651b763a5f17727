/// Feature standardisation and seeded splits: pure functions over samples-as-rows arrays.
namespace Perceptron.Core

open MathNet.Numerics.Random

/// Per-feature mean and standard deviation, fitted on training data.
type Standardization = {
    /// One per feature.
    Mean: float[]
    /// One per feature; a constant feature gets 1 so that it maps to 0.
    Std: float[]
}

/// Preprocessing functions.
[<RequireQualifiedAccess>]
module Preprocessing =
    /// Fits mean and (population) standard deviation per column.
    [<CompiledName("FitStandardization")>]
    let fitStandardization (features: float[,]) =
        let rows, columns = features.GetLength 0, features.GetLength 1

        if rows = 0 then
            invalidArg "features" "no samples to fit the standardisation on"

        let mean =
            Array.init columns (fun j -> (Seq.sum (seq { for i in 0 .. rows - 1 -> features[i, j] })) / float rows)

        let std =
            Array.init columns (fun j ->
                let variance =
                    (Seq.sum (seq { for i in 0 .. rows - 1 -> (features[i, j] - mean[j]) ** 2.0 }))
                    / float rows

                let s = sqrt variance
                if s > 0.0 then s else 1.0)

        { Mean = mean; Std = std }

    /// (x - mean) / std, as a new array.
    [<CompiledName("Standardize")>]
    let standardize (s: Standardization) (features: float[,]) =
        if features.GetLength 1 <> s.Mean.Length then
            invalidArg
                "features"
                $"features has {features.GetLength 1} columns; the standardisation has {s.Mean.Length}"

        Array2D.init (features.GetLength 0) (features.GetLength 1) (fun i j -> (features[i, j] - s.Mean[j]) / s.Std[j])

    /// The given rows, in order, as a new array.
    [<CompiledName("TakeRows")>]
    let takeRows (rows: int[]) (features: float[,]) =
        Array2D.init rows.Length (features.GetLength 1) (fun i j -> features[rows[i], j])

    /// A seeded random permutation of 0..samples-1 (Fisher-Yates over Xoshiro256**).
    [<CompiledName("Permutation")>]
    let permutation (seed: int) (samples: int) =
        let random = Xoshiro256StarStar(seed)
        let order = Array.init samples id

        for i in samples - 1 .. -1 .. 1 do
            let j = random.Next(i + 1)
            let t = order[i]
            order[i] <- order[j]
            order[j] <- t

        order

    /// The number of samples a fraction holds out (validation or test): round(fraction x samples), half
    /// to even, and at least 1 when the fraction is above 0.
    [<CompiledName("HeldOut")>]
    let heldOut (fraction: float) (samples: int) =
        if fraction = 0.0 then
            0
        else
            max 1 (int (System.Math.Round(fraction * float samples)))

    /// A seeded split of sample indices into (train, test), test holding `heldOut fraction samples`
    /// samples; both sorted.
    [<CompiledName("Split")>]
    let split (seed: int) (fraction: float) (samples: int) =
        if not (fraction >= 0.0 && fraction < 1.0) then
            invalidArg "fraction" $"test fraction {fraction}; expected a number in [0, 1)"

        let order = permutation seed samples
        let testCount = heldOut fraction samples

        if testCount >= samples then
            invalidArg "fraction" $"a test fraction of {fraction} leaves no training samples out of {samples}"

        Array.sort order[testCount..], Array.sort order[.. testCount - 1]
