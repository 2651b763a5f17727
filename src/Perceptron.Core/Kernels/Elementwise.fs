/// Element-wise passes of the hot path (bias, loss, gradient sums), written here rather than with
/// TensorPrimitives: a generic TensorPrimitives call starts as unoptimized tier-0 code in an
/// application with .NET's default quick JIT, and a short loop never leaves it (issue 12). Each
/// element gets the same IEEE operations in the same order as the TensorPrimitives call it replaces,
/// so results are bit for bit the same at every vector width.
namespace Perceptron.Core

#nowarn "9" // native pointers: a pass split across the team shares its pinned spans

open System
open System.Numerics
open Microsoft.FSharp.NativeInterop

/// Element-wise passes over spans, compiled fully optimized on first call (Tiering.optimizeNow).
module internal Elementwise =
    /// values <- values + scalar.
    let addScalar (values: Span<float>) (scalar: float) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let s = Vector<float>(scalar)
        let mutable i = 0

        while i + width <= values.Length do
            (Vector<float>(values.Slice i) + s).CopyTo(values.Slice i)
            i <- i + width

        while i < values.Length do
            values[i] <- values[i] + scalar
            i <- i + 1

    /// total <- total + part.
    let add (part: ReadOnlySpan<float>) (total: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let mutable i = 0

        while i + width <= total.Length do
            (Vector<float>(total.Slice i) + Vector<float>(part.Slice i)).CopyTo(total.Slice i)
            i <- i + width

        while i < total.Length do
            total[i] <- total[i] + part[i]
            i <- i + 1

    /// values <- values * scalar.
    let multiplyScalar (values: Span<float>) (scalar: float) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let s = Vector<float>(scalar)
        let mutable i = 0

        while i + width <= values.Length do
            (Vector<float>(values.Slice i) * s).CopyTo(values.Slice i)
            i <- i + width

        while i < values.Length do
            values[i] <- values[i] * scalar
            i <- i + 1

    /// The sign of each binary label's loss term: -1 for label 1, 1 otherwise.
    let signs (labels: ReadOnlySpan<int>) (sign: Span<float>) =
        Tiering.optimizeNow ()

        for i in 0 .. labels.Length - 1 do
            sign[i] <- if labels[i] = 1 then -1.0 else 1.0

    /// s <- sign z; positive <- max(s, 0) with Math.Max's rules (NaN stays NaN, -0 gives +0);
    /// s <- -|s|.
    let signedLogits (sign: ReadOnlySpan<float>) (z: ReadOnlySpan<float>) (s: Span<float>) (positive: Span<float>) =
        Tiering.optimizeNow ()

        for i in 0 .. s.Length - 1 do
            let v = sign[i] * z[i]
            positive[i] <- Math.Max(v, 0.0)
            s[i] <- -(Math.Abs v)

    /// From u = e^-|s|: w <- 1 + u and correction <- ((w - 1) - u) / w, log1p's first-order term.
    let log1pParts (u: ReadOnlySpan<float>) (w: Span<float>) (correction: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let one = Vector<float>.One
        let mutable i = 0

        while i + width <= u.Length do
            let uv = Vector<float>(u.Slice i)
            let wv = uv + one
            wv.CopyTo(w.Slice i)
            (((wv - one) - uv) / wv).CopyTo(correction.Slice i)
            i <- i + width

        while i < u.Length do
            let wi = u[i] + 1.0
            w[i] <- wi
            correction[i] <- ((wi - 1.0) - u[i]) / wi
            i <- i + 1

    /// s <- sign z.
    let multiply (sign: ReadOnlySpan<float>) (z: ReadOnlySpan<float>) (s: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let mutable i = 0

        while i + width <= s.Length do
            (Vector<float>(sign.Slice i) * Vector<float>(z.Slice i)).CopyTo(s.Slice i)
            i <- i + width

        while i < s.Length do
            s[i] <- sign[i] * z[i]
            i <- i + 1

    /// delta <- (sign sigma) scale, rounded after each product as two passes would.
    let scaledProduct (sign: ReadOnlySpan<float>) (sigma: ReadOnlySpan<float>) (scale: float) (delta: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let scaleV = Vector<float>(scale)
        let mutable i = 0

        while i + width <= delta.Length do
            (Vector<float>(sign.Slice i) * Vector<float>(sigma.Slice i) * scaleV).CopyTo(delta.Slice i)
            i <- i + width

        while i < delta.Length do
            delta[i] <- sign[i] * sigma[i] * scale
            i <- i + 1

    /// output <- x scalar.
    let scaled (x: ReadOnlySpan<float>) (scalar: float) (output: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let s = Vector<float>(scalar)
        let mutable i = 0

        while i + width <= x.Length do
            (Vector<float>(x.Slice i) * s).CopyTo(output.Slice i)
            i <- i + width

        while i < x.Length do
            output[i] <- x[i] * scalar
            i <- i + 1

    /// values <- values / divisor (a division, not a product with 1 / divisor, which rounds twice).
    let divideScalar (values: Span<float>) (divisor: float) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let d = Vector<float>(divisor)
        let mutable i = 0

        while i + width <= values.Length do
            (Vector<float>(values.Slice i) / d).CopyTo(values.Slice i)
            i <- i + width

        while i < values.Length do
            values[i] <- values[i] / divisor
            i <- i + 1

    /// values <- values - scalar.
    let subtractScalar (values: Span<float>) (scalar: float) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let s = Vector<float>(scalar)
        let mutable i = 0

        while i + width <= values.Length do
            (Vector<float>(values.Slice i) - s).CopyTo(values.Slice i)
            i <- i + width

        while i < values.Length do
            values[i] <- values[i] - scalar
            i <- i + 1

    /// output <- x scalar + addend, rounded after the product (TensorPrimitives.MultiplyAdd's arithmetic).
    let multiplyAddInto (x: ReadOnlySpan<float>) (scalar: float) (addend: ReadOnlySpan<float>) (output: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let s = Vector<float>(scalar)
        let mutable i = 0

        while i + width <= output.Length do
            (Vector<float>(x.Slice i) * s + Vector<float>(addend.Slice i)).CopyTo(output.Slice i)
            i <- i + width

        while i < output.Length do
            output[i] <- x[i] * scalar + addend[i]
            i <- i + 1

    /// Elements from which an element-wise pass is split across the team when it is warm (Team.warm).
    let teamLength = 1 <<< 15

    /// Elements from which a row-wise pass (a hidden layer's bias and activation) is split across a warm team:
    /// each row's work is longer than an element's, and a step's 128 x 128 block takes about 12 us on one core.
    let teamBlock = 1 <<< 13

    /// multiplyAdd, with `split`: in chunks on the team (Team.run), each chunk the same arithmetic.
    let multiplyAddSplit (split: bool) (x: ReadOnlySpan<float>) (scalar: float) (acc: Span<float>) =
        if not split || x.Length < acc.Length then
            multiplyAddInto x scalar (Span<float>.op_Implicit acc) acc
        else
            use px = fixed x
            use pa = fixed acc
            let px, pa, length = NativePtr.toNativeInt px, NativePtr.toNativeInt pa, acc.Length
            let chunks = Team.size

            Team.run chunks (fun c ->
                let i0 = Team.bound length c chunks
                let i1 = Team.bound length (c + 1) chunks

                let a =
                    Span<float>(NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<float> pa) i0), i1 - i0)

                multiplyAddInto
                    (ReadOnlySpan<float>(
                        NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<float> px) i0),
                        i1 - i0
                    ))
                    scalar
                    (Span<float>.op_Implicit a)
                    a)

    /// acc <- x scalar + acc: multiplyAddInto in place (each element reads its own acc before it is written);
    /// split across the team when it is warm (an optimizer's update of a layer between two products).
    let multiplyAdd (x: ReadOnlySpan<float>) (scalar: float) (acc: Span<float>) =
        multiplyAddSplit (acc.Length >= teamLength && Team.warm ()) x scalar acc

    /// dz <- 0 where a <= 0, and (slope = Some s) dz <- dz s there instead: the derivative of (leaky) ReLU
    /// applied to dA in place, without a branch per element (the signs of a are random in training).
    let zeroOrScaleWhereNotPositive (a: ReadOnlySpan<float>) (slope: float voption) (dz: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let zero = Vector<float>.Zero
        let mutable i = 0

        match slope with
        | ValueNone ->
            while i + width <= dz.Length do
                // NaN in a is not <= 0, so it keeps dz, as the scalar test does.
                let cleared = Vector.LessThanOrEqual(Vector<float>(a.Slice i), zero)
                Vector.ConditionalSelect(cleared, zero, Vector<float>(dz.Slice i)).CopyTo(dz.Slice i)
                i <- i + width

            while i < dz.Length do
                if a[i] <= 0.0 then
                    dz[i] <- 0.0

                i <- i + 1
        | ValueSome s ->
            let sv = Vector<float>(s)

            while i + width <= dz.Length do
                let d = Vector<float>(dz.Slice i)
                let scaled = Vector.LessThanOrEqual(Vector<float>(a.Slice i), zero)
                Vector.ConditionalSelect(scaled, d * sv, d).CopyTo(dz.Slice i)
                i <- i + width

            while i < dz.Length do
                if a[i] <= 0.0 then
                    dz[i] <- dz[i] * s

                i <- i + 1

    /// zeroOrScaleWhereNotPositive's ReLU case on a rows x units block, row by row, with sums <- the column
    /// sums of the result (added row after row into zeros, as `add` sums them): one pass instead of two.
    let reluBackwardColumnSums (a: ReadOnlySpan<float>) (units: int) (dz: Span<float>) (sums: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let zero = Vector<float>.Zero
        sums.Clear()

        for row in 0 .. dz.Length / units - 1 do
            let ar = a.Slice(row * units, units)
            let d = dz.Slice(row * units, units)
            let mutable i = 0

            while i + width <= units do
                // NaN in a is not <= 0, so it keeps dz, as zeroOrScaleWhereNotPositive does.
                let cleared = Vector.LessThanOrEqual(Vector<float>(ar.Slice i), zero)
                let v = Vector.ConditionalSelect(cleared, zero, Vector<float>(d.Slice i))
                v.CopyTo(d.Slice i)
                (Vector<float>(sums.Slice i) + v).CopyTo(sums.Slice i)
                i <- i + width

            while i < units do
                if ar[i] <= 0.0 then
                    d[i] <- 0.0

                sums[i] <- sums[i] + d[i]
                i <- i + 1

    /// dz <- dz a (1 - a): the sigmoid's derivative from its outputs, in the scalar order.
    let sigmoidBackward (a: ReadOnlySpan<float>) (dz: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let one = Vector<float>.One
        let mutable i = 0

        while i + width <= dz.Length do
            let av = Vector<float>(a.Slice i)
            (Vector<float>(dz.Slice i) * av * (one - av)).CopyTo(dz.Slice i)
            i <- i + width

        while i < dz.Length do
            dz[i] <- dz[i] * a[i] * (1.0 - a[i])
            i <- i + 1

    /// dz <- dz (1 - a a): tanh's derivative from its outputs, in the scalar order.
    let tanhBackward (a: ReadOnlySpan<float>) (dz: Span<float>) =
        Tiering.optimizeNow ()
        let width = Vector<float>.Count
        let one = Vector<float>.One
        let mutable i = 0

        while i + width <= dz.Length do
            let av = Vector<float>(a.Slice i)
            (Vector<float>(dz.Slice i) * (one - av * av)).CopyTo(dz.Slice i)
            i <- i + width

        while i < dz.Length do
            dz[i] <- dz[i] * (1.0 - a[i] * a[i])
            i <- i + 1
