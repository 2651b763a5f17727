/// The kernels' fork-join team (Kernels/Team.fs): every chunk runs exactly once before run returns, on any
/// number of chunks, after the workers have gone to sleep, from several threads at once, nested, and when a
/// chunk throws. In a collection of its own that runs alone: no other test holds the team meanwhile, so the
/// tests that need the team's own threads get them.
[<Xunit.Collection("Team")>]
module Perceptron.Core.Tests.TeamTests

open System
open System.Diagnostics
open System.Threading
open System.Threading.Tasks
open Xunit
open Perceptron.Core

/// The collection of these tests: not run in parallel with any other test.
[<CollectionDefinition("Team", DisableParallelization = true)>]
type TeamCollection() = class end

/// Whether the calling thread is one of the team's workers.
let private onWorker () =
    let name = Thread.CurrentThread.Name

    not (isNull name)
    && name.StartsWith("Perceptron kernel worker", StringComparison.Ordinal)

/// How many times each of `chunks` chunks ran in one Team.run.
let private counts chunks =
    let ran = Array.zeroCreate<int>(max 0 chunks)
    Team.run chunks (fun c -> Interlocked.Increment(&ran[c]) |> ignore)
    ran

[<Fact>]
let ``every chunk runs exactly once, from none to more chunks than cores`` () =
    for chunks in 0 .. Team.size + 3 do
        Assert.Equal<int[]>(Array.create chunks 1, counts chunks)

[<Fact>]
let ``run returns only when every chunk has finished`` () =
    for _ in 1..200 do
        let finished = Array.zeroCreate<int> Team.size

        Team.run Team.size (fun c ->
            // A worker's chunks are the long ones, so a run that returned early would see one unfinished.
            if onWorker () then
                Thread.SpinWait 2000

            Volatile.Write(&finished[c], 1))

        Assert.Equal<int[]>(Array.create Team.size 1, finished)

[<Fact>]
let ``a worker asleep after its spin wakes for the next job`` () =
    if Team.size > 1 then
        for _ in 1..3 do
            // Longer than Team.spinTicks: the workers block on their events.
            Thread.Sleep(TimeSpan.FromTicks(Team.spinTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency * 20L))
            let caller = Environment.CurrentManagedThreadId
            let mutable elsewhere = 0
            let mutable woke = true

            // The caller's chunk waits for the other to run on another thread: a lost wake-up fails here.
            Team.run 2 (fun _ ->
                if Environment.CurrentManagedThreadId = caller then
                    woke <- SpinWait.SpinUntil((fun () -> Volatile.Read(&elsewhere) > 0), 10000)
                else
                    Interlocked.Increment(&elsewhere) |> ignore)

            Assert.True(woke, "no worker woke for the job")

[<Fact>]
let ``a chunk's exception reaches the caller once every chunk is done, and the team runs on`` () =
    if Team.size > 1 then
        let finished = Array.zeroCreate<int> Team.size

        let error =
            Assert.Throws<InvalidOperationException>(fun () ->
                Team.run Team.size (fun c ->
                    if c = Team.size - 1 then
                        raise (InvalidOperationException "chunk failed")

                    Thread.SpinWait 1000
                    Volatile.Write(&finished[c], 1)))

        Assert.Equal("chunk failed", error.Message)
        Assert.Equal<int[]>(Array.init Team.size (fun c -> if c = Team.size - 1 then 0 else 1), finished)
        // The first chunk throws, wherever it runs.
        Assert.Throws<ArgumentException>(fun () ->
            Team.run Team.size (fun c ->
                if c = 0 then
                    invalidArg "c" "zero"))
        |> ignore

    Assert.Equal<int[]>(Array.create Team.size 1, counts Team.size)

[<Fact>]
let ``a job run while the team is held gives the same result and the same exception as on the team`` () =
    let outcome () =
        let ran = Array.zeroCreate<int> Team.size

        let error =
            try
                Team.run Team.size (fun c ->
                    Interlocked.Increment(&ran[c]) |> ignore

                    if c = Team.size - 1 then
                        raise (InvalidOperationException "last chunk failed"))

                None
            with e ->
                Some(e.GetType(), e.Message)

        ran, error

    let onTeam = outcome ()
    // Inside a job of the team, which holds it: the inner job's chunks run on the thread pool.
    let mutable nested = None

    Team.run 2 (fun c ->
        if c = 0 then
            nested <- Some(outcome ()))

    let expected =
        Array.create Team.size 1, Some(typeof<InvalidOperationException>, "last chunk failed")

    Assert.True((expected = onTeam), $"%A{onTeam}")
    Assert.True((Some expected = nested), $"%A{nested}")

[<Fact>]
let ``callers on several threads at once, and a chunk that runs a job of its own, all complete`` () =
    let callers = 8
    let totals = Array.zeroCreate<int64> callers

    Parallel.For(
        0,
        callers,
        fun t ->
            for _ in 1..200 do
                let sums = Array.zeroCreate<int64> Team.size

                Team.run Team.size (fun c ->
                    // Nested: the team is held, so this one runs on the thread pool.
                    let inner = Array.zeroCreate<int64> 3
                    Team.run 3 (fun i -> inner[i] <- int64 (i + 1))
                    sums[c] <- int64 (c + 1) + Array.sum inner)

                totals[t] <- totals[t] + Array.sum sums
    )
    |> ignore

    let perRun = int64 (Team.size * (Team.size + 1) / 2 + 6 * Team.size)
    Assert.Equal<int64[]>(Array.create callers (200L * perRun), totals)

[<Fact>]
let ``an optimizer's update split across the team gives the bits of the pass on one thread`` () =
    let random = Random 5
    // Odd, so that the chunks' ends fall inside vectors.
    let length = Elementwise.teamLength * 3 + 5
    let x = Array.init length (fun _ -> random.NextDouble() - 0.5)
    let start = Array.init length (fun _ -> random.NextDouble() * 1e3)
    let expected = Array.zeroCreate<float> length
    Elementwise.multiplyAddInto (ReadOnlySpan x) -0.1 (ReadOnlySpan start) (Span expected)

    for split in [ false; true; true ] do
        let acc = Array.copy start
        Elementwise.multiplyAddSplit split (ReadOnlySpan x) -0.1 (Span acc)
        Assert.True(Helpers.sameBits expected acc)

[<Fact>]
let ``a gather split across the team copies the rows bit for bit and still finds a bad value`` () =
    let random = Random 6
    let width, sourceRows = 785, 300
    let source = Array.init (sourceRows * width) (fun _ -> random.NextDouble() - 0.5)
    // An odd count of rows: chunks of unequal length.
    let rows = Array.init 131 (fun _ -> random.Next sourceRows)

    let expected =
        Array.init (rows.Length * width) (fun k -> source[rows[k / width] * width + k % width])

    let bad = Array.copy source
    // In the last row: the last chunk's.
    bad[rows[rows.Length - 1] * width + width - 1] <- nan

    for split in [ false; true; true ] do
        let target = Array.zeroCreate<float> expected.Length
        Assert.True(Gather.rowsSplit split (ReadOnlySpan source) width (ReadOnlySpan rows) (Span target))
        Assert.True(Helpers.sameBits expected target)
        Assert.False(Gather.rowsSplit split (ReadOnlySpan bad) width (ReadOnlySpan rows) (Span target))

[<Fact>]
let ``a hidden layer's bias and activation split across the team give the bits of the pass on one thread`` () =
    let random = Random 7

    for activation in [ Relu; LeakyRelu; Sigmoid; Tanh ] do
        // 131 rows of 67 units: chunks of unequal length, rows that end inside vectors.
        let units, rows = 67, 131

        let layer = {
            Weights = Array2D.zeroCreate units 3
            Bias = Array.init units (fun _ -> random.NextDouble() - 0.5)
            Activation = activation
        }

        let z = Array.init (rows * units) (fun _ -> (random.NextDouble() - 0.5) * 10.0)
        let expected = Array.copy z
        Propagation.addBiasAndActivateSplit false layer (Span expected)

        for _ in 1..2 do
            let block = Array.copy z
            Propagation.addBiasAndActivateSplit true layer (Span block)
            Assert.True(Helpers.sameBits expected block, $"{activation}")

[<Fact>]
let ``chunk bounds cover the items in order without overflow`` () =
    for length, chunks in [ 0, 1; 1, 2; 131, 2; 100, 3; Int32.MaxValue, 64; 2_000_000_000, 7 ] do
        let bounds = [| for c in 0..chunks -> Team.bound length c chunks |]
        Assert.Equal(0, bounds[0])
        Assert.Equal(length, bounds[chunks])

        Assert.True(
            Array.pairwise bounds
            |> Array.forall (fun (a, b) -> a <= b && b - a <= length / chunks + 1)
        )

[<Fact>]
let ``a worker held up does not hold up the job: the other threads take its chunks`` () =
    if Team.size > 1 then
        let caller = Environment.CurrentManagedThreadId
        let chunks = 8
        let runs = Array.zeroCreate<int> chunks
        let mutable started = 0
        let mutable held = 0
        let mutable released = true

        Team.run chunks (fun c ->
            Interlocked.Increment(&runs[c]) |> ignore
            Interlocked.Increment(&started) |> ignore

            if Environment.CurrentManagedThreadId = caller then
                // Until a worker holds a chunk.
                SpinWait.SpinUntil((fun () -> Volatile.Read(&held) > 0), 10000) |> ignore
            elif onWorker () && Interlocked.CompareExchange(&held, 1, 0) = 0 then
                // As if the system had stopped this thread: until every other chunk has started.
                released <- SpinWait.SpinUntil((fun () -> Volatile.Read(&started) = chunks), 10000))

        Assert.Equal<int[]>(Array.create chunks 1, runs)
        Assert.Equal(1, held)
        Assert.True(released, "the other chunks waited for the held-up worker")
