/// Optimizers as pairs of pure functions, in the manner of Optax's GradientTransformation:
/// `Init` makes the state for a network, `Update` returns a new network and a new state.
namespace Perceptron.Core

open System
open System.Numerics.Tensors

/// What an optimizer carries from one step to the next.
type OptimizerState =
    /// Gradient descent needs nothing.
    | Stateless
    /// Momentum: the velocity of each parameter.
    | Velocity of velocity: Gradients
    /// Adam: the number of steps taken and the first and second moment estimates.
    | Moments of step: int * first: Gradients * second: Gradients

/// An optimizer: Init and Update never mutate their arguments.
[<NoEquality; NoComparison>]
type Optimizer = {
    /// A short description, e.g. "adam(lr=0.001)".
    Name: string
    /// The initial state for a network.
    Init: Network -> OptimizerState
    /// Applies gradients: (gradients, state, network) -> (network', state').
    Update: Gradients -> OptimizerState -> Network -> Network * OptimizerState
}

/// An optimizer's arithmetic on one parameter array, in place. Optimizers built by this module are
/// made from one; `Update` runs it on copies (pure), training's inner loop on its own buffers.
[<AbstractClass>]
type internal UpdateRule() =
    /// The number of state arrays per parameter array (0 for gradient descent, 1 momentum, 2 Adam).
    abstract Slots: int
    /// The step count and the state arrays (gradient-shaped) held by an OptimizerState; not copied.
    abstract Import: OptimizerState -> int * Gradients[]
    /// The OptimizerState after `step` updates, holding the given state arrays.
    abstract Export: step: int * slots: Gradients[] -> OptimizerState

    /// Update number t (1-based) of one parameter array p (weights, or a bias when isWeight is false):
    /// g holds its gradient and is the rule's to overwrite; s0 and s1 are its state slots.
    abstract Apply:
        t: int * isWeight: bool * p: Span<float> * g: Span<float> * s0: Span<float> * s1: Span<float> -> unit

/// The Update function of an optimizer made from a rule; it keeps the rule within reach of training.
type internal RuleUpdate(rule: UpdateRule, update: Gradients -> OptimizerState -> Network -> Network * OptimizerState) =
    inherit OptimizedClosures.FSharpFunc<Gradients, OptimizerState, Network, Network * OptimizerState>()
    member _.Rule = rule
    override _.Invoke(gradients: Gradients) = update gradients
    override _.Invoke(gradients, state, network) = update gradients state network

/// The optimizers.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Optimizer =
    let private checkRate name (value: float) =
        if not (Double.IsFinite value) || value <= 0.0 then
            invalidArg name $"{name} is {value}; expected a finite number > 0"

    let private checkFraction name (value: float) =
        if not (value >= 0.0 && value < 1.0) then
            invalidArg name $"{name} is {value}; expected a number in [0, 1)"

    /// Zeros shaped like the network's parameters.
    [<CompiledName("ZerosLike")>]
    let zerosLike (network: Network) : Gradients = {
        Layers =
            network.Layers
            |> List.map (fun l -> {
                Weights = Array2D.zeroCreate l.Units l.Inputs
                Bias = Array.zeroCreate l.Units
            })
    }

    let internal copyGradients (g: Gradients) : Gradients = {
        Layers =
            g.Layers
            |> List.map (fun l -> {
                Weights = Array2D.copy l.Weights
                Bias = Array.copy l.Bias
            })
    }

    let private wrongState name (state: OptimizerState) =
        invalidArg "state" $"{name} was given a {state.GetType().Name} state; expected the state its Init returns"

    /// Raises ArgumentException (naming `name`) unless g has the network's layers and shapes.
    let internal checkShaped (name: string) (what: string) (g: Gradients) (network: Network) =
        let shaped =
            not (isNull (box g))
            && g.Layers.Length = network.Layers.Length
            && List.forall2
                (fun (lg: LayerGradients) (layer: Layer) ->
                    not (isNull lg.Weights)
                    && not (isNull lg.Bias)
                    && lg.Weights.GetLength 0 = layer.Units
                    && lg.Weights.GetLength 1 = layer.Inputs
                    && lg.Bias.Length = layer.Units)
                g.Layers
                network.Layers

        if not shaped then
            invalidArg name $"{what} are not shaped like the network's parameters"

    /// State slot k of layer l's weights (empty when the rule has fewer slots).
    let internal slotWeights (slots: Gradients[]) (k: int) (l: int) =
        if k < slots.Length then
            Buffers.span2 slots[k].Layers[l].Weights
        else
            Span<float>.Empty

    /// State slot k of layer l's bias (empty when the rule has fewer slots).
    let internal slotBias (slots: Gradients[]) (k: int) (l: int) =
        if k < slots.Length then
            Span<float>(slots[k].Layers[l].Bias)
        else
            Span<float>.Empty

    /// Runs a rule as a pure update: copies the network, the gradients and the state, applies the rule to
    /// the copies in place and returns them. Training's in-place loop runs the same rule on its own
    /// buffers, so both give bit-identical results.
    let private pureUpdate (rule: UpdateRule) (gradients: Gradients) (state: OptimizerState) (network: Network) =
        if isNull (box network) then
            nullArg "network"

        checkShaped "gradients" "the gradients" gradients network
        let step, slots = rule.Import state

        slots
        |> Array.iter (fun slot -> checkShaped "state" "the optimizer state's arrays" slot network)

        let slots = slots |> Array.map copyGradients
        let scratch = copyGradients gradients
        let t = step + 1

        let layers =
            network.Layers
            |> List.mapi (fun l (layer: Layer) ->
                let g = scratch.Layers[l]
                let updated = Network.copyLayer layer

                rule.Apply(
                    t,
                    true,
                    Buffers.span2 updated.Weights,
                    Buffers.span2 g.Weights,
                    slotWeights slots 0 l,
                    slotWeights slots 1 l
                )

                rule.Apply(
                    t,
                    false,
                    Span<float> updated.Bias,
                    Span<float> g.Bias,
                    slotBias slots 0 l,
                    slotBias slots 1 l
                )

                updated)

        ({ Layers = layers }: Network), rule.Export(t, slots)

    /// An optimizer from its in-place rule.
    let internal ofRule (name: string) (rule: UpdateRule) : Optimizer = {
        Name = name
        Init = fun network -> rule.Export(0, Array.init rule.Slots (fun _ -> zerosLike network))
        Update =
            RuleUpdate(rule, pureUpdate rule) :> obj
            :?> (Gradients -> OptimizerState -> Network -> Network * OptimizerState)
    }

    /// The in-place rule behind an optimizer, when it was built by this module (None for a hand-made one).
    let internal tryRule (optimizer: Optimizer) =
        match box optimizer.Update with
        | :? RuleUpdate as r -> Some r.Rule
        | _ -> None

    /// Plain gradient descent: parameter <- parameter - learningRate * gradient.
    [<CompiledName("GradientDescent")>]
    let gradientDescent (learningRate: float) =
        checkRate "learningRate" learningRate

        ofRule
            $"gd(lr={learningRate})"
            {
                new UpdateRule() with
                    member _.Slots = 0

                    member _.Import state =
                        match state with
                        | Stateless -> 0, [||]
                        | other -> wrongState "gradient descent" other

                    member _.Export(_, _) = Stateless

                    member _.Apply(_, _, p, g, _, _) =
                        TensorPrimitives.MultiplyAdd(
                            Span<float>.op_Implicit g,
                            -learningRate,
                            Span<float>.op_Implicit p,
                            p
                        )
            }

    /// Momentum: v <- beta v + (1 - beta) g; parameter <- parameter - learningRate v (the course's form).
    [<CompiledName("Momentum")>]
    let momentum (learningRate: float) (beta: float) =
        checkRate "learningRate" learningRate
        checkFraction "beta" beta

        ofRule
            $"momentum(lr={learningRate}, beta={beta})"
            {
                new UpdateRule() with
                    member _.Slots = 1

                    member _.Import state =
                        match state with
                        | Velocity v -> 0, [| v |]
                        | other -> wrongState "momentum" other

                    member _.Export(_, slots) = Velocity slots[0]

                    member _.Apply(_, _, p, g, v, _) =
                        TensorPrimitives.Multiply(Span<float>.op_Implicit v, beta, v)

                        TensorPrimitives.MultiplyAdd(
                            Span<float>.op_Implicit g,
                            1.0 - beta,
                            Span<float>.op_Implicit v,
                            v
                        )

                        TensorPrimitives.MultiplyAdd(
                            Span<float>.op_Implicit v,
                            -learningRate,
                            Span<float>.op_Implicit p,
                            p
                        )
            }

    /// Adam with bias correction (Kingma and Ba, 2015).
    [<CompiledName("Adam")>]
    let adam (learningRate: float) (beta1: float) (beta2: float) (epsilon: float) =
        checkRate "learningRate" learningRate
        checkFraction "beta1" beta1
        checkFraction "beta2" beta2
        checkRate "epsilon" epsilon

        ofRule
            $"adam(lr={learningRate}, beta1={beta1}, beta2={beta2})"
            {
                new UpdateRule() with
                    member _.Slots = 2

                    member _.Import state =
                        match state with
                        | Moments(step, m, v) -> step, [| m; v |]
                        | other -> wrongState "adam" other

                    member _.Export(t, slots) = Moments(t, slots[0], slots[1])

                    member _.Apply(t, _, p, g, m, v) =
                        let correction1 = 1.0 - Math.Pow(beta1, float t)
                        let correction2 = 1.0 - Math.Pow(beta2, float t)
                        TensorPrimitives.Multiply(Span<float>.op_Implicit m, beta1, m)

                        TensorPrimitives.MultiplyAdd(
                            Span<float>.op_Implicit g,
                            1.0 - beta1,
                            Span<float>.op_Implicit m,
                            m
                        )

                        for i in 0 .. p.Length - 1 do
                            v[i] <- beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
                            // g is scratch: it now holds the step.
                            g[i] <- (m[i] / correction1) / (sqrt (v[i] / correction2) + epsilon)

                        TensorPrimitives.MultiplyAdd(
                            Span<float>.op_Implicit g,
                            -learningRate,
                            Span<float>.op_Implicit p,
                            p
                        )
            }

    /// Adam with the usual constants (beta1 0.9, beta2 0.999, epsilon 1e-8).
    [<CompiledName("AdamDefault")>]
    let adamDefault (learningRate: float) = adam learningRate 0.9 0.999 1e-8

    /// Adds an L2 penalty (lambda / 2) ||W||^2 on the weights (not biases) to the cost that an optimizer
    /// minimises: its gradient lambda W is added before the wrapped update.
    [<CompiledName("WithL2")>]
    let withL2 (lambda: float) (optimizer: Optimizer) =
        if not (Double.IsFinite lambda) || lambda < 0.0 then
            invalidArg "lambda" $"L2 is {lambda}; expected a finite number >= 0"

        let name = $"{optimizer.Name} + l2({lambda})"

        match lambda, tryRule optimizer with
        | 0.0, _ -> optimizer
        | _, Some inner ->
            // The penalised rule keeps the in-place form (and the same arithmetic as below).
            {
                ofRule
                    name
                    {
                        new UpdateRule() with
                            member _.Slots = inner.Slots
                            member _.Import state = inner.Import state
                            member _.Export(t, slots) = inner.Export(t, slots)

                            member _.Apply(t, isWeight, p, g, s0, s1) =
                                if isWeight then
                                    TensorPrimitives.MultiplyAdd(
                                        Span<float>.op_Implicit p,
                                        lambda,
                                        Span<float>.op_Implicit g,
                                        g
                                    )

                                inner.Apply(t, isWeight, p, g, s0, s1)
                    } with
                    Init = optimizer.Init
            }
        | _, None -> {
            optimizer with
                Name = name
                Update =
                    fun gradients state network ->
                        let penalised: Gradients = {
                            Layers =
                                List.map2
                                    (fun (g: LayerGradients) (layer: Layer) -> {
                                        g with
                                            Weights =
                                                let result =
                                                    Array2D.zeroCreate (g.Weights.GetLength 0) (g.Weights.GetLength 1)

                                                TensorPrimitives.MultiplyAdd(
                                                    Buffers.readOnly2 layer.Weights,
                                                    lambda,
                                                    Buffers.readOnly2 g.Weights,
                                                    Buffers.span2 result
                                                )

                                                result
                                    })
                                    gradients.Layers
                                    network.Layers
                        }

                        optimizer.Update penalised state network
          }

    /// The L2 penalty (lambda / 2) ||W||^2 of a network's weights, to add to a reported cost.
    [<CompiledName("L2Penalty")>]
    let l2Penalty (lambda: float) (network: Network) =
        if lambda = 0.0 then
            0.0
        else
            0.5
            * lambda
            * (network.Layers
               |> List.sumBy (fun l ->
                   let w = Buffers.readOnly2 l.Weights
                   TensorPrimitives.Dot(w, w)))
