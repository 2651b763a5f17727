/// VectorMath: the library's own vector exp, log, sigmoid, tanh and sums (issue 12) against Math.Exp,
/// Math.Log, Math.Tanh and the scalar sigmoid, within 1 ulp (2 for sigmoid and tanh), over wide ranges
/// and the edge cases; every width gives the same bits, whatever the element's position in the span.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.VectorMathTests

open System
open System.Numerics.Tensors
open System.Runtime.Intrinsics
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// Units in the last place between two doubles: 0 for equal bits or two NaNs, Int64.MaxValue when
/// one is NaN and the other is not or their signs differ (except +0 against -0, 1 apart).
let ulps (expected: float) (actual: float) =
    if Double.IsNaN expected || Double.IsNaN actual then
        if Double.IsNaN expected && Double.IsNaN actual then
            0L
        else
            Int64.MaxValue
    elif expected = actual then
        if bits expected = bits actual then 0L else 1L
    elif Math.Sign expected * Math.Sign actual < 0 then
        Int64.MaxValue
    else
        abs (bits expected - bits actual)

/// A span function over arrays (closures cannot hold spans); input and output may be one array.
type private Unary = float[] -> float[] -> unit

/// Every width this machine runs in hardware, and 128 bits always (in software where it must).
let private widths name : (string * Unary) list =
    let pick (w512: Unary) (w256: Unary) (w128: Unary) = [
        if Vector512.IsHardwareAccelerated then
            $"{name} 512", w512
        if Vector256.IsHardwareAccelerated then
            $"{name} 256", w256
        $"{name} 128", w128
    ]

    match name with
    | "exp" ->
        pick
            (fun (i: float[]) (o: float[]) ->
                VectorMath.expWith<Math512, Vector512<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.expWith<Math256, Vector256<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.expWith<Math128, Vector128<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
    | "log" ->
        pick
            (fun (i: float[]) (o: float[]) ->
                VectorMath.logWith<Math512, Vector512<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.logWith<Math256, Vector256<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.logWith<Math128, Vector128<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
    | "sigmoid" ->
        pick
            (fun (i: float[]) (o: float[]) ->
                VectorMath.sigmoidWith<Math512, Vector512<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.sigmoidWith<Math256, Vector256<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.sigmoidWith<Math128, Vector128<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
    | _ ->
        pick
            (fun (i: float[]) (o: float[]) ->
                VectorMath.tanhWith<Math512, Vector512<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.tanhWith<Math256, Vector256<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))
            (fun (i: float[]) (o: float[]) ->
                VectorMath.tanhWith<Math128, Vector128<float>> (ReadOnlySpan<float>(i)) (Span<float>(o)))

let private reference name : float -> float =
    match name with
    | "exp" -> Math.Exp
    | "log" -> Math.Log
    | "sigmoid" -> Activation.sigmoid
    | _ -> Math.Tanh

let private tolerance name =
    match name with
    | "exp"
    | "log" -> 1L
    | _ -> 2L

let private apply (f: Unary) (values: float[]) =
    let output = Array.zeroCreate values.Length
    f values output
    output

/// Checks one function on these values: within tolerance of the reference at every width, the same
/// bits at every width, in place as out of place, and for each element computed alone.
let private check name (values: float[]) =
    let expected = Array.map (reference name) values
    let all = widths name
    let first = apply (snd all.Head) values

    for label, f in all do
        let actual = apply f values

        for i in 0 .. values.Length - 1 do
            let error = ulps expected[i] actual[i]

            if error > tolerance name then
                failwith $"{label}({values[i]:R}) = {actual[i]:R}, expected {expected[i]:R}: {error} ulp"

        Assert.True(sameBits first actual, $"{label} differs from {fst all.Head}")
        let inPlace = Array.copy values
        f inPlace inPlace
        Assert.True(sameBits first inPlace, $"{label} in place")

        for i in 0 .. min 40 values.Length - 1 do
            let alone = apply f [| values[i] |]
            Assert.Equal(bits first[i], bits alone[0])

let private edges = [|
    0.0
    -0.0
    Double.Epsilon
    -Double.Epsilon
    2.2250738585072009e-308 // the largest subnormal
    2.2250738585072014e-308 // the smallest normal
    -2.2250738585072014e-308
    1e-300
    1e-20
    -1e-20
    1.0
    -1.0
    0.5
    0.55
    22.0
    -22.0
    707.9999999999999
    708.0
    708.0000000000001
    -708.0
    -708.0000000000001
    709.782712893384 // the largest x with e^x finite
    709.7827128933841
    -709.089565712824 // e^x subnormal below about here
    -745.1332191019411 // e^x rounds to the smallest subnormal
    -745.1332191019412
    -746.0
    1e300
    -1e300
    Double.MaxValue
    -Double.MaxValue
    Double.PositiveInfinity
    Double.NegativeInfinity
    Double.NaN
    Math.Sqrt 2.0
    Math.Sqrt 0.5
    Math.E
|]

let private sweep (seed: int) (count: int) (low: float) (high: float) =
    let random = Random seed
    Array.init count (fun _ -> low + (high - low) * random.NextDouble())

/// Random bit patterns: every exponent, sign and mantissa alike, NaNs and infinities included.
let private anyBits (seed: int) (count: int) =
    let random = Random seed
    Array.init count (fun _ -> BitConverter.Int64BitsToDouble(random.NextInt64(Int64.MinValue, Int64.MaxValue)))

[<Theory>]
[<InlineData "exp">]
[<InlineData "log">]
[<InlineData "sigmoid">]
[<InlineData "tanh">]
let ``within tolerance of the scalar function, the same bits at every width`` name =
    check name edges

    check
        name
        (Array.map (fun x -> -x) edges
         |> Array.append (Array.map (fun x -> x * 0.999) edges))

    check name (anyBits 1 20000)
    check name (sweep 2 50000 -750.0 750.0)
    check name (sweep 3 50000 -2.0 2.0)
    check name (sweep 4 20000 -1e-6 1e-6)
    // Near 1, where log's result is tiny, and the reduction's boundaries at sqrt(2)^±1.
    check name (sweep 5 20000 0.99 1.01)
    check name (sweep 6 20000 0.69 0.72)
    check name (sweep 7 20000 1.40 1.43)
    check name (Array.init 20000 (fun i -> Math.Pow(2.0, float (i - 10000) / 9.0)))

[<Property>]
let ``each function is within tolerance for any values`` (values: float[]) =
    for name in [ "exp"; "log"; "sigmoid"; "tanh" ] do
        check name values

/// Neumaier's compensated sum: within about one rounding of the exact sum.
let private compensated (x: float[]) =
    let mutable sum = 0.0
    let mutable carry = 0.0

    for v in x do
        let t = sum + v
        carry <- carry + (if abs sum >= abs v then (sum - t) + v else (v - t) + sum)
        sum <- t

    sum + carry

[<Property>]
let ``sum is within n eps of the exact sum, and exact on integers``
    (values: FsCheck.NormalFloat[])
    (integers: int16[])
    =
    let x =
        values |> Array.map (fun v -> v.Get) |> Array.filter (fun v -> abs v < 1e300)

    let reference = compensated x
    let bound = float (x.Length + 1) * 2.3e-16 * Array.sumBy abs x
    let total = VectorMath.sum (ReadOnlySpan x)
    Assert.True(abs (total - reference) <= bound, $"{total} against {reference}")
    let whole = integers |> Array.map float
    Assert.Equal(Array.sum (Array.map int whole) |> float, VectorMath.sum (ReadOnlySpan whole))

[<Property>]
let ``dot is within n eps of the exact sum of products, and exact on integers``
    (pairs: (FsCheck.NormalFloat * FsCheck.NormalFloat)[])
    (integers: (int16 * int16)[])
    =
    let x, y =
        pairs
        |> Array.map (fun (a, b) -> Math.Clamp(a.Get, -1e150, 1e150), Math.Clamp(b.Get, -1e150, 1e150))
        |> Array.unzip

    let products = Array.map2 (*) x y
    let reference = compensated products
    let bound = float (x.Length + 2) * 2.3e-16 * Array.sumBy abs products
    let total = VectorMath.dot (ReadOnlySpan x) (ReadOnlySpan y)
    Assert.True(abs (total - reference) <= bound, $"{total} against {reference}")
    let a, b = integers |> Array.map (fun (p, q) -> float p, float q) |> Array.unzip
    let exact = Array.map2 (fun p q -> int64 p * int64 q) a b |> Array.sum |> float
    Assert.Equal(exact, VectorMath.dot (ReadOnlySpan a) (ReadOnlySpan b))

/// The names of the TensorPrimitives methods an assembly calls, read from its metadata.
let private tensorPrimitivesCalls (assembly: Reflection.Assembly) =
    use stream = IO.File.OpenRead assembly.Location
    use pe = new Reflection.PortableExecutable.PEReader(stream)
    let metadata = Reflection.Metadata.PEReaderExtensions.GetMetadataReader pe

    [
        for handle in metadata.MemberReferences do
            let reference = metadata.GetMemberReference handle

            if reference.Parent.Kind = Reflection.Metadata.HandleKind.TypeReference then
                let parent =
                    metadata.GetTypeReference(Reflection.Metadata.TypeReferenceHandle.op_Explicit reference.Parent)

                if metadata.GetString parent.Name = "TensorPrimitives" then
                    metadata.GetString reference.Name
    ]

[<Fact>]
let ``the core calls no TensorPrimitives method, which a default app would run unoptimized`` () =
    // The reader sees the calls: the tests' own assembly makes several.
    Assert.Contains("Exp", tensorPrimitivesCalls (Reflection.Assembly.GetExecutingAssembly()))
    Assert.Empty(tensorPrimitivesCalls typeof<Network>.Assembly)

[<Property>]
let ``maxScalar gives TensorPrimitives.Max's bits, allFinite agrees with Double.IsFinite``
    (values: float[])
    (floor: float)
    =
    let expected = Array.zeroCreate values.Length
    TensorPrimitives.Max(ReadOnlySpan values, floor, Span expected)
    let actual = Array.copy values
    VectorMath.maxScalar (Span actual) floor
    Assert.Equal<int64>(Array.map bits expected, Array.map bits actual)
    let zeroed = Array.copy values
    VectorMath.maxScalar (Span zeroed) 0.0
    Assert.Equal<int64>(Array.map (fun v -> bits (Math.Max(v, 0.0))) values, Array.map bits zeroed)
    Assert.Equal(Array.forall Double.IsFinite values, VectorMath.allFinite (ReadOnlySpan values))
    let finite = values |> Array.map (fun v -> if Double.IsFinite v then v else 0.0)
    Assert.True(VectorMath.allFinite (ReadOnlySpan finite))

    if finite.Length > 0 then
        finite[finite.Length - 1] <- Double.NaN
        Assert.False(VectorMath.allFinite (ReadOnlySpan finite))

// Loss.sumAndDelta ran exp, log, sigmoid and sums of TensorPrimitives before; now VectorMath's.

let private view (a: float[]) = ReadOnlySpan<float>(a)

/// Loss.sumAndDelta's binary cross-entropy as it was written with TensorPrimitives before issue 12.
let private binaryWithTensorPrimitives (z: float[]) (labels: int[]) (scale: float) =
    let n = labels.Length
    let sign = Array.init n (fun i -> if labels[i] = 1 then -1.0 else 1.0)
    let s, w, correction = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n
    TensorPrimitives.Multiply(view sign, view z, Span s)
    TensorPrimitives.Max(view s, 0.0, Span w)
    let mutable total = TensorPrimitives.Sum(view w)
    TensorPrimitives.Abs(view s, Span s)
    TensorPrimitives.Negate(view s, Span s)
    TensorPrimitives.Exp(view s, Span s)
    TensorPrimitives.Add(view s, 1.0, Span w)
    TensorPrimitives.Subtract(view w, 1.0, Span correction)
    TensorPrimitives.Subtract(view correction, view s, Span correction)
    TensorPrimitives.Divide(view correction, view w, Span correction)
    total <- total - TensorPrimitives.Sum(view correction)
    TensorPrimitives.Log(view w, Span w)
    total <- total + TensorPrimitives.Sum(view w)
    let delta = Array.zeroCreate n
    TensorPrimitives.Multiply(view sign, view z, Span s)
    TensorPrimitives.Sigmoid(view s, Span s)
    TensorPrimitives.Multiply(view sign, view s, Span delta)
    TensorPrimitives.Multiply(view delta, scale, Span delta)
    total, delta

[<Property>]
let ``binary cross-entropy is within a few ulp of its TensorPrimitives form``
    (logits: FsCheck.NormalFloat[])
    (rows: FsCheck.PositiveInt)
    =
    // Logits where neither form leaves the range of its exp (|z| <= 700), scale 1 / rows as in training.
    let logits =
        Array.append [| 0.5 |] (logits |> Array.map (fun v -> Math.Clamp(v.Get, -700.0, 700.0)))

    let n = logits.Length
    let scale = 1.0 / float rows.Get
    let labels = Array.init n (fun i -> (i * 7 + 3) % 5 % 2)
    let expectedTotal, expectedDelta = binaryWithTensorPrimitives logits labels scale

    let delta, scratch, scratch2 =
        Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n

    let total =
        Loss.sumAndDelta
            BinaryCrossEntropy
            1
            (ReadOnlySpan logits)
            (ReadOnlySpan(Array.zeroCreate<float> n))
            (ReadOnlySpan labels)
            scale
            (Span delta)
            (Span scratch)
            (Span scratch2)

    // Every term is positive: the sums' orders differ by at most n roundings of the total.
    Assert.True(
        abs (total - expectedTotal) <= float (n + 4) * 2.3e-16 * expectedTotal,
        $"{total} against {expectedTotal}"
    )

    // dZ = sign σ(s) scale: each side's σ is within 2 ulp of the exact value (the library's, measured in
    // the tests above; TensorPrimitives' exp, add and divide), and each rounds its product by scale once
    // (half an ulp): at most 5 ulp apart. 4 was one too few (a logit of 13.7 gave 5).
    for i in 0 .. n - 1 do
        Assert.True(ulps expectedDelta[i] delta[i] <= 5L, $"delta {delta[i]:R} against {expectedDelta[i]:R}")
