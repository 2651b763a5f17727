/// Optimizers as pairs of pure functions, in the manner of Optax's GradientTransformation:
/// `Init` makes the state for a network, `Update` returns a new network and a new state. The built-in
/// rules are cases of one union, so that training can see which rule it runs and run it in place.
namespace Perceptron.Core

open System
open System.Runtime.CompilerServices

/// What an optimizer carries from one step to the next. Not ordered: a custom state may be of any type.
[<NoComparison>]
type OptimizerState =
    /// Gradient descent needs nothing.
    | Stateless
    /// Momentum: the velocity of each parameter.
    | Velocity of velocity: Gradients
    /// Adam: the number of steps taken and the first and second moment estimates.
    | Moments of step: int * first: Gradients * second: Gradients
    /// A custom optimizer's own state, of a type it chooses (see Optimizer.custom).
    | Custom of state: obj

/// The built-in optimizers, as named on the command line and in model files.
[<RequireQualifiedAccess>]
type OptimizerKind =
    /// "gd": plain gradient descent.
    | GradientDescent
    /// "momentum": gradient descent with momentum.
    | Momentum
    /// "adam": Adam.
    | Adam

/// An optimizer. Training runs the built-in cases in place, on buffers of its own; a Custom optimizer
/// is any pure init/update pair, and trains through the fold of the pure step.
[<RequireQualifiedAccess; NoEquality; NoComparison>]
type Optimizer =
    /// parameter <- parameter - learningRate * gradient.
    | GradientDescent of learningRate: float
    /// v <- beta v + (1 - beta) g; parameter <- parameter - learningRate v (the course's form).
    | Momentum of learningRate: float * beta: float
    /// Adam with bias correction (Kingma and Ba, 2015).
    | Adam of learningRate: float * beta1: float * beta2: float * epsilon: float
    /// The optimizer on the cost plus (lambda / 2) ||W||^2 over the weights (not biases).
    | WithL2 of lambda: float * optimizer: Optimizer
    /// A hand-made optimizer (see Optimizer.custom for one whose state is of its own type).
    | Custom of CustomOptimizer

/// A hand-made optimizer: Init and Update must never mutate their arguments. Training reports its
/// cost without penalty; for an L2 penalty that is part of the reported cost, wrap it in WithL2.
and [<NoEquality; NoComparison>] CustomOptimizer = {
    /// A short description.
    Name: string
    /// The initial state for a network.
    Init: Network -> OptimizerState
    /// Applies gradients: (gradients, state, network) -> (network', state').
    Update: Gradients -> OptimizerState -> Network -> Network * OptimizerState
}

/// A built-in optimizer's arithmetic on one parameter array, in place. The pure update runs it on
/// copies, training's inner loop on its own buffers, so both give bit-identical results.
[<AbstractClass>]
type internal UpdateRule() =
    /// The number of state arrays per parameter array (0 for gradient descent, 1 momentum, 2 Adam).
    abstract Slots: int
    /// The step count and the state arrays (gradient-shaped) held by an OptimizerState; not copied.
    abstract Import: OptimizerState -> int * Gradients[]
    /// The OptimizerState after `step` updates, holding the given state arrays.
    abstract Export: step: int * slots: Gradients[] -> OptimizerState

    /// Update number t (1-based) of one parameter array p (weights, or a bias when isWeight is false), with
    /// the learning rate times `scale` (a schedule's factor; 1 leaves the rate bit for bit as it is):
    /// g holds its gradient and is the rule's to overwrite; s0 and s1 are its state slots.
    abstract Apply:
        t: int * scale: float * isWeight: bool * p: Span<float> * g: Span<float> * s0: Span<float> * s1: Span<float> ->
            unit

    /// True when Apply only reads g, so that the engine may hand it the gradients without a copy.
    abstract KeepsGradient: bool
    default _.KeepsGradient = false

/// The names of the built-in optimizers: one table for the console host and the model file.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module OptimizerKind =
    /// Every built-in optimizer, in declaration order.
    let all = [ OptimizerKind.GradientDescent; OptimizerKind.Momentum; OptimizerKind.Adam ]

    /// The name used in model files and on the command line: "gd", "momentum" or "adam".
    [<CompiledName("Name")>]
    let name kind =
        match kind with
        | OptimizerKind.GradientDescent -> "gd"
        | OptimizerKind.Momentum -> "momentum"
        | OptimizerKind.Adam -> "adam"

    /// The optimizer with this name (case-insensitive, surrounding spaces ignored); None for any other text.
    [<CompiledName("TryParse")>]
    let tryParse (text: string) =
        let wanted = if isNull text then "" else text.Trim().ToLowerInvariant()
        all |> List.tryFind (fun kind -> name kind = wanted)

/// The optimizers.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Optimizer =
    // Each message is built in a function of its own, called only on failure: a check that held the
    // interpolation would load its format's types when it is compiled, on every first call (issue 12).
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private rateProblem (name: string) (value: float) : unit =
        invalidArg name $"{name} is {value}; expected a finite number > 0"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private fractionProblem (name: string) (value: float) : unit =
        invalidArg name $"{name} is {value}; expected a number in [0, 1)"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private lambdaProblem (lambda: float) : unit =
        invalidArg "lambda" $"L2 is {lambda}; expected a finite number >= 0"

    let private checkRate name (value: float) =
        if not (Double.IsFinite value) || value <= 0.0 then
            rateProblem name value

    let private checkFraction name (value: float) =
        if not (value >= 0.0 && value < 1.0) then
            fractionProblem name value

    let private checkLambda (lambda: float) =
        if not (Double.IsFinite lambda) || lambda < 0.0 then
            lambdaProblem lambda

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
                Weights = Network.copyMatrix l.Weights
                Bias = Network.copyVector l.Bias
            })
    }

    let private wrongState name (state: OptimizerState) =
        let given =
            match state with
            | Custom value when not (isNull value) -> $"Custom {value.GetType().Name}"
            | _ -> state.GetType().Name

        invalidArg "state" $"{name} was given a {given} state; expected the state its Init returns"

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

    let private gradientDescentRule (learningRate: float) =
        checkRate "learningRate" learningRate

        {
            new UpdateRule() with
                member _.Slots = 0

                member _.Import state =
                    match state with
                    | Stateless -> 0, [||]
                    | other -> wrongState "gradient descent" other

                member _.Export(_, _) = Stateless
                member _.KeepsGradient = true

                member _.Apply(_, scale, _, p, g, _, _) =
                    Elementwise.multiplyAdd (Span<float>.op_Implicit g) (-(learningRate * scale)) p
        }

    let private momentumRule (learningRate: float) (beta: float) =
        checkRate "learningRate" learningRate
        checkFraction "beta" beta

        {
            new UpdateRule() with
                member _.Slots = 1

                member _.Import state =
                    match state with
                    | Velocity v -> 0, [| v |]
                    | other -> wrongState "momentum" other

                member _.Export(_, slots) = Velocity slots[0]
                member _.KeepsGradient = true

                member _.Apply(_, scale, _, p, g, v, _) =
                    Elementwise.multiplyScalar v beta
                    Elementwise.multiplyAdd (Span<float>.op_Implicit g) (1.0 - beta) v
                    Elementwise.multiplyAdd (Span<float>.op_Implicit v) (-(learningRate * scale)) p
        }

    let private adamRule (learningRate: float) (beta1: float) (beta2: float) (epsilon: float) =
        checkRate "learningRate" learningRate
        checkFraction "beta1" beta1
        checkFraction "beta2" beta2
        checkRate "epsilon" epsilon

        {
            new UpdateRule() with
                member _.Slots = 2

                member _.Import state =
                    match state with
                    | Moments(step, m, v) -> step, [| m; v |]
                    | other -> wrongState "adam" other

                member _.Export(t, slots) = Moments(t, slots[0], slots[1])

                member _.Apply(t, scale, _, p, g, m, v) =
                    let correction1 = 1.0 - Math.Pow(beta1, float t)
                    let correction2 = 1.0 - Math.Pow(beta2, float t)
                    Elementwise.multiplyScalar m beta1
                    Elementwise.multiplyAdd (Span<float>.op_Implicit g) (1.0 - beta1) m

                    for i in 0 .. p.Length - 1 do
                        v[i] <- beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
                        // g is scratch: it now holds the step.
                        g[i] <- (m[i] / correction1) / (sqrt (v[i] / correction2) + epsilon)

                    Elementwise.multiplyAdd (Span<float>.op_Implicit g) (-(learningRate * scale)) p
        }

    /// The inner rule on the penalised cost: lambda W is added to the weights' gradient first, with the
    /// arithmetic of `l2Gradients`.
    let private l2Rule (lambda: float) (inner: UpdateRule) = {
        new UpdateRule() with
            member _.Slots = inner.Slots
            member _.Import state = inner.Import state
            member _.Export(t, slots) = inner.Export(t, slots)

            member _.Apply(t, scale, isWeight, p, g, s0, s1) =
                if isWeight then
                    Elementwise.multiplyAdd (Span<float>.op_Implicit p) lambda g

                inner.Apply(t, scale, isWeight, p, g, s0, s1)
    }

    /// The in-place rule of a built-in optimizer (also under L2); None when a Custom one is inside.
    /// Raises ArgumentException for hyper-parameters out of range.
    let rec internal tryRule (optimizer: Optimizer) =
        match optimizer with
        | Optimizer.GradientDescent learningRate -> Some(gradientDescentRule learningRate)
        | Optimizer.Momentum(learningRate, beta) -> Some(momentumRule learningRate beta)
        | Optimizer.Adam(learningRate, beta1, beta2, epsilon) -> Some(adamRule learningRate beta1 beta2 epsilon)
        | Optimizer.WithL2(lambda, inner) ->
            checkLambda lambda
            let rule = tryRule inner

            if lambda = 0.0 then
                rule
            else
                rule |> Option.map (l2Rule lambda)
        | Optimizer.Custom _ -> None

    /// Runs a rule as a pure update with the learning rate times `scale`: copies the network, the gradients
    /// and the state, applies the rule to the copies in place and returns them.
    let private pureUpdate
        (rule: UpdateRule)
        (scale: float)
        (gradients: Gradients)
        (state: OptimizerState)
        (network: Network)
        =
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
                    scale,
                    true,
                    Buffers.span2 updated.Weights,
                    Buffers.span2 g.Weights,
                    slotWeights slots 0 l,
                    slotWeights slots 1 l
                )

                rule.Apply(
                    t,
                    scale,
                    false,
                    Span<float> updated.Bias,
                    Span<float> g.Bias,
                    slotBias slots 0 l,
                    slotBias slots 1 l
                )

                updated)

        ({ Layers = layers }: Network), rule.Export(t, slots)

    /// The total L2 coefficient lambda that an optimizer adds to the objective (0 without WithL2).
    [<CompiledName("L2")>]
    let rec l2 (optimizer: Optimizer) =
        match optimizer with
        | Optimizer.WithL2(lambda, inner) -> lambda + l2 inner
        | _ -> 0.0

    /// (lambda / 2) ||W||^2 over the layers' weights, summed layer by layer in order.
    let internal layersPenalty (lambda: float) (layers: Layer list) =
        0.5
        * lambda
        * (layers
           |> List.sumBy (fun l ->
               let w = Buffers.readOnly2 l.Weights
               VectorMath.dot w w))

    /// The L2 penalty (lambda / 2) ||W||^2 of a network's weights (not biases): the term L2 adds to a cost.
    [<CompiledName("L2Penalty")>]
    let l2Penalty (lambda: float) (network: Network) =
        if lambda = 0.0 then
            0.0
        else
            layersPenalty lambda network.Layers

    /// The gradients of the cost plus (lambda / 2) ||W||^2: lambda W added to the weights' gradients. Pure.
    [<CompiledName("L2Gradients")>]
    let l2Gradients (lambda: float) (gradients: Gradients) (network: Network) : Gradients =
        checkShaped "gradients" "the gradients" gradients network

        {
            Layers =
                List.map2
                    (fun (g: LayerGradients) (layer: Layer) -> {
                        g with
                            Weights =
                                let result = Array2D.zeroCreate (g.Weights.GetLength 0) (g.Weights.GetLength 1)

                                Elementwise.multiplyAddInto
                                    (Buffers.readOnly2 layer.Weights)
                                    lambda
                                    (Buffers.readOnly2 g.Weights)
                                    (Buffers.span2 result)

                                result
                    })
                    gradients.Layers
                    network.Layers
        }

    /// A short description, e.g. "adam(lr=0.001, beta1=0.9, beta2=0.999)".
    [<CompiledName("Name")>]
    let rec name (optimizer: Optimizer) =
        match optimizer with
        | Optimizer.GradientDescent learningRate -> $"gd(lr={learningRate})"
        | Optimizer.Momentum(learningRate, beta) -> $"momentum(lr={learningRate}, beta={beta})"
        | Optimizer.Adam(learningRate, beta1, beta2, _) -> $"adam(lr={learningRate}, beta1={beta1}, beta2={beta2})"
        | Optimizer.WithL2(lambda, inner) -> $"{name inner} + l2({lambda})"
        | Optimizer.Custom custom -> custom.Name

    /// The built-in optimizer an optimizer runs, under any L2; None for a custom one.
    [<CompiledName("Kind")>]
    let rec kind (optimizer: Optimizer) =
        match optimizer with
        | Optimizer.GradientDescent _ -> Some OptimizerKind.GradientDescent
        | Optimizer.Momentum _ -> Some OptimizerKind.Momentum
        | Optimizer.Adam _ -> Some OptimizerKind.Adam
        | Optimizer.WithL2(_, inner) -> kind inner
        | Optimizer.Custom _ -> None

    /// The initial state for a network. Pure.
    [<CompiledName("Init")>]
    let rec init (optimizer: Optimizer) (network: Network) =
        match optimizer, tryRule optimizer with
        | _, Some rule ->
            // A loop, not Array.init: its generic code would cost every process's first training call JIT time.
            let slots = Array.zeroCreate rule.Slots

            for i in 0 .. slots.Length - 1 do
                slots[i] <- zerosLike network

            rule.Export(0, slots)
        | Optimizer.WithL2(_, inner), None -> init inner network
        | Optimizer.Custom custom, None -> custom.Init network
        | _, None -> invalidOp "every built-in optimizer has a rule"

    /// Applies gradients: (gradients, state, network) -> (network', state'). Pure.
    [<CompiledName("Update")>]
    let rec update (optimizer: Optimizer) : Gradients -> OptimizerState -> Network -> Network * OptimizerState =
        match optimizer, tryRule optimizer with
        | _, Some rule -> pureUpdate rule 1.0
        | Optimizer.WithL2(lambda, inner), None ->
            let inner = update inner

            fun gradients state network ->
                let penalised =
                    if lambda = 0.0 then
                        gradients
                    else
                        l2Gradients lambda gradients network

                inner penalised state network
        | Optimizer.Custom custom, None -> custom.Update
        | _, None -> invalidOp "every built-in optimizer has a rule"

    /// `update` with the learning rate times `scale` (a schedule's factor), for a built-in optimizer; a
    /// scale of 1 is `update` itself, for any optimizer.
    let internal updateScaled (optimizer: Optimizer) (scale: float) =
        match tryRule optimizer with
        | Some rule -> pureUpdate rule scale
        | None when scale = 1.0 -> update optimizer
        | None -> invalidArg "optimizer" "a learning-rate schedule needs a built-in optimizer (gd, momentum or adam)"

    /// Plain gradient descent: parameter <- parameter - learningRate * gradient.
    [<CompiledName("GradientDescent")>]
    let gradientDescent (learningRate: float) =
        checkRate "learningRate" learningRate
        Optimizer.GradientDescent learningRate

    /// Momentum: v <- beta v + (1 - beta) g; parameter <- parameter - learningRate v (the course's form).
    [<CompiledName("Momentum")>]
    let momentum (learningRate: float) (beta: float) =
        momentumRule learningRate beta |> ignore
        Optimizer.Momentum(learningRate, beta)

    /// Adam with bias correction (Kingma and Ba, 2015).
    [<CompiledName("Adam")>]
    let adam (learningRate: float) (beta1: float) (beta2: float) (epsilon: float) =
        adamRule learningRate beta1 beta2 epsilon |> ignore
        Optimizer.Adam(learningRate, beta1, beta2, epsilon)

    /// Adam with the usual constants (beta1 0.9, beta2 0.999, epsilon 1e-8).
    [<CompiledName("AdamDefault")>]
    let adamDefault (learningRate: float) = adam learningRate 0.9 0.999 1e-8

    /// The optimizer on the cost plus an L2 penalty (lambda / 2) ||W||^2 on the weights (not biases): its
    /// gradient lambda W is added before the wrapped update, and training reports the penalised cost.
    [<CompiledName("WithL2")>]
    let withL2 (lambda: float) (optimizer: Optimizer) =
        checkLambda lambda

        if lambda = 0.0 then
            optimizer
        else
            Optimizer.WithL2(lambda, optimizer)

    /// A hand-made optimizer whose state is a value of its own type 'State (held by OptimizerState.Custom);
    /// `update` is given the state `init` or its last call returned. Trains through the pure fold.
    [<CompiledName("Custom")>]
    let custom
        (name: string)
        (init: Network -> 'State)
        (update: Gradients -> 'State -> Network -> Network * 'State)
        : Optimizer =
        let own (state: OptimizerState) =
            match state with
            | Custom(:? 'State as value) -> value
            // A null value is a legitimate state of some types, e.g. unit or an empty option.
            | Custom null when not typeof<'State>.IsValueType -> Unchecked.defaultof<'State>
            | other -> wrongState name other

        Optimizer.Custom {
            Name = name
            Init = fun network -> Custom(box (init network))
            Update =
                fun gradients state network ->
                    let network, next = update gradients (own state) network
                    network, Custom(box next)
        }

/// Init, Update and Name as members, so that `optimizer.Update gradients state network` reads as in Optax.
type Optimizer with
    /// A short description, e.g. "adam(lr=0.001, beta1=0.9, beta2=0.999)".
    member optimizer.Name = Optimizer.name optimizer
    /// The initial state for a network.
    member optimizer.Init: Network -> OptimizerState = Optimizer.init optimizer

    /// Applies gradients: (gradients, state, network) -> (network', state').
    member optimizer.Update: Gradients -> OptimizerState -> Network -> Network * OptimizerState =
        Optimizer.update optimizer
