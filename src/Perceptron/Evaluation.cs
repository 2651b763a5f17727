using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>Precision, recall and F1 of one class against the rest.</summary>
/// <param name="Class">The class name.</param>
/// <param name="Precision">Of the samples predicted as this class, the fraction that are.</param>
/// <param name="Recall">Of the samples of this class, the fraction predicted as it.</param>
/// <param name="F1">The harmonic mean of precision and recall.</param>
/// <param name="Support">The number of samples of this class.</param>
public sealed record ClassMetrics(string Class, double Precision, double Recall, double F1, int Support);

/// <summary>A point of a ROC curve.</summary>
/// <param name="FalsePositiveRate">The fraction of negatives scored above the threshold.</param>
/// <param name="TruePositiveRate">The fraction of positives scored above the threshold.</param>
public readonly record struct RocPoint(double FalsePositiveRate, double TruePositiveRate);

/// <summary>How well a classifier does on labelled samples.</summary>
/// <remarks>Equality compares the lists (<see cref="Classes"/>, <see cref="ConfusionMatrix"/>, <see cref="PerClass"/>,
/// <see cref="RocCurve"/>) by reference, not element by element.</remarks>
public sealed record Evaluation
{
    /// <summary>The fraction of samples predicted right, in [0, 1].</summary>
    public required double Accuracy { get; init; }

    /// <summary>The number of samples.</summary>
    public required int Samples { get; init; }

    /// <summary>The class names, in index order.</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>Counts: <c>ConfusionMatrix[actual][predicted]</c>.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix { get; init; }

    /// <summary>Precision, recall, F1 and support per class.</summary>
    public required IReadOnlyList<ClassMetrics> PerClass { get; init; }

    /// <summary>The mean of -log p(true class), probabilities clipped at 1e-15.</summary>
    public required double LogLoss { get; init; }

    /// <summary>
    /// The area under the ROC curve: for two classes that of <see cref="RocCurve"/>; for more, the macro
    /// one-vs-rest AUC (the mean over classes of the AUC of that class against the rest, scored by its
    /// probability), as scikit-learn's <c>roc_auc_score(multi_class="ovr")</c>. Null unless every class occurs.
    /// </summary>
    public double? RocAuc { get; init; }

    /// <summary>The ROC curve (score = P(second class)) for two classes when both occur; empty otherwise.</summary>
    public IReadOnlyList<RocPoint> RocCurve { get; init; } = [];

    internal static Evaluation From(IReadOnlyList<string> classes, int[] labels, Core.ModelEvaluation evaluation)
    {
        var k = classes.Count;
        var confusion = evaluation.Confusion;
        var rows = Enumerable.Range(0, k)
            .Select(a => (IReadOnlyList<int>)Array.AsReadOnly(Enumerable.Range(0, k).Select(p => confusion[a, p]).ToArray()))
            .ToArray();
        var perClass = Interop.Scores(evaluation)
            .Select(s => new ClassMetrics(classes[s.Class], s.Precision, s.Recall, s.F1, s.Support))
            .ToArray();
        var roc = Interop.Roc(evaluation);

        return new Evaluation
        {
            Accuracy = evaluation.Accuracy,
            Samples = labels.Length,
            Classes = classes,
            ConfusionMatrix = Array.AsReadOnly(rows),
            PerClass = Array.AsReadOnly(perClass),
            LogLoss = evaluation.LogLoss,
            RocAuc = Interop.RocAuc(evaluation),
            RocCurve = Array.AsReadOnly(roc?.Curve ?? []),
        };
    }
}
