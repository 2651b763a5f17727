/// Preprocessing: standardisation, row selection, seeded permutations and splits.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.PreprocessingTests

open System
open Xunit
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
