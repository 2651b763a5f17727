/// Measures of a classifier's quality: accuracy, confusion matrix, per-class scores, log loss, ROC.
namespace Perceptron.Core

open System

/// Precision, recall and F1 for one class (one-vs-rest).
type ClassScores = {
    /// The class index.
    Class: int
    /// Of the samples predicted as this class, the fraction that are.
    Precision: float
    /// Of the samples of this class, the fraction predicted as it.
    Recall: float
    /// The harmonic mean of precision and recall (0 when both are 0).
    F1: float
    /// The number of samples of this class.
    Support: int
}

/// Metric functions.
[<RequireQualifiedAccess>]
module Metrics =
    let private checkPair (expected: int[]) (predicted: int[]) =
        if isNull expected then
            nullArg "expected"

        if isNull predicted then
            nullArg "predicted"

        if expected.Length <> predicted.Length then
            invalidArg
                "predicted"
                $"{predicted.Length} predictions for {expected.Length} labels; expected one per label"

        if expected.Length = 0 then
            invalidArg "expected" "no labels; expected at least one"

    /// The fraction of predictions equal to the labels, in [0, 1].
    [<CompiledName("Accuracy")>]
    let accuracy (expected: int[]) (predicted: int[]) =
        checkPair expected predicted

        let hits =
            Array.fold2 (fun n e p -> if e = p then n + 1 else n) 0 expected predicted

        float hits / float expected.Length

    /// counts[actual, predicted] for classes 0..classes-1.
    [<CompiledName("ConfusionMatrix")>]
    let confusionMatrix (classes: int) (expected: int[]) (predicted: int[]) =
        checkPair expected predicted
        let counts = Array2D.zeroCreate classes classes
        Array.iter2 (fun e p -> counts[e, p] <- counts[e, p] + 1) expected predicted
        counts

    /// Precision, recall, F1 and support per class, from a confusion matrix.
    [<CompiledName("ClassScores")>]
    let classScores (confusion: int[,]) =
        let classes = confusion.GetLength 0

        [
            for c in 0 .. classes - 1 do
                let truePositives = float confusion[c, c]
                let predicted = Seq.sum (seq { for a in 0 .. classes - 1 -> confusion[a, c] })
                let actual = Seq.sum (seq { for p in 0 .. classes - 1 -> confusion[c, p] })

                let precision =
                    if predicted = 0 then
                        0.0
                    else
                        truePositives / float predicted

                let recall = if actual = 0 then 0.0 else truePositives / float actual

                {
                    Class = c
                    Precision = precision
                    Recall = recall
                    F1 =
                        if precision + recall = 0.0 then
                            0.0
                        else
                            2.0 * precision * recall / (precision + recall)
                    Support = actual
                }
        ]

    /// The mean of -log p(true class), with probabilities clipped to [1e-15, 1] so a confident
    /// mistake costs about 34.5 rather than infinity.
    [<CompiledName("LogLoss")>]
    let logLoss (expected: int[]) (probabilities: float[,]) =
        if isNull probabilities then
            nullArg "probabilities"

        if probabilities.GetLength 0 <> expected.Length then
            invalidArg "probabilities" $"{probabilities.GetLength 0} rows for {expected.Length} labels"

        expected
        |> Array.mapi (fun i y -> -Math.Log(max 1e-15 probabilities[i, y]))
        |> Array.average

    /// The ROC curve of binary scores (score = P(class 1)): (false positive rate, true positive rate)
    /// points from (0, 0) to (1, 1), one per distinct threshold.
    [<CompiledName("RocCurve")>]
    let rocCurve (expected: int[]) (scores: float[]) =
        if isNull scores then
            nullArg "scores"

        if scores.Length <> expected.Length then
            invalidArg "scores" $"{scores.Length} scores for {expected.Length} labels"

        let positives = expected |> Array.sumBy (fun y -> if y = 1 then 1 else 0)
        let negatives = expected.Length - positives

        if positives = 0 || negatives = 0 then
            invalidArg "expected" "the ROC curve needs samples of both classes"

        let order = Array.init scores.Length id |> Array.sortBy (fun i -> -scores[i])
        let points = ResizeArray [ (0.0, 0.0) ]
        let mutable tp = 0
        let mutable fp = 0

        for k in 0 .. order.Length - 1 do
            let i = order[k]
            if expected[i] = 1 then tp <- tp + 1 else fp <- fp + 1

            // Tied scores move together: one point per distinct threshold.
            if k = order.Length - 1 || scores[order[k + 1]] <> scores[i] then
                points.Add(float fp / float negatives, float tp / float positives)

        List.ofSeq points

    /// The area under the ROC curve (trapezoids; ties count one half).
    [<CompiledName("RocAuc")>]
    let rocAuc (expected: int[]) (scores: float[]) =
        rocCurve expected scores
        |> List.pairwise
        |> List.sumBy (fun ((x0, y0), (x1, y1)) -> (x1 - x0) * (y0 + y1) / 2.0)

    /// The macro one-vs-rest ROC AUC of several classes, as scikit-learn's roc_auc_score(multi_class="ovr"):
    /// the unweighted mean over classes c of the AUC of "class c against the rest" scored by P(class c).
    /// Every class must occur (its AUC is undefined otherwise).
    [<CompiledName("RocAucOneVsRest")>]
    let rocAucOneVsRest (expected: int[]) (probabilities: float[,]) =
        if isNull probabilities then
            nullArg "probabilities"

        if probabilities.GetLength 0 <> expected.Length then
            invalidArg "probabilities" $"{probabilities.GetLength 0} rows for {expected.Length} labels"

        let classes = probabilities.GetLength 1

        Array.init classes (fun c ->
            let isClass = expected |> Array.map (fun y -> if y = c then 1 else 0)
            rocAuc isClass (Array.init expected.Length (fun i -> probabilities[i, c])))
        |> Array.average
