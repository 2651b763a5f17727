/// FsCheck generators for the core's tests: small random networks with data, huge-logit cases,
/// and matrix-product shapes. Registered on each test module with
/// `[<Properties(Arbitrary = [| typeof<Generators> |])>]`.
namespace Perceptron.Core.Tests

open System
open FsCheck
open FsCheck.FSharp
open Perceptron.Core

/// How a generated network was drawn, kept so that a failing case can be rebuilt.
type Architecture = {
    Inputs: int
    Hidden: int list
    /// One per hidden layer (Network.initialize draws one; the others are set afterwards).
    HiddenActivations: Activation list
    Classes: int
    Initialization: Initialization
    Seed: int
    /// False: the biases are initialize's zeros; true: drawn from [-0.5, 0.5].
    RandomBiases: bool
}

/// A network with a batch it accepts: features samples x inputs in [-3, 3], valid labels.
type Case = {
    Architecture: Architecture
    Network: Network
    Features: float[,]
    Labels: int[]
}

/// A case whose logits are huge: the features, or the output layer's weights, multiplied by Magnitude.
type HugeCase = {
    Case: Case
    Magnitude: float
    ScaledFeatures: bool
}

/// The optimizers the training tests draw from (a tag, so that failing cases print readably).
type OptimizerKind =
    | GradientDescent
    | Momentum
    | Adam
    | AdamWithL2

    /// The optimizer this tag stands for, with a moderate learning rate.
    member kind.Make() =
        match kind with
        | GradientDescent -> Optimizer.gradientDescent 0.1
        | Momentum -> Optimizer.momentum 0.1 0.9
        | Adam -> Optimizer.adamDefault 0.01
        | AdamWithL2 -> Optimizer.withL2 0.01 (Optimizer.adamDefault 0.01)

/// A case with what `Training.steps` needs: an optimizer, a batch size (None: full batch) and a seed,
/// and two step counts for splitting a run.
type TrainingCase = {
    Case: Case
    Optimizer: OptimizerKind
    BatchSize: int option
    Seed: int
    First: int
    Then: int
}

/// Binary labels with scores from a small set (so that ties occur), both classes present.
type Scored = { Labels: int[]; Scores: float[] }

/// C (m x n) <- alpha op(A) op(B) + beta C on row-major buffers, with leading dimensions that may
/// exceed the row length; padding holds NaN, which a correct kernel never reads or writes.
type GemmCase = {
    TransA: bool
    TransB: bool
    M: int
    N: int
    K: int
    Alpha: float
    Beta: float
    Lda: int
    Ldb: int
    Ldc: int
    A: float[]
    B: float[]
    C: float[]
}

/// A dense case (packed A and B, C rows `ldc` apart) with values uniform in [-1, 1) from `random`.
module GemmCase =
    let dense (random: System.Random) transA transB m n k alpha beta ldc =
        let values count =
            Array.init count (fun _ -> random.NextDouble() * 2.0 - 1.0)

        {
            TransA = transA
            TransB = transB
            M = m
            N = n
            K = k
            Alpha = alpha
            Beta = beta
            Lda = if transA then m else k
            Ldb = if transB then k else n
            Ldc = ldc
            A = values (m * k)
            B = values (k * n)
            C = values (m * ldc)
        }

/// y <- alpha op(A) x + beta y for a row-major m x n matrix A with leading dimension Lda.
type GemvCase = {
    Trans: bool
    M: int
    N: int
    Alpha: float
    Beta: float
    Lda: int
    A: float[]
    X: float[]
    Y: float[]
}

/// Any finite float, from subnormals to Double.MaxValue, with the extremes over-represented.
type AnyFinite = AnyFinite of float

/// A float in [-30, 30], where e^z and e^-z are ordinary numbers.
type Moderate = Moderate of float

/// The generators, as plain functions (usable with Prop.forAll as well).
module Gens =
    /// Uniform in [lo, hi).
    let uniform (lo: float) (hi: float) =
        Gen.choose (0, Int32.MaxValue - 1)
        |> Gen.map (fun i -> lo + (hi - lo) * (float i / float Int32.MaxValue))

    let anyFinite =
        Gen.frequency [
            4, Gen.map2 (fun m e -> m * Math.Pow(10.0, float e)) (uniform -1.0 1.0) (Gen.choose (-320, 308))
            1,
            Gen.elements [
                0.0
                -0.0
                1e308
                -1e308
                Double.MaxValue
                -Double.MaxValue
                Double.Epsilon
                -Double.Epsilon
                1000.0
                -1000.0
                745.0
                -745.0
                709.0
                -709.0
                36.0
                -36.0
            ]
        ]
        |> Gen.map AnyFinite

    let moderate = uniform -30.0 30.0 |> Gen.map Moderate

    let hiddenActivation = Gen.elements [ Sigmoid; Tanh; Relu; LeakyRelu ]

    let initialization =
        Gen.oneof [
            Gen.elements [ 0.01; 0.1; 0.5; 1.0 ] |> Gen.map Normal
            Gen.constant Xavier
            Gen.constant He
        ]

    let seed = Gen.choose (-1_000_000_000, 1_000_000_000)

    let architecture =
        gen {
            let! inputs = Gen.choose (1, 6)
            let! depth = Gen.choose (0, 3)
            let! hidden = Gen.listOfLength depth (Gen.choose (1, 6))
            let! activations = Gen.listOfLength depth hiddenActivation
            let! classes = Gen.frequency [ 1, Gen.constant 2; 1, Gen.choose (3, 5) ]
            let! initialization = initialization
            let! seed = seed
            let! randomBiases = Gen.elements [ false; true ]

            return {
                Inputs = inputs
                Hidden = hidden
                HiddenActivations = activations
                Classes = classes
                Initialization = initialization
                Seed = seed
                RandomBiases = randomBiases
            }
        }

    /// Network.initialize, then one activation per hidden layer and, optionally, random biases.
    let network (a: Architecture) =
        let first = List.tryHead a.HiddenActivations |> Option.defaultValue Sigmoid

        let drawn =
            Network.initialize a.Initialization a.Seed a.Inputs a.Hidden first a.Classes

        let withActivations =
            drawn.Layers
            |> List.mapi (fun i layer ->
                if i < a.HiddenActivations.Length then
                    {
                        layer with
                            Activation = a.HiddenActivations[i]
                    }
                else
                    layer)

        if a.RandomBiases then
            withActivations
            |> List.map (fun layer ->
                Gen.arrayOfLength layer.Units (uniform -0.5 0.5)
                |> Gen.map (fun b -> { layer with Bias = b }))
            |> Gen.sequenceToList
            |> Gen.map (fun layers -> { Layers = layers })
        else
            Gen.constant { Layers = withActivations }

    /// Features samples x inputs in [-3, 3] and labels 0..classes-1.
    let data (samples: int) (inputs: int) (classes: int) =
        Gen.zip
            (Gen.array2DOfDim samples inputs (uniform -3.0 3.0))
            (Gen.arrayOfLength samples (Gen.choose (0, classes - 1)))

    let caseOf (architecture: Gen<Architecture>) (samples: Gen<int>) =
        gen {
            let! a = architecture
            let! network = network a
            let! samples = samples
            let! features, labels = data samples a.Inputs a.Classes

            return {
                Architecture = a
                Network = network
                Features = features
                Labels = labels
            }
        }

    let case = caseOf architecture (Gen.choose (1, 12))

    let hugeCase =
        gen {
            let! case = case
            let! exponent = Gen.choose (3, 300)
            let! scaledFeatures = Gen.elements [ false; true ]
            let magnitude = Math.Pow(10.0, float exponent)

            let case =
                if scaledFeatures then
                    {
                        case with
                            Features = Array2D.map (fun x -> x * magnitude) case.Features
                    }
                else
                    let layers = List.toArray case.Network.Layers
                    let last = layers.Length - 1

                    layers[last] <- {
                        layers[last] with
                            Weights = Array2D.map (fun w -> w * magnitude) layers[last].Weights
                    }

                    {
                        case with
                            Network = { Layers = List.ofArray layers }
                    }

            return {
                Case = case
                Magnitude = magnitude
                ScaledFeatures = scaledFeatures
            }
        }

    let trainingCase =
        gen {
            let! case = case
            let samples = case.Labels.Length
            let! optimizer = Gen.elements [ GradientDescent; Momentum; Adam; AdamWithL2 ]
            // Sizes at or above the sample count mean full batch (unshuffled), like None.
            let! batchSize =
                Gen.frequency [ 1, Gen.constant None; 3, Gen.choose (1, samples + 1) |> Gen.map Some ]

            let! seed = seed
            let! first = Gen.choose (0, 8)
            let! next = Gen.choose (1, 8)

            return {
                Case = case
                Optimizer = optimizer
                BatchSize = batchSize
                Seed = seed
                First = first
                Then = next
            }
        }

    let scored =
        gen {
            let! samples = Gen.choose (2, 20)
            let! labels = Gen.arrayOfLength samples (Gen.choose (0, 1))

            let! scores =
                Gen.arrayOfLength samples (Gen.choose (0, 5) |> Gen.map (fun s -> float s / 5.0))
            // Both classes must be present for a ROC curve.
            let labels =
                if Array.distinct labels |> Array.length = 2 then
                    labels
                else
                    Array.init samples (fun i -> i % 2)

            return { Labels = labels; Scores = scores }
        }

    /// Matrix dimensions: often 1 (row and column vectors), mostly small, sometimes larger.
    let dimension =
        Gen.frequency [ 2, Gen.constant 1; 5, Gen.choose (1, 9); 1, Gen.choose (10, 40) ]

    /// Extra elements at the end of each row: mostly none (leading dimension = row length).
    let padding = Gen.frequency [ 3, Gen.constant 0; 1, Gen.choose (1, 3) ]

    /// A rows x columns matrix stored with leading dimension columns + pad; padding is NaN.
    let stored (rows: int) (columns: int) (pad: int) =
        Gen.arrayOfLength (rows * columns) (uniform -1.0 1.0)
        |> Gen.map (fun values ->
            Array.init (rows * (columns + pad)) (fun index ->
                let r, c = index / (columns + pad), index % (columns + pad)
                if c < columns then values[r * columns + c] else nan))

    let scalar = Gen.oneof [ Gen.elements [ 1.0; -1.0; 0.5; 2.0 ]; uniform -2.0 2.0 ]

    let beta = Gen.oneof [ Gen.elements [ 0.0; 1.0; -0.5 ]; uniform -2.0 2.0 ]

    let gemmCase =
        gen {
            let! transA = Gen.elements [ false; true ]
            let! transB = Gen.elements [ false; true ]
            let! m = dimension
            let! n = dimension
            let! k = dimension
            let! padA = padding
            let! padB = padding
            let! padC = padding
            let! alpha = scalar
            let! beta = beta
            // op(A) is m x k: A is stored k x m when transposed.
            let aRows, aColumns = if transA then k, m else m, k
            let bRows, bColumns = if transB then n, k else k, n
            let! a = stored aRows aColumns padA
            let! b = stored bRows bColumns padB
            let! c = stored m n padC

            return {
                TransA = transA
                TransB = transB
                M = m
                N = n
                K = k
                Alpha = alpha
                Beta = beta
                Lda = aColumns + padA
                Ldb = bColumns + padB
                Ldc = n + padC
                A = a
                B = b
                C = c
            }
        }

    let gemvCase =
        gen {
            let! trans = Gen.elements [ false; true ]
            let! m = dimension
            let! n = dimension
            let! pad = padding
            let! alpha = scalar
            let! beta = beta
            let! a = stored m n pad
            let xLength, yLength = if trans then m, n else n, m
            let! x = Gen.arrayOfLength xLength (uniform -1.0 1.0)
            let! y = Gen.arrayOfLength yLength (uniform -1.0 1.0)

            return {
                Trans = trans
                M = m
                N = n
                Alpha = alpha
                Beta = beta
                Lda = n + pad
                A = a
                X = x
                Y = y
            }
        }

/// The Arbitrary instances FsCheck.Xunit picks up for the types above.
type Generators =
    static member AnyFinite() = Arb.fromGen Gens.anyFinite
    static member Moderate() = Arb.fromGen Gens.moderate
    static member Architecture() = Arb.fromGen Gens.architecture
    static member Case() = Arb.fromGen Gens.case
    static member HugeCase() = Arb.fromGen Gens.hugeCase
    static member TrainingCase() = Arb.fromGen Gens.trainingCase
    static member Scored() = Arb.fromGen Gens.scored
    static member GemmCase() = Arb.fromGen Gens.gemmCase
    static member GemvCase() = Arb.fromGen Gens.gemvCase
