/// ManagedGemv.axpyRows and dotRows prefetching the next block, as the one-pass kernel runs them: the same
/// bits as without prefetching, whatever the prefetched range.
module Perceptron.Core.Tests.OnePassKernelTests

#nowarn "9" // native pointers: the kernels take pinned buffers
#nowarn "3535" // the vector operations are chosen by a type argument

open System
open System.Runtime.Intrinsics
open Xunit
open Microsoft.FSharp.NativeInterop
open Perceptron.Core

/// acc + the scaled rows p0 .. p1 of a (rows x n) by axpyRows without prefetching and prefetching
/// `ahead` values past row p1.
let private both<'O, 'V when 'O :> IVectorOps<'V>> (seed: int) (rows: int) (n: int) (p0: int) (p1: int) (ahead: int) =
    let random = Random seed
    let a = Array.init (rows * n) (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let x = Array.init rows (fun _ -> random.NextDouble() - 0.5)
    let start = Array.init n (fun _ -> random.NextDouble())
    let expected = Array.copy start
    let actual = Array.copy start
    use pa = fixed a
    use px = fixed x
    use pe = fixed expected
    use pc = fixed actual
    ManagedGemv.axpyRows<'O, 'V> pa n px n pe p0 p1 NativePtr.nullPtr 0
    let next = NativePtr.add pa (p1 * n)
    let ahead = min ahead ((rows - p1) * n)
    ManagedGemv.axpyRows<'O, 'V> pa n px n pc p0 p1 next ahead
    expected, actual

[<Fact>]
let ``axpyRows prefetching gives its bits without, on every width, with vector tails and rows left over`` () =
    for n in [ 1; 3; 7; 8; 100; 101; 257 ] do
        for p0, p1 in [ 0, 0; 0, 1; 0, 4; 1, 11; 3, 40 ] do
            for ahead in [ 0; 5; 64; 10000 ] do
                let rows = 60

                let check (expected: float[], actual: float[]) =
                    Assert.True((expected = actual), $"n {n}, rows {p0} .. {p1}, ahead {ahead}")

                check (both<Ops512, Vector512<float>> n rows n p0 p1 ahead)
                check (both<Ops256, Vector256<float>> n rows n p0 p1 ahead)
                check (both<Ops128, Vector128<float>> n rows n p0 p1 ahead)
                check (both<OpsPlain128, Vector128<float>> n rows n p0 p1 ahead)

/// The dot products of rows p0 .. p1 of a (rows x n) with a vector, by dotRows (alpha 1, beta 0, over a
/// NaN-filled output) without prefetching and prefetching `ahead` values past row p1.
let private dots<'O, 'V when 'O :> IVectorOps<'V>> (seed: int) (rows: int) (n: int) (p0: int) (p1: int) (ahead: int) =
    let random = Random seed
    let a = Array.init (rows * n) (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let x = Array.init n (fun _ -> random.NextDouble() - 0.5)
    let expected = Array.create rows nan
    let actual = Array.create rows nan
    use pa = fixed a
    use px = fixed x
    use pe = fixed expected
    use pc = fixed actual
    ManagedGemv.dotRows<'O, 'V> pa n px n 1.0 0.0 pe p0 p1 NativePtr.nullPtr 0
    let next = NativePtr.add pa (p1 * n)
    let ahead = min ahead ((rows - p1) * n)
    ManagedGemv.dotRows<'O, 'V> pa n px n 1.0 0.0 pc p0 p1 next ahead
    // NaN where no row was summed: compare the bits.
    Array.map BitConverter.DoubleToInt64Bits expected, Array.map BitConverter.DoubleToInt64Bits actual

[<Fact>]
let ``dotRows prefetching gives its bits without, on every width, with vector tails and rows left over`` () =
    for n in [ 1; 3; 7; 8; 100; 101; 257 ] do
        for p0, p1 in [ 0, 0; 0, 1; 0, 4; 1, 11; 3, 40 ] do
            for ahead in [ 0; 5; 64; 10000 ] do
                let rows = 60

                let check (expected: int64[], actual: int64[]) =
                    Assert.True((expected = actual), $"n {n}, rows {p0} .. {p1}, ahead {ahead}")

                check (dots<Ops512, Vector512<float>> n rows n p0 p1 ahead)
                check (dots<Ops256, Vector256<float>> n rows n p0 p1 ahead)
                check (dots<Ops128, Vector128<float>> n rows n p0 p1 ahead)
                check (dots<OpsPlain128, Vector128<float>> n rows n p0 p1 ahead)

/// Rows p0 .. p1 of a (rows x n) by dotRows and axpyRows (no prefetching), and by their copies that prefetch
/// `ahead` rows past p1 in step with the loads: the dot products' bits (over NaN-filled outputs) and the
/// sums of scaled rows.
let private inStep<'O, 'V when 'O :> IVectorOps<'V>> (seed: int) (rows: int) (n: int) (p0: int) (p1: int) (ahead: int) =
    let random = Random seed
    let a = Array.init (rows * n) (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let x = Array.init (max rows n) (fun _ -> random.NextDouble() - 0.5)
    let start = Array.init n (fun _ -> random.NextDouble())
    let dotsPlain = Array.create rows nan
    let dotsInStep = Array.create rows nan
    let sumPlain = Array.copy start
    let sumInStep = Array.copy start
    use pa = fixed a
    use px = fixed x
    use pdp = fixed dotsPlain
    use pds = fixed dotsInStep
    use psp = fixed sumPlain
    use pss = fixed sumInStep
    let ahead = min ahead (rows - p1)
    ManagedGemv.dotRows<'O, 'V> pa n px n 1.0 0.0 pdp p0 p1 NativePtr.nullPtr 0
    ManagedGemv.dotRowsInStep<'O, 'V> pa n px n pds p0 p1 ahead
    ManagedGemv.axpyRows<'O, 'V> pa n px n psp p0 p1 NativePtr.nullPtr 0
    ManagedGemv.axpyRowsInStep<'O, 'V> pa n px n pss p0 p1 ahead
    let bits = Array.map BitConverter.DoubleToInt64Bits
    (bits dotsPlain, bits dotsInStep), (bits sumPlain, bits sumInStep)

[<Fact>]
let ``dotRowsInStep and axpyRowsInStep give the bits of dotRows and axpyRows, on every width, with tails and rows left over``
    ()
    =
    for n in [ 1; 3; 7; 8; 12; 100; 101; 257 ] do
        for p0, p1 in [ 0, 0; 0, 1; 0, 4; 1, 11; 3, 40; 0, 8 ] do
            for ahead in [ 0; 1; 4; 5; 8; 40 ] do
                let check ((dotsPlain: int64[], dotsInStep: int64[]), (sumPlain: int64[], sumInStep: int64[])) =
                    let case = $"n {n}, rows {p0} .. {p1}, ahead {ahead}"
                    Assert.True((dotsPlain = dotsInStep), $"dot products, {case}")
                    Assert.True((sumPlain = sumInStep), $"sums of rows, {case}")

                check (inStep<Ops512, Vector512<float>> n 60 n p0 p1 ahead)
                check (inStep<Ops256, Vector256<float>> n 60 n p0 p1 ahead)
                check (inStep<Ops128, Vector128<float>> n 60 n p0 p1 ahead)
                check (inStep<OpsPlain128, Vector128<float>> n 60 n p0 p1 ahead)

/// Each row's dot product by dotRows over rows p0 .. p1 at once, and row by row (each alone).
let private groupedAndAlone<'O, 'V when 'O :> IVectorOps<'V>> (seed: int) (rows: int) (n: int) =
    let random = Random seed
    let a = Array.init (rows * n) (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let x = Array.init n (fun _ -> random.NextDouble() - 0.5)
    let grouped = Array.create rows nan
    let alone = Array.create rows nan
    use pa = fixed a
    use px = fixed x
    use pg = fixed grouped
    use pl = fixed alone
    ManagedGemv.dotRows<'O, 'V> pa n px n 1.0 0.0 pg 0 rows NativePtr.nullPtr 0

    for i in 0 .. rows - 1 do
        ManagedGemv.dotRows<'O, 'V> pa n px n 1.0 0.0 pl i (i + 1) NativePtr.nullPtr 0

    let exact =
        Array.init rows (fun i -> Seq.sum (Seq.init n (fun j -> decimal a[i * n + j] * decimal x[j])))

    grouped, alone, exact

[<Fact>]
let ``dotRows gives a row the same bits in a group of four as alone, on every width`` () =
    for n in [ 1; 7; 8; 9; 16; 100; 257 ] do
        for rows in [ 4; 7; 13 ] do
            let check (grouped: float[], alone: float[], exact: decimal[]) =
                let bits = Array.map BitConverter.DoubleToInt64Bits
                Assert.True((bits grouped = bits alone), $"n {n}, rows {rows}: {grouped} against {alone}")

                for i in 0 .. rows - 1 do
                    let error = abs (decimal grouped[i] - exact[i])
                    Assert.True(error <= 1e-13m, $"n {n}, row {i}: {grouped[i]} against {exact[i]}")

            check (groupedAndAlone<Ops512, Vector512<float>> n rows n)
            check (groupedAndAlone<Ops256, Vector256<float>> n rows n)
            check (groupedAndAlone<Ops128, Vector128<float>> n rows n)
            check (groupedAndAlone<OpsPlain128, Vector128<float>> n rows n)

/// Logits with every regime of the loss: small, moderate, beyond exp's vector range (|s| > 708), infinite.
let private logits (random: Random) (count: int) =
    let special = [|
        0.0
        -0.0
        1e-300
        36.0
        -36.0
        708.5
        -708.5
        745.2
        -1000.0
        infinity
        -infinity
    |]

    Array.init count (fun i ->
        if i % 5 = 4 then
            special[random.Next special.Length]
        else
            (random.NextDouble() - 0.5) * 40.0)

[<Fact>]
let ``The one pass's fused loss gives Loss.sumAndDeltaWeighted's dZ bit for bit and its sum to 1e-14`` () =
    let random = Random 7

    for count in [ 1; 3; 7; 8; 9; 16; 17; 100; 333 ] do
        let z = logits random count
        let bias = random.NextDouble() - 0.5
        let labels = Array.init count (fun _ -> random.Next 2)
        let scale = 1.0 / float count
        // The reference: z + bias, then the loss's passes.
        let shifted = z |> Array.map (fun v -> v + bias)
        let expectedDelta = Array.zeroCreate count

        let expected =
            Loss.sumAndDeltaWeighted
                BinaryCrossEntropy
                1
                (ReadOnlySpan shifted)
                (ReadOnlySpan(Array.zeroCreate count))
                (ReadOnlySpan labels)
                ReadOnlySpan.Empty
                scale
                (Span expectedDelta)
                (Span(Array.zeroCreate count))
                (Span(Array.zeroCreate count))

        let fused = Array.copy z
        let delta = Array.zeroCreate count

        let actual =
            LogisticOnePass.loss (Span fused) bias (ReadOnlySpan labels) scale (Span delta)

        let bits = Array.map BitConverter.DoubleToInt64Bits
        Assert.True((bits fused = bits shifted), $"{count}: the logits differ")
        Assert.True((bits delta = bits expectedDelta), $"{count}: dZ differs")

        if Double.IsFinite expected then
            Assert.True(abs (actual - expected) <= 1e-14 * abs expected, $"{count}: {actual} against {expected}")
        else
            Assert.Equal(expected, actual)

/// axpyRows on AVX-512 against its arithmetic written out: fused multiply-adds over the full vectors, and
/// over the tail each product rounded and then added, row after row (the tail's 256-bit part included).
[<Fact>]
let ``axpyRows gives the bits of its arithmetic written out, tails included`` () =
    if Vector512.IsHardwareAccelerated then
        for n in [ 3; 4; 8; 12; 13; 100; 101; 103 ] do
            for rows in [ 1; 4; 5; 9 ] do
                let random = Random(n * 31 + rows)
                let a = Array.init (rows * n) (fun _ -> random.NextDouble() * 2.0 - 1.0)
                let d = Array.init rows (fun _ -> random.NextDouble() - 0.5)
                let start = Array.init n (fun _ -> random.NextDouble())
                let actual = Array.copy start
                use pa = fixed a
                use pd = fixed d
                use pc = fixed actual
                ManagedGemv.axpyRows<Ops512, Vector512<float>> pa n pd n pc 0 rows NativePtr.nullPtr 0
                let full = n - n % 8

                let expected =
                    Array.init n (fun j ->
                        let mutable s = start[j]

                        for p in 0 .. rows - 1 do
                            s <-
                                if j < full then
                                    Math.FusedMultiplyAdd(d[p], a[p * n + j], s)
                                else
                                    s + d[p] * a[p * n + j]

                        s)

                let bits = Array.map BitConverter.DoubleToInt64Bits
                Assert.True((bits expected = bits actual), $"n {n}, rows {rows}")

/// The one pass runs its chunks on the team (Team.run); while another caller holds the team they run through
/// Parallel.For instead. Either way each chunk has its own partial sums, added in chunk order, so the bits
/// are the same.
[<Fact>]
let ``The one pass gives the same bits on the team and while the team is held`` () =
    // 8 chunks of 100-feature rows (rows of 327 per block) with a last chunk's block left short, 4 chunks and 6.
    // On one core, or while another test holds the team, both calls take Parallel.For: the test then only
    // checks that the bits do not depend on the run.
    for rows, inputs in [ 20011, 100; 3001, 37; 1500, 130 ] do
        let network, features, labels = PropagationTests.singleUnitCase rows rows inputs

        Assert.True(LogisticOnePass.chunks rows inputs > 1, $"{rows} x {inputs} runs in one chunk")
        let onTeam, teamCost = Propagation.propagateForced true network features labels
        let results = Array.zeroCreate 1
        // A job's chunk holds the team (a job of one chunk would run inline), so the nested call takes Parallel.For.
        Team.run 2 (fun c ->
            if c = 0 then
                results[0] <- Propagation.propagateForced true network features labels)

        let held, heldCost = results[0]

        Assert.True(
            Helpers.sameGradients onTeam held
            && Helpers.bits teamCost = Helpers.bits heldCost,
            $"{rows} x {inputs}"
        )

/// LogisticOnePass over rows x inputs of random data in `parts` parts per block: dW, db, the cost and dZ as bits.
let private inParts (parts: int) (rows: int) (inputs: int) (weighted: bool) =
    let network, features, labels =
        PropagationTests.singleUnitCase (rows * 7 + inputs) rows inputs

    let layer = List.head network.Layers
    let chunks = LogisticOnePass.chunks rows inputs

    let buffers: LogisticOnePass.Buffers = {
        Rows = rows
        Logits = Array.zeroCreate rows
        Activations = Array.zeroCreate rows
        Deltas = Array.zeroCreate rows
        Scratch = Array.zeroCreate rows
        Scratch2 = Array.zeroCreate rows
        Partials = Array.zeroCreate (chunks * inputs)
        ChunkSums = Array.zeroCreate (2 * chunks)
    }

    let weights =
        if weighted then
            Array.init rows (fun i -> 0.5 + float (i % 3) * 0.5)
        else
            Array.empty

    let dw = Array2D.create 1 inputs nan
    let db = [| nan |]

    let cost =
        LogisticOnePass.propagateInParts
            parts
            buffers
            layer
            (Buffers.readOnly2 features)
            (ReadOnlySpan labels)
            (ReadOnlySpan weights)
            (1.0 / float rows)
            dw
            db

    let bits = Array.map BitConverter.DoubleToInt64Bits
    bits ((Buffers.span2 dw).ToArray()), bits db, Helpers.bits cost, bits buffers.Deltas

[<Fact>]
let ``The one pass gives the same bits with short rows' blocks in parts as whole`` () =
    // Blocks of 1024 rows (at most 32 features) down to 128 (256); parts with rows left over, a last part
    // shorter than eight rows (3976 x 100: 2 rows), one block or several per chunk, one chunk or eight,
    // columns past the vectors.
    for rows, inputs in
        [
            5000, 1
            3001, 7
            1200, 13
            20011, 100
            4003, 101
            3976, 100
            900, 256
            40000, 33
        ] do
        for weighted in [ false; true ] do
            let whole = inParts 1 rows inputs weighted

            for parts in [ 2; 3; 5 ] do
                Assert.True(
                    (inParts parts rows inputs weighted = whole),
                    $"{rows} x {inputs}, {parts} parts, weighted {weighted}"
                )
