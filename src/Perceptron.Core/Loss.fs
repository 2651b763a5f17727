/// Cross-entropy losses computed from logits, so that no probability of 0 or 1 gives log(0).
namespace Perceptron.Core

open System
open System.Numerics.Tensors

/// The loss that matches an output layer.
type Loss =
    /// One sigmoid unit, labels 0/1: -y log σ(z) - (1 - y) log(1 - σ(z)).
    | BinaryCrossEntropy
    /// Softmax over K units, labels 0..K-1: -log softmax(z)[y].
    | CategoricalCrossEntropy

/// Functions over losses.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Loss =
    /// log(1 + e^z) without overflow: max(z, 0) + log(1 + e^-|z|).
    [<CompiledName("Softplus")>]
    let softplus (z: float) =
        max z 0.0 + Math.Log(1.0 + exp (-(abs z)))

    /// Binary cross-entropy of one sample from its logit z and label y (0 or 1).
    [<CompiledName("BinaryFromLogit")>]
    let binaryFromLogit (z: float) (y: int) = softplus z - float y * z

    /// The loss an output activation implies.
    [<CompiledName("ForOutput")>]
    let forOutput activation =
        match activation with
        | Sigmoid -> BinaryCrossEntropy
        | Softmax -> CategoricalCrossEntropy
        | other -> invalidArg "activation" $"an output layer uses sigmoid or softmax, not {Activation.name other}"

    /// Sum over rows of the loss, given logits (rows x units), probabilities and labels;
    /// writes dZ = (probabilities - onehot(labels)) * scale into delta.
    let internal sumAndDelta
        (loss: Loss)
        (units: int)
        (logits: ReadOnlySpan<float>)
        (probabilities: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (scale: float)
        (delta: Span<float>)
        (scratch: Span<float>)
        =
        let mutable total = 0.0

        match loss with
        | BinaryCrossEntropy ->
            // Vectorised: sum max(z, 0) + log(1 + e^-|z|) - y z, then dZ = (σ(z) - y) scale.
            let n = labels.Length
            let z = logits.Slice(0, n)
            let targets = delta.Slice(0, n)
            let s = scratch.Slice(0, n)

            for i in 0 .. n - 1 do
                targets[i] <- float labels[i]

            let yz = TensorPrimitives.Dot(Span<float>.op_Implicit targets, z)
            TensorPrimitives.Abs(z, s)
            TensorPrimitives.Negate(Span<float>.op_Implicit s, s)
            TensorPrimitives.Exp(Span<float>.op_Implicit s, s)
            TensorPrimitives.Add(Span<float>.op_Implicit s, 1.0, s)
            TensorPrimitives.Log(Span<float>.op_Implicit s, s)
            let logTerms = TensorPrimitives.Sum(Span<float>.op_Implicit s)
            TensorPrimitives.Max(z, 0.0, s)
            total <- TensorPrimitives.Sum(Span<float>.op_Implicit s) + logTerms - yz
            TensorPrimitives.Subtract(probabilities.Slice(0, n), Span<float>.op_Implicit targets, targets)
            TensorPrimitives.Multiply(Span<float>.op_Implicit targets, scale, targets)
        | CategoricalCrossEntropy ->
            for i in 0 .. labels.Length - 1 do
                let z = logits.Slice(i * units, units)
                let mutable m = Double.NegativeInfinity

                for j in 0 .. units - 1 do
                    m <- max m z[j]

                let mutable s = 0.0

                for j in 0 .. units - 1 do
                    s <- s + exp (z[j] - m)

                // log-sum-exp minus the true class's logit.
                total <- total + (m + Math.Log s - z[labels[i]])

                for j in 0 .. units - 1 do
                    delta[i * units + j] <- probabilities[i * units + j] * scale

                delta[i * units + labels[i]] <- delta[i * units + labels[i]] - scale

        total
