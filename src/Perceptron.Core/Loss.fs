/// Cross-entropy losses computed from logits, so that no probability of 0 or 1 gives log(0).
namespace Perceptron.Core

open System

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
        =
        let mutable total = 0.0

        match loss with
        | BinaryCrossEntropy ->
            for i in 0 .. labels.Length - 1 do
                total <- total + binaryFromLogit logits[i] labels[i]
                delta[i] <- (probabilities[i] - float labels[i]) * scale
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
