(**
---
title: Training as values
category: Tutorials
categoryindex: 1
index: 3
---

# Training as values

In most frameworks training is a loop that mutates a model. In this library it is a sequence of
immutable values: `Training.step` takes a state and a batch and returns a new state, and
`Training.steps` is the lazy fold of that step over the batches. Every intermediate state is a value
you can keep, print, compare, or resume from. All output below is computed when the page is built.
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

(**
## The state and the step

A `TrainingState` holds the network, the optimizer's state, the number of updates and of completed
epochs, and the cost and gradients of the last batch. `Training.init` makes the state before any step.
*)

let optimizer = Optimizer.adamDefault 0.01
let network = Network.initialize Xavier 1 2 [ 8 ] Tanh 2
let start = Training.init optimizer network

printfn "step %d, epoch %d, cost %f, gradients %A" start.Step start.Epoch start.Cost start.Gradients
(*** include-output ***)

(**
One step on one batch (here the first 32 samples) is a pure function: `start` is untouched, and
calling it again gives the same state.
*)

let batch = Array2D.init 32 2 (fun i j -> x[i, j])
let after1 = Training.step optimizer batch y[0..31] start
printfn "after one step: step %d, cost of that batch %.6f" after1.Step after1.Cost
printfn "start is unchanged: step %d" start.Step
(*** include-output ***)

(**
## A lazy, unending sequence of states

`Training.steps optimizer batchSize seed features labels start` yields the state after each update:
mini-batches of 32 here, reshuffled every epoch by a permutation drawn from `(seed, epoch)` alone.
The sequence never ends; take what you need.
*)

let seed = 7
let states = Training.steps optimizer (Some 32) seed x y start

for s in states |> Seq.take 3 do
    printfn "step %d: epoch %d, batch cost %.6f" s.Step s.Epoch s.Cost
(*** include-output ***)

(**
## Keep the 100th state, resume from it

A state is a value, so "checkpointing" is keeping it. Resuming is starting `Training.steps` from it:
because each epoch's order depends only on the seed and the epoch number, and the state records where
in the epoch it stopped, the resumed run sees exactly the batches the uninterrupted run sees.
*)

let after100 = states |> Seq.item 99 // the state after 100 updates
let uninterrupted = states |> Seq.item 299 // 300 updates in one go

let resumed = Training.steps optimizer (Some 32) seed x y after100 |> Seq.item 199 // 100 + 200 updates

/// True when two networks hold the same bits in every weight and bias.
let bitIdentical (a: Network) (b: Network) =
    let bits (n: Network) = [|
        for layer in n.Layers do
            yield! layer.Weights |> Seq.cast<float> |> Seq.map BitConverter.DoubleToInt64Bits
            yield! layer.Bias |> Seq.map BitConverter.DoubleToInt64Bits
    |]

    bits a = bits b

printfn "kept:          step %d, epoch %d, cost %.6f" after100.Step after100.Epoch after100.Cost
printfn "uninterrupted: step %d, epoch %d, cost %.12f" uninterrupted.Step uninterrupted.Epoch uninterrupted.Cost
printfn "resumed:       step %d, epoch %d, cost %.12f" resumed.Step resumed.Epoch resumed.Cost
printfn "same network, bit for bit: %b" (bitIdentical uninterrupted.Network resumed.Network)
(*** include-output ***)

if not (bitIdentical uninterrupted.Network resumed.Network) then
    failwith "the resumed run differs from the uninterrupted one"

(**
(If the page said `true` while the runs differed, the build would fail: the check above throws, and
the documentation is built with `--strict` in CI.)

## The in-place engine: same states, far less garbage

`Training.steps` gives you every state, so every update must allocate a new network, new gradients
and a new optimizer state. Code that needs only some of the states, such as one per epoch, does not
need that. `Training.epochs` runs the same steps through an engine that copies the start state into
buffers of its own, updates them in place with the optimizer's rule, and copies them out into a new
immutable state only when it yields one. The optimizer's pure `Update` runs the very same rule on
copies, so the two paths compute bit-identical states:
*)

let batchesPerEpoch = (y.Length + 31) / 32

let epochs = Training.epochs optimizer (Some 32) seed x y None start
let tenthEpoch = (epochs |> Seq.item 9).State
let sameStepByFold = states |> Seq.item (10 * batchesPerEpoch - 1)

printfn "epochs:  step %d, epoch %d" tenthEpoch.Step tenthEpoch.Epoch
printfn "steps:   step %d, epoch %d" sameStepByFold.Step sameStepByFold.Epoch
printfn "bit-identical networks: %b" (bitIdentical tenthEpoch.Network sameStepByFold.Network)
(*** include-output ***)

if not (bitIdentical tenthEpoch.Network sameStepByFold.Network) then
    failwith "the engine and the pure fold differ"

(**
Why have both? Measure what each allocates for the same 100 epochs on a wider network
(64 hidden units), where the parameters are what is allocated:
*)

let wide = Network.initialize Xavier 1 2 [ 64 ] Tanh 2
let wideStart = Training.init optimizer wide

let allocatedBy (run: unit -> unit) =
    let before = GC.GetAllocatedBytesForCurrentThread()
    run ()
    float (GC.GetAllocatedBytesForCurrentThread() - before) / 1e6

let viaSteps =
    allocatedBy (fun () ->
        Training.steps optimizer (Some 32) seed x y wideStart
        |> Seq.item (100 * batchesPerEpoch - 1)
        |> ignore)

let viaEpochs =
    allocatedBy (fun () ->
        Training.epochs optimizer (Some 32) seed x y None wideStart
        |> Seq.item 99
        |> ignore)

printfn "Training.steps:  %6.1f MB allocated for %d updates" viaSteps (100 * batchesPerEpoch)
printfn "Training.epochs: %6.1f MB allocated for the same updates" viaEpochs
(*** include-output ***)

(**
On networks of real size (the README's 784-128-10 benchmark), a new set of parameter arrays per step
meant hundreds of megabytes of large-object-heap garbage per epoch; the engine removed that, and it
is what `Training.fit`, the console host and the C# `Classifier.Train` use. `Training.steps` remains
the reference: the engine is tested against it bit for bit, for every optimizer.

A hand-made optimizer (see [optimizers as pure pairs](optimizers.html)) has no in-place rule that
training could use, so `Training.epochs` runs it through the pure fold: the same results, just
without the saving.
*)
