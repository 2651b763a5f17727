/// Cross-entropy losses computed from logits, so that no probability of 0 or 1 gives log(0).
namespace Perceptron.Core

#nowarn "9" // native pointers: the labels and weights shared by a block split across the team

open System
open Microsoft.FSharp.NativeInterop

/// The loss that matches an output layer.
type Loss =
    /// One sigmoid unit, labels 0/1: -y log σ(z) - (1 - y) log(1 - σ(z)).
    | BinaryCrossEntropy
    /// Softmax over K units, labels 0..K-1: -log softmax(z)[y].
    | CategoricalCrossEntropy

[<AutoOpen>]
module internal SpanConversions =
    /// A span as a read-only span (F# does not apply C#'s implicit conversion).
    let inline ro (x: Span<float>) : ReadOnlySpan<float> = Span<float>.op_Implicit x

/// Functions over losses.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Loss =
    /// log(1 + x), accurate for tiny x: with w = 1 + x rounded, log w - ((w - 1) - x) / w
    /// corrects the rounding of w to first order (and gives x itself when w rounds to 1).
    [<CompiledName("Log1P")>]
    let log1p (x: float) =
        let w = 1.0 + x
        Math.Log w - ((w - 1.0) - x) / w

    /// log(1 + e^z) without overflow and with full relative precision: max(z, 0) + log1p(e^-|z|).
    [<CompiledName("Softplus")>]
    let softplus (z: float) = max z 0.0 + log1p (exp (-(abs z)))

    /// Binary cross-entropy of one sample from its logit z and label y (0 or 1): softplus(z) for y = 0,
    /// softplus(-z) for y = 1, so that a confidently right sample keeps its tiny cost exactly.
    [<CompiledName("BinaryFromLogit")>]
    let binaryFromLogit (z: float) (y: int) = softplus (if y = 1 then -z else z)

    /// The loss an output activation implies.
    [<CompiledName("ForOutput")>]
    let forOutput activation =
        match activation with
        | Sigmoid -> BinaryCrossEntropy
        | Softmax -> CategoricalCrossEntropy
        | other -> invalidArg "activation" $"an output layer uses sigmoid or softmax, not {Activation.name other}"

    /// Σ_i x_i, or Σ_i weight_i x_i when there are weights.
    let inline private weightedSum (weights: ReadOnlySpan<float>) (x: Span<float>) =
        if weights.IsEmpty then
            VectorMath.sum (ro x)
        else
            VectorMath.dot weights (ro x)

    /// Rows r0 .. r1 - 1 of the categorical cross-entropy: writes each row's loss times its weight into
    /// losses[i] and dZ = (probabilities - onehot(labels)) * scale * weight into delta. Rows are independent,
    /// so a block split across threads gives the same values.
    let internal categoricalRows
        (units: int)
        (logits: ReadOnlySpan<float>)
        (probabilities: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (weights: ReadOnlySpan<float>)
        (scale: float)
        (delta: Span<float>)
        (losses: Span<float>)
        (r0: int)
        (r1: int)
        =
        Tiering.optimizeNow ()
        let weighted = not weights.IsEmpty

        for i in r0 .. r1 - 1 do
            let z = logits.Slice(i * units, units)
            let p = probabilities.Slice(i * units, units)
            let d = delta.Slice(i * units, units)
            let y = labels[i]
            let mutable top = 0

            for j in 1 .. units - 1 do
                if z[j] > z[top] then
                    top <- j

            let m = z[top]
            // The largest term of the sum is exactly 1: log-sum-exp = m + log1p(rest).
            let mutable rest = 0.0

            for j in 0 .. units - 1 do
                if j <> top then
                    rest <- rest + exp (z[j] - m)

            let loss = (m - z[y]) + log1p rest
            losses[i] <- if weighted then weights[i] * loss else loss
            let scale = if weighted then scale * weights[i] else scale
            // dZ = p - onehot(y); p_y - 1 is computed as minus the other probabilities, which
            // keeps its precision when p_y is close to 1.
            let mutable others = 0.0

            for j in 0 .. units - 1 do
                if j <> y then
                    d[j] <- p[j] * scale
                    others <- others + p[j]

            d[y] <- -others * scale

    /// Rows r0 .. r1 - 1 of a softmax output layer and its loss, one row at a time: logits Z + b in place,
    /// the probabilities, each row's weighted loss into `losses` and dZ into `delta` (a row's arithmetic does
    /// not depend on the rows beside it, so a split does not change a bit).
    let private softmaxRows
        (bias: float[])
        (logits: Span<float>)
        (probabilities: Span<float>)
        (labels: ReadOnlySpan<int>)
        (weights: ReadOnlySpan<float>)
        (scale: float)
        (delta: Span<float>)
        (losses: Span<float>)
        (r0: int)
        (r1: int)
        =
        Tiering.optimizeNow ()
        let units = bias.Length
        let b = ReadOnlySpan<float>(bias)

        for row in r0 .. r1 - 1 do
            Elementwise.add b (logits.Slice(row * units, units))

        let block = logits.Slice(r0 * units, (r1 - r0) * units)
        let a = probabilities.Slice(r0 * units, (r1 - r0) * units)
        block.CopyTo a
        Activation.applyInPlace Softmax units a
        categoricalRows units (ro logits) (ro probabilities) labels weights scale delta losses r0 r1

    /// A softmax output layer of rows x bias.Length logits (Z without its bias) and its loss, in chunks of rows
    /// on the team: Z + b in place, probabilities, dZ, each row's weighted loss into `losses`; returns their
    /// sum in row order, as sumAndDeltaWeighted sums them.
    let internal softmaxSplit
        (bias: float[])
        (rows: int)
        (logits: float[])
        (probabilities: float[])
        (delta: float[])
        (losses: float[])
        (labels: ReadOnlySpan<int>)
        (weights: ReadOnlySpan<float>)
        (scale: float)
        =
        let length = rows * bias.Length
        use pl = fixed labels
        use pw = fixed weights

        let pl, pw, weightCount =
            NativePtr.toNativeInt pl, NativePtr.toNativeInt pw, weights.Length

        Team.run Team.size (fun c ->
            softmaxRows
                bias
                (Span<float>(logits, 0, length))
                (Span<float>(probabilities, 0, length))
                (ReadOnlySpan<int>(NativePtr.toVoidPtr (NativePtr.ofNativeInt<int> pl), rows))
                (ReadOnlySpan<float>(NativePtr.toVoidPtr (NativePtr.ofNativeInt<float> pw), weightCount))
                scale
                (Span<float>(delta, 0, length))
                (Span<float>(losses, 0, rows))
                (Team.bound rows c Team.size)
                (Team.bound rows (c + 1) Team.size))

        let mutable total = 0.0

        for i in 0 .. rows - 1 do
            total <- total + losses[i]

        total

    /// Sum over rows of the loss times the row's weight, given logits (rows x units), probabilities, labels
    /// and weights (one per row, or empty for weight 1 everywhere, which takes the unweighted arithmetic
    /// exactly); writes dZ = (probabilities - onehot(labels)) * scale * weight into delta.
    let internal sumAndDeltaWeighted
        (loss: Loss)
        (units: int)
        (logits: ReadOnlySpan<float>)
        (probabilities: ReadOnlySpan<float>)
        (labels: ReadOnlySpan<int>)
        (weights: ReadOnlySpan<float>)
        (scale: float)
        (delta: Span<float>)
        (scratch: Span<float>)
        (scratch2: Span<float>)
        =
        Tiering.optimizeNow ()
        let mutable total = 0.0
        let weighted = not weights.IsEmpty

        match loss with
        | BinaryCrossEntropy ->
            // With sign = 1 - 2y and s = sign z, the cost is softplus(s) and dZ = sign σ(s): the same
            // formulas as binaryFromLogit, vectorised, and accurate for confidently right samples.
            let n = labels.Length
            let z = logits.Slice(0, n)
            let sign = delta.Slice(0, n)
            let s = scratch.Slice(0, n)
            let w = scratch2.Slice(0, n)

            // Every step is the library's own vector code (Elementwise, VectorMath), optimized from
            // the first call.
            // The loss is a sum of three parts, each weighted alike.
            Elementwise.signs labels sign
            // w = max(s, 0), and s becomes -|s|.
            Elementwise.signedLogits (ro sign) z s w
            total <- weightedSum weights w
            // log1p(u) for u = e^-|s|, as in log1p: log w - ((w - 1) - u) / w with w = 1 + u.
            VectorMath.exp (ro s) s
            let correction = delta.Slice(0, n)
            // The sign is rebuilt below, so its buffer can hold the correction meanwhile.
            Elementwise.log1pParts (ro s) w correction
            total <- total - weightedSum weights correction
            VectorMath.log (ro w) w
            total <- total + weightedSum weights w
            // dZ = sign σ(s) scale.
            Elementwise.signs labels sign
            Elementwise.multiply (ro sign) z s
            VectorMath.sigmoid (ro s) s
            Elementwise.scaledProduct (ro sign) (ro s) scale (delta.Slice(0, n))

            if weighted then
                Elementwise.multiply weights (ro (delta.Slice(0, n))) (delta.Slice(0, n))
        | CategoricalCrossEntropy ->
            let rows = labels.Length
            let losses = scratch.Slice(0, rows)
            categoricalRows units logits probabilities labels weights scale delta losses 0 rows

            // In row order, as one running sum: the same total however the rows were split.
            for i in 0 .. rows - 1 do
                total <- total + losses[i]

        total

    /// Sum over rows of the loss, given logits (rows x units), probabilities and labels;
    /// writes dZ = (probabilities - onehot(labels)) * scale into delta.
    let internal sumAndDelta loss units logits probabilities labels scale delta scratch scratch2 =
        sumAndDeltaWeighted loss units logits probabilities labels ReadOnlySpan.Empty scale delta scratch scratch2
