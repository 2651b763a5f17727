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

    /// The batch size and the number of batches per epoch, after checking the data against the start
    /// state's network and the batch size.
    let private batchShape (batchSize: int option) (features: float[,]) (labels: int[]) (start: TrainingState) =
        Checks.forNetwork start.Network features
        Checks.labelsForNetwork start.Network (features.GetLength 0) labels
        checkBatchSize batchSize
        let samples = labels.Length

        let size =
            match batchSize with
            | Some b when b < samples -> b
            | _ -> samples

        size, (samples + size - 1) / size

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
            start: TrainingState
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

        let batchFeatures =
            if shuffled then
                Array.zeroCreate<float>(size * inputs)
            else
                Array.empty

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

        let stepper = makeStepper start
        let mutable epoch = start.Epoch
        // A state taken in the middle of an epoch resumes at its next batch.
        let mutable position =
            let p = start.Step - start.Epoch * batches
            if p < 0 || p >= batches then 0 else p

        // The epoch's order of the samples, drawn when its first batch runs.
        let mutable order: int[] = null
        let mutable orderDrawn = false

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
                    let source = Buffers.readOnly2 features

                    for r in 0 .. count - 1 do
                        let row = order[first + r]

                        source.Slice(row * inputs, inputs).CopyTo(Span<float>(batchFeatures, r * inputs, inputs))

                        batchLabels[r] <- labels[row]

                        if weights.Length > 0 then
                            batchWeights[r] <- weights[row]

                    stepper.Step(
                        ws,
                        ReadOnlySpan<float>(batchFeatures, 0, count * inputs),
                        ReadOnlySpan<int>(batchLabels, 0, count),
                        ReadOnlySpan<float>(batchWeights, 0, (if weights.Length > 0 then count else 0))
                    )

            position <- position + 1
            let ended = position = batches

            if ended then
                stepper.EndEpoch()
                epoch <- epoch + 1
                position <- 0
                orderDrawn <- false

            struct (stepper, cost, count, ended)

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
        let size, batches = batchShape batchSize features labels start
        fun () -> BatchRun(makeStepper, size, batches, seed, features, labels, weights, start)

    /// One run of epochs (see epochEvents) over a BatchRun that it starts at its first batch. A class
    /// rather than a sequence expression, for the reason BatchRun is one.
    type EpochRun
        (
            optimizer: Optimizer,
            validation: (float[,] * int[]) option,
            validationWeights: float[] option,
            stopRequested: unit -> bool,
            runs: unit -> BatchRun,
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

    /// An EpochRun's maker, after checking the data and weights now: each call starts a fresh run.
    let epochRuns
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

        // Made here, so that its checks run now, not at the first batch.
        let runs = batchRuns makeStepper batchSize seed features labels weights start

        fun () -> EpochRun(optimizer, validation, validationWeights, stopRequested, runs, start)
