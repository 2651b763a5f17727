/// Preprocessing: standardisation, row selection, seeded permutations and splits.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.PreprocessingTests

open System
open Xunit
open FsCheck.FSharp
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

let column (features: float[,]) j = [| for i in 0 .. features.GetLength 0 - 1 -> features[i, j] |]

[<Property>]
let ``standardised training features have mean 0 and standard deviation 1 (constant columns 0)`` (c: Case) =
    let s = Preprocessing.fitStandardization c.Features
    let standardized = Preprocessing.standardize s c.Features

    for j in 0 .. c.Features.GetLength 1 - 1 do
        let values = column standardized j
        let mean = Array.average values
        let std = sqrt (values |> Array.averageBy (fun v -> (v - mean) ** 2.0))
        Assert.True(abs mean <= 1e-12, $"column {j}: mean {mean}")

        if Array.distinct (column c.Features j) |> Array.length = 1 then
            Assert.True(values |> Array.forall ((=) 0.0), $"constant column {j}: %A{values}")
        else
            Assert.True(abs (std - 1.0) <= 1e-12, $"column {j}: std {std}")

[<Property>]
let ``standardize and fitStandardization leave their inputs untouched and repeat bit for bit`` (c: Case) =
    let features = Array2D.copy c.Features
    let s = Preprocessing.fitStandardization c.Features
    let mean, std = Array.copy s.Mean, Array.copy s.Std
    let a = Preprocessing.standardize s c.Features
    let b = Preprocessing.standardize s c.Features
    Assert.True(sameBits2 features c.Features && sameBits mean s.Mean && sameBits std s.Std, "an input was modified")
    Assert.True(sameBits2 a b, "standardize differs")
    Assert.False(Object.ReferenceEquals(a, c.Features), "standardize returned its input")
    let again = Preprocessing.fitStandardization c.Features
    Assert.True(sameBits again.Mean s.Mean && sameBits again.Std s.Std)

[<Fact>]
let ``standardisation of a known column`` () =
    let s = Preprocessing.fitStandardization (array2D [ [ 1.0; 5.0 ]; [ 3.0; 5.0 ] ])
    Assert.Equal<float[]>([| 2.0; 5.0 |], s.Mean)
    Assert.Equal<float[]>([| 1.0; 1.0 |], s.Std)
    let z = Preprocessing.standardize s (array2D [ [ 4.0; 7.0 ] ])
    Assert.Equal(2.0, z[0, 0])
    Assert.Equal(2.0, z[0, 1])

    Assert.ThrowsAny<ArgumentException>(fun () -> Preprocessing.standardize s (array2D [ [ 1.0 ] ]) |> ignore)
    |> ignore

    Assert.ThrowsAny<ArgumentException>(fun () -> Preprocessing.fitStandardization (Array2D.zeroCreate 0 2) |> ignore)
    |> ignore

[<Property>]
let ``a permutation holds every index once, and the same seed gives the same one`` (seed: int) (samples: byte) =
    let n = int samples
    let order = Preprocessing.permutation seed n
    Assert.Equal<int[]>(Array.init n id, Array.sort order)
    Assert.Equal<int[]>(order, Preprocessing.permutation seed n)

[<Fact>]
let ``permutations of 20 samples differ between seeds`` () =
    let orders = [ for seed in 0..50 -> Preprocessing.permutation seed 20 ]
    Assert.Equal(orders.Length, List.distinct orders |> List.length)

[<Property>]
let ``split partitions the samples into sorted train and test sets of the requested size``
    (seed: int)
    (samples: byte)
    (percent: byte)
    =
    let n = int samples % 60 + 2
    let fraction = float (int percent % 90) / 100.0

    let expectedTest =
        if fraction = 0.0 then
            0
        else
            max 1 (int (Math.Round(fraction * float n)))

    if expectedTest >= n then
        () // rejected: covered by the example below
    else
        let train, test = Preprocessing.split seed fraction n
        Assert.Equal(expectedTest, test.Length)
        Assert.Equal<int[]>(Array.init n id, Array.sort (Array.append train test))
        Assert.Equal<int[]>(Array.sort train, train)
        Assert.Equal<int[]>(Array.sort test, test)
        Assert.Equal((train, test), Preprocessing.split seed fraction n)

[<Fact>]
let ``split rejects fractions outside [0, 1) and splits that leave no training sample`` () =
    for fraction in [ -0.1; 1.0; nan ] do
        Assert.ThrowsAny<ArgumentException>(fun () -> Preprocessing.split 1 fraction 10 |> ignore)
        |> ignore

    Assert.ThrowsAny<ArgumentException>(fun () -> Preprocessing.split 1 0.5 1 |> ignore)
    |> ignore

[<Fact>]
let ``takeRows copies the given rows in order`` () =
    let features = array2D [ [ 1.0; 2.0 ]; [ 3.0; 4.0 ]; [ 5.0; 6.0 ] ]
    let taken = Preprocessing.takeRows [| 2; 0; 2 |] features
    Assert.Equal<float[,]>(array2D [ [ 5.0; 6.0 ]; [ 1.0; 2.0 ]; [ 5.0; 6.0 ] ], taken)
    taken[0, 0] <- 100.0
    Assert.Equal(5.0, features[2, 0])

/// The standardisation as it was fitted before huge values were handled, kept verbatim to pin the bits
/// of ordinary data (existing model files hold them).
let textbook (features: float[,]) =
    let rows, columns = features.GetLength 0, features.GetLength 1

    let mean =
        Array.init columns (fun j -> (Seq.sum (seq { for i in 0 .. rows - 1 -> features[i, j] })) / float rows)

    let std =
        Array.init columns (fun j ->
            let variance =
                (Seq.sum (seq { for i in 0 .. rows - 1 -> (features[i, j] - mean[j]) ** 2.0 }))
                / float rows

            let s = sqrt variance
            if s > 0.0 then s else 1.0)

    mean, std

[<Property>]
let ``on ordinary data the fit is the textbook sums bit for bit`` (c: Case) (exponent: int) =
    // Columns up to 3e99 and down to 1e-99 in size.
    let features = Array2D.map (fun x -> x * 10.0 ** float (exponent % 100)) c.Features
    let s = Preprocessing.fitStandardization features
    let mean, std = textbook features
    Assert.True(sameBits mean s.Mean && sameBits std s.Std, $"%A{s} against %A{(mean, std)}")

[<Property>]
let ``the scaled sums agree with the textbook sums on ordinary columns`` (c: Case) (exponent: int) =
    let features = Array2D.map (fun x -> x * 10.0 ** float (exponent % 100)) c.Features

    for j in 0 .. features.GetLength 1 - 1 do
        let values = column features j
        let largest = values |> Array.map abs |> Array.max
        let mean = Array.sum values / float values.Length

        let std =
            sqrt (Array.sumBy (fun x -> (x - mean) ** 2.0) values / float values.Length)

        let scaledMean, scaledStd = Preprocessing.scaledMoments values
        // Rounding of n additions of values up to `largest`, then of a square root.
        Assert.True(abs (mean - scaledMean) <= 1e-14 * largest, $"mean {scaledMean} against {mean}")
        Assert.True(abs (std - scaledStd) <= 1e-14 * largest, $"std {scaledStd} against {std}")

[<Property>]
let ``the scaled sums of a column times 2^e are 2^e times the column's, bit for bit`` (c: Case) (e: int) =
    // 2^-900 to 2^1020: the scaled features stay normal numbers below Double.MaxValue.
    let e = -900 + abs (e % 1921)

    for j in 0 .. c.Features.GetLength 1 - 1 do
        let values = column c.Features j
        let mean, std = Preprocessing.scaledMoments values

        let scaledMean, scaledStd =
            Preprocessing.scaledMoments (values |> Array.map (fun x -> Math.ScaleB(x, e)))

        Assert.Equal(bits (Math.ScaleB(mean, e)), bits scaledMean)
        Assert.Equal(bits (Math.ScaleB(std, e)), bits scaledStd)

[<Property>]
let ``columns scaled by huge or tiny factors standardise to the unscaled column's values`` (c: Case) =
    // 10^±(100..300): far beyond the textbook sums' range (1e154 for the squares, 1e-154 below).
    let exponents = Gen.oneof [ Gen.choose (100, 300); Gen.choose (-300, -100) ]

    Prop.forAll (Arb.fromGen exponents) (fun exponent ->
        let factor = 10.0 ** float exponent
        let scaled = Array2D.map (fun x -> x * factor) c.Features

        let expected =
            Preprocessing.standardize (Preprocessing.fitStandardization c.Features) c.Features

        let actual =
            Preprocessing.standardize (Preprocessing.fitStandardization scaled) scaled

        for j in 0 .. c.Features.GetLength 1 - 1 do
            let values = column c.Features j

            let std =
                sqrt (values |> Array.averageBy (fun v -> (v - Array.average values) ** 2.0))
            // Multiplying by the factor rounds each value by half an ulp; standardising divides that by the
            // std, and sums of n values add n such errors.
            let tolerance =
                1e-14
                * float values.Length
                * (1.0 + (values |> Array.map abs |> Array.max) / std)

            for i in 0 .. values.Length - 1 do
                if std > 0.0 then
                    Assert.True(
                        abs (expected[i, j] - actual[i, j]) <= tolerance,
                        $"[{i}, {j}]: {actual[i, j]} against {expected[i, j]} (factor {factor})"
                    )
                else
                    Assert.Equal(0.0, actual[i, j]))

[<Property>]
let ``any finite column gives a finite fit and finite standardised values`` (first: AnyFinite) (rest: AnyFinite list) =
    let values = (first :: rest) |> List.map (fun (AnyFinite x) -> x) |> Array.ofList

    let features =
        Array2D.init values.Length 2 (fun i j -> if j = 0 then values[i] else -values[i])

    let s = Preprocessing.fitStandardization features
    Assert.True(allFinite s.Mean && allFinite s.Std && Array.forall (fun v -> v > 0.0) s.Std, $"%A{s}")
    let standardized = Preprocessing.standardize s features
    // Each |z| is at most sqrt(n) for the population std; subnormal stds round by up to a factor 2.
    let bound = 2.0 * sqrt (float values.Length) + 1.0

    for v in Seq.cast<float> standardized do
        Assert.True(Double.IsFinite v && abs v <= bound, $"standardised value {v} of %A{values}")

[<Fact>]
let ``±1e308 and an asymmetric column at the limits standardise as ordinary numbers would`` () =
    let m = Double.MaxValue

    let features =
        Array2D.init 10 2 (fun i j ->
            if j = 0 then (if i % 2 = 0 then 1e308 else -1e308)
            elif i = 0 then m
            else -m)

    let s = Preprocessing.fitStandardization features
    Assert.Equal<float[]>([| 0.0; -0.8 * m |], s.Mean)
    Assert.Equal(1e308, s.Std[0])
    Assert.True(abs (s.Std[1] - 0.6 * m) <= 1e-15 * m, $"std {s.Std[1]}")
    // The largest deviation, 1.8 m, overflows as x - mean; the result does not.
    let z = Preprocessing.standardize s features

    for i in 0..9 do
        Assert.Equal((if i % 2 = 0 then 1.0 else -1.0), z[i, 0])
        Assert.True(abs (z[i, 1] - (if i = 0 then 3.0 else -1.0 / 3.0)) <= 1e-14, $"row {i}: {z[i, 1]}")

[<Fact>]
let ``a value too far from the fitted mean is an error that names the column and does not say NaN`` () =
    // Column 1 is constant at 1e308 (std 1): -1e308 lies 2e308 standard deviations away.
    let s =
        Preprocessing.fitStandardization (array2D [ [ 0.0; 1e308 ]; [ 1.0; 1e308 ] ])

    let e =
        Assert.Throws<StandardizationException>(fun () ->
            Preprocessing.standardize s (array2D [ [ 0.5; -1e308 ] ]) |> ignore)

    Assert.Equal(1, e.Column)
    Assert.Equal("features", e.ParamName)
    Assert.StartsWith("features column 1 cannot be standardised: row 0 holds -1E+308", e.Message)
    Assert.DoesNotContain("NaN", e.Message)
    Assert.DoesNotContain("\n", e.Message)

    let broken = { Mean = [| 0.0 |]; Std = [| 0.0 |] }

    let e =
        Assert.Throws<StandardizationException>(fun () ->
            Preprocessing.standardize broken (array2D [ [ 2.0 ] ]) |> ignore)

    Assert.Equal(0, e.Column)
    Assert.Contains("standard deviation is 0", e.Reason)
    // NaN input stays NaN: the input checks name it where it is.
    let standardized = Preprocessing.standardize s (array2D [ [ nan; 0.0 ] ])
    Assert.True(Double.IsNaN standardized[0, 0])

[<Fact>]
let ``a column whose spread is subnormal counts as constant, so that a model file can hold it`` () =
    let features =
        Array2D.init 6 2 (fun i j -> if j = 0 && i % 2 = 1 then 1e-320 else float (i * j))

    let s = Preprocessing.fitStandardization features

    Assert.Equal(1.0, s.Std[0])
    Assert.True(s.Std[1] >= Preprocessing.SmallestStd)

    Assert.True(
        Preprocessing.standardize s features
        |> Seq.cast<float>
        |> Seq.forall Double.IsFinite,
        "every standardised value is finite"
    )
