/// The values of training: the state carried from step to step, the report of an epoch, what `fit` runs
/// and what it returns, and the stepper that advances a run one batch at a time.
namespace Perceptron.Core

open System

/// Everything training carries from one step to the next.
[<NoComparison>]
type TrainingState = {
    /// The network after Step updates.
    Network: Network
    /// The optimizer's state after Step updates.
    OptimizerState: OptimizerState
    /// The number of updates applied so far.
    Step: int
    /// The number of completed epochs.
    Epoch: int
    /// The cost of the last batch, computed before its update: the mean cross-entropy plus the optimizer's
    /// L2 penalty (lambda / 2) ||W||^2 (NaN before the first step).
    Cost: float
    /// The gradients of the last batch's cross-entropy (None before the first step); an optimizer with L2
    /// adds lambda W to them when it updates.
    Gradients: Gradients option
}

/// The summary of one completed epoch.
[<NoComparison>]
type EpochReport = {
    /// 1 for the first epoch.
    Epoch: int
    /// The mean cost over the epoch's batches (each computed before its update, L2 penalty included); with
    /// sample weights, the weighted mean Σ wᵢ Lᵢ / Σ wᵢ over the epoch's samples.
    Cost: float
    /// The cost on the validation data after the epoch (L2 penalty included), when there is any.
    ValidationCost: float option
    /// The state at the end of the epoch.
    State: TrainingState
}

/// Stop when the validation cost has not improved by more than Tolerance for Patience epochs.
type EarlyStopping = { Patience: int; Tolerance: float }

/// What `fit` runs.
type FitOptions = {
    /// The number of passes over the training data.
    Epochs: int
    /// Samples per update; None for full-batch gradient descent.
    BatchSize: int option
    /// Seeds the shuffling of each epoch.
    Seed: int
    /// Validation features and labels, for the validation cost and early stopping.
    Validation: (float[,] * int[]) option
    /// Early stopping on the validation cost (needs Validation).
    EarlyStopping: EarlyStopping option
    /// The learning-rate schedule (Schedule.constant: the optimizer's rate every epoch).
    Schedule: Schedule
    /// Epochs trained before the start state's epoch 0 (a warm start's): the schedule counts epochs from
    /// the start of training, EpochsBefore + the state's Epoch, over a run of EpochsBefore + the start's
    /// Epoch + Epochs epochs, so a resumed run continues it.
    EpochsBefore: int
    /// One weight per training sample (see SampleWeights); None: every sample weighs 1.
    SampleWeights: float[] option
    /// One weight per validation sample, for the validation cost; None: every one weighs 1.
    ValidationWeights: float[] option
}

/// Why training ended.
type StopReason =
    /// All epochs ran.
    | Completed
    /// The validation cost stopped improving.
    | EarlyStopped
    /// The caller asked to stop (e.g. cancellation).
    | Interrupted
    /// The cost became NaN or infinite; the result holds the state one epoch before that cost was measured.
    | Diverged

/// The outcome of `fit`.
[<NoComparison>]
type FitResult = {
    /// The network to use: the best one by validation cost under early stopping, else the last.
    Network: Network
    /// The last finite state reached.
    State: TrainingState
    /// The training cost of the completed epochs that CostEpochs names (every epoch up to CostHistory.limit,
    /// then thinned; the last completed epoch always).
    Costs: float list
    /// The validation cost of the same epochs (empty without validation data).
    ValidationCosts: float list
    /// Why training ended.
    Reason: StopReason
    /// The epoch whose network is returned.
    BestEpoch: int
    /// The batches of the unfinished epoch that ran before an interruption between batches (0 when
    /// training stopped at the end of an epoch): State is the state after the last of them.
    Batch: int
    /// The epoch of each entry of Costs and ValidationCosts, oldest first.
    CostEpochs: int list
}

/// What a run of epochs that can be interrupted between batches produces.
[<NoComparison>]
type internal EpochEvent =
    /// An epoch completed.
    | Finished of EpochReport
    /// The caller asked to stop before the next batch: the state reached and the batches of the
    /// unfinished epoch that ran.
    | Stopped of TrainingState * int

/// Advances a training run one batch at a time. Internal to one enumeration of a training sequence:
/// it never escapes it, so the functions built on it stay pure.
[<AbstractClass>]
type internal Stepper() =
    /// One update on one batch, its samples weighted by `weights` (empty: unweighted); returns the
    /// batch's cost (computed before the update).
    abstract Step:
        ws: Workspace * input: ReadOnlySpan<float> * labels: ReadOnlySpan<int> * weights: ReadOnlySpan<float> -> float

    /// Counts a completed epoch.
    abstract EndEpoch: unit -> unit
    /// The state reached so far, as an immutable value that no later step changes.
    abstract State: TrainingState
