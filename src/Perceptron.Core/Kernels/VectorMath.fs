/// exp, log, sigmoid, tanh and sums over spans of doubles: the library's own vector code, so that the
/// hot path calls no generic TensorPrimitives kernel, which an application with .NET's default quick
/// JIT runs as unoptimized tier-0 code for its first 30 calls and until a background compile lands
/// (issue 12). Every function here compiles fully optimized on its first call (Tiering.optimizeNow).
///
/// The algorithms are fdlibm's (e_exp.c and e_log.c, Sun Microsystems, freely redistributable; the
/// same in musl): exp reduces x = k ln2 + r and evaluates e^r - 1 as r + r c / (2 - c) with a degree-5
/// polynomial c; log reduces x = 2^k m with m in [sqrt(2)/2, sqrt(2)) and evaluates log(m) from
/// s = (m - 1) / (m + 1). Both are within 1 ulp of the exact result. Lanes outside the range where the
/// vector form is exact (|x| > 708 for exp; zero, negative, subnormal, infinite or NaN for log) take
/// Math.Exp / Math.Log instead, lane by lane, so every input gets an answer within 1 ulp.
///
/// Each element's result depends on its own value only: not on the vector width, on its position in
/// the span, or on its neighbours (no fused multiply-add, whose rounding differs; the tail runs as one
/// padded vector). Sums are the exception: their order is fixed by the length and the width.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the loops work on pinned spans

open System
open System.Runtime.CompilerServices
open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop

/// The vector forms of exp, expm1, log, sigmoid and tanh, and the span loops that apply them.
module internal VectorMath =
    // fdlibm's constants (e_exp.c, e_log.c).
    [<Literal>]
    let Ln2Hi = 6.93147180369123816490e-01

    [<Literal>]
    let Ln2Lo = 1.90821492927058770002e-10

    [<Literal>]
    let InvLn2 = 1.44269504088896338700e+00

    [<Literal>]
    let P1 = 1.66666666666666019037e-01

    [<Literal>]
    let P2 = -2.77777777770155933842e-03

    [<Literal>]
    let P3 = 6.61375632143793436117e-05

    [<Literal>]
    let P4 = -1.65339022054652515390e-06

    [<Literal>]
    let P5 = 4.13813679705723846039e-08

    [<Literal>]
    let Lg1 = 6.666666666666735130e-01

    [<Literal>]
    let Lg2 = 3.999999999940941908e-01

    [<Literal>]
    let Lg3 = 2.857142874366239149e-01

    [<Literal>]
    let Lg4 = 2.222219843214978396e-01

    [<Literal>]
    let Lg5 = 1.818357216161805012e-01

    [<Literal>]
    let Lg6 = 1.531383769920937332e-01

    [<Literal>]
    let Lg7 = 1.479819860511658591e-01

    /// 1.5 * 2^52: adding it rounds a double below 2^51 in magnitude to an integer, held in the low bits.
    [<Literal>]
    let Shifter = 6755399441055744.0

    /// The largest |x| whose e^x the reduction scales by a normal power of two.
    [<Literal>]
    let ExpLimit = 708.0

    /// Scales by 2^k, given t = k + Shifter (k in [-1022, 1023]): (k + 1023) << 52 is 2^k's bit pattern.
    let inline powerOfTwo<'O, 'V when 'O :> IMathOps<'V>> (t: 'V) =
        'O.ShiftLeft('O.AddBits(t, 'O.Bits 1023L), 52)

    /// x = k ln2 + r, |r| <= ln2 / 2; returns t = k + Shifter and e^r - 1 (fdlibm's y - 1).
    let inline reduce<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        let t = 'O.Add('O.Multiply(x, 'O.Splat InvLn2), 'O.Splat Shifter)
        let k = 'O.Subtract(t, 'O.Splat Shifter)
        // k Ln2Hi is exact (Ln2Hi has 32 significant bits), so hi carries no rounding.
        let hi = 'O.Subtract(x, 'O.Multiply(k, 'O.Splat Ln2Hi))
        let lo = 'O.Multiply(k, 'O.Splat Ln2Lo)
        let r = 'O.Subtract(hi, lo)
        let rr = 'O.Multiply(r, r)

        let poly =
            'O
                .Add(
                    'O.Splat P1,
                    'O
                        .Multiply(
                            rr,
                            'O
                                .Add(
                                    'O.Splat P2,
                                    'O
                                        .Multiply(
                                            rr,
                                            'O
                                                .Add(
                                                    'O.Splat P3,
                                                    'O.Multiply(rr, 'O.Add('O.Splat P4, 'O.Multiply(rr, 'O.Splat P5)))
                                                )
                                        )
                                )
                        )
                )

        let c = 'O.Subtract(r, 'O.Multiply(rr, poly))
        // e^r - 1 = r + r c / (2 - c), computed as (r c / (2 - c) - lo) + hi.
        let rc = 'O.Divide('O.Multiply(r, c), 'O.Subtract('O.Splat 2.0, c))
        t, 'O.Add('O.Subtract(rc, lo), hi)

    /// e^x for |x| <= 708; other lanes are garbage (see expValid).
    let inline expVector<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        let t, em1 = reduce<'O, 'V> x
        'O.Multiply('O.Add('O.Splat 1.0, em1), powerOfTwo<'O, 'V> t)

    /// The lanes where expVector is exact: |x| <= 708 (not NaN).
    let inline expValid<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        'O.LessOrEqual('O.And(x, 'O.Bits 0x7FFFFFFFFFFFFFFFL), 'O.Splat ExpLimit)

    /// e^x - 1 for 0 <= x <= 44, as (2^k - 1) + 2^k (e^r - 1).
    let inline expm1Vector<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        let t, em1 = reduce<'O, 'V> x
        let scale = powerOfTwo<'O, 'V> t
        'O.Add('O.Subtract(scale, 'O.Splat 1.0), 'O.Multiply(scale, em1))

    /// log x for normal positive x; other lanes are garbage (see logValid).
    let inline logVector<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        // Adding 0x3ff00000 - 0x3fe6a09e to the high word moves mantissas from sqrt(2)/2 up into the
        // next binade, so that m = x / 2^k lands in [sqrt(2)/2, sqrt(2)).
        let shifted = 'O.AddBits(x, 'O.Bits(0x95F62L <<< 32))
        let biasedK = 'O.ShiftRight(shifted, 52)
        // k + 1023 + Shifter, exactly; minus both gives k as a double.
        let k =
            'O.Subtract('O.AddBits(biasedK, 'O.Bits 0x4338000000000000L), 'O.Splat(Shifter + 1023.0))

        let m =
            'O.AddBits('O.And(shifted, 'O.Bits 0x000FFFFFFFFFFFFFL), 'O.Bits(0x3FE6A09EL <<< 32))

        let f = 'O.Subtract(m, 'O.Splat 1.0)
        let hfsq = 'O.Multiply('O.Multiply('O.Splat 0.5, f), f)
        let s = 'O.Divide(f, 'O.Add('O.Splat 2.0, f))
        let z = 'O.Multiply(s, s)
        let w = 'O.Multiply(z, z)

        let t1 =
            'O.Multiply(w, 'O.Add('O.Splat Lg2, 'O.Multiply(w, 'O.Add('O.Splat Lg4, 'O.Multiply(w, 'O.Splat Lg6)))))

        let t2 =
            'O
                .Multiply(
                    z,
                    'O
                        .Add(
                            'O.Splat Lg1,
                            'O
                                .Multiply(
                                    w,
                                    'O
                                        .Add(
                                            'O.Splat Lg3,
                                            'O.Multiply(w, 'O.Add('O.Splat Lg5, 'O.Multiply(w, 'O.Splat Lg7)))
                                        )
                                )
                        )
                )

        let r = 'O.Add(t2, t1)
        // s (hfsq + R) + k Ln2Lo - hfsq + f + k Ln2Hi, in fdlibm's order.
        let a = 'O.Add('O.Multiply(s, 'O.Add(hfsq, r)), 'O.Multiply(k, 'O.Splat Ln2Lo))
        'O.Add('O.Add('O.Subtract(a, hfsq), f), 'O.Multiply(k, 'O.Splat Ln2Hi))

    /// The lanes where logVector is exact: normal, positive and finite.
    let inline logValid<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        'O.And('O.LessOrEqual('O.Splat 2.2250738585072014e-308, x), 'O.LessOrEqual(x, 'O.Splat Double.MaxValue))

    /// σ(x) for every lane with |x| <= 708, in Activation.sigmoid's form: e = e^-|x|, then 1 / (1 + e)
    /// for x >= 0 and e / (1 + e) below, so that no lane overflows and small outputs keep their precision.
    let inline sigmoidVector<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        let negativeAbs = 'O.Or(x, 'O.Bits Int64.MinValue)
        let e = expVector<'O, 'V> negativeAbs
        let denominator = 'O.Add('O.Splat 1.0, e)
        'O.Select('O.LessOrEqual('O.Splat 0.0, x), 'O.Divide('O.Splat 1.0, denominator), 'O.Divide(e, denominator))

    /// σ(x) lane by lane, in sigmoidVector's form with Math.Exp (the lanes with |x| > 708 or NaN).
    let sigmoidScalar (x: float) =
        let e = Math.Exp(-(Math.Abs x))
        if x >= 0.0 then 1.0 / (1.0 + e) else e / (1.0 + e)

    /// tanh x = x + x Σ c_n x^2n below |x| = 0.55: the first 18 terms of its Taylor series (exact
    /// rationals from the Bernoulli numbers, rounded), whose truncation and evaluation stay within 0.8 ulp
    /// there (checked in double arithmetic against 60-digit tanh).
    let TanhSeries = [|
        -0.3333333333333333
        0.13333333333333333
        -0.05396825396825397
        0.021869488536155203
        -0.008863235529902197
        0.003592128036572481
        -0.0014558343870513183
        0.000590027440945586
        -0.00023912911424355248
        9.691537956929451e-05
        -3.927832388331683e-05
        1.5918905069328964e-05
        -6.451689215655431e-06
        2.6147711512907546e-06
        -1.0597268320104654e-06
        4.294911078273806e-07
        -1.7406618963571648e-07
        7.054636946400968e-08
    |]

    /// tanh x for every lane (NaN in, NaN out): the series below |x| = 0.55; above it 1 - 2 / (t + 2)
    /// with t = e^(2|x|) - 1, which has no cancellation there; 1 from |x| = 22 (where tanh rounds to 1);
    /// and x's sign.
    let inline tanhVector<'O, 'V when 'O :> IMathOps<'V>> (x: 'V) =
        let a = 'O.And(x, 'O.Bits 0x7FFFFFFFFFFFFFFFL)
        let z = 'O.Multiply(a, a)
        let mutable series = 'O.Splat TanhSeries[TanhSeries.Length - 1]

        for k in TanhSeries.Length - 2 .. -1 .. 0 do
            series <- 'O.Add('O.Splat TanhSeries[k], 'O.Multiply(z, series))

        let small = 'O.Add(a, 'O.Multiply(a, 'O.Multiply(z, series)))
        let large = 'O.LessOrEqual('O.Splat 22.0, a)
        // Large lanes are replaced below; keeping their argument small keeps expm1's scaling normal.
        let twice = 'O.Select(large, 'O.Splat 0.0, 'O.Add(a, a))
        let t = expm1Vector<'O, 'V> twice

        let big =
            'O.Subtract('O.Splat 1.0, 'O.Divide('O.Splat 2.0, 'O.Add(t, 'O.Splat 2.0)))

        let magnitude = 'O.Select('O.LessOrEqual('O.Splat 0.55, a), big, small)
        let magnitude = 'O.Select(large, 'O.Splat 1.0, magnitude)
        'O.Or(magnitude, 'O.And(x, 'O.Bits Int64.MinValue))

    /// Every lane valid (tanhVector handles the whole range itself).
    let inline allValid<'O, 'V when 'O :> IMathOps<'V>> (_: 'V) = 'O.Bits -1L

    /// target[lane] <- scalar x[lane] for the first `count` lanes that `ok` leaves clear: the scalar function
    /// where the vector form is not exact (out of its range, NaN, ...).
    let inline fixLanes<'O, 'V when 'O :> IMathOps<'V>>
        (ok: 'V)
        (x: 'V)
        ([<InlineIfLambda>] scalar: float -> float)
        (target: nativeptr<float>)
        (count: int)
        =
        if not ('O.All ok) then
            for lane in 0 .. count - 1 do
                if BitConverter.DoubleToInt64Bits('O.Lane(ok, lane)) = 0L then
                    NativePtr.set target lane (scalar ('O.Lane(x, lane)))

    /// output[i] <- f input[i], vector by vector; the tail runs as one vector padded with zeros. Lanes
    /// that `valid` leaves clear are recomputed by `scalar`. input and output may be the same span.
    /// The message of a too-short output, apart from `map`, whose every instance would otherwise compile
    /// its interpolated string (issue 12).
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let shortOutput (outputLength: int) (n: int) : unit =
        invalidArg "output" $"the output has {outputLength} elements, fewer than the input's {n}"

    let inline map<'O, 'V when 'O :> IMathOps<'V>>
        ([<InlineIfLambda>] f: 'V -> 'V)
        ([<InlineIfLambda>] valid: 'V -> 'V)
        ([<InlineIfLambda>] scalar: float -> float)
        (input: ReadOnlySpan<float>)
        (output: Span<float>)
        =
        let n = input.Length

        if output.Length < n then
            shortOutput output.Length n

        let width = 'O.Width
        // One vector of scratch for the tail (also makes the JIT optimize this method at once).
        let pad = NativePtr.stackalloc<float> 8
        use pi = fixed input
        use po = fixed output
        let mutable i = 0

        // One loop body for full vectors and the padded tail alike: `f` and the scalar fix-up are inlined
        // once, which halves the code the JIT compiles (fully optimized, on a default application's first
        // training call; issue 12). The tail's lanes get the same arithmetic as before.
        while i < n do
            let count = min width (n - i)
            let mutable source = NativePtr.add pi i
            let mutable target = NativePtr.add po i

            if count < width then
                for lane in 0 .. width - 1 do
                    NativePtr.set pad lane (if lane < count then NativePtr.get pi (i + lane) else 0.0)

                source <- pad
                target <- pad

            let x = 'O.Load source
            'O.Store(f x, target)
            fixLanes<'O, 'V> (valid x) x scalar target count

            if count < width then
                for lane in 0 .. count - 1 do
                    NativePtr.set po (i + lane) (NativePtr.get pad lane)

            i <- i + width

    /// output <- e^input at one width.
    let expWith<'O, 'V when 'O :> IMathOps<'V>> (input: ReadOnlySpan<float>) (output: Span<float>) =
        map<'O, 'V> expVector<'O, 'V> expValid<'O, 'V> Math.Exp input output

    /// output <- log input at one width.
    let logWith<'O, 'V when 'O :> IMathOps<'V>> (input: ReadOnlySpan<float>) (output: Span<float>) =
        map<'O, 'V> logVector<'O, 'V> logValid<'O, 'V> Math.Log input output

    /// output <- σ(input) at one width.
    let sigmoidWith<'O, 'V when 'O :> IMathOps<'V>> (input: ReadOnlySpan<float>) (output: Span<float>) =
        map<'O, 'V> sigmoidVector<'O, 'V> expValid<'O, 'V> sigmoidScalar input output

    /// output <- tanh input at one width.
    let tanhWith<'O, 'V when 'O :> IMathOps<'V>> (input: ReadOnlySpan<float>) (output: Span<float>) =
        map<'O, 'V> tanhVector<'O, 'V> allValid<'O, 'V> Math.Tanh input output

    /// The sum of the values at one width: two vector accumulators over pairs of vectors, added
    /// together, then their lanes, then the tail in order. The order depends on the length alone.
    let sumWith<'O, 'V when 'O :> IMathOps<'V>> (values: ReadOnlySpan<float>) =
        Tiering.optimizeNow ()
        let width = 'O.Width
        let n = values.Length
        use p = fixed values
        let mutable total = 0.0
        let mutable i = 0

        if n >= 2 * width then
            let mutable s0 = 'O.Load p
            let mutable s1 = 'O.Load(NativePtr.add p width)
            i <- 2 * width

            while i + 2 * width <= n do
                s0 <- 'O.Add(s0, 'O.Load(NativePtr.add p i))
                s1 <- 'O.Add(s1, 'O.Load(NativePtr.add p (i + width)))
                i <- i + 2 * width

            total <- 'O.Sum('O.Add(s0, s1))

        while i < n do
            total <- total + NativePtr.get p i
            i <- i + 1

        total

    /// The message of dotWith's length check, apart from it for the reason of shortOutput.
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private lengthsDiffer (yLength: int) (n: int) : unit =
        invalidArg "y" $"y has {yLength} elements; x has {n}"

    /// Σ x[i] y[i] at one width, in sumWith's order (each product rounded, then added).
    let dotWith<'O, 'V when 'O :> IMathOps<'V>> (x: ReadOnlySpan<float>) (y: ReadOnlySpan<float>) =
        Tiering.optimizeNow ()
        let width = 'O.Width
        let n = x.Length

        if y.Length <> n then
            lengthsDiffer y.Length n

        use px = fixed x
        use py = fixed y

        let inline product (i: int) =
            'O.Multiply('O.Load(NativePtr.add px i), 'O.Load(NativePtr.add py i))

        let mutable total = 0.0
        let mutable i = 0

        if n >= 2 * width then
            let mutable s0 = product 0
            let mutable s1 = product width
            i <- 2 * width

            while i + 2 * width <= n do
                s0 <- 'O.Add(s0, product i)
                s1 <- 'O.Add(s1, product (i + width))
                i <- i + 2 * width

            total <- 'O.Sum('O.Add(s0, s1))

        while i < n do
            total <- total + NativePtr.get px i * NativePtr.get py i
            i <- i + 1

        total

    /// values <- max(values, floor) with Math.Max's rules (NaN stays NaN, -0 gives +0 against 0).
    let maxScalarWith<'O, 'V when 'O :> IMathOps<'V>> (values: Span<float>) (floor: float) =
        Tiering.optimizeNow ()
        let width = 'O.Width
        let n = values.Length
        use p = fixed values
        let f = 'O.Splat floor
        let mutable i = 0

        while i + width <= n do
            let target = NativePtr.add p i
            'O.Store('O.Max('O.Load target, f), target)
            i <- i + width

        while i < n do
            NativePtr.set p i (Math.Max(NativePtr.get p i, floor))
            i <- i + 1

    /// True when every value is finite (neither NaN nor infinite), at one width.
    let allFiniteWith<'O, 'V when 'O :> IMathOps<'V>> (values: ReadOnlySpan<float>) =
        Tiering.optimizeNow ()
        let width = 'O.Width
        let n = values.Length
        use p = fixed values
        let absMask = 'O.Bits 0x7FFFFFFFFFFFFFFFL
        let largest = 'O.Splat Double.MaxValue
        let mutable finite = true
        let mutable i = 0

        while finite && i + width <= n do
            finite <- 'O.All('O.LessOrEqual('O.And('O.Load(NativePtr.add p i), absMask), largest))
            i <- i + width

        while finite && i < n do
            finite <- Double.IsFinite(NativePtr.get p i)
            i <- i + 1

        finite

    // The widest vectors the hardware runs; the JIT folds these tests away in optimized code.

    /// output <- e^input (input and output may be the same span).
    let exp (input: ReadOnlySpan<float>) (output: Span<float>) =
        if Vector512.IsHardwareAccelerated then
            expWith<Math512, Vector512<float>> input output
        elif Vector256.IsHardwareAccelerated then
            expWith<Math256, Vector256<float>> input output
        else
            expWith<Math128, Vector128<float>> input output

    /// output <- log input (input and output may be the same span).
    let log (input: ReadOnlySpan<float>) (output: Span<float>) =
        if Vector512.IsHardwareAccelerated then
            logWith<Math512, Vector512<float>> input output
        elif Vector256.IsHardwareAccelerated then
            logWith<Math256, Vector256<float>> input output
        else
            logWith<Math128, Vector128<float>> input output

    /// output <- σ(input) (input and output may be the same span).
    let sigmoid (input: ReadOnlySpan<float>) (output: Span<float>) =
        if Vector512.IsHardwareAccelerated then
            sigmoidWith<Math512, Vector512<float>> input output
        elif Vector256.IsHardwareAccelerated then
            sigmoidWith<Math256, Vector256<float>> input output
        else
            sigmoidWith<Math128, Vector128<float>> input output

    /// output <- tanh input (input and output may be the same span).
    let tanh (input: ReadOnlySpan<float>) (output: Span<float>) =
        if Vector512.IsHardwareAccelerated then
            tanhWith<Math512, Vector512<float>> input output
        elif Vector256.IsHardwareAccelerated then
            tanhWith<Math256, Vector256<float>> input output
        else
            tanhWith<Math128, Vector128<float>> input output

    /// The sum of the values, in an order fixed by their number.
    let sum (values: ReadOnlySpan<float>) =
        if Vector512.IsHardwareAccelerated then
            sumWith<Math512, Vector512<float>> values
        elif Vector256.IsHardwareAccelerated then
            sumWith<Math256, Vector256<float>> values
        else
            sumWith<Math128, Vector128<float>> values

    /// Σ x[i] y[i], in an order fixed by the length.
    let dot (x: ReadOnlySpan<float>) (y: ReadOnlySpan<float>) =
        if Vector512.IsHardwareAccelerated then
            dotWith<Math512, Vector512<float>> x y
        elif Vector256.IsHardwareAccelerated then
            dotWith<Math256, Vector256<float>> x y
        else
            dotWith<Math128, Vector128<float>> x y

    /// values <- max(values, floor), element by element, with Math.Max's rules.
    let maxScalar (values: Span<float>) (floor: float) =
        if Vector512.IsHardwareAccelerated then
            maxScalarWith<Math512, Vector512<float>> values floor
        elif Vector256.IsHardwareAccelerated then
            maxScalarWith<Math256, Vector256<float>> values floor
        else
            maxScalarWith<Math128, Vector128<float>> values floor

    /// True when every value is finite (neither NaN nor infinite).
    let allFinite (values: ReadOnlySpan<float>) =
        if Vector512.IsHardwareAccelerated then
            allFiniteWith<Math512, Vector512<float>> values
        elif Vector256.IsHardwareAccelerated then
            allFiniteWith<Math256, Vector256<float>> values
        else
            allFiniteWith<Math128, Vector128<float>> values
