/// The in-place engine: training's steps on buffers of its own, for speed; the states it reports are
/// bit-identical to the fold of the pure step (see Training).
namespace Perceptron.Core

open System

/// The same steps on buffers of its own: parameters, gradients and optimizer state are updated in place
/// by the optimizer's rule, with the arithmetic of its pure Update, so the states it reports are
/// bit-identical to the pure fold's. No parameter-sized array is allocated per step; State copies the
/// buffers out. `lambda` is the optimizer's L2 coefficient, for the reported cost; `rate` gives the
/// learning rate's factor for a state's Epoch (the schedule's).
type internal Engine(rule: UpdateRule, lambda: float, rate: int -> float, start: TrainingState) =
    inherit Stepper()

    static let copy = Optimizer.copyGradients

    let layers = start.Network.Layers |> List.map Network.copyLayer |> List.toArray
    // The same Layer values as `layers`, whose arrays the steps update in place.
    let layerList = List.ofArray layers

    let gradientWeights, gradientBias = Propagation.zeroGradients layers
    let keeps = rule.KeepsGradient

    let scratchWeights, scratchBias =
        if keeps then
            Array.empty, Array.empty
        else
            Propagation.zeroGradients layers

    let imported, importedSlots = rule.Import start.OptimizerState
    let slots = importedSlots |> Array.map copy
    let mutable updates = imported
    let mutable step = start.Step
    let mutable epoch = start.Epoch
    let mutable cost = start.Cost
    let mutable hasGradients = false
    let mutable scale = rate start.Epoch

    do
        if slots.Length <> rule.Slots then
            invalidArg "start" "the optimizer state does not belong to this optimizer"

        slots
        |> Array.iter (fun slot -> Optimizer.checkShaped "start" "the optimizer state's arrays" slot start.Network)

    override _.Step(ws, input, labels, weights) =
        cost <- Propagation.propagateInto ws layers input labels weights gradientWeights gradientBias

        if lambda <> 0.0 then
            cost <- cost + Optimizer.layersPenalty lambda layerList

        updates <- updates + 1

        for l in 0 .. layers.Length - 1 do
            let layer = layers[l]
            // The gradients stay for State; a rule that only reads them gets them without a copy.
            let scratch =
                if keeps then
                    Buffers.span2 gradientWeights[l]
                else
                    let scratch = Buffers.span2 scratchWeights[l]
                    (Buffers.readOnly2 gradientWeights[l]).CopyTo scratch
                    scratch

            rule.Apply(
                updates,
                scale,
                true,
                Buffers.span2 layer.Weights,
                scratch,
                Optimizer.slotWeights slots 0 l,
                Optimizer.slotWeights slots 1 l
            )

            let scratch =
                if keeps then
                    Span<float>(gradientBias[l])
                else
                    let scratch = Span<float>(scratchBias[l])
                    ReadOnlySpan<float>(gradientBias[l]).CopyTo scratch
                    scratch

            rule.Apply(
                updates,
                scale,
                false,
                Span<float> layer.Bias,
                scratch,
                Optimizer.slotBias slots 0 l,
                Optimizer.slotBias slots 1 l
            )

        step <- step + 1
        hasGradients <- true
        cost

    override _.EndEpoch() =
        epoch <- epoch + 1
        scale <- rate epoch

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
