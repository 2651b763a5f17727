(**
---
title: The general recipe
category: Tutorials
categoryindex: 1
index: 2
---

# The general recipe

Every network in this library is trained the way the course's shallow-network assignment trains
its two-layer network:

1. define the layer sizes;
2. initialise the parameters;
3. loop: forward pass, cost, backward pass, update.

This page runs that recipe on the course's planar "flower" data, where logistic regression fails and
four tanh units succeed. Every number and the picture are computed when the documentation is built.
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
printfn "X: %d samples x %d features; %d labels, %d of them 1" (x.GetLength 0) (x.GetLength 1) y.Length (Array.sum y)
(*** include-output ***)

(**
## First, logistic regression

The seed's model is one sigmoid unit: a straight line through the plane. The flower's petals are not
on one side of any line.
*)

let logistic = LogisticRegression.model x y x y 2000 0.5
printfn "logistic regression, training accuracy: %.2f %%" (100.0 * logistic.TrainAccuracy)
(*** include-output ***)

(**
## 1. Layer sizes

```python
def layer_sizes(X, Y):
    n_x = X.shape[0]   # size of the input layer
    n_h = 4            # size of the hidden layer
    n_y = Y.shape[0]   # size of the output layer
```

Here: 2 inputs, one hidden layer of 4 units, and 2 classes, which the library represents with one
sigmoid output unit (for K > 2 classes it uses K softmax units).
*)

let inputs = x.GetLength 1
let hidden = [ 4 ]
let classes = 2

(**
## 2. Initialisation

```python
W1 = np.random.randn(n_h, n_x) * 0.01
b1 = np.zeros((n_h, 1))
W2 = np.random.randn(n_y, n_h) * 0.01
b2 = np.zeros((n_y, 1))
```

`Network.initialize` draws the same N(0, 1) x 0.01 weights, from an explicit seed instead of numpy's
global generator: the same seed always gives the same network. A layer's `Weights` are
units x inputs, as the course's W.
*)

let network = Network.initialize (Normal 0.01) 0 inputs hidden Tanh classes

for layer in network.Layers do
    printfn "%-7s W: %d x %d, b: %d" (string layer.Activation) layer.Units layer.Inputs layer.Bias.Length
(*** include-output ***)

(**
Why not zeros, as for the seed? With zeros, every hidden unit computes the same value and receives
the same gradient, so the units stay identical forever. `Network.initialize` refuses it:
*)

let zerosRefused =
    try
        Network.initialize Zeros 0 inputs hidden Tanh classes |> ignore
        "accepted"
    with :? ArgumentException as e ->
        e.Message
(*** include-value: zerosRefused ***)

(**
## 3. The loop: forward, cost, backward, update

```python
for i in range(num_iterations):
    A2, cache = forward_propagation(X, parameters)      # Z1 = W1 X + b1, A1 = tanh(Z1), ...
    cost = compute_cost(A2, Y)
    grads = backward_propagation(parameters, cache, X, Y)
    parameters = update_parameters(parameters, grads, learning_rate=1.2)
```

`Formulation` writes each of these steps like the math, with plain arrays and loops, one function
each. Samples are rows, so a layer computes Z = A_prev Wᵀ + b where the course writes W X + b.

**Forward.** `Formulation.forward` returns Z and A for every layer, input layer first:
*)

let values = Formulation.forward network x

for l, layer in List.indexed values do
    printfn
        "layer %d: Z and A are %d x %d; A[0, 0] = %.6f"
        (l + 1)
        (layer.A.GetLength 0)
        (layer.A.GetLength 1)
        layer.A[0, 0]
(*** include-output ***)

(**
**Cost.** The mean cross-entropy, computed from the output layer's Z (so it is finite for any input).
With weights of 0.01 every output is close to 0.5, so the cost starts close to log 2:
*)

let cost0 = Formulation.cost values y
printfn "cost %.6f, log 2 = %.6f" cost0 (log 2.0)
(*** include-output ***)

(**
**Backward.** dZ, dW and db per layer, from the output layer's dZ = A − Y back to the first layer;
each dW has the shape of the layer's W:
*)

let gradients = Formulation.backward network x values y

for l, g in List.indexed gradients do
    printfn "layer %d: dW %d x %d, db %d" (l + 1) (g.DW.GetLength 0) (g.DW.GetLength 1) g.Db.Length
(*** include-output ***)

(**
**Update.** W ← W − α dW and b ← b − α db, as a new network; `network` itself is unchanged.
One iteration is therefore a function from network to network, and training is a fold of it:
*)

let learningRate = 1.2

let iteration (network: Network) (i: int) =
    let values = Formulation.forward network x
    let gradients = Formulation.backward network x values y

    if i % 1000 = 0 then
        printfn "Cost after iteration %d: %.6f" i (Formulation.cost values y)

    Formulation.update learningRate network gradients

let trained = (network, [ 0..9999 ]) ||> List.fold iteration
(*** include-output ***)

(**
`Formulation.trace` runs one such step and keeps every intermediate value, for when you want to look
inside. The library trains with the same mathematics in `Propagation.propagate` and the optimizers,
written for speed and tested against `Formulation`; `Training.steps` and `Training.epochs` run this
very loop for you, with mini-batches and any optimizer (see [training as values](training-as-values.html)).
*)

(**
## Accuracy

```python
predictions = (A2 > 0.5)
```
*)

let shallowAccuracy = Metrics.accuracy y (Prediction.predict trained x)
printfn "4 tanh units, training accuracy: %.2f %%" (100.0 * shallowAccuracy)
printfn "logistic regression:             %.2f %%" (100.0 * logistic.TrainAccuracy)
(*** include-output ***)

(**
The same run from the console is
`perceptron train --data data/flower.csv --test-fraction 0 --hidden 4 --activation tanh --init normal --learning-rate 1.2 --epochs 10000 --no-standardize`,
which trains through the fast path. From F#, the fast path is `Training.epochs` with gradient descent:
*)

let optimizer = Optimizer.gradientDescent learningRate

let fast =
    (Training.epochs optimizer None 0 x y None (Training.init optimizer network)
     |> Seq.item 9999)
        .State.Network

printfn "fast path, training accuracy: %.2f %%" (100.0 * Metrics.accuracy y (Prediction.predict fast x))
(*** include-output ***)

(**

## The decision boundary

Predict every point of a grid over the plane, colour it by class, and draw the samples on top.
The picture is drawn with ScottPlot (which the console host uses for its plots) when this page is built.
*)

#r "ScottPlot.dll"

let boundaryPng (network: Network) =
    let lo, hi = -4.5, 4.5
    let steps = 150

    let at k =
        lo + (hi - lo) * float k / float (steps - 1)
    // Grid row r is y = at (steps - 1 - r), so the picture is upright.
    let grid =
        Array2D.init (steps * steps) 2 (fun p j -> if j = 0 then at (p % steps) else at (steps - 1 - p / steps))

    let classOf = Prediction.predict network grid
    let plot = new ScottPlot.Plot()

    let heatmap =
        plot.Add.Heatmap(Array2D.init steps steps (fun r c -> float classOf[r * steps + c]))

    heatmap.Extent <- ScottPlot.CoordinateRect(lo, hi, lo, hi)
    heatmap.Colormap <- ScottPlot.Colormaps.Viridis()
    heatmap.Opacity <- 0.35

    for label, color in [ 0, ScottPlot.Colors.Purple; 1, ScottPlot.Colors.GoldenRod ] do
        let rows = [|
            for i in 0 .. y.Length - 1 do
                if y[i] = label then
                    i
        |]

        let points =
            plot.Add.ScatterPoints(rows |> Array.map (fun i -> x[i, 0]), rows |> Array.map (fun i -> x[i, 1]))

        points.Color <- color
        points.MarkerSize <- 5.0f
        points.LegendText <- $"petal = {label}"

    plot.Title($"4 tanh units: {100.0 * shallowAccuracy:F2} %% of the flower right")
    plot.ShowLegend(ScottPlot.Alignment.UpperRight) |> ignore
    plot.GetImageBytes(560, 480, ScottPlot.ImageFormat.Png)

let png = boundaryPng trained
// The picture goes into the page itself, so the built site needs no separate image file.
let picture =
    $"""<img alt="decision boundary of 4 tanh units on the flower data" src="data:image/png;base64,{Convert.ToBase64String png}" />"""
(*** include-value: picture, raw ***)

(**
(Run as a plain script, `dotnet fsi docs/general-recipe.fsx`, the last value is the HTML of that
picture; write `png` to a file with `File.WriteAllBytes` to look at it.)
*)
