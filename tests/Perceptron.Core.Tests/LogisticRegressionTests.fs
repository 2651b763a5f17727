/// LogisticRegression: the seed's published values, its gradients against hand-written finite
/// differences, optimize's cost record, the model, and purity.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.LogisticRegressionTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

// The deeplearning.ai assignment's test case, with samples as rows.
let w, b = [| 1.0; 2.0 |], 2.0
let X = array2D [ [ 1.0; 3.0 ]; [ 2.0; 4.0 ]; [ -1.0; -3.2 ] ]
let y = [| 1; 0; 1 |]

let near (tolerance: float) (expected: float) (actual: float) =
    Assert.True(abs (expected - actual) <= tolerance, $"expected {expected}, got {actual} (tolerance {tolerance})")

[<Fact>]
let ``propagate reproduces the seed's published gradients and cost`` () =
    let gradients, cost = LogisticRegression.propagate { W = w; B = b } X y
    near 1e-10 0.9984560146379561 gradients.Dw[0]
    near 1e-10 2.395072388486207 gradients.Dw[1]
    near 1e-10 0.001455578136784208 gradients.Db
    near 1e-10 5.801545319394553 cost

[<Fact>]
let ``optimize reproduces the seed's published parameters and gradients after 100 iterations`` () =
    let result = LogisticRegression.optimize { W = w; B = b } X y 100 0.009
    // Tolerances are half a unit in the last printed digit.
    near 5e-9 0.19033591 result.Parameters.W[0]
    near 5e-9 0.12259159 result.Parameters.W[1]
    near 5e-12 1.92535983008 result.Parameters.B
    near 5e-9 0.67752042 result.Gradients.Dw[0]
    near 5e-9 1.41625495 result.Gradients.Dw[1]
    near 5e-13 0.219194504541 result.Gradients.Db

[<Fact>]
let ``predict reproduces the seed's published classes`` () =
    let parameters = {
        W = [| 0.1124579; 0.23106775 |]
        B = -0.3
    }

    Assert.Equal<int[]>(
        [| 1; 1; 0 |],
        LogisticRegression.predict parameters (array2D [ [ 1.0; 1.2 ]; [ -1.1; 2.0 ]; [ -3.2; 0.1 ] ])
    )

[<Fact>]
let ``optimize records the cost at iterations 0, 100, 200, the first being propagate's`` () =
    let result = LogisticRegression.optimize { W = w; B = b } X y 250 0.009
    let _, initial = LogisticRegression.propagate { W = w; B = b } X y
    Assert.Equal(3, result.Costs.Length)
    Assert.Equal(bits initial, bits result.Costs.Head)
    Assert.True(List.pairwise result.Costs |> List.forall (fun (a, b) -> b < a), $"%A{result.Costs}")
    Assert.Equal(1, (LogisticRegression.optimize { W = w; B = b } X y 100 0.009).Costs.Length)
    Assert.Equal(2, (LogisticRegression.optimize { W = w; B = b } X y 101 0.009).Costs.Length)

/// The seed's cost written out: -(1/m) sum y log a + (1 - y) log(1 - a), a = sigmoid(w.x + b).
/// 1 - a is computed as 1 / (1 + e^z): with 1.0 - a, the second sample (a = 1 - 6e-6) loses five
/// digits, which a finite difference with step 1e-6 magnifies into errors of 1e-5.
let handCost (w: float[]) (b: float) =
    let m = float y.Length

    -(Array.init y.Length (fun i ->
        let z = w[0] * X[i, 0] + w[1] * X[i, 1] + b
        let a = 1.0 / (1.0 + Math.Exp(-z))
        let oneMinusA = 1.0 / (1.0 + Math.Exp z)
        float y[i] * Math.Log a + float (1 - y[i]) * Math.Log oneMinusA)
      |> Array.sum)
    / m

[<Fact>]
let ``the seed's gradients agree with hand-written central finite differences`` () =
    let h = 1e-6
    let gradients, cost = LogisticRegression.propagate { W = w; B = b } X y
    near 1e-12 (handCost w b) cost

    let dw j =
        let shifted delta =
            handCost (Array.mapi (fun k v -> if k = j then v + delta else v) w) b

        (shifted h - shifted -h) / (2.0 * h)

    let db = (handCost w (b + h) - handCost w (b - h)) / (2.0 * h)
    near 1e-8 (dw 0) gradients.Dw[0]
    near 1e-8 (dw 1) gradients.Dw[1]
    near 1e-8 db gradients.Db

[<Fact>]
let ``update is one gradient-descent step`` () =
    let updated =
        LogisticRegression.update 0.5 { Dw = [| 1.0; -2.0 |]; Db = 4.0 } { W = [| 1.0; 1.0 |]; B = 0.0 }

    Assert.Equal<float[]>([| 0.5; 2.0 |], updated.W)
    Assert.Equal(-2.0, updated.B)

[<Fact>]
let ``toNetwork and ofNetwork convert between parameters and a one-unit network`` () =
    let parameters = { W = [| 0.5; -1.5; 2.0 |]; B = 0.25 }
    let network = LogisticRegression.toNetwork parameters
    Assert.Equal(1, network.Layers.Length)
    Assert.Equal(Sigmoid, network.Layers.Head.Activation)
    let back = LogisticRegression.ofNetwork network
    Assert.Equal<float[]>(parameters.W, back.W)
    Assert.Equal(parameters.B, back.B)

    Assert.ThrowsAny<ArgumentException>(fun () ->
        LogisticRegression.ofNetwork (Network.initialize Xavier 1 2 [ 2 ] Tanh 2)
        |> ignore)
    |> ignore

    for bad in
        [
            { W = [||]; B = 0.0 }
            { W = [| nan |]; B = 0.0 }
            { W = [| 1.0 |]; B = infinity }
        ] do
        Assert.ThrowsAny<ArgumentException>(fun () -> LogisticRegression.toNetwork bad |> ignore)
        |> ignore

[<Fact>]
let ``initializeWithZeros gives zero weights and bias`` () =
    let p = LogisticRegression.initializeWithZeros 4
    Assert.Equal<float[]>(Array.zeroCreate 4, p.W)
    Assert.Equal(0.0, p.B)

    Assert.ThrowsAny<ArgumentException>(fun () -> LogisticRegression.initializeWithZeros 0 |> ignore)
    |> ignore

[<Fact>]
let ``model learns separable data and reports accuracies`` () =
    let random = Random(8)
    let features = Array2D.init 80 3 (fun _ _ -> random.NextDouble() * 2.0 - 1.0)

    let labels =
        Array.init 80 (fun i -> if features[i, 0] - features[i, 2] > 0.0 then 1 else 0)

    let train, test = Preprocessing.split 8 0.25 80

    let pick rows =
        Preprocessing.takeRows rows features, rows |> Array.map (fun r -> labels[r])

    let trainX, trainY = pick train
    let testX, testY = pick test
    let model = LogisticRegression.model trainX trainY testX testY 2000 0.5
    Assert.True(model.TrainAccuracy >= 0.95, $"train accuracy {model.TrainAccuracy}")
    Assert.True(model.TestAccuracy >= 0.85, $"test accuracy {model.TestAccuracy}")
    Assert.Equal(Metrics.accuracy testY model.TestPredictions, model.TestAccuracy)
    Assert.Equal<int[]>(LogisticRegression.predict model.Parameters trainX, model.TrainPredictions)
    Assert.Equal(20, model.Costs.Length)

    Assert.ThrowsAny<ArgumentException>(fun () ->
        LogisticRegression.model trainX trainY (Array2D.zeroCreate 2 2) [| 0; 1 |] 10 0.1
        |> ignore)
    |> ignore

[<Property(MaxTest = 30)>]
let ``optimize leaves its inputs untouched and repeats bit for bit`` (c: Case) (iterations: byte) =
    let parameters = {
        W = Array.init c.Architecture.Inputs (fun j -> float j - 1.0)
        B = 0.5
    }

    let labels = c.Labels |> Array.map (fun l -> l % 2)

    let w0, features, labels0 =
        Array.copy parameters.W, Array2D.copy c.Features, Array.copy labels

    let n = int iterations % 50 + 1
    let a = LogisticRegression.optimize parameters c.Features labels n 0.1
    let b = LogisticRegression.optimize parameters c.Features labels n 0.1
    Assert.True(sameBits w0 parameters.W && sameBits2 features c.Features && labels0 = labels, "an input was modified")

    Assert.True(
        sameBits a.Parameters.W b.Parameters.W
        && bits a.Parameters.B = bits b.Parameters.B
    )

    Assert.True(
        sameBits a.Gradients.Dw b.Gradients.Dw
        && bits a.Gradients.Db = bits b.Gradients.Db
    )

    Assert.True(sameBits (Array.ofList a.Costs) (Array.ofList b.Costs))

[<Fact>]
let ``optimize rejects fewer than one iteration`` () =
    Assert.ThrowsAny<ArgumentException>(fun () -> LogisticRegression.optimize { W = w; B = b } X y 0 0.1 |> ignore)
    |> ignore

[<Fact>]
let ``checkParameters names the weight or the bias as the caller names them`` () =
    let message (p: LogisticParameters) =
        Assert.ThrowsAny<ArgumentException>(fun () -> LogisticRegression.checkParameters "w" "b" p)

    let weight = message { W = [| 1.0; nan |]; B = 0.0 }
    let bias = message { W = [| 1.0 |]; B = -infinity }
    let empty = message { W = [||]; B = 0.0 }

    Assert.Equal("w", weight.ParamName)
    Assert.StartsWith("w[1] is NaN; expected a finite number.", weight.Message)
    Assert.Equal("b", bias.ParamName)
    Assert.StartsWith("b is -Infinity; expected a finite number.", bias.Message)
    Assert.StartsWith("w is empty; expected one weight per feature.", empty.Message)
    LogisticRegression.checkParameters "w" "b" { W = [| 1.0 |]; B = 0.0 }
