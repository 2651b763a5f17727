/// Training as a fold of a pure step over batches. Every intermediate state is a value that a
/// caller can keep, inspect, compare or resume from; the sequences are lazy.
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
    /// The mean cost over the epoch's batches (each computed before its update, L2 penalty included).
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
    /// One update on one batch; returns the batch's cost (computed before the update).
    abstract Step: ws: Workspace * input: ReadOnlySpan<float> * labels: ReadOnlySpan<int> -> float
    /// Counts a completed epoch.
    abstract EndEpoch: unit -> unit
    /// The state reached so far, as an immutable value that no later step changes.
    abstract State: TrainingState

/// The same steps on buffers of its own: parameters, gradients and optimizer state are updated in place
/// by the optimizer's rule, with the arithmetic of its pure Update, so the states it reports are
/// bit-identical to the pure fold's. No parameter-sized array is allocated per step; State copies the
/// buffers out. `lambda` is the optimizer's L2 coefficient, for the reported cost.
type internal Engine(rule: UpdateRule, lambda: float, start: TrainingState) =
    inherit Stepper()

    static let copy = Optimizer.copyGradients

    let layers = start.Network.Layers |> List.map Network.copyLayer |> List.toArray
    // The same Layer values as `layers`, whose arrays the steps update in place.
    let layerList = List.ofArray layers

    let gradientWeights, gradientBias = Propagation.zeroGradients layers
    let scratchWeights, scratchBias = Propagation.zeroGradients layers
    let imported, importedSlots = rule.Import start.OptimizerState
    let slots = importedSlots |> Array.map copy
    let mutable updates = imported
    let mutable step = start.Step
    let mutable epoch = start.Epoch
    let mutable cost = start.Cost
    let mutable hasGradients = false

    do
        if slots.Length <> rule.Slots then
            invalidArg "start" "the optimizer state does not belong to this optimizer"

        slots
        |> Array.iter (fun slot -> Optimizer.checkShaped "start" "the optimizer state's arrays" slot start.Network)

    override _.Step(ws, input, labels) =
        cost <- Propagation.propagateInto ws layers input labels gradientWeights gradientBias

        if lambda <> 0.0 then
            cost <- cost + Optimizer.layersPenalty lambda layerList

        updates <- updates + 1

        for l in 0 .. layers.Length - 1 do
            let layer = layers[l]
            let scratch = Buffers.span2 scratchWeights[l]
            (Buffers.readOnly2 gradientWeights[l]).CopyTo scratch

            rule.Apply(
                updates,
                true,
                Buffers.span2 layer.Weights,
                scratch,
                Optimizer.slotWeights slots 0 l,
                Optimizer.slotWeights slots 1 l
            )

            let scratch = Span<float>(scratchBias[l])
            ReadOnlySpan<float>(gradientBias[l]).CopyTo scratch

            rule.Apply(
                updates,
                false,
                Span<float> layer.Bias,
                scratch,
                Optimizer.slotBias slots 0 l,
                Optimizer.slotBias slots 1 l
            )

        step <- step + 1
        hasGradients <- true
        cost

    override _.EndEpoch() = epoch <- epoch + 1

    override _.State = {
        Network = {
            Layers = layers |> Array.map Network.copyLayer |> Array.toList
        }
        OptimizerState = rule.Export(updates, slots |> Array.map copy)
        Step = step
        Epoch = epoch
        Cost = cost
        Gradients =
            if hasGradients then
                Some(copy (Propagation.toGradients gradientWeights gradientBias))
            else
                start.Gradients
    }

/// Training functions.
[<RequireQualifiedAccess>]
module Training =
    /// The batch's cost on the penalised objective: the cross-entropy plus the optimizer's L2 penalty of
    /// the network it was measured on. Adds nothing (bit for bit) without L2.
    let private penalised (lambda: float) (layers: Layer list) (cost: float) =
        if lambda = 0.0 then
            cost
        else
            cost + Optimizer.layersPenalty lambda layers

    /// The cost of a network on data, as training reports it: cross-entropy plus the optimizer's L2 penalty.
    [<CompiledName("Cost")>]
    let cost (optimizer: Optimizer) (network: Network) (features: float[,]) (labels: int[]) =
        penalised (Optimizer.l2 optimizer) network.Layers (Propagation.cost network features labels)

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
        (input: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (state: TrainingState)
        =
        let layers = List.toArray state.Network.Layers
        let weights, bias = Propagation.zeroGradients layers
        let cost = Propagation.propagateInto ws layers input labels weights bias
        let cost = penalised (Optimizer.l2 optimizer) state.Network.Layers cost
        let gradients = Propagation.toGradients weights bias

        let network, optimizerState =
            optimizer.Update gradients state.OptimizerState state.Network

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
            stepWith ws optimizer (Buffers.readOnly2 features) (ReadOnlySpan<int> labels) state

        { next with Epoch = state.Epoch + 1 }

    /// The reference stepper: a fold of the pure step, one new immutable state per update.
    type internal PureStepper(optimizer: Optimizer, start: TrainingState) =
        inherit Stepper()
        let mutable state = start

        override _.Step(ws, input, labels) =
            state <- stepWith ws optimizer input labels state
            state.Cost

        override _.EndEpoch() =
            state <- { state with Epoch = state.Epoch + 1 }

        override _.State = state

    /// The fastest stepper for an optimizer: in place for a built-in one (also under L2), else the pure fold.
    let internal stepper (optimizer: Optimizer) (start: TrainingState) : Stepper =
        match Optimizer.tryRule optimizer with
        | Some rule -> Engine(rule, Optimizer.l2 optimizer, start)
        | None -> PureStepper(optimizer, start)

    /// The order of the samples in an epoch: a permutation drawn from (seed, epoch) alone, so that
    /// training resumed from any state sees the same batches.
    [<CompiledName("EpochOrder")>]
    let epochOrder (seed: int) (epoch: int) (samples: int) =
        Preprocessing.permutation (seed * 1000003 + epoch) samples

    let private checkBatchSize (batchSize: int option) =
        match batchSize with
        | Some b when b < 1 -> invalidArg "batchSize" $"batch size {b}; expected at least 1"
        | _ -> ()

    /// Runs a stepper from `start` over batches, lazily and without end; yields, after each update, the
    /// stepper (whose State is the state after that update), the batch's cost and size, and whether the
    /// update completed an epoch. Each enumeration makes its own stepper, so enumerations are independent.
    let internal batchSteps
        (makeStepper: TrainingState -> Stepper)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (start: TrainingState)
        =
        Checks.forNetwork start.Network features
        Checks.labelsForNetwork start.Network (features.GetLength 0) labels
        checkBatchSize batchSize
        let samples = labels.Length
        let inputs = features.GetLength 1

        let size =
            match batchSize with
            | Some b when b < samples -> b
            | _ -> samples

        let batches = (samples + size - 1) / size

        seq {
            // Scratch buffers live as long as this enumeration and never leave it.
            let full = Workspace(start.Network, size)

            let tail =
                if samples % size = 0 then
                    full
                else
                    Workspace(start.Network, samples % size)

            let shuffled = size < samples

            let batchFeatures =
                if shuffled then
                    Array.zeroCreate<float>(size * inputs)
                else
                    Array.empty

            let batchLabels = if shuffled then Array.zeroCreate<int> size else labels
            let stepper = makeStepper start
            let mutable epoch = start.Epoch
            // A state taken in the middle of an epoch resumes at its next batch.
            let mutable position = start.Step - start.Epoch * batches

            if position < 0 || position >= batches then
                position <- 0

            while true do
                let order = if shuffled then epochOrder seed epoch samples else null

                while position < batches do
                    let first = position * size
                    let count = min size (samples - first)
                    let ws = if count = size then full else tail

                    let cost =
                        if not shuffled then
                            stepper.Step(ws, Buffers.readOnly2 features, ReadOnlySpan<int> labels)
                        else
                            let source = Buffers.readOnly2 features

                            for r in 0 .. count - 1 do
                                let row = order[first + r]

                                source
                                    .Slice(row * inputs, inputs)
                                    .CopyTo(Span<float>(batchFeatures, r * inputs, inputs))

                                batchLabels[r] <- labels[row]

                            stepper.Step(
                                ws,
                                ReadOnlySpan<float>(batchFeatures, 0, count * inputs),
                                ReadOnlySpan<int>(batchLabels, 0, count)
                            )

                    position <- position + 1
                    let ended = position = batches

                    if ended then
                        stepper.EndEpoch()
                        epoch <- epoch + 1

                    yield struct (stepper, cost, count, ended)

                position <- 0
        }

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
        batchSteps (fun start -> PureStepper(optimizer, start)) batchSize seed features labels start
        |> Seq.map (fun struct (stepper, _, _, _) -> stepper.State)

    /// The epochs of `epochs`, checking `stopRequested` before every batch: when it says true, the
    /// sequence yields Stopped with the last completed state and ends.
    let internal epochEvents
        (optimizer: Optimizer)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (validation: (float[,] * int[]) option)
        (stopRequested: unit -> bool)
        (start: TrainingState)
        =
        validation
        |> Option.iter (fun (vx, vy) ->
            Checks.forNetwork start.Network vx
            Checks.labelsForNetwork start.Network (vx.GetLength 0) vy)

        // Called here, so that its checks run when the sequence is made, not when it is first read.
        let batches = batchSteps (stepper optimizer) batchSize seed features labels start

        seq {
            let mutable total = 0.0
            let mutable weight = 0
            let mutable batch = 0
            let mutable last = start
            let mutable current: Stepper option = None
            let mutable running = true
            use steps = batches.GetEnumerator()

            while running do
                if stopRequested () then
                    running <- false
                    // Mid-epoch, the state is copied out of the stepper only now, as training stops here.
                    yield Stopped((if batch = 0 then last else current.Value.State), batch)
                else
                    steps.MoveNext() |> ignore
                    let struct (stepper, batchCost, count, ended) = steps.Current
                    // One stepper serves the whole enumeration.
                    if current.IsNone then
                        current <- Some stepper

                    // Weighted by batch size, so that the epoch cost is the mean over samples.
                    total <- total + batchCost * float count
                    weight <- weight + count
                    batch <- batch + 1

                    if ended then
                        let state = stepper.State
                        last <- state

                        yield
                            Finished {
                                Epoch = state.Epoch
                                Cost = total / float weight
                                // Checked once above, not once per epoch.
                                ValidationCost =
                                    validation
                                    |> Option.map (fun (vx, vy) ->
                                        penalised
                                            (Optimizer.l2 optimizer)
                                            state.Network.Layers
                                            (snd (Propagation.propagateUnchecked state.Network vx vy)))
                                State = state
                            }

                        total <- 0.0
                        weight <- 0
                        batch <- 0
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
        epochEvents optimizer batchSize seed features labels validation (fun () -> false) start
        |> Seq.choose (function
            | Finished report -> Some report
            | Stopped _ -> None)

    /// Runs epochs until Epochs, early stopping, divergence, `proceed` returning false after an epoch
    /// (the caller's hook for progress; it sees each epoch's report) or `stopRequested` returning true
    /// before a batch (the caller's cancellation, checked between batches). An interrupted run's State is
    /// the last completed step, and Batch says how far into its epoch it got.
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
            invalidArg "options" $"Epochs is {options.Epochs}; expected at least 1"

        match options.EarlyStopping, options.Validation with
        | Some e, _ when e.Patience < 1 -> invalidArg "options" $"Patience is {e.Patience}; expected at least 1"
        | Some e, _ when not (e.Tolerance >= 0.0) -> invalidArg "options" $"Tolerance is {e.Tolerance}; expected >= 0"
        | Some _, None -> invalidArg "options" "early stopping needs validation data"
        | _ -> ()

        use reports =
            (epochEvents optimizer options.BatchSize options.Seed features labels options.Validation stopRequested start)
                .GetEnumerator()

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
                reports.MoveNext() |> ignore

                match reports.Current with
                | Stopped(state, batch) -> result state history best Interrupted batch
                | Finished report ->
                    // A cost can stay finite while a huge step overflows the weights: that is divergence too.
                    let finite =
                        Double.IsFinite report.Cost
                        && report.ValidationCost |> Option.forall Double.IsFinite
                        && report.State.Network.Layers
                           |> List.forall (fun l ->
                               Buffers.firstNonFinite l.Weights < 0 && Array.forall Double.IsFinite l.Bias)

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
