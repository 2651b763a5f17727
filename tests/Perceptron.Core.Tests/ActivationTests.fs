/// Activation: the stable sigmoid, names, and which activations a hidden layer may use.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.ActivationTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core

[<Property>]
let ``sigmoid is in [0, 1] for every finite z`` (AnyFinite z) =
    let s = Activation.sigmoid z
    s >= 0.0 && s <= 1.0

[<Property>]
let ``sigmoid(-z) = 1 - sigmoid(z)`` (AnyFinite z) =
    abs (Activation.sigmoid -z - (1.0 - Activation.sigmoid z)) <= 1e-15

[<Property>]
let ``sigmoid agrees with 1 / (1 + e^-z) where that does not overflow`` (Moderate z) =
    let naive = 1.0 / (1.0 + Math.Exp(-z))
    abs (Activation.sigmoid z - naive) <= 1e-15 * max 1.0 naive

[<Property>]
let ``sigmoid is non-decreasing`` (Moderate x) (Moderate y) =
    x > y || Activation.sigmoid x <= Activation.sigmoid y

[<Fact>]
let ``sigmoid at the extremes and at 0`` () =
    Assert.Equal(0.5, Activation.sigmoid 0.0)
    Assert.Equal(0.5, Activation.sigmoid -0.0)
    Assert.Equal(1.0, Activation.sigmoid 1000.0)
    Assert.Equal(1.0, Activation.sigmoid 1e308)
    Assert.Equal(1.0, Activation.sigmoid Double.MaxValue)
    Assert.Equal(0.0, Activation.sigmoid -1e308)
    Assert.Equal(0.0, Activation.sigmoid -Double.MaxValue)
    // e^-1000 underflows to 0, but the result must still be a number, not NaN.
    Assert.Equal(0.0, Activation.sigmoid -1000.0)
    // Just inside the range where e^z is a (subnormal) number.
    Assert.InRange(Activation.sigmoid -700.0, 9e-305, 1e-304)
    Assert.Equal(1.0 / (1.0 + Math.Exp -2.0), Activation.sigmoid 2.0, 15)

[<Fact>]
let ``LogisticRegression.sigmoid is the same function`` () =
    for z in [ -1e308; -745.0; -20.0; -1.5; 0.0; 0.25; 3.0; 40.0; 1e308 ] do
        Assert.Equal(Activation.sigmoid z, LogisticRegression.sigmoid z)

[<Fact>]
let ``names round-trip through tryParse, with the accepted spellings`` () =
    for a in Activation.all do
        Assert.Equal(Some a, Activation.tryParse (Activation.name a))
        Assert.Equal(Some a, Activation.tryParse ((Activation.name a).ToUpperInvariant()))

    Assert.Equal(Some LeakyRelu, Activation.tryParse "leaky-relu")
    Assert.Equal(Some LeakyRelu, Activation.tryParse " LeakyReLU ")
    Assert.Equal(None, Activation.tryParse "swish")
    Assert.Equal(None, Activation.tryParse "")
    Assert.Equal(None, Activation.tryParse null)

[<Fact>]
let ``every activation but softmax may be hidden`` () =
    Assert.Equal<Activation list>([ Sigmoid; Tanh; Relu; LeakyRelu ], Activation.all |> List.filter Activation.isHidden)
    Assert.Equal(5, Activation.all.Length)

[<Property(MaxTest = 200)>]
let ``softmax over a block gives each row the bits of softmax on that row alone`` (seed: int) =
    let random = Random(seed)
    let rows, units = 1 + random.Next 40, 1 + random.Next 20

    let z =
        Array.init (rows * units) (fun _ ->
            match random.Next 8 with
            | 0 -> -800.0 * random.NextDouble()
            | 1 -> 700.0 * random.NextDouble()
            | _ -> (random.NextDouble() - 0.5) * 20.0)

    let block = Array.copy z
    Activation.applyInPlace Softmax units (Span block)

    // The definition, row by row: subtract the row's maximum, exponentiate, divide by the row's sum.
    let expected = Array.copy z

    for row in 0 .. rows - 1 do
        let r = Span<float>(expected, row * units, units)
        let m = Seq.max (Array.sub z (row * units) units)

        for j in 0 .. units - 1 do
            r[j] <- r[j] - m

        VectorMath.exp (Span<float>.op_Implicit r) r
        let total = VectorMath.sum (Span<float>.op_Implicit r)

        for j in 0 .. units - 1 do
            r[j] <- r[j] / total

    Helpers.sameBits expected block

[<Property(MaxTest = 200)>]
let ``reluBackwardColumnSums gives ReLU's derivative and the row-by-row column sums, bit for bit`` (seed: int) =
    let random = Random(seed)
    let rows, units = 1 + random.Next 40, 1 + random.Next 20

    let special = [| 0.0; -0.0; nan; infinity; -infinity; Double.Epsilon; -Double.Epsilon |]

    let a =
        Array.init (rows * units) (fun _ ->
            if random.Next 4 = 0 then
                special[random.Next special.Length]
            else
                random.NextDouble() - 0.5)

    let dz =
        Array.init (rows * units) (fun _ ->
            if random.Next 8 = 0 then
                -0.0
            else
                random.NextDouble() - 0.5)

    let expected = Array.copy dz
    Elementwise.zeroOrScaleWhereNotPositive (ReadOnlySpan a) ValueNone (Span expected)
    let expectedSums = Array.zeroCreate<float> units

    for row in 0 .. rows - 1 do
        Elementwise.add (ReadOnlySpan<float>(expected, row * units, units)) (Span expectedSums)

    let actual = Array.copy dz
    // Stale values: the kernel must start its sums from zero.
    let sums = Array.init units (fun j -> float j + 0.5)
    Elementwise.reluBackwardColumnSums (ReadOnlySpan a) units (Span actual) (Span sums)
    Helpers.sameBits expected actual && Helpers.sameBits expectedSums sums
