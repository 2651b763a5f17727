/// The runs that training drives: updates over batches, and epochs over those. Plain classes with a Next
/// method, so that fit drives them without the machinery of sequence expressions, whose generic code a
/// default application would compile on its first training call (issue 12); Training's lazy sequences
/// (batchSteps, epochEvents, and through them steps and epochs) yield what these runs return.
namespace Perceptron.Core

open System
open System.Runtime.CompilerServices

/// Runs of batches and of epochs.
module internal TrainingRuns =
    /// The batch's cost on the penalised objective: the cross-entropy plus the optimizer's L2 penalty of
    /// the network it was measured on. Adds nothing (bit for bit) without L2.
    let penalised (lambda: float) (layers: Layer list) (cost: float) =
        if lambda = 0.0 then
            cost
        else
            cost + Optimizer.layersPenalty lambda layers

    /// The order of the samples in an epoch: a permutation drawn from (seed, epoch) alone, so that
    /// training resumed from any state sees the same batches.
    let epochOrder (seed: int) (epoch: int) (samples: int) =
        Preprocessing.permutation (seed * 1000003 + epoch) samples

    // Apart from checkBatchSize, which every run calls: its interpolated string would cost JIT time
    // wherever it is compiled (issue 12).
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private badBatchSize (b: int) : unit =
        invalidArg "batchSize" $"batch size {b}; expected at least 1"

    let private checkBatchSize (batchSize: int option) =
        match batchSize with
        | Some b when b < 1 -> badBatchSize b
        | _ -> ()

    /// The batch that a run from `start` runs first: a state taken in the middle of an epoch resumes at
    /// its next batch.
    let private startPosition (start: TrainingState) (batches: int) =
        let p = start.Step - start.Epoch * batches
        if p < 0 || p >= batches then 0 else p

    /// batchShape's checks but the features' finiteness, which the gather takes on; a failing label check
    /// still reports a non-finite feature first, in the checks' usual order (a deferring run's batch size is
    /// valid: see batchShape). Apart from
    /// batchShape, so that a full-batch run (a first training call's) compiles none of it.
    let private checksLeavingFinite
        (batchSize: int option)
        (features: float[,])
        (labels: int[])
        (start: TrainingState)
        =
        Checks.featureShape "features" (Some start.Network.Inputs) features

        try
            Checks.labelsForNetwork start.Network (features.GetLength 0) labels
            checkBatchSize batchSize
        with :? ArgumentException ->
            Checks.finite "features" features
            reraise ()

        ScanCount.OnThisThread <- ScanCount.OnThisThread + 1
        ScanCount.Gathered <- ScanCount.Gathered + 1

    /// The batch size, the number of batches per epoch, and whether the features' finiteness is left to
    /// the run's gather, after checking the data against the start state's network and the batch size.
    /// With `gatherChecks`, a run that gathers a whole first epoch with Gather.rows (shuffled batches of
    /// data large enough, Gather.pays, from the start of an epoch) leaves the scan to its gather.
    let private batchShape
        (gatherChecks: bool)
        (batchSize: int option)
        (features: float[,])
        (labels: int[])
        (start: TrainingState)
        =
        // Before the checks, which name null arguments.
        let samples = if isNull labels then 0 else labels.Length

        let size =
            match batchSize with
            | Some b when b >= 1 && b < samples -> b
            | _ -> samples

        let batches = if size > 0 then (samples + size - 1) / size else 0

        let deferred =
            gatherChecks
            && size < samples
            && not (isNull features)
            && samples = features.GetLength 0
            && Gather.pays features.Length
            && startPosition start batches = 0

        if deferred then
            checksLeavingFinite batchSize features labels start
        else
            Checks.forNetwork start.Network features
            Checks.labelsForNetwork start.Network (features.GetLength 0) labels
            checkBatchSize batchSize

        struct (size, batches, deferred)

    /// One run of a stepper from `start` over batches (see batchSteps): its scratch buffers, which never
    /// leave it, its stepper and its position. A class rather than a sequence expression, so that fit
    /// drives it without the sequence machinery's generic code, which a default application would compile
    /// on its first training call (issue 12); batchSteps yields the same updates.
    type BatchRun
        (
            makeStepper: TrainingState -> Stepper,
            size: int,
            batches: int,
            seed: int,
            features: float[,],
            labels: int[],
            weights: float[] option,
            start: TrainingState,
            deferFinite: bool
        ) =
        let samples = labels.Length
        let inputs = features.GetLength 1
        let full = Workspace(start.Network, size)

        let tail =
            if samples % size = 0 then
                full
            else
                Workspace(start.Network, samples % size)

        let shuffled = size < samples
        let gathers = shuffled && Gather.pays features.Length

        let batchFeatures =
            if shuffled then
                Array.zeroCreate<float>(size * inputs)
            else
                Array.empty

        // Gathers alternate between two batches, likely because the batch of the last step was just read
        // by OpenBLAS's thread on the other core, and writing it again waits on that core giving up its
        // copies, while the one of the step before has left that core's cache. W2 (batches of 800 KB): the
        // gather took 43-47 ms an epoch on one batch, 28-31 ms on two, the epoch 0.377-0.380 s against
        // 0.359-0.365 s. Only where the two hold no more rows than the data: Resources.trainingBytes counts
        // one copy of the data for the batch.
        let mutable otherBatch =
            if gathers && 2 * size <= samples then
                Array.zeroCreate<float>(size * inputs)
            else
                batchFeatures

        let mutable batchFeatures = batchFeatures

        let batchLabels = if shuffled then Array.zeroCreate<int> size else labels

        let weights =
            match weights with
            | Some w -> w
            | None -> Array.empty

        let batchWeights =
            if shuffled && weights.Length > 0 then
                Array.zeroCreate<float> size
            else
                weights

        // A deferred check is a gathering run's (batchShape); a run that does not gather would never make it.
        do
            if deferFinite && not gathers then
                invalidOp "TrainingRuns: the finiteness check was left to a run that does not gather."

        let stepper =
            if deferFinite then
                // The scan before training came before the stepper's checks of the start state, so a
                // non-finite feature is still reported first.
                try
                    makeStepper start
                with :? ArgumentException ->
                    Checks.finite "features" features
                    reraise ()
            else
                makeStepper start

        let mutable epoch = start.Epoch
        let mutable position = startPosition start batches
        // Whether the features' finiteness is still to be established by the gather: until the first
        // epoch, which gathers every row, has completed (batchRuns defers only for a run that starts one).
        let mutable unchecked = deferFinite

        // The epoch's order of the samples, drawn when its first batch runs.
        let mutable order: int[] = null
        let mutable orderDrawn = false

        // The shuffled batch's rows, labels and weights, apart from Next, whose full-batch runs (a first
        // training call's) then compile none of it (issue 12).
        let gatherBatch (first: int) (count: int) =
            let last = batchFeatures
            batchFeatures <- otherBatch
            otherBatch <- last
            let rows = ReadOnlySpan<int>(order, first, count)

            if gathers then
                // Before the step: a non-finite value never reaches the network. The full scan names
                // the first bad cell in row-major order, whichever row the gather met first.
                if
                    not (Gather.rows (Buffers.readOnly2 features) inputs rows (Span<float> batchFeatures))
                    && unchecked
                then
                    Checks.finite "features" features
                    // The gather met a value that the scan no longer finds: the caller changed the data.
                    invalidOp "The features changed while training on them."
            else
                let source = Buffers.readOnly2 features

                for r in 0 .. count - 1 do
                    source.Slice(rows[r] * inputs, inputs).CopyTo(Span<float>(batchFeatures, r * inputs, inputs))

            for r in 0 .. count - 1 do
                let row = rows[r]
                batchLabels[r] <- labels[row]

                if weights.Length > 0 then
                    batchWeights[r] <- weights[row]

        /// Runs the next update: the stepper (whose State is the state after it), the batch's cost and
        /// size, and whether the update completed an epoch.
        member _.Next() : struct (Stepper * float * int * bool) =
            if not orderDrawn then
                order <- if shuffled then epochOrder seed epoch samples else null
                orderDrawn <- true

            let first = position * size
            let count = min size (samples - first)
            let ws = if count = size then full else tail

            let cost =
                if not shuffled then
                    stepper.Step(ws, Buffers.readOnly2 features, ReadOnlySpan<int> labels, ReadOnlySpan weights)
                else
                    gatherBatch first count

                    stepper.Step(
                        ws,
                        ReadOnlySpan<float>(batchFeatures, 0, count * inputs),
                        ReadOnlySpan<int>(batchLabels, 0, count),
                        ReadOnlySpan<float>(batchWeights, 0, (if weights.Length > 0 then count else 0))
                    )

            position <- position + 1
            let ended = position = batches

            if ended then
                unchecked <- false
                stepper.EndEpoch()
                epoch <- epoch + 1
                position <- 0
                orderDrawn <- false

            struct (stepper, cost, count, ended)

        /// Establishes now, with a full scan, the finiteness that the gather has not yet: for a run that
        /// stops before its first epoch completes, which would otherwise leave rows unchecked.
        member _.CheckRemaining() =
            if unchecked then
                Checks.finite "features" features
                unchecked <- false

    /// A BatchRun's maker, after checking the data and the batch size now: each call starts a fresh run.
    let batchRuns
        (makeStepper: TrainingState -> Stepper)
        (batchSize: int option)
        (seed: int)
        (features: float[,])
        (labels: int[])
        (weights: float[] option)
        (start: TrainingState)
        =
        let struct (size, batches, deferred) =
            batchShape false batchSize features labels start

        fun () -> BatchRun(makeStepper, size, batches, seed, features, labels, weights, start, deferred)

    /// One run of epochs (see epochEvents) over a BatchRun that it starts at its first batch. A class
    /// rather than a sequence expression, for the reason BatchRun is one.
    type EpochRun
        (
            optimizer: Optimizer,
            validation: (float[,] * int[]) option,
            validationWeights: float[] option,
            stopRequested: unit -> bool,
            runs: unit -> BatchRun,
            // Whether the runs leave the features' finiteness to their gather (see batchShape).
            deferred: bool,
            features: float[,],
            start: TrainingState
        ) =
        let mutable total = 0.0
        let mutable weight = 0
        let mutable batch = 0
        let mutable last = start
        // The run and its one stepper, from the first batch on (null before it).
        let mutable steps = Unchecked.defaultof<BatchRun>
        let mutable current = Unchecked.defaultof<Stepper>

        /// Runs batches until an epoch completes (Finished) or `stopRequested` says true before a batch
        /// (Stopped, with the last completed state; call no further).
        member _.Next() : EpochEvent =
            let mutable event = Unchecked.defaultof<EpochEvent>

            while obj.ReferenceEquals(event, null) do
                if stopRequested () then
                    // A run that stops before its gather has seen every row still rejects a non-finite value,
                    // as the scan before training did.
                    // Before the first batch no run is built: the scan alone, as before training.
                    if obj.ReferenceEquals(steps, null) then
                        if deferred then
                            Checks.finite "features" features
                    else
                        steps.CheckRemaining()

                    // Mid-epoch, the state is copied out of the stepper only now, as training stops here.
                    event <- Stopped((if batch = 0 then last else current.State), batch)
                else
                    if obj.ReferenceEquals(steps, null) then
                        steps <- runs ()

                    let struct (stepper, batchCost, count, ended) = steps.Next()
                    current <- stepper
                    // Weighted by batch size, so that the epoch cost is the mean over samples.
                    total <- total + batchCost * float count
                    weight <- weight + count
                    batch <- batch + 1

                    if ended then
                        let state = stepper.State
                        last <- state

                        event <-
                            Finished {
                                Epoch = state.Epoch
                                Cost = total / float weight
                                // Checked once by epochRuns, not once per epoch.
                                ValidationCost =
                                    match validation with
                                    | Some(vx, vy) ->
                                        Some(
                                            penalised
                                                (Optimizer.l2 optimizer)
                                                state.Network.Layers
                                                (snd (
                                                    Propagation.propagateUncheckedWeighted
                                                        state.Network
                                                        vx
                                                        vy
                                                        validationWeights
                                                ))
                                        )
                                    | None -> None
                                State = state
                            }

                        total <- 0.0
                        weight <- 0
                        batch <- 0

            event

    /// An EpochRun's maker, after checking the data and weights now: each call starts a fresh run. With
    /// `gatherChecks` (fit, which runs its epochs at once), the features' finiteness is checked as the first
    /// epoch gathers its shuffled batches, each batch before its step, instead of in a pass of its own over
    /// the data (15-20 ms of W2's epoch of about 0.4 s), with the same message for the same cell (see
    /// batchShape); not for the lazy sequences, whose callers expect a bad value rejected when they are made.
    let epochRuns
        (gatherChecks: bool)
        (optimizer: Optimizer)
        (makeStepper: TrainingState -> Stepper)
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
        match validation with
        | Some(vx, vy) ->
            Checks.forNetwork start.Network vx
            Checks.labelsForNetwork start.Network (vx.GetLength 0) vy
        | None -> ()

        // Of mean 1 over each set, so that each cost is that set's weighted mean.
        let normalized (name: string) samples weights =
            match weights with
            | Some w ->
                SampleWeights.check name samples w
                Some(SampleWeights.normalized w)
            | None -> None

        let weights = normalized "sampleWeights" labels.Length weights

        let validationWeights =
            match validation with
            | Some(_, vy) -> normalized "validationWeights" vy.Length validationWeights
            | None -> None

        // Checked here, so that the checks run now, not at the first batch.
        let struct (size, batches, deferred) =
            batchShape gatherChecks batchSize features labels start

        let runs () =
            BatchRun(makeStepper, size, batches, seed, features, labels, weights, start, deferred)

        fun () -> EpochRun(optimizer, validation, validationWeights, stopRequested, runs, deferred, features, start)
