/// A fork-join team for the managed kernels: one worker thread per extra core that spin-waits for a
/// short while after each job before it blocks, as OpenBLAS's threads do. A training step hands out a
/// dozen parallel jobs of a few hundred microseconds each; the thread pool's workers go to sleep
/// between them and take tens of microseconds to wake, a spinning worker takes well under one.
///
/// The split of a job never depends on which thread runs which chunk, so the bits do not depend on the
/// team: every caller gives chunks that write disjoint outputs, each in an order fixed by its index, and any
/// thread of the team may run any chunk.
namespace Perceptron.Core

open System
open System.Diagnostics
open System.Runtime.ExceptionServices
open System.Threading
open System.Threading.Tasks

/// One job: its chunks, each claimed by whichever thread comes first, so that a worker the system has
/// not yet scheduled (a third thread on a 2-core machine: the JIT's, the GC's, another process's) leaves its
/// chunk to the others instead of stalling the job.
[<AllowNullLiteral>]
type internal TeamJob(body: int -> unit, chunks: int) =
    /// Chunks claimed so far (may run past `chunks`: every thread's last claim finds none left).
    [<DefaultValue>]
    val mutable Next: int

    /// Chunks finished.
    [<DefaultValue>]
    val mutable Completed: int

    /// The lowest chunk that threw, and its exception (under a lock: the rare path allocates nothing).
    [<DefaultValue>]
    val mutable ErrorChunk: int

    [<DefaultValue>]
    val mutable Error: exn

    /// Claims and runs chunks until none is left. Every claimed chunk counts as completed, even when its
    /// handler fails, so that the caller never returns while a chunk is still running.
    member job.Work() =
        let mutable c = Interlocked.Increment(&job.Next) - 1

        while c < chunks do
            try
                try
                    body c
                with e ->
                    lock job (fun () ->
                        if isNull job.Error || c < job.ErrorChunk then
                            job.ErrorChunk <- c
                            job.Error <- e)
            finally
                Interlocked.Increment(&job.Completed) |> ignore

            c <- Interlocked.Increment(&job.Next) - 1

    /// Waits until every chunk claimed so far has completed.
    member job.WaitClaimed() =
        let mutable spin = SpinWait()

        while Volatile.Read(&job.Completed) < min chunks (Volatile.Read(&job.Next)) do
            spin.SpinOnce(-1)

/// One worker of the team and its mailbox.
[<AllowNullLiteral>]
type internal TeamWorker() =
    /// The number of the last job posted to this worker (only the team's owner writes it).
    [<DefaultValue>]
    val mutable Posted: int

    /// 1 while the worker blocks on Wake.
    [<DefaultValue>]
    val mutable Sleeping: int

    /// The job posted last.
    [<DefaultValue>]
    val mutable Job: TeamJob

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

            // Every 64 spins (10-15 us) the worker yields its core to any other runnable thread: the JIT's
            // tier-1 compiles in a process's first epoch, another process. A spin that never yields takes half
            // of that core from them, and they take it back in the middle of the worker's chunks.
            while Volatile.Read(&w.Posted) = seen
                  && ((spins <- spins + 1
                       spins &&& 63 <> 0)
                      || (Thread.Yield() |> ignore
                          Stopwatch.GetTimestamp() - start < spinTicks)) do
                Thread.SpinWait 8

            if Volatile.Read(&w.Posted) = seen then
                w.Wake.Reset()
                Interlocked.Exchange(&w.Sleeping, 1) |> ignore

                if Volatile.Read(&w.Posted) = seen then
                    w.Wake.Wait()

                Interlocked.Exchange(&w.Sleeping, 0) |> ignore
            else
                seen <- Volatile.Read(&w.Posted)
                // The job posted last: an earlier one it missed was finished by the others.
                let job = Volatile.Read(&w.Job)

                if not (isNull job) then
                    // Work catches each chunk's exception; nothing else may end this thread.
                    try
                        job.Work()
                    with _ ->
                        ()

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

    /// Runs body 0 .. chunks - 1 on the calling thread and the team's workers, each chunk on whichever
    /// thread claims it first, and returns when every chunk is done. While another caller holds the team
    /// (several training runs at once, or a chunk that runs a job itself), the chunks run through
    /// Parallel.For. Either way, a chunk's exception reaches the caller once every chunk has run: the lowest
    /// chunk's, as it was thrown.
    let run (chunks: int) (body: int -> unit) =
        if chunks <= 1 then
            if chunks = 1 then
                body 0
        elif size = 1 || Interlocked.CompareExchange(&owner, 1, 0) <> 0 then
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
            let job = TeamJob(body, chunks)

            try
                let team = workers.Force()

                for i in 0 .. min team.Length (chunks - 1) - 1 do
                    let w = team[i]
                    Volatile.Write(&w.Job, job)
                    Interlocked.Exchange(&w.Posted, w.Posted + 1) |> ignore

                    if Volatile.Read(&w.Sleeping) = 1 then
                        w.Wake.Set()

                try
                    job.Work()
                finally
                    // Every chunk is done (or, if Work itself failed, every chunk claimed): no chunk runs on
                    // after run returns, so the callers' pinned spans outlive every use.
                    job.WaitClaimed()

                    // The body's captures are not kept alive until the next job (a late worker finds none).
                    for i in 0 .. min team.Length (chunks - 1) - 1 do
                        Volatile.Write(&team[i].Job, null)
            finally
                Volatile.Write(&owner, 0)

            if not (isNull job.Error) then
                ExceptionDispatchInfo.Capture(job.Error).Throw()
