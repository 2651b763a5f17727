/// What a run will need, from the network's sizes, the batch and the data: computed before anything is
/// allocated, so that a caller can refuse a run that cannot fit instead of failing half-way.
namespace Perceptron.Core

/// Memory and work estimates, in floats so that sizes beyond Int32 (a hidden layer of 2^31 - 1 units) stay exact enough.
[<RequireQualifiedAccess>]
module Resources =
    let private bytesPerNumber = 8.0

    let private widths (features: int) (hidden: int[]) (classes: int) =
        Array.concat [ [| features |]; hidden; [| Network.outputUnits classes |] ]
        |> Array.map float

    /// The number of weights and biases of a network with these layer widths and classes.
    [<CompiledName("ParameterCount")>]
    let parameterCount (features: int) (hidden: int[]) (classes: int) =
        widths features hidden classes
        |> Array.pairwise
        |> Array.sumBy (fun (inputs, units) -> inputs * units + units)

    /// Bytes that training holds at its peak, an upper estimate: six copies of the parameters (network,
    /// gradients, two optimizer moments, the update's result, the best network kept for early stopping),
    /// three values per unit and batch row (pre-activation, activation, delta) plus one per unit and sample
    /// for the epoch's cost, and three copies of the data (as read, standardised, the shuffled batch).
    [<CompiledName("TrainingBytes")>]
    let trainingBytes (features: int) (hidden: int[]) (classes: int) (samples: int) (batchSize: int option) =
        let units = widths features hidden classes |> Array.sum
        let rows = float (defaultArg batchSize samples |> min samples)

        bytesPerNumber
        * (6.0 * parameterCount features hidden classes
           + 3.0 * rows * units
           + float samples * units
           + 3.0 * float samples * float features)

    /// Floating-point operations of a gradient check: two cost evaluations over every sample per parameter,
    /// each about two operations per weight and sample.
    [<CompiledName("GradientCheckOperations")>]
    let gradientCheckOperations (features: int) (hidden: int[]) (classes: int) (samples: int) =
        let parameters = parameterCount features hidden classes
        2.0 * parameters * (2.0 * parameters * float samples)

    /// The most operations a gradient check takes on: about a minute on one core.
    [<Literal>]
    let MaxGradientCheckOperations = 1e11
