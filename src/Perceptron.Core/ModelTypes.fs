/// The values of the training pipeline: the trained model and what training recorded, the options of
/// `Model.train`, the prepared data, and a model's evaluation. The functions are in Model.fs.
namespace Perceptron.Core

/// What training recorded about a model.
type TrainingRecord = {
    /// The mean training cost of the completed epochs that CostEpochs names: every epoch up to
    /// CostHistory.limit, then every k-th (k doubling), and always the last, so its length stays bounded.
    Costs: float list
    /// The validation cost after the same epochs (empty without a validation split).
    ValidationCosts: float list
    /// Why training ended.
    Reason: StopReason
    /// The number of epochs that ran to their end.
    Epochs: int
    /// The batches of the unfinished epoch that ran before training was interrupted between batches (0
    /// when it stopped at the end of an epoch, and for every reason but Interrupted).
    Batch: int
    /// The epochs trained before this run, by the models it was warm-started from (0 for a fresh model):
    /// a learning-rate schedule counts them, so a warm start continues it.
    EpochsBefore: int
    /// The epoch (1 for the first) of each entry of Costs and ValidationCosts, oldest first.
    CostEpochs: int list
}

/// A trained classifier: the network, the standardisation its inputs go through, and the names of the
/// features, label and classes. The arrays are never written after construction.
type Model = {
    /// The trained network.
    Network: Network
    /// Applied to features before the network sees them; None when features are used as they are.
    Standardization: Standardization option
    /// One name per input feature.
    FeatureNames: string[]
    /// The name of the label column.
    LabelName: string
    /// One name per class; class i of a prediction is Classes[i].
    Classes: string[]
    /// What training recorded.
    Training: TrainingRecord
}

/// Everything `Model.train` needs besides the data.
[<NoEquality; NoComparison>]
type TrainOptions = {
    /// Widths of the hidden layers, input side first; empty for the perceptron.
    Hidden: int list
    /// The activation of every hidden layer.
    HiddenActivation: Activation
    /// How the initial weights are drawn (not used with a warm start).
    Initialization: Initialization
    /// How parameters are updated from gradients.
    Optimizer: Optimizer
    /// Passes over the training data.
    Epochs: int
    /// Samples per update; None for full-batch gradient descent.
    BatchSize: int option
    /// Seeds initialisation, shuffling and the validation split.
    Seed: int
    /// Standardise features with the mean and std of the training rows (ignored with a warm start,
    /// which keeps its model's standardisation).
    Standardize: bool
    /// The fraction of samples held out (seeded) for the validation cost, in [0, 1).
    ValidationFraction: float
    /// Keep each class's share in the validation split (see Preprocessing.stratifiedSplit).
    Stratify: bool
    /// Early stopping on the validation cost (needs ValidationFraction > 0).
    EarlyStopping: EarlyStopping option
    /// Continue from this model's network, standardisation and names.
    WarmStart: Model option
    /// The class names, declared for data in which some class does not occur (labels index them). None:
    /// the classes are 0 to the largest label, and every one of them must occur.
    Classes: string[] option
    /// The learning-rate schedule (Schedule.constant: the optimizer's rate every epoch). Its epochs count
    /// from the first epoch of a warm start's model, so warm-starting continues it.
    Schedule: Schedule
    /// One activation per hidden layer, input side first; None: HiddenActivation for every one.
    HiddenActivations: Activation list option
    /// One weight per sample (finite, >= 0, not all 0): the cost becomes the weighted mean Σ wᵢ Lᵢ / Σ wᵢ,
    /// for training and validation alike. None: every sample weighs 1.
    SampleWeights: float[] option
    /// Weights per class, multiplied into the sample weights (balanced ones from the training rows).
    ClassWeights: ClassWeights
}

/// Checked, split and standardised data and the starting network, as training uses them.
type PreparedData = {
    /// The training rows, standardised when the model standardises.
    Features: float[,]
    /// The labels of the training rows.
    Labels: int[]
    /// The validation rows and labels, when a fraction is held out.
    Validation: (float[,] * int[]) option
    /// The standardisation fitted on the training rows (or the warm start's).
    Standardization: Standardization option
    /// The network training starts from.
    Network: Network
    /// The feature names (the warm start's, or x0, x1, ...).
    FeatureNames: string[]
    /// The label name (the warm start's, or "label").
    LabelName: string
    /// The class names (the warm start's, or 0, 1, ...).
    Classes: string[]
    /// The weight of each training row (sample weight times class weight); None when unweighted.
    Weights: float[] option
    /// The weight of each validation row, when there are validation rows and weights.
    ValidationWeights: float[] option
}

/// How well a model does on labelled samples.
type ModelEvaluation = {
    /// Class probabilities, samples x classes.
    Probabilities: float[,]
    /// The predicted class of each sample.
    Predicted: int[]
    /// The fraction of samples predicted right.
    Accuracy: float
    /// Counts: Confusion[actual, predicted].
    Confusion: int[,]
    /// Precision, recall, F1 and support per class.
    Scores: ClassScores list
    /// The mean of -log p(true class).
    LogLoss: float
    /// The ROC curve (score = P(class 1)) and its area, for two classes when both occur.
    Roc: ((float * float) list * float) option
    /// The ROC AUC: for two classes that of Roc, for more the macro one-vs-rest AUC (as scikit-learn's
    /// roc_auc_score(multi_class="ovr")); None unless every class occurs.
    RocAuc: float option
}
