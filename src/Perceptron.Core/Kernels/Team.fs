/// A fork-join team for the managed kernels: one worker thread per extra core that spin-waits for a
/// short while after each job before it blocks, as OpenBLAS's threads do. A training step hands out a
/// dozen parallel jobs of a few hundred microseconds each; the thread pool's workers go to sleep
/// between them and take tens of microseconds to wake, a spinning worker takes well under one.
///
/// The split of a job never depends on which thread runs which chunk, so the bits do not depend on the
/// team: every caller gives chunks that write disjoint outputs, each in an order fixed by its index.
namespace Perceptron.Core

open System
open System.Diagnostics
open System.Runtime.ExceptionServices
open System.Threading
open System.Threading.Tasks

/// One worker of the team and its mailbox.
[<AllowNullLiteral>]
type internal TeamWorker() =
    /// The number of the last job posted to this worker and of the last one it finished.
    [<DefaultValue>]
    val mutable Posted: int

    [<DefaultValue>]
    val mutable Finished: int

    /// 1 while the worker blocks on Wake.
    [<DefaultValue>]
    val mutable Sleeping: int

    [<DefaultValue>]
    val mutable Job: int -> unit

    [<DefaultValue>]
    val mutable Chunk: int

    [<DefaultValue>]
    val mutable Error: exn

    member val Wake = new ManualResetEventSlim(false)

module internal Team =
    /// How long a worker spins for the next job before it blocks: longer than the single-threaded work
    /// between two products of a training step, short enough to leave an idle core alone.
    let spinTicks = Stopwatch.Frequency / 1000L

    let private workerLoop (w: TeamWorker) =
        let mutable seen = 0

        while true do
            let start = Stopwatch.GetTimestamp()
            let mutable spins = 0

            while Volatile.Read(&w.Posted) = seen
                  && ((spins <- spins + 1
                       spins &&& 63 <> 0)
                      || Stopwatch.GetTimestamp() - start < spinTicks) do
                Thread.SpinWait 8

            if Volatile.Read(&w.Posted) = seen then
                w.Wake.Reset()
                Interlocked.Exchange(&w.Sleeping, 1) |> ignore

                if Volatile.Read(&w.Posted) = seen then
                    w.Wake.Wait()

                Interlocked.Exchange(&w.Sleeping, 0) |> ignore
            else
                seen <- Volatile.Read(&w.Posted)

                try
                    w.Job w.Chunk
                with e ->
                    w.Error <- e

                w.Job <- Unchecked.defaultof<_>
                Volatile.Write(&w.Finished, seen)

    let private workers =
        lazy
            (Array.init (max 0 (Environment.ProcessorCount - 1)) (fun i ->
                let w = TeamWorker()

                let t =
                    Thread(
                        (fun () -> workerLoop w),
                        IsBackground = true,
                        Name =
                            "Perceptron kernel worker "
                            + (i + 1).ToString(Globalization.CultureInfo.InvariantCulture)
                    )

                // Not the first caller's execution context: the workers outlive it.
                t.UnsafeStart()
                w))

    /// 1 while a caller holds the team.
    let mutable private owner = 0

    /// The most chunks a job can run at once: one per core.
    let size = Environment.ProcessorCount

    /// Where chunk c of `chunks` starts in `length` items (chunk c ends where c + 1 starts), without overflow.
    let bound (length: int) (c: int) (chunks: int) =
        int (int64 length * int64 c / int64 chunks)

    /// Whether the team's workers are awake (spinning after a job, as while a training step's products run
    /// on the team): then a job costs them nothing they were not spending, where waking a sleeping worker
    /// costs tens of microseconds, and where another library's threads (OpenBLAS's) may be spinning on the
    /// other cores.
    let warm () =
        workers.IsValueCreated
        && (let team = workers.Value
            let mutable awake = team.Length > 0
            let mutable i = 0

            while awake && i < team.Length do
                awake <- Volatile.Read(&team[i].Sleeping) = 0
                i <- i + 1

            awake)

    /// Runs body 0 .. chunks - 1 (at most `size` of them), chunk 0 on the calling thread and the others on the
    /// team's workers, and returns when every chunk is done. While another caller holds the team (several
    /// training runs at once, or a chunk that runs a job itself), the chunks run through Parallel.For. Either way, a
    /// chunk's exception reaches the caller once every chunk has run: the lowest chunk's, as it was thrown.
    let run (chunks: int) (body: int -> unit) =
        if chunks <= 1 then
            if chunks = 1 then
                body 0
        elif chunks > size || Interlocked.CompareExchange(&owner, 1, 0) <> 0 then
            // Every chunk runs, and the lowest chunk's exception is rethrown as it is, as on the team.
            let errors = Array.zeroCreate<exn> chunks

            Parallel.For(
                0,
                chunks,
                fun i ->
                    try
                        body i
                    with e ->
                        errors[i] <- e
            )
            |> ignore

            match Array.tryFind (fun (e: exn) -> not (isNull e)) errors with
            | Some e -> ExceptionDispatchInfo.Capture(e).Throw()
            | None -> ()
        else
            try
                let team = workers.Force()

                for i in 1 .. chunks - 1 do
                    let w = team[i - 1]
                    w.Job <- body
                    w.Chunk <- i
                    // Each worker's own sequence of jobs (only the owner writes Posted).
                    Interlocked.Exchange(&w.Posted, w.Posted + 1) |> ignore

                    if Volatile.Read(&w.Sleeping) = 1 then
                        w.Wake.Set()

                let mutable first: exn = null

                try
                    body 0
                with e ->
                    first <- e

                for i in 1 .. chunks - 1 do
                    let w = team[i - 1]
                    let mutable spin = SpinWait()

                    while Volatile.Read(&w.Finished) <> w.Posted do
                        spin.SpinOnce(-1)

                    if not (isNull w.Error) then
                        if isNull first then
                            first <- w.Error

                        w.Error <- null

                if not (isNull first) then
                    ExceptionDispatchInfo.Capture(first).Throw()
            finally
                Volatile.Write(&owner, 0)
