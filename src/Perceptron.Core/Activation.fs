/// Activation functions of a layer's units, scalar and batched, with stable formulas.
namespace Perceptron.Core

open System

/// The activation of a layer. Hidden layers use Sigmoid, Tanh, Relu or LeakyRelu;
/// an output layer uses Sigmoid (one unit, two classes) or Softmax (one unit per class).
type Activation =
    | Sigmoid
    | Tanh
    | Relu
    | LeakyRelu
    | Softmax

/// Functions over activations.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Activation =
    /// The slope of LeakyRelu for negative inputs.
    [<Literal>]
    let LeakySlope = 0.01

    /// σ(z) = 1 / (1 + e^-z), written so that e^x never overflows for any finite z.
    [<CompiledName("Sigmoid")>]
    let sigmoid (z: float) =
        if z >= 0.0 then
            1.0 / (1.0 + exp -z)
        else
            let e = exp z
            e / (1.0 + e)

    /// The name used in model files and on the command line.
    [<CompiledName("Name")>]
    let name activation =
        match activation with
        | Sigmoid -> "sigmoid"
        | Tanh -> "tanh"
        | Relu -> "relu"
        | LeakyRelu -> "leaky_relu"
        | Softmax -> "softmax"

    /// Every activation, in declaration order.
    let all = [ Sigmoid; Tanh; Relu; LeakyRelu; Softmax ]

    /// The activation with this name (case-insensitive; "leaky-relu" and "leakyrelu" accepted).
    [<CompiledName("TryParse")>]
    let tryParse (text: string) =
        match
            (if isNull text then
                 ""
             else
                 text.Trim().ToLowerInvariant().Replace("-", "_"))
        with
        | "sigmoid" -> Some Sigmoid
        | "tanh" -> Some Tanh
        | "relu" -> Some Relu
        | "leaky_relu"
        | "leakyrelu" -> Some LeakyRelu
        | "softmax" -> Some Softmax
        | _ -> None

    /// True for the activations a hidden layer may use.
    [<CompiledName("IsHidden")>]
    let isHidden activation = activation <> Softmax

    /// The names of the activations a hidden layer may use, in declaration order.
    [<CompiledName("HiddenNames")>]
    let hiddenNames = all |> List.filter isHidden |> List.map name

    /// Applies the activation in place to a rows x units block of pre-activations.
    let internal applyInPlace (activation: Activation) (units: int) (z: Span<float>) =
        Tiering.optimizeNow ()
        let input = Span<float>.op_Implicit z

        match activation with
        | Sigmoid -> VectorMath.sigmoid input z
        | Tanh -> VectorMath.tanh input z
        | Relu -> VectorMath.maxScalar z 0.0
        | LeakyRelu ->
            for i in 0 .. z.Length - 1 do
                let v = z[i]

                if v < 0.0 then
                    z[i] <- LeakySlope * v
        | Softmax ->
            let rows = z.Length / units

            // Subtracting the row's maximum keeps every exponent <= 0: no overflow.
            for row in 0 .. rows - 1 do
                let r = z.Slice(row * units, units)
                let mutable m = r[0]

                for j in 1 .. units - 1 do
                    m <- Math.Max(m, r[j])

                Elementwise.subtractScalar r m

            // One call for the block: exp gives every element the same arithmetic wherever it falls.
            VectorMath.exp input z

            for row in 0 .. rows - 1 do
                let r = z.Slice(row * units, units)
                Elementwise.divideScalar r (VectorMath.sum (Span<float>.op_Implicit r))

    /// Turns upstream gradients dA into dZ = dA * f'(z) in place, using the outputs A = f(z).
    /// ReLU's derivative at 0 is taken as 0 (LeakyRelu's as the slope).
    let internal backwardInPlace (activation: Activation) (a: ReadOnlySpan<float>) (da: Span<float>) =
        Tiering.optimizeNow ()

        match activation with
        | Sigmoid -> Elementwise.sigmoidBackward a da
        | Tanh -> Elementwise.tanhBackward a da
        | Relu -> Elementwise.zeroOrScaleWhereNotPositive a ValueNone da
        | LeakyRelu -> Elementwise.zeroOrScaleWhereNotPositive a (ValueSome LeakySlope) da
        | Softmax -> invalidOp "softmax is only used on the output layer, where the loss gives dZ directly"
