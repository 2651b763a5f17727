/// Feature standardisation and seeded splits: pure functions over samples-as-rows arrays.
namespace Perceptron.Core

open System
open System.Runtime.CompilerServices
open System.Globalization
open MathNet.Numerics.Random

/// Per-feature mean and standard deviation, fitted on training data.
type Standardization = {
    /// One per feature.
    Mean: float[]
    /// One per feature; a constant feature gets 1 so that it maps to 0.
    Std: float[]
}

/// A feature column that cannot be standardised: its index, so that a caller can name it, and why.
type StandardizationException(column: int, reason: string) =
    inherit ArgumentException($"features column {column} cannot be standardised: {reason}", "features")

    /// The index of the column, from 0.
    member _.Column = column

    /// Why the column cannot be standardised.
    member _.Reason = reason

/// Preprocessing functions.
[<RequireQualifiedAccess>]
module Preprocessing =
    /// Σ_i values[i], added in order.
    let private sum (values: float[]) =
        let mutable total = 0.0

        for x in values do
            total <- total + x

        total

    /// The largest |x| of a column.
    let private largest (column: float[]) =
        column |> Array.fold (fun m x -> max m (abs x)) 0.0

    /// Mean and population standard deviation from the column times 2^-k, where 2^k is the power of two
    /// just above max |x|: the scaled values lie in (-1, 1), so no sum overflows, and scaling by a
    /// power of two is exact, so a column times 2^e gives exactly 2^e times this column's results.
    let internal scaledMoments (column: float[]) =
        if largest column = 0.0 then
            0.0, 0.0
        else
            let k = Math.ILogB(largest column) + 1
            let y = column |> Array.map (fun x -> Math.ScaleB(x, -k))
            let mean = sum y / float y.Length

            let variance =
                sum (y |> Array.map (fun v -> (v - mean) * (v - mean))) / float y.Length

            Math.ScaleB(mean, k), Math.ScaleB(sqrt variance, k)

    /// Whether the textbook sums are exact enough for a column whose largest |x| is this: between 2^-400
    /// and 2^400 (about 1e±120) no sum or square of up to 2^200 rows overflows or underflows.
    let private plainIsSafe (largest: float) =
        largest = 0.0
        || not (Double.IsFinite largest)
        || (largest >= Math.ScaleB(1.0, -400) && largest <= Math.ScaleB(1.0, 400))

    /// The smallest standard deviation a standardisation uses: the smallest normal double. Dividing by a
    /// subnormal one overflows for ordinary values, so a column whose spread is smaller counts as constant.
    [<Literal>]
    let SmallestStd = 2.2250738585072014e-308

    /// scaledMoments of one column of the array, apart from fitStandardization for the reason given there.
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private columnMoments (features: float[,]) (j: int) =
        scaledMoments (Array.init (features.GetLength 0) (fun i -> features[i, j]))

    /// Fits mean and (population) standard deviation per column; finite for any finite column. A constant
    /// column (a standard deviation below SmallestStd) gets 1, so that it maps to 0.
    [<CompiledName("FitStandardization")>]
    let fitStandardization (features: float[,]) =
        Tiering.optimizeNow ()
        let rows, columns = features.GetLength 0, features.GetLength 1

        if rows = 0 then
            invalidArg "features" "no samples to fit the standardisation on"

        // The textbook sums, row by row so that the array is read in memory order: each column still adds
        // its values in row order, so the results are those of the sums down each column. Model files pin
        // their bits. Σx overflows for |x| near 1e308 / rows, (x - mean)² for |x| near 1e154, and below
        // about 1e-154 the squares lose their digits to underflow: such columns take the scaled sums.
        let largest = Array.zeroCreate<float> columns
        let sums = Array.zeroCreate<float> columns

        for i in 0 .. rows - 1 do
            for j in 0 .. columns - 1 do
                let x = features[i, j]
                largest[j] <- max largest[j] (abs x)
                sums[j] <- sums[j] + x

        // Loops rather than Array.init and Array.map with closures: this method compiles fully optimized
        // on a process's first training call, and their generic code would add to its JIT time (issue 12).
        let means = Array.zeroCreate<float> columns

        for j in 0 .. columns - 1 do
            means[j] <- sums[j] / float rows

        let squares = Array.zeroCreate<float> columns

        for i in 0 .. rows - 1 do
            for j in 0 .. columns - 1 do
                squares[j] <- squares[j] + (features[i, j] - means[j]) ** 2.0

        let mean = Array.zeroCreate<float> columns
        let std = Array.zeroCreate<float> columns

        for j in 0 .. columns - 1 do
            let m, sd =
                if plainIsSafe largest[j] then
                    means[j], sqrt (squares[j] / float rows)
                else
                    columnMoments features j

            mean[j] <- m
            std[j] <- if sd >= SmallestStd then sd else 1.0

        { Mean = mean; Std = std }

    let private show (x: float) =
        x.ToString("R", CultureInfo.InvariantCulture)

    // The messages of standardizeRows, apart from it: it compiles fully optimized on a process's first
    // training call, and its interpolated strings would add their types to that JIT work (issue 12).

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private columnsDiffer (columns: int) (expected: int) : unit =
        invalidArg "features" $"features has {columns} columns; the standardisation has {expected}"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private cannotStandardize (rows: RowNames) (i: int) (j: int) (x: float) (mean: float) (std: float) =
        if not (std > 0.0) then
            StandardizationException(j, $"its standard deviation is {show std}; expected a number above 0")
        else
            StandardizationException(
                j,
                $"{RowNames.row rows i} holds {show x}, more than {show Double.MaxValue} standard deviations ({show std}) from the mean ({show mean}); expected values nearer the data the standardisation was fitted on"
            )

    /// (x - mean) / std, as a new array; a finite x whose result is not finite raises StandardizationException,
    /// whose reason names the row as `rows` says.
    [<CompiledName("StandardizeRows")>]
    let standardizeRows (rows: RowNames) (s: Standardization) (features: float[,]) =
        if features.GetLength 1 <> s.Mean.Length then
            columnsDiffer (features.GetLength 1) s.Mean.Length

        // Loops rather than Array2D.init, whose generic loop an application's quick JIT runs unoptimized
        // (issue 12); optimizeNow compiles these optimized at once.
        Tiering.optimizeNow ()
        let samples, columns = features.GetLength 0, features.GetLength 1
        let result = Array2D.zeroCreate samples columns

        let inline value i j =
            let x, mean, std = features[i, j], s.Mean[j], s.Std[j]
            let z = (x - mean) / std

            // A non-finite x, or a standardisation fitted on non-finite data, gives a non-finite z that the
            // caller's finite check reports at its place in their array.
            if
                Double.IsFinite z
                || not (Double.IsFinite x && Double.IsFinite mean && Double.IsFinite std)
            then
                z
            else
                // x - mean overflowed (x and the mean near the limits, of opposite signs): divide first.
                let z = x / std - mean / std

                if Double.IsFinite z then
                    z
                else
                    raise (cannotStandardize rows i j x mean std)

        for i in 0 .. samples - 1 do
            for j in 0 .. columns - 1 do
                result[i, j] <- value i j

        result

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

    /// How many of each class's samples a stratified split holds out: the floor of each class's share
    /// of `total`, then one more to the classes with the largest remainders (ties to the lower class)
    /// until `total` is reached, never taking every sample of a class.
    let private allocate (counts: int[]) (total: int) (samples: int) =
        let exact = counts |> Array.map (fun n -> float n * float total / float samples)

        let taken = exact |> Array.map (fun x -> int (floor x))

        let order =
            Array.init counts.Length id
            |> Array.sortWith (fun a b ->
                let ra, rb = exact[a] - floor exact[a], exact[b] - floor exact[b]
                if ra <> rb then compare rb ra else compare a b)

        let mutable missing = total - Array.sum taken

        for c in order do
            if missing > 0 && taken[c] < counts[c] - 1 then
                taken[c] <- taken[c] + 1
                missing <- missing - 1

        taken, missing

    /// (x - mean) / std, as a new array; a finite x whose result is not finite raises StandardizationException.
    [<CompiledName("Standardize")>]
    let standardize (s: Standardization) (features: float[,]) =
        standardizeRows { Rows = "row"; First = 0 } s features

    /// Checks that a fraction can be held out of `samples` samples, stratified by class when `stratifyBy` is
    /// given: a fraction in [0, 1) that leaves training samples, and (stratified) every class with at least 2
    /// samples and enough of them to keep one of each class for training. Returns the held-out count. Messages
    /// name the fraction, the labels and the data as `names` says.
    [<CompiledName("CheckHoldOut")>]
    let checkHoldOut (names: SplitNames) (fraction: float) (samples: int) (stratifyBy: int[] option) =
        let shown = fraction.ToString("R", CultureInfo.InvariantCulture)
        let option = $"{names.Fraction} {shown}"

        let source =
            names.Source |> Option.map (fun s -> $" of {s}") |> Option.defaultValue ""

        if not (fraction >= 0.0 && fraction < 1.0) then
            raise (
                ArgumentOutOfRangeException(names.Fraction, $"{names.Fraction} is {shown}; expected a number in [0, 1)")
            )

        match stratifyBy |> Option.bind (Array.tryFindIndex (fun y -> y < 0)) with
        | Some i -> invalidArg names.Labels $"{names.Labels}[{i}] is {stratifyBy.Value[i]}; expected a class index >= 0"
        | None -> ()

        let testCount = heldOut fraction samples

        if testCount >= samples then
            invalidArg
                names.Fraction
                $"{option} holds out all {samples} {names.Samples}{source} and leaves none for training; expected a smaller {names.Fraction} or more data"

        match stratifyBy with
        | Some labels when testCount > 0 ->
            let counts = Array.zeroCreate (Array.max labels + 1)

            for y in labels do
                counts[y] <- counts[y] + 1

            match counts |> Array.tryFindIndex (fun n -> n = 1) with
            | Some c ->
                invalidArg
                    names.Labels
                    $"{option}: class {c} has a single sample, which a stratified split cannot put on both sides; expected at least 2 samples of every class (or {names.Unstratified})"
            | None -> ()

            // Every class keeps one training sample: at most the samples less the classes present can be held out.
            let most = samples - (counts |> Array.filter (fun n -> n > 0) |> Array.length)

            if testCount > most then
                invalidArg
                    names.Fraction
                    $"{option} holds out {testCount} of the {samples} {names.Samples}{source}, more than a stratified split can take while leaving every class a training sample (at most {most}); expected a smaller {names.Fraction}, more data, or to {names.Unstratified}"
        | _ -> ()

        testCount

    /// A seeded split of sample indices into (train, test), test holding `heldOut fraction samples` samples,
    /// both sorted; with `stratifyBy` (one class per sample) each class keeps its share on both sides, as
    /// scikit-learn's stratify=y: each class contributes its share and keeps at least one training sample.
    /// Checked by `checkHoldOut`, whose messages use `names`.
    [<CompiledName("HoldOut")>]
    let holdOut (names: SplitNames) (seed: int) (fraction: float) (samples: int) (stratifyBy: int[] option) =
        let testCount = checkHoldOut names fraction samples stratifyBy
        let order = permutation seed samples

        match stratifyBy with
        | None -> Array.sort order[testCount..], Array.sort order[.. testCount - 1]
        | Some _ when testCount = 0 -> Array.init samples id, [||]
        | Some labels ->
            let counts = Array.zeroCreate (Array.max labels + 1)

            for y in labels do
                counts[y] <- counts[y] + 1

            let quota, _ = allocate counts testCount samples

            // One seeded permutation of all samples; each class's first `quota` members in that order are held out.
            let left = Array.copy quota
            let test = ResizeArray testCount
            let train = ResizeArray(samples - testCount)

            for i in order do
                if left[labels[i]] > 0 then
                    left[labels[i]] <- left[labels[i]] - 1
                    test.Add i
                else
                    train.Add i

            Array.sort (train.ToArray()), Array.sort (test.ToArray())

    /// A seeded split of sample indices into (train, test), test holding `heldOut fraction samples`
    /// samples; both sorted.
    [<CompiledName("Split")>]
    let split (seed: int) (fraction: float) (samples: int) =
        holdOut SplitNames.parameters seed fraction samples None

    /// A seeded split of sample indices into (train, test) that keeps each class's share on both sides
    /// (as scikit-learn's stratify=y): test holds `heldOut fraction samples` samples, each class
    /// contributing its share and keeping at least one training sample; both sorted. A class with a
    /// single sample cannot be split and raises ArgumentException naming `labels`.
    [<CompiledName("StratifiedSplit")>]
    let stratifiedSplit (seed: int) (fraction: float) (labels: int[]) =
        holdOut SplitNames.parameters seed fraction labels.Length (Some labels)
