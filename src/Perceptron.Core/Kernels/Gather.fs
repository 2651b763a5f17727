/// The gather of a shuffled mini-batch: rows of the training data, in the epoch's order, copied into one
/// contiguous batch, with the check that every copied value is finite folded into the copy.
namespace Perceptron.Core

#nowarn "9" // native pointers: the copy loops read and write through them
#nowarn "3535" // static abstract interface members: the width is chosen by a type argument

open System
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.X86
open Microsoft.FSharp.NativeInterop

/// Copies of rows chosen by index into a contiguous batch.
module internal Gather =
    // Four rows in flight, each copy prefetching the row four places ahead into L2. A row of W2's data is
    // 6272 bytes at a random place: copied one at a time, each row starts with misses that the hardware
    // prefetcher has not seen coming (it also stops at every 4 KiB page), and the gather ran at 6-8 GB/s.
    // Measured on W2's shape (60000 x 784, batches of 128, one epoch): one row at a time 47-50 ms (Span's
    // CopyTo as well), prefetching the next row 30-32 ms (into L1, Prefetch0: 45 ms), two rows in flight
    // 26-27 ms, four 24 ms (four without the prefetch 34 ms), a sequential copy of the same bytes 19-22 ms.
    let private rowsWith<'O, 'V when 'O :> IMathOps<'V>>
        (source: ReadOnlySpan<float>)
        (width: int)
        (rows: ReadOnlySpan<int>)
        (target: Span<float>)
        =
        Tiering.optimizeNow ()
        let w = 'O.Width
        let count = rows.Length
        let vectorEnd = width - width % w
        use s = fixed source
        use t = fixed target
        use o = fixed rows
        // x - x is +0 for every finite x and NaN for NaN and ±∞, and a sum of such terms is NaN when one
        // is: the check costs two additions per vector of a copy that waits on memory anyway.
        let mutable sum = 'O.Splat 0.0
        let mutable tail = 0.0

        let inline row (r: int) =
            NativePtr.add s (NativePtr.get o r * width)

        let mutable r = 0

        while r + 4 <= count do
            let r0, r1, r2, r3 = row r, row (r + 1), row (r + 2), row (r + 3)
            // Past the end, the prefetches fall on the rows being copied: harmless.
            let n0 = if r + 4 < count then row (r + 4) else r0
            let n1 = if r + 5 < count then row (r + 5) else r1
            let n2 = if r + 6 < count then row (r + 6) else r2
            let n3 = if r + 7 < count then row (r + 7) else r3
            let t0 = NativePtr.add t (r * width)
            let t1 = NativePtr.add t0 width
            let t2 = NativePtr.add t1 width
            let t3 = NativePtr.add t2 width
            let mutable j = 0

            while j < vectorEnd do
                if Sse.IsSupported then
                    Sse.Prefetch1(NativePtr.toVoidPtr (NativePtr.add n0 j))
                    Sse.Prefetch1(NativePtr.toVoidPtr (NativePtr.add n1 j))
                    Sse.Prefetch1(NativePtr.toVoidPtr (NativePtr.add n2 j))
                    Sse.Prefetch1(NativePtr.toVoidPtr (NativePtr.add n3 j))

                let a = 'O.Load(NativePtr.add r0 j)
                let b = 'O.Load(NativePtr.add r1 j)
                let c = 'O.Load(NativePtr.add r2 j)
                let d = 'O.Load(NativePtr.add r3 j)
                'O.Store(a, NativePtr.add t0 j)
                'O.Store(b, NativePtr.add t1 j)
                'O.Store(c, NativePtr.add t2 j)
                'O.Store(d, NativePtr.add t3 j)

                sum <-
                    'O
                        .Add(
                            sum,
                            'O
                                .Add(
                                    'O.Add('O.Subtract(a, a), 'O.Subtract(b, b)),
                                    'O.Add('O.Subtract(c, c), 'O.Subtract(d, d))
                                )
                        )

                j <- j + w

            while j < width do
                let a, b, c, d =
                    NativePtr.get r0 j, NativePtr.get r1 j, NativePtr.get r2 j, NativePtr.get r3 j

                NativePtr.set t0 j a
                NativePtr.set t1 j b
                NativePtr.set t2 j c
                NativePtr.set t3 j d
                tail <- tail + ((a - a) + (b - b)) + ((c - c) + (d - d))
                j <- j + 1

            r <- r + 4

        while r < count do
            let from = row r
            let into = NativePtr.add t (r * width)
            let mutable j = 0

            while j < vectorEnd do
                let a = 'O.Load(NativePtr.add from j)
                'O.Store(a, NativePtr.add into j)
                sum <- 'O.Add(sum, 'O.Subtract(a, a))
                j <- j + w

            while j < width do
                let a = NativePtr.get from j
                NativePtr.set into j a
                tail <- tail + (a - a)
                j <- j + 1

            r <- r + 1

        'O.Sum sum + tail = 0.0

    /// Whether training data of `values` doubles is gathered by `rows`: data beyond this machine class's
    /// last-level cache (32 MB here), whose rows come from memory, where prefetching pays and where
    /// folding the finiteness check into the gather saves a pass of its own (W2's 376 MB: 15-20 ms a fit).
    /// Smaller data keeps Span's CopyTo and the scan before training: `rows` costs its first call about
    /// 5 ms of JIT (measured in a default app), more than a scan of 32 MB takes.
    let pays (values: int) = values >= (1 <<< 22)

    /// rowsWith on the width of every managed kernel (PERCEPTRON_SIMD caps it, so the tests run on each).
    let private copy (source: ReadOnlySpan<float>) (width: int) (rows: ReadOnlySpan<int>) (target: Span<float>) =
        match Selection.simd with
        | Simd512 -> rowsWith<Math512, Vector512<float>> source width rows target
        | Simd256 -> rowsWith<Math256, Vector256<float>> source width rows target
        | Simd128
        | Plain128 -> rowsWith<Math128, Vector128<float>> source width rows target

    /// Values of each chunk of a gather split across the team: a batch splits from two chunks' worth, when
    /// the team is awake.
    let parallelValues = 1 <<< 15

    /// rows, with `split`: in chunks of rows on the team (Team.run), each chunk the same copy.
    let rowsSplit
        (split: bool)
        (source: ReadOnlySpan<float>)
        (width: int)
        (rows: ReadOnlySpan<int>)
        (target: Span<float>)
        =
        // The copy runs on pointers: indices and sizes are checked here (a batch's worth of integers).
        let sourceRows = if width > 0 then source.Length / width else 0

        if width < 0 || target.Length < rows.Length * width then
            raise (ArgumentOutOfRangeException(nameof target))

        for i in 0 .. rows.Length - 1 do
            if uint rows[i] >= uint sourceRows then
                raise (ArgumentOutOfRangeException(nameof rows))

        if not split then
            copy source width rows target
        else
            use s = fixed source
            use o = fixed rows
            use t = fixed target

            let s, o, t =
                NativePtr.toNativeInt s, NativePtr.toNativeInt o, NativePtr.toNativeInt t

            let sourceLength, count, chunks = source.Length, rows.Length, Team.size
            let finite = Array.create chunks true

            Team.run chunks (fun c ->
                let r0 = Team.bound count c chunks
                let r1 = Team.bound count (c + 1) chunks

                let from =
                    ReadOnlySpan<float>(NativePtr.toVoidPtr (NativePtr.ofNativeInt<float> s), sourceLength)

                let indices =
                    ReadOnlySpan<int>(NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<int> o) r0), r1 - r0)

                let into = NativePtr.add (NativePtr.ofNativeInt<float> t) (r0 * width)
                finite[c] <- copy from width indices (Span<float>(NativePtr.toVoidPtr into, (r1 - r0) * width)))

            Array.forall id finite

    /// Copies row rows[r] of `source` (row-major, `width` values a row) to row r of `target`, for each r;
    /// true when every copied value is finite. Split across the team when it is awake and the batch holds two
    /// chunks' worth: one core does not reach the memory's bandwidth (W2's gather: 40-51 ms an epoch on one
    /// core, 22-28 ms on two).
    let rows (source: ReadOnlySpan<float>) (width: int) (rows: ReadOnlySpan<int>) (target: Span<float>) =
        rowsSplit (rows.Length * width >= 2 * parallelValues && Team.warm ()) source width rows target
