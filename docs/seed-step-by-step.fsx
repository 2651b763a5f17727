(**
---
title: The seed, step by step
category: Tutorials
categoryindex: 1
index: 1
---

# The seed, step by step

The deep-learning course starts with logistic regression written as a handful of numpy functions:
`sigmoid`, `initialize_with_zeros`, `propagate`, `optimize`, `predict` and `model`. The core's
`LogisticRegression` module has the same functions under the same names. This page runs each one,
beside the numpy code it mirrors, on the course's own example, so that you can compare every number.

One difference runs through the whole page: **samples are rows.** The course stores X as
features x samples and writes `np.dot(w.T, X)`; here `features` is a `float[,]` of samples x features
(as a CSV file or a C# array is laid out), so the same product is written `X w`. The numbers are the
same; only the picture is transposed.

Every output on this page is computed when the documentation is built.

## Loading the library

A script loads the built library with one line (see [Using the library from F# scripts](load.html)
for why a plain `#r "Perceptron.Core.dll"` is not enough). Build first with `dotnet build -c Release`.
*)

#load "load.fsx"

open Perceptron.Core

(**
## Sigmoid

```python
def sigmoid(z):
    s = 1 / (1 + np.exp(-z))
    return s
```

The core's sigmoid never overflows: for negative z it computes e^z / (1 + e^z) instead, so
`sigmoid -1000.0` is a tiny positive number rather than the result of `exp 1000.0 = infinity`.
*)

let sigmoids = [ 0.0; 2.0; -1000.0 ] |> List.map LogisticRegression.sigmoid
(*** include-value: sigmoids ***)

(**
## Initialising with zeros

```python
def initialize_with_zeros(dim):
    w = np.zeros((dim, 1))
    b = 0.
    return w, b
```

For one unit, zeros are a fine start: there is no symmetry to break. (With hidden layers it would be
wrong, and `Network.initialize` refuses `Zeros` there; see [the general recipe](general-recipe.html).)
*)

let zeros = LogisticRegression.initializeWithZeros 2
(*** include-value: zeros ***)

(**
## Forward and backward propagation

```python
def propagate(w, b, X, Y):
    m = X.shape[1]
    A = sigmoid(np.dot(w.T, X) + b)                              # forward: activation
    cost = -1 / m * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A))
    dw = 1 / m * np.dot(X, (A - Y).T)                            # backward: gradients
    db = 1 / m * np.sum(A - Y)
    return {"dw": dw, "db": db}, cost

w, b, X, Y = np.array([[1.], [2.]]), 2., np.array([[1., 2., -1.], [3., 4., -3.2]]), np.array([[1, 0, 1]])
```

The course's example has three samples of two features. Written as rows, sample i is row i:
*)

let x = array2D [ [ 1.0; 3.0 ]; [ 2.0; 4.0 ]; [ -1.0; -3.2 ] ] // 3 samples x 2 features
let y = [| 1; 0; 1 |]
let parameters = { W = [| 1.0; 2.0 |]; B = 2.0 }

let gradients, cost = LogisticRegression.propagate parameters x y

printfn "dw   = [%.10f, %.10f]" gradients.Dw[0] gradients.Dw[1]
printfn "db   = %.10f" gradients.Db
printfn "cost = %.10f" cost
(*** include-output ***)

(**
These are the course's expected values, dw = [0.99845601, 2.39507239], db = 0.00145558 and
cost = 5.80154531, and the test suite holds them to 1e-10.

Two details differ from the numpy code, both on purpose:

- The cost is computed from the logit z = w·x + b, as log(1 + e^-z) for a label 1 and
  log(1 + e^z) for a label 0 (a stable softplus), not from `log(A)`. For z = 40, `A` rounds to
  exactly 1.0 and numpy's `log(1 - A)` gives `-inf`; this form gives 40.
- `propagate` is the one-layer case of `Propagation.propagate`, the function that trains every
  network in the library. Nothing here is a separate copy of the math.

## Optimisation

```python
def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    costs = []
    for i in range(num_iterations):
        grads, cost = propagate(w, b, X, Y)
        w = w - learning_rate * grads["dw"]
        b = b - learning_rate * grads["db"]
        if i % 100 == 0:
            costs.append(cost)
    return {"w": w, "b": b}, grads, costs
```

The course's test: 100 iterations at learning rate 0.009 from the same parameters.
*)

let optimized = LogisticRegression.optimize parameters x y 100 0.009

printfn "w  = [%.8f, %.8f]" optimized.Parameters.W[0] optimized.Parameters.W[1]
printfn "b  = %.8f" optimized.Parameters.B
printfn "dw = [%.8f, %.8f]" optimized.Gradients.Dw[0] optimized.Gradients.Dw[1]
printfn "db = %.8f" optimized.Gradients.Db
printfn "costs recorded at iterations 0, 100, ...: %A" optimized.Costs
(*** include-output ***)

(**
`optimize` is a fold of one pure update, w ← w − α dw and b ← b − α db. You can write that fold
yourself from `propagate` and `update`; it reaches the same parameters bit for bit:
*)

let byHand =
    (parameters, [ 1..100 ])
    ||> List.fold (fun p _ ->
        let g, _ = LogisticRegression.propagate p x y
        LogisticRegression.update 0.009 g p)

let sameAsOptimize = byHand = optimized.Parameters
(*** include-value: sameAsOptimize ***)

(**
## Prediction

```python
def predict(w, b, X):
    A = sigmoid(np.dot(w.T, X) + b)
    return (A > 0.5).astype(int)
```
*)

let predictions = LogisticRegression.predict optimized.Parameters x
(*** include-value: predictions ***)

(**
## The model, on real data

```python
def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5):
    w, b = initialize_with_zeros(X_train.shape[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate)
    Y_prediction_test = predict(params["w"], params["b"], X_test)
    Y_prediction_train = predict(params["w"], params["b"], X_train)
    ...
```

The repository ships the Wisconsin breast-cancer data (`data/breast-cancer.csv`: 569 samples,
30 features, the label `malignant` last). A CSV file is already samples as rows, so reading it is a
few lines:
*)

open System.IO

/// Features (samples x columns) and integer labels (the last column) of a numeric CSV file.
let loadCsv (path: string) =
    let rows =
        File.ReadAllLines path
        |> Array.skip 1 // the header
        |> Array.map (fun line -> line.Split ',' |> Array.map float)

    let columns = rows[0].Length - 1
    Array2D.init rows.Length columns (fun i j -> rows[i][j]), rows |> Array.map (fun r -> int r[columns])

let features, labels =
    loadCsv (Path.Combine(__SOURCE_DIRECTORY__, "../data/breast-cancer.csv"))

printfn "%d samples x %d features" (features.GetLength 0) (features.GetLength 1)
(*** include-output ***)

(**
The course's images are scaled to [0, 1] by dividing by 255. These features range from 0.001 to
4254, so they are standardised instead, with a mean and deviation fitted on the training rows only
(so nothing of the test set leaks into training). The split is seeded: the same seed, the same split.
*)

let trainRows, testRows = Preprocessing.split 0 0.2 (features.GetLength 0)

let scaling =
    Preprocessing.fitStandardization (Preprocessing.takeRows trainRows features)

let prepare rows =
    Preprocessing.standardize scaling (Preprocessing.takeRows rows features)

let pick rows = rows |> Array.map (fun i -> labels[i])

let result =
    LogisticRegression.model (prepare trainRows) (pick trainRows) (prepare testRows) (pick testRows) 2000 0.5

printfn "cost every 100 iterations: %s" (result.Costs |> List.map (sprintf "%.4f") |> String.concat " ")
printfn "train accuracy: %.2f %%" (100.0 * result.TrainAccuracy)
printfn "test accuracy:  %.2f %%" (100.0 * result.TestAccuracy)
(*** include-output ***)

(**
`perceptron train` runs the same model on the same seeded split (its summary is in the README). From here,
[the general recipe](general-recipe.html) grows the one unit into a network with hidden layers.
*)
