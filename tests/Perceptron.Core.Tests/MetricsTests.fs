/// Metrics: accuracy, confusion matrix, per-class scores, log loss and ROC on known cases.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.MetricsTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core

[<Fact>]
let ``accuracy is the fraction of matching predictions`` () =
    Assert.Equal(0.75, Metrics.accuracy [| 0; 1; 1; 0 |] [| 0; 1; 0; 0 |])
    Assert.Equal(1.0, Metrics.accuracy [| 2 |] [| 2 |])
    Assert.Equal(0.0, Metrics.accuracy [| 1; 1 |] [| 0; 2 |])

    Assert.ThrowsAny<ArgumentException>(fun () -> Metrics.accuracy [| 0; 1 |] [| 0 |] |> ignore)
    |> ignore

    Assert.ThrowsAny<ArgumentException>(fun () -> Metrics.accuracy [||] [||] |> ignore)
    |> ignore

let expected = [| 0; 0; 1; 2; 2; 2 |]
let predicted = [| 0; 1; 1; 2; 0; 2 |]

[<Fact>]
let ``confusion matrix counts actual by predicted`` () =
    let counts = Metrics.confusionMatrix 3 expected predicted
    Assert.Equal<int[,]>(array2D [ [ 1; 1; 0 ]; [ 0; 1; 0 ]; [ 1; 0; 2 ] ], counts)

[<Fact>]
let ``class scores from a confusion matrix`` () =
    let scores = Metrics.classScores (Metrics.confusionMatrix 4 expected predicted)
    let close (a: float) (b: float) = Assert.Equal(a, b, 12)
    Assert.Equal<int list>([ 0; 1; 2; 3 ], scores |> List.map _.Class)
    Assert.Equal<int list>([ 2; 1; 3; 0 ], scores |> List.map _.Support)
    // Class 0: 1 of 2 predictions right, 1 of 2 samples found.
    close 0.5 scores[0].Precision
    close 0.5 scores[0].Recall
    close 0.5 scores[0].F1
    // Class 1: 1 of 2 predictions right, its only sample found.
    close 0.5 scores[1].Precision
    close 1.0 scores[1].Recall
    close (2.0 / 3.0) scores[1].F1
    // Class 2: both predictions right, 2 of 3 samples found.
    close 1.0 scores[2].Precision
    close (2.0 / 3.0) scores[2].Recall
    close 0.8 scores[2].F1
    // Class 3: never predicted, no samples: zeros rather than NaN.
    Assert.Equal((0.0, 0.0, 0.0), (scores[3].Precision, scores[3].Recall, scores[3].F1))

[<Property>]
let ``accuracy is the trace of the confusion matrix over the sample count`` (s: Scored) =
    let predicted = s.Scores |> Array.map (fun x -> if x > 0.5 then 1 else 0)
    let counts = Metrics.confusionMatrix 2 s.Labels predicted
    let accuracy = Metrics.accuracy s.Labels predicted
    Assert.Equal(float (counts[0, 0] + counts[1, 1]) / float s.Labels.Length, accuracy, 15)
    Assert.Equal(s.Labels.Length, Seq.sum (Seq.cast<int> counts))

[<Fact>]
let ``log loss of known probabilities, clipped at 1e-15`` () =
    let p = array2D [ [ 0.9; 0.1 ]; [ 0.2; 0.8 ] ]
    Assert.Equal(-(Math.Log 0.9 + Math.Log 0.8) / 2.0, Metrics.logLoss [| 0; 1 |] p, 15)
    Assert.Equal(-Math.Log 1e-15, Metrics.logLoss [| 1 |] (array2D [ [ 1.0; 0.0 ] ]), 12)
    Assert.Equal(0.0, Metrics.logLoss [| 0 |] (array2D [ [ 1.0; 0.0 ] ]))

    Assert.ThrowsAny<ArgumentException>(fun () -> Metrics.logLoss [| 0; 1 |] (array2D [ [ 1.0; 0.0 ] ]) |> ignore)
    |> ignore

[<Property>]
let ``log loss of a network's probabilities is its cost`` (c: Case) =
    let p = Prediction.probabilities c.Network c.Features
    let clipped = Seq.cast<float> p |> Seq.exists (fun v -> v < 1e-12)
    // Probabilities near 0 are clipped by logLoss and imprecise after 1 - p: compare the rest.
    clipped
    || abs (Metrics.logLoss c.Labels p - Propagation.cost c.Network c.Features c.Labels)
       <= 1e-9

[<Fact>]
let ``ROC AUC: perfect ranking 1, reversed 0, all ties one half, and a known case`` () =
    let labels = [| 0; 0; 1; 1; 0; 1 |]
    let perfect = labels |> Array.mapi (fun i y -> float y + 0.01 * float i)
    Assert.Equal(1.0, Metrics.rocAuc labels perfect)
    Assert.Equal(0.0, Metrics.rocAuc labels (perfect |> Array.map (fun s -> -s)))
    Assert.Equal(0.5, Metrics.rocAuc labels (Array.create labels.Length 0.3))
    // scikit-learn's roc_auc_score example.
    Assert.Equal(0.75, Metrics.rocAuc [| 0; 0; 1; 1 |] [| 0.1; 0.4; 0.35; 0.8 |], 15)

[<Fact>]
let ``ROC curve has one point per distinct threshold, from (0, 0) to (1, 1)`` () =
    let curve = Metrics.rocCurve [| 0; 0; 1; 1 |] [| 0.1; 0.4; 0.35; 0.8 |]
    Assert.Equal<(float * float) list>([ 0.0, 0.0; 0.0, 0.5; 0.5, 0.5; 0.5, 1.0; 1.0, 1.0 ], curve)
    let tied = Metrics.rocCurve [| 0; 1; 1 |] [| 0.5; 0.5; 0.5 |]
    Assert.Equal<(float * float) list>([ 0.0, 0.0; 1.0, 1.0 ], tied)

    for labels in [ [| 1; 1 |]; [| 0; 0 |] ] do
        Assert.ThrowsAny<ArgumentException>(fun () -> Metrics.rocCurve labels [| 0.1; 0.2 |] |> ignore)
        |> ignore

[<Property>]
let ``ROC AUC is the probability that a positive outranks a negative, ties counting one half`` (s: Scored) =
    let positives = [
        for i in 0 .. s.Labels.Length - 1 do
            if s.Labels[i] = 1 then
                s.Scores[i]
    ]

    let negatives = [
        for i in 0 .. s.Labels.Length - 1 do
            if s.Labels[i] = 0 then
                s.Scores[i]
    ]

    let wins =
        List.allPairs positives negatives
        |> List.sumBy (fun (p, n) ->
            if p > n then 1.0
            elif p = n then 0.5
            else 0.0)

    let expected = wins / float (positives.Length * negatives.Length)
    abs (Metrics.rocAuc s.Labels s.Scores - expected) <= 1e-12

/// The one-vs-rest AUC of class c by its definition: the fraction of (class c, other class) pairs that
/// P(class c) orders right, ties counting one half.
let pairwiseAuc (labels: int[]) (probabilities: float[,]) (c: int) =
    let pairs = [
        for i in 0 .. labels.Length - 1 do
            for j in 0 .. labels.Length - 1 do
                if labels[i] = c && labels[j] <> c then
                    let a, b = probabilities[i, c], probabilities[j, c]

                    if a > b then 1.0
                    elif a = b then 0.5
                    else 0.0
    ]

    List.average pairs

[<Property>]
let ``the one-vs-rest AUC is the mean over classes of the pairwise count`` (seed: int) =
    let random = Random(seed)
    let classes = 3 + random.Next 3
    let samples = classes + random.Next 30
    // Every class occurs; scores on a coarse grid, so that ties occur.
    let labels =
        Array.init samples (fun i -> if i < classes then i else random.Next classes)

    let probabilities =
        Array2D.init samples classes (fun _ _ -> float (random.Next 5) / 4.0)

    let expected =
        [ 0 .. classes - 1 ] |> List.averageBy (pairwiseAuc labels probabilities)

    abs (Metrics.rocAucOneVsRest labels probabilities - expected) < 1e-12

[<Fact>]
let ``the one-vs-rest AUC of a known case`` () =
    let labels = [| 0; 1; 2 |]

    let probabilities =
        array2D [ [ 0.8; 0.1; 0.1 ]; [ 0.1; 0.2; 0.7 ]; [ 0.1; 0.3; 0.6 ] ]
    // Class 0: P(0) = 0.8 against 0.1 and 0.1, 2 of 2 pairs right. Class 1: 0.2 against 0.1 and 0.3, 1 of 2.
    // Class 2: 0.6 against 0.1 and 0.7, 1 of 2. The mean: (1 + 0.5 + 0.5) / 3.
    Assert.Equal(2.0 / 3.0, Metrics.rocAucOneVsRest labels probabilities, 12)
