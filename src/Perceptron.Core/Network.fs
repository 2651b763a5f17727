/// Networks as immutable values: dense layers of weights, bias and activation.
namespace Perceptron.Core

open System
open System.Globalization
open System.Runtime.CompilerServices
open MathNet.Numerics.Distributions
open MathNet.Numerics.Random

/// A dense layer: Weights has one row per unit and one column per input.
/// Arrays in a layer are never written after construction: every function returns new ones.
type Layer = {
    /// units x inputs.
    Weights: float[,]
    /// One value per unit.
    Bias: float[]
    /// Applied to Weights x input + Bias.
    Activation: Activation
} with

    /// The number of units (outputs) of the layer.
    member layer.Units = layer.Weights.GetLength 0

    /// The number of inputs of the layer.
    member layer.Inputs = layer.Weights.GetLength 1

/// A feed-forward network: hidden layers, then an output layer (sigmoid or softmax).
type Network = {
    /// Input layer first, output layer last.
    Layers: Layer list
} with

    /// The number of input features.
    member network.Inputs = network.Layers.Head.Inputs

    /// The number of output units (1 for a sigmoid output, K for softmax).
    member network.Outputs = network.OutputLayer.Units

    /// The loss matching the output layer.
    member network.Loss = Loss.forOutput network.OutputLayer.Activation

    /// The last layer; List.last's walk, without the JIT cost of its generic code on a first call (issue 12).
    member internal network.OutputLayer: Layer =
        let mutable rest = network.Layers

        if rest.IsEmpty then
            List.last rest
        else
            while not rest.Tail.IsEmpty do
                rest <- rest.Tail

            rest.Head

/// How the initial weights are drawn. Biases always start at zero.
type Initialization =
    /// All zeros: the seed perceptron's start; only valid without hidden layers.
    | Zeros
    /// N(0, 1) x scale, as in the course's shallow network (scale 0.01).
    | Normal of scale: float
    /// Xavier/Glorot: N(0, 2 / (inputs + units)).
    | Xavier
    /// He: N(0, 2 / inputs), for ReLU layers.
    | He

/// The names of initialisations.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Initialization =
    /// The name used in model files and on the command line (Normal's scale is not part of it).
    [<CompiledName("Name")>]
    let name initialization =
        match initialization with
        | Zeros -> "zeros"
        | Normal _ -> "normal"
        | Xavier -> "xavier"
        | He -> "he"

    /// Every initialisation's name, in declaration order.
    [<CompiledName("Names")>]
    let names = [ "zeros"; "normal"; "xavier"; "he" ]

    /// The initialisation chosen when none is given, from the hidden layers' activations (input side
    /// first): zeros without hidden layers, He when every hidden layer is ReLU or leaky ReLU, else Xavier.
    /// One rule for the whole network, as one initialisation draws every layer.
    [<CompiledName("DefaultFor")>]
    let defaultFor (hiddenActivations: Activation list) =
        match hiddenActivations with
        | [] -> Zeros
        | _ ->
            // A loop, not List.forall with a closure: less for the JIT on a first training call (issue 12).
            let mutable rectified = true

            for a in hiddenActivations do
                match a with
                | Relu
                | LeakyRelu -> ()
                | _ -> rectified <- false

            if rectified then He else Xavier

/// Building and checking networks.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Network =
    /// A copy of a matrix. Clone is one precompiled framework method, where Array2D.copy's generic code
    /// would add to the JIT work of every process's first training call (issue 12).
    let internal copyMatrix (a: float[,]) = a.Clone() :?> float[,]

    /// A copy of a vector (see copyMatrix).
    let internal copyVector (a: float[]) = a.Clone() :?> float[]

    /// The layer with its own copies of the weights and bias.
    let internal copyLayer (layer: Layer) = {
        layer with
            Weights = copyMatrix layer.Weights
            Bias = copyVector layer.Bias
    }

    // Each message of validate is concatenated, not interpolated (F# formats interpolated strings through printf,
    // whose JIT cost every process's first training call would pay), in a function of its own that only a broken
    // rule calls: validate runs on every training call, and its quick JIT then has no message's calls to resolve.
    // Counts are shown invariant; interpolation showed them in the current culture, which writes a count that is
    // never negative the same way.

    let private count (n: int) =
        n.ToString(CultureInfo.InvariantCulture)

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private noWeights (i: int) : unit =
        invalidArg "network" ("layer " + count i + " has no weights or bias")

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private emptyShape (i: int) (layer: Layer) : unit =
        invalidArg
            "network"
            ("layer "
             + count i
             + " has shape "
             + count layer.Units
             + " x "
             + count layer.Inputs
             + "; expected at least 1 x 1")

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private biasesDiffer (i: int) (layer: Layer) : unit =
        invalidArg
            "network"
            ("layer "
             + count i
             + " has "
             + count layer.Bias.Length
             + " biases for "
             + count layer.Units
             + " units")

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private unchained (i: int) (inputs: int) (previousUnits: int) : unit =
        invalidArg
            "network"
            ("layer "
             + count i
             + " has "
             + count inputs
             + " inputs but layer "
             + count (i - 1)
             + " has "
             + count previousUnits
             + " units")

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private hiddenSoftmax (i: int) : unit =
        invalidArg "network" ("layer " + count i + " is hidden; softmax is only for the output layer")

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private sigmoidOutput (units: int) : unit =
        invalidArg
            "network"
            ("the sigmoid output layer has "
             + count units
             + " units; expected 1 (two classes)")

    /// Checks shapes and activations; returns the network or raises ArgumentException saying what is wrong.
    [<CompiledName("Validate")>]
    let validate (network: Network) =
        if network.Layers.IsEmpty then
            invalidArg "network" "a network needs at least one layer (the output layer)"

        // A walk rather than List.iteri with a closure: less for the JIT on a first training call (issue 12).
        let mutable i = 0
        let mutable previousUnits = 0
        let mutable rest = network.Layers

        while not rest.IsEmpty do
            let layer = rest.Head
            rest <- rest.Tail

            if isNull layer.Weights || isNull layer.Bias then
                noWeights i

            if layer.Units = 0 || layer.Inputs = 0 then
                emptyShape i layer

            if layer.Bias.Length <> layer.Units then
                biasesDiffer i layer

            if i > 0 && layer.Inputs <> previousUnits then
                unchained i layer.Inputs previousUnits

            match layer.Activation, rest.IsEmpty with
            | Softmax, false -> hiddenSoftmax i
            | Sigmoid, true when layer.Units <> 1 -> sigmoidOutput layer.Units
            | Softmax, true when layer.Units < 2 ->
                invalidArg "network" "the softmax output layer needs at least 2 units"
            | (Tanh | Relu | LeakyRelu), true ->
                invalidArg "network" "the output layer uses sigmoid (two classes) or softmax (more)"
            | _ -> ()

            previousUnits <- layer.Units
            i <- i + 1

        network

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private tooFewClasses (classes: int) : Activation =
        invalidArg "classes" $"{classes} classes; expected at least 2"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private tooFewInputs (inputs: int) : unit =
        invalidArg "inputs" $"{inputs} inputs; expected at least 1"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private tooNarrow (width: int) : unit =
        invalidArg "hidden" $"a hidden layer of width {width}; expected at least 1 unit"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private badScale (scale: float) : unit =
        invalidArg "initialization" $"init scale {scale}; expected a finite number > 0"

    /// The output activation for a number of classes: sigmoid for 2, softmax for more.
    [<CompiledName("OutputActivation")>]
    let outputActivation (classes: int) =
        if classes < 2 then tooFewClasses classes
        elif classes = 2 then Sigmoid
        else Softmax

    /// The number of output units for a number of classes.
    [<CompiledName("OutputUnits")>]
    let outputUnits (classes: int) =
        if outputActivation classes = Sigmoid then 1 else classes

    /// Draws a network: inputs, hidden layers (width and activation each, input side first), classes;
    /// weights from the seed, biases zero. Pure: the same arguments always give the same network.
    [<CompiledName("InitializeLayers")>]
    let initializeLayers
        (initialization: Initialization)
        (seed: int)
        (inputs: int)
        (hidden: (int * Activation) list)
        (classes: int)
        =
        if inputs < 1 then
            tooFewInputs inputs

        // Loops over arrays rather than List.iter, map, pairwise and mapi: their generic code would cost every
        // process's first training call JIT time (issue 12). The draws come in the same order as ever.
        let mutable count = 0

        for _ in hidden do
            count <- count + 1

        let widths = Array.zeroCreate<int>(count + 2)
        let activations = Array.zeroCreate<Activation> count
        widths[0] <- inputs
        let mutable k = 0

        for w, activation in hidden do
            if w < 1 then
                tooNarrow w

            if not (Activation.isHidden activation) then
                invalidArg "hiddenActivation" "softmax is only for the output layer"

            widths[k + 1] <- w
            activations[k] <- activation
            k <- k + 1

        match initialization with
        | Zeros when count > 0 ->
            invalidArg
                "initialization"
                "zero initialisation gives every hidden unit the same weights and the same gradients, so they never differ (symmetry is not broken); use normal, xavier or he"
        | Normal scale when not (Double.IsFinite scale) || scale <= 0.0 -> badScale scale
        | _ -> ()

        let random = Xoshiro256StarStar(seed)
        widths[count + 1] <- outputUnits classes
        let drawn = Array.zeroCreate<Layer>(count + 1)

        for i in 0..count do
            let fanIn, units = widths[i], widths[i + 1]

            let std =
                match initialization with
                | Zeros -> 0.0
                | Normal scale -> scale
                | Xavier -> sqrt (2.0 / float (fanIn + units))
                | He -> sqrt (2.0 / float fanIn)

            let weights =
                if std = 0.0 then
                    Array2D.zeroCreate units fanIn
                else
                    Array2D.init units fanIn (fun _ _ -> std * Normal.Sample(random, 0.0, 1.0))

            drawn[i] <- {
                Weights = weights
                Bias = Array.zeroCreate units
                Activation =
                    if i = count then
                        outputActivation classes
                    else
                        activations[i]
            }

        let mutable layers = []

        for i in count .. -1 .. 0 do
            layers <- drawn[i] :: layers

        { Layers = layers }

    /// Draws a network: inputs, hidden layer widths, classes; weights from the seed, biases zero; every
    /// hidden layer with the same activation. Pure: the same arguments always give the same network.
    [<CompiledName("Initialize")>]
    let initialize
        (initialization: Initialization)
        (seed: int)
        (inputs: int)
        (hidden: int list)
        (hiddenActivation: Activation)
        (classes: int)
        =
        // Checked before the layers are, in the order (and words) callers of this form have always seen.
        if inputs >= 1 then
            for w in hidden do
                if w < 1 then
                    tooNarrow w

            if not (Activation.isHidden hiddenActivation) then
                invalidArg "hiddenActivation" "softmax is only for the output layer"

        initializeLayers initialization seed inputs (hidden |> List.map (fun w -> w, hiddenActivation)) classes
