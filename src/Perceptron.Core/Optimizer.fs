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

/// An element-wise kernel over two inputs and an output of the same length.
type internal ElementWise = delegate of ReadOnlySpan<float> * ReadOnlySpan<float> * Span<float> -> unit

/// The optimizers.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Optimizer =
    let private checkRate name (value: float) =
        if not (Double.IsFinite value) || value <= 0.0 then
            invalidArg name $"{name} is {value}; expected a finite number > 0"

    let private checkFraction name (value: float) =
        if not (value >= 0.0 && value < 1.0) then
            invalidArg name $"{name} is {value}; expected a number in [0, 1)"

    /// Element-wise combination of two same-shaped arrays into a new one.
    let private map2d (f: ElementWise) (a: float[,]) (b: float[,]) =
        let result = Array2D.zeroCreate (a.GetLength 0) (a.GetLength 1)
        f.Invoke(Buffers.readOnly2 a, Buffers.readOnly2 b, Buffers.span2 result)
        result

    let private map1d (f: ElementWise) (a: float[]) (b: float[]) =
        let result = Array.zeroCreate a.Length
        f.Invoke(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
        result

    /// new = parameter - learningRate * step, for every layer.
    let private descend (learningRate: float) (steps: Gradients) (network: Network) : Network =
        let apply =
            ElementWise(fun p g r -> TensorPrimitives.MultiplyAdd(g, -learningRate, p, r))

        {
            Layers =
                List.map2
                    (fun (layer: Layer) (g: LayerGradients) -> {
                        layer with
                            Weights = map2d apply layer.Weights g.Weights
                            Bias = map1d apply layer.Bias g.Bias
                    })
                    network.Layers
                    steps.Layers
        }

    /// Applies a function to every parameter array of a list of gradient-shaped values.
    let private zip (f: ElementWise) (a: Gradients) (b: Gradients) : Gradients = {
        Layers =
            List.map2
                (fun (x: LayerGradients) (y: LayerGradients) -> {
                    Weights = map2d f x.Weights y.Weights
                    Bias = map1d f x.Bias y.Bias
                })
                a.Layers
                b.Layers
    }

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

    let private wrongState name (state: OptimizerState) =
        invalidArg "state" $"{name} was given a {state.GetType().Name} state; expected the state its Init returns"

    /// Plain gradient descent: parameter <- parameter - learningRate * gradient.
    [<CompiledName("GradientDescent")>]
    let gradientDescent (learningRate: float) =
        checkRate "learningRate" learningRate

        {
            Name = $"gd(lr={learningRate})"
            Init = fun _ -> Stateless
            Update =
                fun gradients state network ->
                    match state with
                    | Stateless -> descend learningRate gradients network, Stateless
                    | other -> wrongState "gradient descent" other
        }

    /// Momentum: v <- beta v + (1 - beta) g; parameter <- parameter - learningRate v (the course's form).
    [<CompiledName("Momentum")>]
    let momentum (learningRate: float) (beta: float) =
        checkRate "learningRate" learningRate
        checkFraction "beta" beta

        {
            Name = $"momentum(lr={learningRate}, beta={beta})"
            Init = fun network -> Velocity(zerosLike network)
            Update =
                fun gradients state network ->
                    match state with
                    | Velocity v ->
                        let velocity =
                            zip
                                (ElementWise(fun v g r ->
                                    TensorPrimitives.Multiply(v, beta, r)
                                    TensorPrimitives.MultiplyAdd(g, 1.0 - beta, Span<float>.op_Implicit r, r)))
                                v
                                gradients

                        descend learningRate velocity network, Velocity velocity
                    | other -> wrongState "momentum" other
        }

    /// Adam with bias correction (Kingma and Ba, 2015).
    [<CompiledName("Adam")>]
    let adam (learningRate: float) (beta1: float) (beta2: float) (epsilon: float) =
        checkRate "learningRate" learningRate
        checkFraction "beta1" beta1
        checkFraction "beta2" beta2
        checkRate "epsilon" epsilon

        {
            Name = $"adam(lr={learningRate}, beta1={beta1}, beta2={beta2})"
            Init = fun network -> Moments(0, zerosLike network, zerosLike network)
            Update =
                fun gradients state network ->
                    match state with
                    | Moments(step, m, v) ->
                        let t = step + 1

                        let first =
                            zip
                                (ElementWise(fun m g r ->
                                    TensorPrimitives.Multiply(m, beta1, r)
                                    TensorPrimitives.MultiplyAdd(g, 1.0 - beta1, Span<float>.op_Implicit r, r)))
                                m
                                gradients

                        let second =
                            zip
                                (ElementWise(fun v g r ->
                                    for i in 0 .. r.Length - 1 do
                                        r[i] <- beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]))
                                v
                                gradients

                        let correction1 = 1.0 - Math.Pow(beta1, float t)
                        let correction2 = 1.0 - Math.Pow(beta2, float t)

                        let steps =
                            zip
                                (ElementWise(fun m v r ->
                                    for i in 0 .. r.Length - 1 do
                                        r[i] <- (m[i] / correction1) / (sqrt (v[i] / correction2) + epsilon)))
                                first
                                second

                        descend learningRate steps network, Moments(t, first, second)
                    | other -> wrongState "adam" other
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

        if lambda = 0.0 then
            optimizer
        else
            {
                optimizer with
                    Name = $"{optimizer.Name} + l2({lambda})"
                    Update =
                        fun gradients state network ->
                            let penalised: Gradients = {
                                Layers =
                                    List.map2
                                        (fun (g: LayerGradients) (layer: Layer) -> {
                                            g with
                                                Weights =
                                                    map2d
                                                        (ElementWise(fun g w r ->
                                                            TensorPrimitives.MultiplyAdd(w, lambda, g, r)))
                                                        g.Weights
                                                        layer.Weights
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
