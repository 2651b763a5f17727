/// Training as a fold of a pure step over batches. Every intermediate state is a value that a
/// caller can keep, inspect, compare or resume from; the sequences are lazy.
namespace Perceptron.Core

open System
open System.Runtime.CompilerServices

/// Training functions.
[<RequireQualifiedAccess>]
module Training =
    /// The cost of a network on data, as training reports it: cross-entropy plus the optimizer's L2 penalty.
    [<CompiledName("Cost")>]
    let cost (optimizer: Optimizer) (network: Network) (features: float[,]) (labels: int[]) =
        TrainingRuns.penalised (Optimizer.l2 optimizer) network.Layers (Propagation.cost network features labels)

    /// The state before any step.
    [<CompiledName("Init")>]
    let init (optimizer: Optimizer) (network: Network) = {
        Network = Network.validate network
        OptimizerState = optimizer.Init network
        Step = 0
        Epoch = 0
        Cost = Double.NaN
        Gradients = None
    }

    /// One update on one batch: propagate, then the optimizer's update. Pure.
    let internal stepWith
        (ws: Workspace)
        (optimizer: Optimizer)
        (scale: float)
        (input: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (sampleWeights: ReadOnlySpan<float>)
        (state: TrainingState)
        =
        let layers = List.toArray state.Network.Layers
        let weights, bias = Propagation.zeroGradients layers

        let cost =
            Propagation.propagateInto ws layers input labels sampleWeights weights bias

        let cost = TrainingRuns.penalised (Optimizer.l2 optimizer) state.Network.Layers cost
        let gradients = Propagation.toGradients weights bias

        let network, optimizerState =
            Optimizer.updateScaled optimizer scale gradients state.OptimizerState state.Network

        {
            state with
                Network = network
                OptimizerState = optimizerState
                Step = state.Step + 1
                Cost = cost
                Gradients = Some gradients
        }

    /// One full-batch update on the given samples (features samples x inputs, labels per sample), which
    /// make one epoch: Step and Epoch both advance, so a fold of `step` over the same samples gives the
    /// states of `steps optimizer None`, field for field, and `steps` resumes from it. Pure. (For seeded
    /// mini-batches take the states of `steps`: a step on one batch cannot know where its epoch ends.)
    [<CompiledName("Step")>]
    let step (optimizer: Optimizer) (features: float[,]) (labels: int[]) (state: TrainingState) =
        Checks.forNetwork state.Network features
        Checks.labelsForNetwork state.Network (features.GetLength 0) labels
        let ws = Workspace(state.Network, labels.Length)

        let next =
            stepWith ws optimizer 1.0 (Buffers.readOnly2 features) (ReadOnlySpan<int> labels) ReadOnlySpan.Empty state

        { next with Epoch = state.Epoch + 1 }

    /// step with sample weights: the cost is the weighted mean Σ wᵢ Lᵢ / Σ wᵢ and the update follows its
    /// gradients, so integer weights step as repeated samples would. Pure.
    [<CompiledName("StepWeighted")>]
    let stepWeighted
        (optimizer: Optimizer)
        (features: float[,])
        (labels: int[])
        (weights: float[])
        (state: TrainingState)
        =
        Checks.forNetwork state.Network features
        Checks.labelsForNetwork state.Network (features.GetLength 0) labels
        SampleWeights.check "sampleWeights" labels.Length weights
        let ws = Workspace(state.Network, labels.Length)
        let weights = ReadOnlySpan<float>(SampleWeights.normalized weights)

        let next =
            stepWith ws optimizer 1.0 (Buffers.readOnly2 features) (ReadOnlySpan<int> labels) weights state

        { next with Epoch = state.Epoch + 1 }

    /// The reference stepper: a fold of the pure step, one new immutable state per update.
    type internal PureStepper(optimizer: Optimizer, rate: int -> float, start: TrainingState) =
        inherit Stepper()
        let mutable state = start

        override _.Step(ws, input, labels, weights) =
            state <- stepWith ws optimizer (rate state.Epoch) input labels weights state
            state.Cost

        override _.EndEpoch() =
            state <- { state with Epoch = state.Epoch + 1 }

        override _.State = state

    /// The fastest stepper for an optimizer: in place for a built-in one (also under L2), else the pure fold.
    let internal stepper (optimizer: Optimizer) (rate: int -> float) (start: TrainingState) : Stepper =
        match Optimizer.tryRule optimizer with
        | Some rule -> Engine(rule, Optimizer.l2 optimizer, rate, start)
        | None -> PureStepper(optimizer, rate, start)

    /// The optimizer's own learning rate every epoch.
    let private unscheduled (_: int) = 1.0

    // Messages built in functions of their own, called only on failure: a check that held the interpolated
    // string would load its format's types when compiled, on the first training call of a process (issue 12).

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private negativeBefore (before: int) : unit =
        invalidArg "options" $"EpochsBefore is {before}; expected a number of epochs >= 0"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private notPositive (name: string) (value: int) : unit =
        invalidArg "options" $"{name} is {value}; expected at least 1"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private negativeTolerance (tolerance: float) : unit =
        invalidArg "options" $"Tolerance is {tolerance}; expected >= 0"

    /// The factor of the learning rate for a state's Epoch under a schedule, in a run that had `before`
    /// epochs before the state's epoch 0 and ends after `total` epochs in all. Raises ArgumentException for
    /// a schedule out of range, or one that would scale a custom optimizer.
    let internal rates (optimizer: Optimizer) (schedule: Schedule) (before: int) (total: int) =
        Schedule.check "schedule" schedule

        if before < 0 then
            negativeBefore before

        // Schedule.constant, tested without the record's structural equality (its JIT cost; issue 12).
        if schedule.Warmup = 0 && schedule.Decay.IsConstant then
            unscheduled
        else
            if (Optimizer.kind optimizer).IsNone then
                invalidArg "schedule" "a learning-rate schedule needs a built-in optimizer (gd, momentum or adam)"

            fun epoch -> Schedule.factor schedule total (before + epoch)

    /// The order of the samples in an epoch: a permutation drawn from (seed, epoch) alone, so that
    /// training resumed from any state sees the same batches.
    [<CompiledName("EpochOrder")>]
    let epochOrder (seed: int) (epoch: int) (samples: int) =
        TrainingRuns.epochOrder seed epoch samples

    /// Runs a stepper from `start` over batches, lazily and without end; yields, after each update, the
    /// stepper (whose State is the state after that update), the batch's cost and size, and whether the
    /// update completed an epoch. Each enumeration makes its own stepper, so enumerations are independent.
    /// `weights` are checked sample weights of mean 1 (SampleWeights.normalized), or None.
    let internal batchSteps
        (makeStepper: TrainingState -> Stepper)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (weights: float[] option)
        (start: TrainingState)
        =
        let runs =
            TrainingRuns.batchRuns makeStepper batchSize seed features labels weights start

        seq {
            let run = runs ()

            while true do
                yield run.Next()
        }

    /// The pure step's states of batchSteps at the learning rate `rate` gives each epoch.
    let private pureStates optimizer rate batchSize seed features labels weights start =
        batchSteps (fun start -> PureStepper(optimizer, rate, start)) batchSize seed features labels weights start
        |> Seq.map (fun struct (stepper: Stepper, _, _, _) -> stepper.State)

    /// Sample weights checked and scaled to a mean of 1, as the weighted folds use them.
    let private normalizedWeights (labels: int[]) (weights: float[]) =
        SampleWeights.check "sampleWeights" labels.Length weights
        Some(SampleWeights.normalized weights)

    /// The states after each update, lazily and without end: full batch (None) or seeded mini-batches
    /// reshuffled every epoch, resuming from the given state. Take as many as you need.
    [<CompiledName("Steps")>]
    let steps
        (optimizer: Optimizer)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (start: TrainingState)
        =
        // The reference path: every state is the pure step's own value.
        pureStates optimizer unscheduled batchSize seed features labels None start

    /// steps with sample weights (see stepWeighted): each batch's cost is Σ wᵢ Lᵢ over its samples divided
    /// by its size times the mean weight, so that an epoch's batches average to the weighted mean.
    [<CompiledName("StepsWeighted")>]
    let stepsWeighted optimizer batchSize seed (features: float[,]) (labels: int[]) (weights: float[]) start =
        pureStates optimizer unscheduled batchSize seed features labels (normalizedWeights labels weights) start

    /// The states of `steps` with the learning rate of a schedule: the states' epoch e runs at the rate of
    /// epoch `before` + e of training (`before`: epochs trained before the start state's epoch 0, as a warm
    /// start's), in a run of `total` epochs in all (cosine's end). The pure fold that `fit` matches.
    [<CompiledName("ScheduledSteps")>]
    let scheduledSteps
        (schedule: Schedule)
        (before: int)
        (total: int)
        (optimizer: Optimizer)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (start: TrainingState)
        =
        let rate = rates optimizer schedule before total
        pureStates optimizer rate batchSize seed features labels None start

    /// scheduledSteps with sample weights (see stepsWeighted): the pure fold that a weighted `fit` matches.
    [<CompiledName("ScheduledStepsWeighted")>]
    let scheduledStepsWeighted
        (schedule: Schedule)
        (before: int)
        (total: int)
        (optimizer: Optimizer)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (weights: float[])
        (start: TrainingState)
        =
        let rate = rates optimizer schedule before total
        pureStates optimizer rate batchSize seed features labels (normalizedWeights labels weights) start

    /// The epochs of `epochs`, checking `stopRequested` before every batch: when it says true, the
    /// sequence yields Stopped with the last completed state and ends.
    let internal epochEvents
        (optimizer: Optimizer)
        (rate: int -> float)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (weights: float[] option)
        (validation: (float[,] * int[]) option)
        (validationWeights: float[] option)
        (stopRequested: unit -> bool)
        (start: TrainingState)
        =
        let runs =
            TrainingRuns.epochRuns
                false // the sequence's maker checks the features now
                optimizer
                (stepper optimizer rate)
                batchSize
                seed
                features
                labels
                weights
                validation
                validationWeights
                stopRequested
                start

        seq {
            let run = runs ()
            let mutable running = true

            while running do
                let event = run.Next()

                match event with
                | Stopped _ -> running <- false
                | Finished _ -> ()

                yield event
        }

    /// A summary per completed epoch, lazily and without end; the validation cost is computed when
    /// validation data is given.
    [<CompiledName("Epochs")>]
    let epochs
        (optimizer: Optimizer)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (validation: (float[,] * int[]) option)
        (start: TrainingState)
        =
        epochEvents optimizer unscheduled batchSize seed features labels None validation None (fun () -> false) start
        |> Seq.choose (function
            | Finished report -> Some report
            | Stopped _ -> None)

    /// Every weight and bias of the layers is finite. Loops, not List.forall and Array.forall: their generic
    /// code would cost every process's first training call JIT time (issue 12).
    let private allFinite (layers: Layer list) =
        let mutable finite = true

        for l in layers do
            if finite then
                finite <- Buffers.firstNonFinite l.Weights < 0

                for b in l.Bias do
                    finite <- finite && Double.IsFinite b

        finite

    /// Runs epochs until Epochs, early stopping, divergence, `proceed` returning false after an epoch
    /// (the caller's hook for progress; it sees each epoch's report) or `stopRequested` returning true
    /// before a batch (the caller's cancellation, checked between batches). An interrupted run's State is
    /// the last completed step, and Batch says how far into its epoch it got. On shuffled batches of at
    /// least 4M feature values, a non-finite feature is found as the first epoch gathers its batches, so it
    /// is reported before the step of its batch rather than before the first (same message and cell).
    [<CompiledName("FitUntil")>]
    let fitUntil
        (optimizer: Optimizer)
        (options: FitOptions)
        (features: float[,])
        (labels: int[])
        (start: TrainingState)
        (proceed: EpochReport -> bool)
        (stopRequested: unit -> bool)
        =
        if options.Epochs < 1 then
            notPositive "Epochs" options.Epochs

        match options.EarlyStopping with
        | Some e when e.Patience < 1 -> notPositive "Patience" e.Patience
        | Some e when not (e.Tolerance >= 0.0) -> negativeTolerance e.Tolerance
        | Some _ when options.Validation.IsNone -> invalidArg "options" "early stopping needs validation data"
        | _ -> ()

        let reports =
            (TrainingRuns.epochRuns
                true // the first epoch's gather checks the features
                optimizer
                (stepper
                    optimizer
                    (rates
                        optimizer
                        options.Schedule
                        options.EpochsBefore
                        (options.EpochsBefore + start.Epoch + options.Epochs)))
                options.BatchSize
                options.Seed
                features
                labels
                options.SampleWeights
                options.Validation
                options.ValidationWeights
                stopRequested
                start) ()

        // Under early stopping a run that completes or stops early returns the best network by
        // validation cost; an interrupted run returns its last state, as the caller asked to stop there.
        let result (last: TrainingState) history (best: (float * TrainingState) option) reason batch =
            let chosen =
                match best, reason with
                | Some(_, b), (Completed | EarlyStopped) when options.EarlyStopping.IsSome -> b
                | _ -> last

            {
                Network = chosen.Network
                State = last
                Costs = CostHistory.costs history
                ValidationCosts = CostHistory.validationCosts history
                Reason = reason
                BestEpoch = chosen.Epoch
                Batch = batch
                CostEpochs = CostHistory.epochs history
            }

        let tolerance =
            options.EarlyStopping |> Option.map _.Tolerance |> Option.defaultValue 0.0

        // `prior` is the state one epoch before `last`: when the cost of an epoch is not finite, the
        // network it was measured on (`last`) is suspect, and `prior` is the last one known to be sound.
        // Early stopping reads each epoch's report; the history only records costs, thinned past its limit.
        let rec loop (last: TrainingState) (prior: TrainingState) history best waited =
            if last.Epoch - start.Epoch >= options.Epochs then
                result last history best Completed 0
            else
                match reports.Next() with
                | Stopped(state, batch) -> result state history best Interrupted batch
                | Finished report ->
                    // A cost can stay finite while a huge step overflows the weights: that is divergence too.
                    let finite =
                        Double.IsFinite report.Cost
                        && (match report.ValidationCost with
                            | Some v -> Double.IsFinite v
                            | None -> true)
                        && allFinite report.State.Network.Layers

                    if not finite then
                        result prior history best Diverged 0
                    else
                        let history = CostHistory.add report.Epoch report.Cost report.ValidationCost history

                        let best, waited =
                            match report.ValidationCost, best with
                            | Some v, Some(b, _) when v >= b - tolerance -> best, waited + 1
                            | Some v, _ -> Some(v, report.State), 0
                            | None, _ -> best, 0

                        if not (proceed report) then
                            result report.State history best Interrupted 0
                        elif options.EarlyStopping |> Option.exists (fun e -> waited >= e.Patience) then
                            result report.State history best EarlyStopped 0
                        else
                            loop report.State last history best waited

        loop start start CostHistory.empty None 0

    /// Runs epochs until Epochs, early stopping, divergence, or `proceed` returning false
    /// (the caller's hook for progress and cancellation; it sees each epoch's report).
    [<CompiledName("Fit")>]
    let fit
        (optimizer: Optimizer)
        (options: FitOptions)
        (features: float[,])
        (labels: int[])
        (start: TrainingState)
        (proceed: EpochReport -> bool)
        =
        fitUntil optimizer options features labels start proceed (fun () -> false)
