/// Propagation: the forward pass, cost, gradients and predictions against Formulation, the gradients' shape and
/// linearity, purity (inputs untouched, bit-identical results, safe from many threads), input checks.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.PropagationTests

open System
open System.Threading.Tasks
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

[<Property>]
let ``forward agrees with Formulation.forward`` (c: Case) =
    let reference = (List.last (Formulation.forward c.Network c.Features)).A

    let error =
        relativeError (flat2 reference) (flat2 (Propagation.forward c.Network c.Features))

    Assert.True(error <= 1e-12, $"relative error {error}")

[<Property>]
let ``the cost agrees with Formulation.cost, and propagate's cost is Propagation.cost`` (c: Case) =
    let reference = Formulation.cost (Formulation.forward c.Network c.Features) c.Labels
    let cost = Propagation.cost c.Network c.Features c.Labels
    Assert.True(abs (cost - reference) <= 1e-12 * max 1.0 reference, $"cost {cost}, reference {reference}")
    Assert.Equal(bits cost, bits (snd (Propagation.propagate c.Network c.Features c.Labels)))

/// Formulation's gradients and cost for a batch.
let formulation (network: Network) (features: float[,]) (labels: int[]) =
    let forward = Formulation.forward network features
    Formulation.backward network features forward labels, Formulation.cost forward labels

[<Property>]
let ``propagate's gradients agree with Formulation.backward`` (c: Case) =
    let gradients, _ = Propagation.propagate c.Network c.Features c.Labels
    let reference, _ = formulation c.Network c.Features c.Labels
    let error = relativeError (flattenBackward reference) (flatten gradients)
    Assert.True(error <= 1e-12, $"relative error {error}")

/// Formulation's predicted classes where no other class is within 1e-12 of the chosen one's
/// probability (None there: rounding may break such a tie either way).
let clearPredictions (network: Network) (features: float[,]) =
    let a = (List.last (Formulation.forward network features)).A

    Array.init (a.GetLength 0) (fun i ->
        if a.GetLength 1 = 1 then
            if abs (a[i, 0] - 0.5) <= 1e-12 then None
            elif a[i, 0] > 0.5 then Some 1
            else Some 0
        else
            let p = Array.init (a.GetLength 1) (fun k -> a[i, k])
            let top = Array.findIndex ((=) (Array.max p)) p

            if
                p
                |> Array.indexed
                |> Array.exists (fun (k, v) -> k <> top && p[top] - v <= 1e-12)
            then
                None
            else
                Some top)

[<Property>]
let ``predictions are Formulation's classes`` (c: Case) =
    let predicted = Prediction.predict c.Network c.Features

    for i, expected in Array.indexed (clearPredictions c.Network c.Features) do
        expected
        |> Option.iter (fun y -> Assert.True((y = predicted[i]), $"sample {i}: {predicted[i]}, expected {y}"))

[<Property>]
let ``gradients have the shapes of the parameters and are finite`` (c: Case) =
    let gradients, _ = Propagation.propagate c.Network c.Features c.Labels
    Assert.Equal(c.Network.Layers.Length, gradients.Layers.Length)

    for layer, g in List.zip c.Network.Layers gradients.Layers do
        Assert.Equal(layer.Weights.GetLength 0, g.Weights.GetLength 0)
        Assert.Equal(layer.Weights.GetLength 1, g.Weights.GetLength 1)
        Assert.Equal(layer.Bias.Length, g.Bias.Length)

    Assert.True(gradientsAreFinite gradients)

[<Property>]
let ``the batch gradient and cost are the means of the per-sample ones`` (c: Case) =
    let gradients, cost = Propagation.propagate c.Network c.Features c.Labels
    let samples = c.Labels.Length

    let single = [
        for i in 0 .. samples - 1 ->
            Propagation.propagate c.Network (Preprocessing.takeRows [| i |] c.Features) [| c.Labels[i] |]
    ]

    let meanGradient =
        single
        |> List.map (fst >> flatten)
        |> List.reduce (Array.map2 (+))
        |> Array.map (fun g -> g / float samples)

    let meanCost = (single |> List.sumBy snd) / float samples
    Assert.True(abs (cost - meanCost) <= 1e-12 * max 1.0 cost, $"cost {cost}, mean {meanCost}")
    let error = relativeError meanGradient (flatten gradients)
    Assert.True(error <= 1e-12, $"relative error {error}")

/// Deep copies of a case's inputs, to check afterwards that a function did not write into them.
let snapshot (c: Case) =
    copyNetwork c.Network, Array2D.copy c.Features, Array.copy c.Labels

let untouched (c: Case) (network, features, labels) =
    sameNetwork network c.Network
    && sameBits2 features c.Features
    && labels = c.Labels

[<Property>]
let ``propagate and forward leave their inputs untouched and repeat bit for bit`` (c: Case) =
    let before = snapshot c
    let g1, c1 = Propagation.propagate c.Network c.Features c.Labels
    let g2, c2 = Propagation.propagate c.Network c.Features c.Labels
    let p1 = Propagation.forward c.Network c.Features
    let p2 = Propagation.forward c.Network c.Features
    Assert.True(untouched c before, "an input was modified")
    Assert.True(sameGradients g1 g2 && bits c1 = bits c2, "propagate gave different results")
    Assert.True(sameBits2 p1 p2, "forward gave different results")

[<Property(MaxTest = 25)>]
let ``propagate from many threads at once gives the sequential result bit for bit`` (c: Case) =
    let before = snapshot c
    let gradients, cost = Propagation.propagate c.Network c.Features c.Labels

    let concurrent =
        Array.Parallel.init 32 (fun _ -> Propagation.propagate c.Network c.Features c.Labels)

    Assert.True(untouched c before, "an input was modified")

    for g, k in concurrent do
        Assert.True(sameGradients gradients g && bits cost = bits k, "a concurrent call differs")

[<Fact>]
let ``propagate on a network large enough for parallel kernels is bit-identical across threads`` () =
    // 400 samples x 60 features into 80 hidden units: products above the kernels' parallel threshold.
    let random = Random(5)
    let features = Array2D.init 400 60 (fun _ _ -> random.NextDouble() * 2.0 - 1.0)
    let labels = Array.init 400 (fun i -> i % 3)
    let network = Network.initialize He 9 60 [ 80; 40 ] Relu 3
    let gradients, cost = Propagation.propagate network features labels
    let results = Array.zeroCreate 8

    Parallel.For(0, results.Length, fun i -> results[i] <- Propagation.propagate network features labels)
    |> ignore

    for g, k in results do
        Assert.True(sameGradients gradients g && bits cost = bits k, "a concurrent call differs")

let rejects (name: string) (f: unit -> obj) =
    let e = Assert.ThrowsAny<ArgumentException>(fun () -> f () |> ignore)
    Assert.Equal(name, e.ParamName)
    e

[<Fact>]
let ``bad features and labels are rejected with ArgumentException naming them`` () =
    let network = Network.initialize Xavier 1 3 [ 4 ] Tanh 3
    let features = Array2D.create 2 3 0.5

    let e =
        rejects "features" (fun () -> box (Propagation.propagate network (Array2D.create 2 4 0.5) [| 0; 1 |]))

    Assert.Contains("4 columns", e.Message)

    rejects "features" (fun () -> box (Propagation.forward network (Array2D.zeroCreate 0 3)))
    |> ignore

    let withNaN = Array2D.copy features
    withNaN[1, 2] <- nan

    let e =
        rejects "features" (fun () -> box (Propagation.propagate network withNaN [| 0; 1 |]))

    Assert.Contains("[1, 2]", e.Message)
    let withInfinity = Array2D.copy features
    withInfinity[0, 0] <- infinity

    rejects "features" (fun () -> box (Propagation.forward network withInfinity))
    |> ignore

    rejects "labels" (fun () -> box (Propagation.propagate network features [| 0 |]))
    |> ignore

    rejects "labels" (fun () -> box (Propagation.propagate network features [| 0; 3 |]))
    |> ignore

    rejects "labels" (fun () -> box (Propagation.propagate network features [| -1; 0 |]))
    |> ignore

    let binary = Network.initialize Xavier 1 3 [] Sigmoid 2

    rejects "labels" (fun () -> box (Propagation.propagate binary features [| 0; 2 |]))
    |> ignore

    rejects "network" (fun () -> box (Propagation.forward { Layers = [] } features))
    |> ignore

/// One sigmoid unit (the perceptron) on rows x inputs of random data from the seed.
let singleUnitCase (seed: int) (rows: int) (inputs: int) =
    let random = Random(seed)
    let features = Array2D.init rows inputs (fun _ _ -> random.NextDouble() * 4.0 - 2.0)
    let labels = Array.init rows (fun _ -> random.Next 2)

    let network: Network = {
        Layers = [
            {
                Weights = Array2D.init 1 inputs (fun _ _ -> random.NextDouble() - 0.5)
                Bias = [| random.NextDouble() - 0.5 |]
                Activation = Sigmoid
            }
        ]
    }

    network, features, labels

[<Property(MaxTest = 40)>]
let ``the one-pass kernel of a sigmoid unit agrees with the two products and Formulation to 1e-12``
    (seed: int)
    (r: byte)
    (i: byte)
    =
    // Up to 3061 x 100: blocks of rows, and up to 8 parallel chunks once rows x (inputs + 32) >= 2^17.
    let network, features, labels =
        singleUnitCase seed (1 + int r * 12) (1 + int i % 100)

    let onePass, onePassCost = Propagation.propagateForced true network features labels
    let twoProducts, cost = Propagation.propagateForced false network features labels
    Assert.True(relativeError (flatten twoProducts) (flatten onePass) < 1e-12, "the gradients differ")
    Assert.True(abs (onePassCost - cost) <= 1e-12 * abs cost, $"cost {onePassCost} against {cost}")
    let reference, referenceCost = formulation network features labels
    Assert.True(relativeError (flattenBackward reference) (flatten onePass) < 1e-12, "Formulation differs")
    Assert.True(abs (onePassCost - referenceCost) <= 1e-12 * referenceCost, $"Formulation's cost {referenceCost}")

[<Fact>]
let ``the one-pass kernel is bit-identical across threads and leaves its inputs untouched`` () =
    // 2000 x 100: 7 blocks of rows in 7 parallel chunks.
    let network, features, labels = singleUnitCase 11 2000 100
    let before = copyNetwork network, Array2D.copy features, Array.copy labels
    let gradients, cost = Propagation.propagateForced true network features labels

    let results =
        Array.Parallel.init 8 (fun _ -> Propagation.propagateForced true network features labels)

    for g, k in results do
        Assert.True(sameGradients gradients g && bits cost = bits k, "a concurrent call differs")

    let n, f, l = before
    Assert.True(sameNetwork n network && sameBits2 f features && l = labels, "an input was modified")

/// Whether propagate chooses the one-pass kernel for rows x inputs; checks that its result is bit for
/// bit the chosen path's and within 1e-12 of the other's.
let takesOnePass (rows: int) (inputs: int) =
    let network, features, labels = singleUnitCase (rows + inputs) rows inputs
    let onePass = Selection.onePass (List.toArray network.Layers) rows
    let gradients, cost = Propagation.propagate network features labels
    let chosen, chosenCost = Propagation.propagateForced onePass network features labels

    let other, otherCost =
        Propagation.propagateForced (not onePass) network features labels

    Assert.True(sameGradients chosen gradients && bits chosenCost = bits cost, "propagate differs from its path")
    Assert.True(relativeError (flatten other) (flatten gradients) < 1e-12, "the gradients differ")
    Assert.True(abs (otherCost - cost) <= 1e-12 * abs cost, $"cost {cost} against {otherCost}")
    onePass

[<Fact>]
let ``propagate takes the one pass for narrow rows or a batch larger than the cache, else two products`` () =
    // The automatic choice; PERCEPTRON_KERNELS=native turns the managed one pass off.
    if Selection.forced <> Some NativeBlas then
        // Narrow rows (at most 512 features): one pass at any size.
        Assert.True(takesOnePass 300 20)
        Assert.True(takesOnePass 2000 512)
        // Wider rows in a batch that fits a cache: two products.
        Assert.False(takesOnePass 40 513)
        Assert.False(takesOnePass 300 2000)
        // 2200 x 2000 = 4.4 million features, above the 2^22 threshold: one pass.
        Assert.True(takesOnePass 2200 2000)

[<Property>]
let ``a softmax output layer and its loss split across the team give the unsplit bits`` (c: Case) (weighted: bool) =
    let layers = List.toArray c.Network.Layers
    let last = layers.Length - 1
    let rows = c.Labels.Length

    // Sigmoid outputs never split; the property is about softmax ones.
    if layers[last].Activation = Softmax then
        let weights =
            if weighted then
                Array.init rows (fun i -> 0.25 + float (i % 5) * 0.5)
            else
                Array.empty

        let run split =
            let ws = Workspace(c.Network, rows)
            // Stale values in the buffers the split writes: it must not read them.
            ws.Scratch.AsSpan().Fill 7.0
            ws.Deltas[last].AsSpan().Fill 7.0

            let total =
                Propagation.forwardAndLoss
                    split
                    ws
                    layers
                    (Buffers.readOnly2 c.Features)
                    (ReadOnlySpan c.Labels)
                    (ReadOnlySpan weights)
                    (1.0 / float rows)

            total, ws.Logits, ws.Activations[last], ws.Deltas[last]

        let total, logits, probabilities, deltas = run false
        let splitTotal, splitLogits, splitProbabilities, splitDeltas = run true
        Assert.Equal(bits total, bits splitTotal)
        Assert.True(sameBits logits splitLogits, "logits")
        Assert.True(sameBits probabilities splitProbabilities, "probabilities")
        Assert.True(sameBits deltas splitDeltas, "dZ")

[<Fact>]
let ``W2's shape splits its softmax layer and loss with the unsplit bits`` () =
    // 128 rows of 10 classes (the block W2 splits), with labels of every class.
    let random = Random(12)
    let network = Network.initialize He 3 20 [ 16 ] Relu 10
    let features = Array2D.init 128 20 (fun _ _ -> random.NextDouble() * 4.0 - 2.0)
    let labels = Array.init 128 (fun i -> i % 10)
    let layers = List.toArray network.Layers
    Assert.True(128 * 10 >= Propagation.softmaxTeamBlock)

    let run split =
        let ws = Workspace(network, 128)

        let total =
            Propagation.forwardAndLoss
                split
                ws
                layers
                (Buffers.readOnly2 features)
                (ReadOnlySpan labels)
                ReadOnlySpan.Empty
                (1.0 / 128.0)

        total, Array.copy ws.Deltas[1]

    let total, deltas = run false
    let splitTotal, splitDeltas = run true
    Assert.Equal(bits total, bits splitTotal)
    Assert.True(sameBits deltas splitDeltas)

/// Gradients and cost of propagatePaired with a layer's two backward products forced side by side or not.
let paired (pairing: bool) (c: Case) (weights: float[]) =
    let layers = List.toArray c.Network.Layers
    let ws = Workspace(c.Network, c.Labels.Length)
    let dw, db = Propagation.zeroGradients layers

    let cost =
        Propagation.propagatePaired
            (ValueSome pairing)
            false
            ws
            layers
            (Buffers.readOnly2 c.Features)
            (ReadOnlySpan c.Labels)
            (ReadOnlySpan weights)
            dw
            db

    cost, flatten (Propagation.toGradients dw db)

[<Property>]
let ``a layer's two backward products side by side on the team give the bits of one after the other``
    (c: Case)
    (weighted: bool)
    =
    let weights =
        if weighted then
            Array.init c.Labels.Length (fun i -> 0.5 + float (i % 3) * 0.5)
        else
            Array.empty

    let cost, gradients = paired false c weights
    let pairedCost, pairedGradients = paired true c weights
    Assert.Equal(bits cost, bits pairedCost)
    Assert.True(sameBits gradients pairedGradients)

[<Fact>]
let ``W2's shape pairs its output layer's backward products with the unpaired bits`` () =
    let random = Random(5)
    let network = Network.initialize He 7 64 [ 128 ] Relu 10
    let features = Array2D.init 128 64 (fun _ _ -> random.NextDouble() * 4.0 - 2.0)
    let labels = Array.init 128 (fun i -> (i * 7) % 10)

    let c = {
        Architecture = Unchecked.defaultof<Architecture>
        Network = network
        Features = features
        Labels = labels
    }

    // Large enough to pair when the team is warm.
    Assert.True(128L * 10L * 128L >= ManagedGemm.warmThreshold)
    let cost, gradients = paired false c Array.empty
    let pairedCost, pairedGradients = paired true c Array.empty
    Assert.Equal(bits cost, bits pairedCost)
    Assert.True(sameBits gradients pairedGradients)
