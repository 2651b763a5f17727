/// Helpers shared by the tests: deep copies, bit-for-bit comparisons, flattening and relative errors.
/// The reference that the fast path is tested against is the library's own Formulation.
module Perceptron.Core.Tests.Helpers

open System
open Perceptron.Core

/// The bits of a float: equal bits is the strictest equality (NaN = NaN, 0.0 <> -0.0).
let bits (x: float) = BitConverter.DoubleToInt64Bits x

let sameBits (a: float[]) (b: float[]) =
    a.Length = b.Length && Array.forall2 (fun x y -> bits x = bits y) a b

let sameBits2 (a: float[,]) (b: float[,]) =
    a.GetLength 0 = b.GetLength 0
    && a.GetLength 1 = b.GetLength 1
    && Seq.forall2 (fun x y -> bits x = bits y) (Seq.cast<float> a) (Seq.cast<float> b)

let copyLayer (l: Layer) = {
    l with
        Weights = Array2D.copy l.Weights
        Bias = Array.copy l.Bias
}

let copyNetwork (n: Network) : Network = { Layers = List.map copyLayer n.Layers }

let sameNetwork (a: Network) (b: Network) =
    a.Layers.Length = b.Layers.Length
    && List.forall2
        (fun (x: Layer) (y: Layer) ->
            x.Activation = y.Activation
            && sameBits2 x.Weights y.Weights
            && sameBits x.Bias y.Bias)
        a.Layers
        b.Layers

let copyGradients (g: Gradients) : Gradients = {
    Layers =
        g.Layers
        |> List.map (fun l -> {
            Weights = Array2D.copy l.Weights
            Bias = Array.copy l.Bias
        })
}

let sameGradients (a: Gradients) (b: Gradients) =
    a.Layers.Length = b.Layers.Length
    && List.forall2
        (fun (x: LayerGradients) (y: LayerGradients) -> sameBits2 x.Weights y.Weights && sameBits x.Bias y.Bias)
        a.Layers
        b.Layers

let copyOptimizerState (s: OptimizerState) =
    match s with
    | Stateless -> Stateless
    | Velocity v -> Velocity(copyGradients v)
    | Moments(t, m, v) -> Moments(t, copyGradients m, copyGradients v)
    | Custom value -> Custom value

let sameOptimizerState (a: OptimizerState) (b: OptimizerState) =
    match a, b with
    | Stateless, Stateless -> true
    | Velocity x, Velocity y -> sameGradients x y
    | Moments(t, m, v), Moments(u, n, w) -> t = u && sameGradients m n && sameGradients v w
    | Custom x, Custom y -> Object.Equals(x, y)
    | _ -> false

let copyState (s: TrainingState) = {
    s with
        Network = copyNetwork s.Network
        OptimizerState = copyOptimizerState s.OptimizerState
        Gradients = s.Gradients |> Option.map copyGradients
}

let sameState (a: TrainingState) (b: TrainingState) =
    sameNetwork a.Network b.Network
    && sameOptimizerState a.OptimizerState b.OptimizerState
    && a.Step = b.Step
    && a.Epoch = b.Epoch
    && bits a.Cost = bits b.Cost
    && (match a.Gradients, b.Gradients with
        | None, None -> true
        | Some x, Some y -> sameGradients x y
        | _ -> false)

let allFinite (values: seq<float>) = values |> Seq.forall Double.IsFinite

let networkIsFinite (n: Network) =
    n.Layers
    |> List.forall (fun l -> allFinite (Seq.cast<float> l.Weights) && allFinite l.Bias)

let gradientsAreFinite (g: Gradients) =
    g.Layers
    |> List.forall (fun l -> allFinite (Seq.cast<float> l.Weights) && allFinite l.Bias)

/// Every parameter of the gradients, layer by layer (weights row by row, then biases).
let flatten (g: Gradients) =
    g.Layers
    |> List.map (fun l -> Array.append (Seq.cast<float> l.Weights |> Array.ofSeq) l.Bias)
    |> Array.concat

let norm (values: float[]) =
    sqrt (values |> Array.sumBy (fun v -> v * v))

/// max |a - b| / max(1, max |a|): a relative error that is absolute near zero.
let relativeError (reference: float[]) (actual: float[]) =
    if reference.Length <> actual.Length then
        invalidArg "actual" $"lengths differ: {reference.Length} and {actual.Length}"

    if reference.Length = 0 then
        0.0
    else
        let scale = max 1.0 (reference |> Array.map abs |> Array.max)
        (Array.map2 (fun a b -> abs (a - b)) reference actual |> Array.max) / scale

let flat2 (a: float[,]) = Seq.cast<float> a |> Array.ofSeq

/// The gradients of Formulation.backward in the order of `flatten`: each layer's dW row by row, then its db.
let flattenBackward (backward: LayerBackward list) =
    backward |> List.map (fun l -> Array.append (flat2 l.DW) l.Db) |> Array.concat

/// The number of trainable parameters: every weight and bias.
let parameterCount (network: Network) =
    network.Layers |> List.sumBy (fun l -> l.Weights.Length + l.Bias.Length)
