(**
---
title: Optimizers as pure pairs
category: Tutorials
categoryindex: 1
index: 4
---

# Optimizers as pure pairs

An optimizer here is a value with two pure functions, in the manner of Optax's
`GradientTransformation`:

```text
optimizer.Init   : Network -> OptimizerState
optimizer.Update : Gradients -> OptimizerState -> Network -> Network * OptimizerState
```

`Init` makes the state an optimizer carries between steps; `Update` takes gradients, that state and
the network and returns a new network and a new state. Nothing is mutated. The built-in optimizers
are cases of the `Optimizer` union (`GradientDescent`, `Momentum`, `Adam`, `WithL2`), so that
training can recognise them; your own is a `Custom` case made by `Optimizer.custom`. All output
below is computed when the page is built.
*)

#load "load.fsx"

open System
open System.IO
open Perceptron.Core

/// Features (samples x columns) and class indices (the last column) of a CSV file, read by the library.
let loadCsv (path: string) =
    let table = Perceptron.Table.Load path
    table.Features, table.EncodeLabels(Perceptron.Table.Classes table.Labels)

let x, y = loadCsv (Path.Combine(__SOURCE_DIRECTORY__, "../data/flower.csv"))
let network = Network.initialize Xavier 3 2 [ 8 ] Tanh 2
let gradients, cost = Propagation.propagate network x y

(**
## Gradient descent: no state

θ ← θ − α g. Its state is `Stateless`.
*)

let gd = Optimizer.gradientDescent 0.5
let gdState = gd.Init network
let gdNetwork, _ = gd.Update gradients gdState network

printfn "%s: state %A" gd.Name gdState

printfn
    "w[0,0]: %.6f -> %.6f (gradient %.6f)"
    network.Layers[0].Weights[0, 0]
    gdNetwork.Layers[0].Weights[0, 0]
    gradients.Layers[0].Weights[0, 0]
(*** include-output ***)

(**
`network` itself is unchanged: `Update` returned a new one.

## Momentum: a velocity per parameter

v ← β v + (1 − β) g, θ ← θ − α v (the course's form). The state is the velocity, shaped like the
gradients and zero at the start, so after one update v = (1 − β) g:
*)

let momentum = Optimizer.momentum 0.5 0.9

let velocity =
    match momentum.Update gradients (momentum.Init network) network with
    | _, Velocity v -> v.Layers[0].Weights[0, 0]
    | _, other -> failwith $"unexpected state {other}"

printfn "%s: v[0,0] = %.8f = 0.1 x g = %.8f" momentum.Name velocity (0.1 * gradients.Layers[0].Weights[0, 0])
(*** include-output ***)

(**
## Adam: a step count and two moments

Adam keeps the number of steps and running estimates of the gradient's first and second moments,
with bias correction. Its first step moves every parameter by about the learning rate, whatever the
gradient's size:
*)

let adam = Optimizer.adamDefault 0.01

match adam.Update gradients (adam.Init network) network with
| adamNetwork, Moments(step, _, _) ->
    printfn
        "%s after %d step: w[0,0] moved by %.6f"
        adam.Name
        step
        (adamNetwork.Layers[0].Weights[0, 0] - network.Layers[0].Weights[0, 0])
| _, other -> failwith $"unexpected state {other}"
(*** include-output ***)

(**
## Any of them trains the same way

Training takes an optimizer as a value, so comparing them is a map over a list:
*)

let finalCost (optimizer: Optimizer) =
    let start = Training.init optimizer network
    let report = Training.epochs optimizer (Some 32) 1 x y None start |> Seq.item 199
    report.Cost

for optimizer in
    [
        Optimizer.gradientDescent 0.5
        Optimizer.momentum 0.5 0.9
        Optimizer.adamDefault 0.01
        Optimizer.withL2 1e-3 (Optimizer.adamDefault 0.01)
    ] do
    printfn "%-50s cost of epoch 200: %.4f" optimizer.Name (finalCost optimizer)
(*** include-output ***)

(**
`Optimizer.withL2` wraps any optimizer: it adds the penalty's gradient λW to the weights' gradients
before the wrapped update, and training reports the cost with the penalty (λ/2)‖W‖² included.

## Your own optimizer, in a few lines

`Optimizer.custom name init update` makes an optimizer from two pure functions over a state of
any type you choose. Here is gradient descent whose learning rate decays with the number of steps
taken, α / (1 + decay × t); its state is that number, an `int`:
*)

let decayingDescent (learningRate: float) (decay: float) : Optimizer =
    Optimizer.custom
        $"decaying gd(lr={learningRate}, decay={decay})"
        (fun _ -> 0) // init: no steps taken yet
        (fun gradients (steps: int) network ->
            let rate = learningRate / (1.0 + decay * float steps)
            let step (theta: float) (g: float) = theta - rate * g

            let layers =
                List.map2
                    (fun (layer: Layer) (g: LayerGradients) -> {
                        layer with
                            Weights = Array2D.mapi (fun i j w -> step w g.Weights[i, j]) layer.Weights
                            Bias = Array.map2 step layer.Bias g.Bias
                    })
                    network.Layers
                    gradients.Layers

            { Layers = layers }, steps + 1)

let mine = decayingDescent 0.5 0.01
printfn "%-50s cost of epoch 200: %.4f" mine.Name (finalCost mine)
printfn "%-50s cost of epoch 200: %.4f" (Optimizer.withL2 1e-3 mine).Name (finalCost (Optimizer.withL2 1e-3 mine))
(*** include-output ***)

(**
It works everywhere an optimizer does: `Training.step`, `Training.steps`, `Training.epochs`,
`Training.fit` and `Optimizer.withL2`. Training cannot run a hand-made `Update` in place, so it
runs it as the pure fold (see [training as values](training-as-values.html)); the built-in
optimizers are faster only because training knows their arithmetic.

Next: [checking the gradients](gradient-checking.html) that every optimizer is fed.
*)
