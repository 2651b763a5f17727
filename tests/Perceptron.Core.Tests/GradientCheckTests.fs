/// GradientCheck: propagate's analytic gradients agree with central finite differences for random
/// architectures, every hidden activation and both losses.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.GradientCheckTests

open System
open Xunit
open FsCheck.FSharp
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// The smallest |pre-activation| of a ReLU or LeakyReLU hidden unit over the batch (infinity if none).
let distanceToKink (c: Case) =
    List.zip c.Network.Layers (Formulation.forward c.Network c.Features)
    |> List.filter (fun (layer, _) -> layer.Activation = Relu || layer.Activation = LeakyRelu)
    |> List.collect (fun (_, r) -> Seq.cast<float> r.Z |> Seq.map abs |> List.ofSeq)
    |> List.fold min infinity

/// True when a central difference with step 1e-6 can resolve the gradient to 1e-7. The cost comes
/// out of log-sum-exp with a rounding error of a few ulps of max(1, cost, largest |logit|) (of the
/// largest logit because of the cancellation reported below), so each difference carries noise of
/// order 1e-10 times that scale; below a gradient norm of 1e-3 sqrt(parameters) times the scale,
/// that noise alone approaches 1e-7 whatever the gradients. This discards about 0.4% of cases, mostly
/// deep Normal(0.01) networks whose gradients vanish (norms 1e-5 to 1e-9 at a cost of log 2).
let resolvable (c: Case) =
    let gradients, cost = Propagation.propagate c.Network c.Features c.Labels

    let largestLogit =
        (List.last (Formulation.forward c.Network c.Features)).Z
        |> Seq.cast<float>
        |> Seq.map abs
        |> Seq.max

    let scale = max 1.0 (max cost largestLogit)

    norm (flatten gradients)
    >= 1e-3 * sqrt (float (parameterCount c.Network)) * scale

[<Property(MaxRejected = 10000)>]
let ``analytic gradients agree with central finite differences`` (c: Case) =
    // ReLU and LeakyReLU have a kink at 0: a central difference taken across it measures the average
    // of two slopes, which is legitimately not the (one-sided) derivative. Cases where a hidden
    // pre-activation is within 1e-4 of 0 are discarded; the step of 1e-6 moves none across.
    (distanceToKink c > 1e-4 && resolvable c)
    ==> lazy
        (let report = GradientCheck.check 1e-6 c.Network c.Features c.Labels

         Assert.True(
             report.RelativeDifference < 1e-7,
             $"relative difference {report.RelativeDifference}; per layer %A{report.Layers |> List.map _.RelativeDifference}"
         ))

[<Property>]
let ``the report has one entry per layer, counting its parameters`` (c: Case) =
    let report = GradientCheck.check 1e-6 c.Network c.Features c.Labels
    Assert.Equal(1e-6, report.Epsilon)
    Assert.Equal<int list>([ 0 .. c.Network.Layers.Length - 1 ], report.Layers |> List.map _.Layer)

    Assert.Equal<int list>(
        c.Network.Layers |> List.map (fun l -> l.Weights.Length + l.Bias.Length),
        report.Layers |> List.map _.Parameters
    )

[<Property>]
let ``check leaves the network untouched`` (c: Case) =
    let network = copyNetwork c.Network
    GradientCheck.check 1e-6 c.Network c.Features c.Labels |> ignore
    sameNetwork network c.Network

[<Fact>]
let ``a gradient check across a ReLU kink is expected to disagree`` () =
    // Justifies the discard above: one ReLU unit with pre-activation exactly 0 at the sample.
    let network: Network = {
        Layers = [
            {
                Weights = array2D [ [ 1.0 ] ]
                Bias = [| -1.0 |]
                Activation = Relu
            }
            {
                Weights = array2D [ [ 2.0 ] ]
                Bias = [| 0.0 |]
                Activation = Sigmoid
            }
        ]
    }

    let report = GradientCheck.check 1e-6 network (array2D [ [ 1.0 ] ]) [| 1 |]
    Assert.True(report.RelativeDifference > 1e-3, $"relative difference {report.RelativeDifference}")

/// One layer, one input feature of 1: the logits are the weights.
let oneLayer (weights: float list) (activation: Activation) : Network = {
    Layers = [
        {
            Weights = Array2D.init weights.Length 1 (fun u _ -> weights[u])
            Bias = Array.zeroCreate weights.Length
            Activation = activation
        }
    ]
}

/// log(1 + x) to a few ulps, also for tiny x (Goldberg's correction of Math.Log(1 + x)).
let log1p (x: float) =
    let u = 1.0 + x
    if u = 1.0 then x else Math.Log u * x / (u - 1.0)

[<Fact>]
let ``on confidently classified samples the gradients are right: an accurate cost confirms them`` () =
    // The derivative of the binary cost softplus(-w) at w = 10 (label 1, feature 1) is -sigmoid(-10);
    // central differences of an accurate softplus(-w) = log1p(e^-w) agree with propagate.
    let accurate (w: float) = log1p (Math.Exp -w)
    let h = 1e-6
    let numeric = (accurate (10.0 + h) - accurate (10.0 - h)) / (2.0 * h)

    let gradients, _ =
        Propagation.propagate (oneLayer [ 10.0 ] Sigmoid) (array2D [ [ 1.0 ] ]) [| 1 |]

    let analytic = gradients.Layers.Head.Weights[0, 0]
    Assert.True(abs (analytic - numeric) <= 1e-9 * abs numeric, $"analytic {analytic}, numeric {numeric}")
    Assert.Equal(-Activation.sigmoid -10.0, analytic, 15)

// Regression test (found by these tests, since fixed): the costs cancel catastrophically for confidently right samples.
// Loss.binaryFromLogit computes softplus(z) - y z, which for y = 1 and z = 20 is (20 + 2e-9) - 20:
// about 8 of 16 digits are lost (z = 40 gives 0 instead of 4.2e-18). Loss.softplus uses
// log(1 + e^-|z|), which is 0 for z < -37 instead of e^z. The categorical cost (m + log s) - z[y]
// cancels in the same way when the true class has the largest logit. The gradients stay right
// (see the fact above), but the library's own GradientCheck, which differentiates the cost, then
// reports large relative differences for correct gradients: 4.5e-6 at logit 10, 0.07 at logit 20,
// 1.0 at logit -40 with label 0, 5e-6 for softmax logits (10, 0, 0) with label 0. Fix: for y = 1 use
// softplus(-z); in softplus use a log1p; for softmax, (m - z[y]) + log1p(sum over j <> argmax of
// e^(z[j] - m)).
[<Fact>]
let ``regression: the cost keeps its relative precision on confident samples, so GradientCheck passes`` () =
    let problems = ResizeArray<string>()

    let near name (expected: float) (actual: float) =
        if abs (actual - expected) > 1e-12 * abs expected then
            problems.Add $"{name} = {actual}, expected {expected}"

    near "softplus -40" (Math.Exp -40.0) (Loss.softplus -40.0)
    near "binaryFromLogit 20 1" (log1p (Math.Exp -20.0)) (Loss.binaryFromLogit 20.0 1)
    near "binaryFromLogit -20 0" (log1p (Math.Exp -20.0)) (Loss.binaryFromLogit -20.0 0)

    let cases = [
        oneLayer [ 10.0 ] Sigmoid, 1
        oneLayer [ 20.0 ] Sigmoid, 1
        oneLayer [ -40.0 ] Sigmoid, 0
        oneLayer [ 10.0; 0.0; 0.0 ] Softmax, 0
    ]

    for network, label in cases do
        let report = GradientCheck.check 1e-6 network (array2D [ [ 1.0 ] ]) [| label |]

        if report.RelativeDifference >= GradientCheck.Threshold then
            let logits = network.Layers.Head.Weights |> Seq.cast<float> |> List.ofSeq

            problems.Add
                $"GradientCheck on logits %A{logits}, label {label}: relative difference {report.RelativeDifference}"

    Assert.True(problems.Count = 0, String.Join("\n", problems))

[<Fact>]
let ``relative difference on known vectors`` () =
    Assert.Equal(0.0, GradientCheck.relativeDifference [| 1.0; 2.0 |] [| 1.0; 2.0 |])
    Assert.Equal(0.0, GradientCheck.relativeDifference [| 0.0; 0.0 |] [| 0.0; 0.0 |])
    Assert.Equal(1.0, GradientCheck.relativeDifference [| 1.0; 0.0 |] [| -1.0; 0.0 |])
    Assert.Equal(sqrt 2.0 / 2.0, GradientCheck.relativeDifference [| 1.0; 0.0 |] [| 0.0; 1.0 |], 15)
    // ||(3,4) - (0,0)|| / (5 + 0) = 1.
    Assert.Equal(1.0, GradientCheck.relativeDifference [| 3.0; 4.0 |] [| 0.0; 0.0 |])
    Assert.Equal(1e-6, GradientCheck.Threshold)

[<Fact>]
let ``check rejects a step that is not a small positive number`` () =
    let network = Network.initialize Xavier 1 2 [] Sigmoid 2

    for epsilon in [ 0.0; -1e-6; nan; infinity ] do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () ->
                GradientCheck.check epsilon network (array2D [ [ 1.0; 2.0 ] ]) [| 1 |] |> ignore)

        Assert.Equal("epsilon", e.ParamName)

/// An L2 coefficient drawn from a few orders of magnitude.
let lambdaOf (pick: byte) =
    [| 0.01; 0.1; 0.5; 1.0; 3.0 |][int pick % 5]

/// True when the network has weights the penalty can see: with all weights 0, (lambda / 2) ||W||^2
/// and its gradient lambda W vanish, and no check could tell whether they were included.
let hasWeights (network: Network) =
    network.Layers
    |> List.exists (fun l -> Seq.cast<float> l.Weights |> Seq.exists (fun w -> abs w > 1e-3))

[<Property(MaxRejected = 10000)>]
let ``with L2 the gradient check compares the penalised gradient with differences of the penalised cost``
    (c: Case)
    (pick: byte)
    =
    // Fails if either side leaves the penalty out: the two would differ by lambda W.
    (distanceToKink c > 1e-4 && resolvable c && hasWeights c.Network)
    ==> lazy
        (let lambda = lambdaOf pick
         let report = GradientCheck.checkWithL2 lambda 1e-6 c.Network c.Features c.Labels

         Assert.True(
             report.RelativeDifference < 1e-7,
             $"lambda {lambda}: relative difference {report.RelativeDifference}; per layer %A{report.Layers |> List.map _.RelativeDifference}"
         ))

/// The network with parameter k (weights row by row, then biases, layer by layer) moved by delta.
let moved (network: Network) (k: int) (delta: float) : Network =
    let mutable index = k

    {
        Layers =
            network.Layers
            |> List.map (fun layer ->
                let weights = Array2D.copy layer.Weights
                let bias = Array.copy layer.Bias

                if index >= 0 && index < weights.Length then
                    let i, j = index / layer.Inputs, index % layer.Inputs
                    weights[i, j] <- weights[i, j] + delta
                elif index >= weights.Length && index < weights.Length + bias.Length then
                    bias[index - weights.Length] <- bias[index - weights.Length] + delta

                index <- index - weights.Length - bias.Length

                {
                    layer with
                        Weights = weights
                        Bias = bias
                })
    }

let parameterValues (network: Network) =
    network.Layers
    |> List.map (fun l -> Array.append (flat2 l.Weights) l.Bias)
    |> Array.concat

[<Property(MaxRejected = 10000)>]
let ``training with L2 steps along the gradient of the cost it reports`` (c: Case) (pick: byte) =
    // Gradient descent at rate 1 moves each parameter by minus the gradient it follows; the in-place
    // engine's first update is compared with central differences of Training.cost, the cost that
    // training reports. Fails if either the rule or the reported cost leaves the penalty out.
    (distanceToKink c > 1e-4 && resolvable c && hasWeights c.Network)
    ==> lazy
        (let lambda = lambdaOf pick
         let optimizer = Optimizer.withL2 lambda (Optimizer.gradientDescent 1.0)

         let after =
             (Training.epochs optimizer None 0 c.Features c.Labels None (Training.init optimizer c.Network)
              |> Seq.head)
                 .State.Network

         let applied =
             Array.map2 (fun before after -> before - after) (parameterValues c.Network) (parameterValues after)

         let epsilon = 1e-6

         let numeric =
             Array.init applied.Length (fun k ->
                 let cost delta =
                     Training.cost optimizer (moved c.Network k delta) c.Features c.Labels

                 (cost epsilon - cost -epsilon) / (2.0 * epsilon))

         let difference = GradientCheck.relativeDifference applied numeric
         Assert.True(difference < 1e-6, $"lambda {lambda}: relative difference {difference}"))

[<Fact>]
let ``checkWithL2 rejects a penalty that is not a finite number >= 0, and 0 is the plain check`` () =
    let network = Network.initialize Xavier 1 2 [ 3 ] Tanh 2
    let features, labels = array2D [ [ 1.0; 2.0 ]; [ -1.0; 0.5 ] ], [| 1; 0 |]

    for lambda in [ -0.1; nan; infinity ] do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () ->
                GradientCheck.checkWithL2 lambda 1e-6 network features labels |> ignore)

        Assert.Equal("lambda", e.ParamName)

    let plain = GradientCheck.check 1e-6 network features labels
    let zero = GradientCheck.checkWithL2 0.0 1e-6 network features labels
    Assert.Equal(bits plain.RelativeDifference, bits zero.RelativeDifference)

[<Fact>]
let ``at 100 classes correct gradients pass the threshold and a gradient missing its L2 term fails it clearly`` () =
    let random = Random 7
    let features = Array2D.init 200 4 (fun _ _ -> random.NextDouble() * 2.0 - 1.0)
    let labels = Array.init 200 (fun i -> i % 100)
    let network = Network.initialize (Normal 0.1) 3 4 [] Sigmoid 100
    let lambda = 0.01

    let numeric =
        Array.init (parameterCount network) (fun k ->
            let cost delta =
                let changed = moved network k delta
                Propagation.cost changed features labels + Optimizer.l2Penalty lambda changed

            (cost 1e-6 - cost -1e-6) / 2e-6)

    let gradients, _ = Propagation.propagate network features labels

    let correct =
        GradientCheck.relativeDifference (flatten (Optimizer.l2Gradients lambda gradients network)) numeric

    let broken = GradientCheck.relativeDifference (flatten gradients) numeric
    Assert.True(correct < GradientCheck.Threshold, $"correct gradient: {correct}")
    Assert.True(broken > 1000.0 * GradientCheck.Threshold, $"broken gradient: {broken}")
