/// The numeric kernels under the core: matrix products on row-major buffers.
/// Native OpenBLAS (cblas) when the system library loads, a managed SIMD path otherwise.
/// Every kernel writes only into the output span it is given, so callers stay pure.
namespace Perceptron.Core

#nowarn "9" // native pointers: pinned spans handed to cblas

open System
open System.Numerics.Tensors
open System.Runtime.CompilerServices
open System.Runtime.InteropServices
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.Arm
open System.Runtime.Intrinsics.X86
open System.Threading.Tasks
open Microsoft.FSharp.NativeInterop

/// Which implementation of the matrix kernels is in use.
type KernelProvider =
    /// The system's OpenBLAS (`libopenblas.so.0`) through P/Invoke.
    | NativeBlas
    /// Managed code: System.Numerics.Tensors and Parallel.For.
    | Managed

/// Views of 2-D arrays as flat row-major spans, without copying.
module Buffers =
    /// The elements of a 2-D array, row after row, as one span (no copy).
    let span2 (a: float[,]) : Span<float> =
        if a.Length = 0 then
            Span<float>.Empty
        else
            let r = &MemoryMarshal.GetArrayDataReference(a :> Array)
            MemoryMarshal.CreateSpan(&Unsafe.As<byte, float>(&r), a.Length)

    /// Read-only view of the elements of a 2-D array, row after row (no copy).
    let readOnly2 (a: float[,]) : ReadOnlySpan<float> = Span<float>.op_Implicit(span2 a)

    /// The flat (row-major) index of the first NaN or infinite element, or -1 when all are finite.
    let firstNonFinite (a: float[,]) =
        let values = readOnly2 a

        if TensorPrimitives.IsFiniteAll values then
            -1
        else
            let mutable i = 0

            while Double.IsFinite values[i] do
                i <- i + 1

            i

module internal NativeBlas =
    [<Literal>]
    let Library = "libopenblas.so.0"

    [<Literal>]
    let RowMajor = 101

    [<Literal>]
    let NoTrans = 111

    [<Literal>]
    let Trans = 112

    [<DllImport(Library, CallingConvention = CallingConvention.Cdecl)>]
    extern void cblas_dgemm(
        int order,
        int transA,
        int transB,
        int m,
        int n,
        int k,
        float alpha,
        nativeint a,
        int lda,
        nativeint b,
        int ldb,
        float beta,
        nativeint c,
        int ldc
    )

    [<DllImport(Library, CallingConvention = CallingConvention.Cdecl)>]
    extern void cblas_dgemv(
        int order,
        int trans,
        int m,
        int n,
        float alpha,
        nativeint a,
        int lda,
        nativeint x,
        int incx,
        float beta,
        nativeint y,
        int incy
    )

    [<DllImport(Library, CallingConvention = CallingConvention.Cdecl)>]
    extern nativeint openblas_get_corename()

    let private handle =
        lazy
            (let mutable h = 0n

             if NativeLibrary.TryLoad(Library, typeof<KernelProvider>.Assembly, Nullable(), &h) then
                 Some h
             else
                 None)

    let private exports (name: string) =
        match handle.Force() with
        | Some h ->
            let mutable f = 0n
            NativeLibrary.TryGetExport(h, name, &f)
        | None -> false

    /// True when the library loads and its entry points resolve.
    let available = lazy (exports "cblas_dgemm" && exports "cblas_dgemv")

    /// The CPU kernels OpenBLAS chose (e.g. "Haswell", "SkylakeX"; OPENBLAS_CORETYPE overrides), or
    /// None when that cannot be asked.
    let coreName =
        lazy
            (if available.Force() && exports "openblas_get_corename" then
                 let name = openblas_get_corename ()

                 if name = 0n then
                     None
                 else
                     Marshal.PtrToStringAnsi name |> Option.ofObj
             else
                 None)

    /// Whether OpenBLAS runs AVX-512 kernels (the Skylake-X family and later Intel cores).
    let usesAvx512 () =
        match coreName.Force() with
        | Some name ->
            let name = name.ToLowerInvariant()

            [ "skylakex"; "cooperlake"; "sapphirerapids" ]
            |> List.exists (fun c -> name.Contains c)
        | None -> false

    let gemm
        (
            transA: bool,
            transB: bool,
            m: int,
            n: int,
            k: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            b: ReadOnlySpan<float>,
            ldb: int,
            beta: float,
            c: Span<float>,
            ldc: int
        ) =
        use pa = fixed a
        use pb = fixed b
        use pc = fixed c

        cblas_dgemm (
            RowMajor,
            (if transA then Trans else NoTrans),
            (if transB then Trans else NoTrans),
            m,
            n,
            k,
            alpha,
            NativePtr.toNativeInt pa,
            lda,
            NativePtr.toNativeInt pb,
            ldb,
            beta,
            NativePtr.toNativeInt pc,
            ldc
        )

    let gemv
        (
            trans: bool,
            m: int,
            n: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            x: ReadOnlySpan<float>,
            beta: float,
            y: Span<float>
        ) =
        use pa = fixed a
        use px = fixed x
        use py = fixed y

        cblas_dgemv (
            RowMajor,
            (if trans then Trans else NoTrans),
            m,
            n,
            alpha,
            NativePtr.toNativeInt pa,
            lda,
            NativePtr.toNativeInt px,
            1,
            beta,
            NativePtr.toNativeInt py,
            1
        )

/// Managed kernels. GEMM is cache-blocked: panels of op(B) and op(A) are packed into aligned
/// scratch and a register-blocked micro-kernel (FMA on Vector512, Vector256 or Vector128,
/// chosen once at start-up) computes MR x NR tiles of C. Work is split across cores only by
/// tiles of C (never along k), and every element's summation order depends on the shape
/// alone, so results are bit-identical from run to run whatever the thread timing.
/// Arguments are pinned addresses (the public entry points pin the spans), so that
/// parallel workers can share them.
module internal ManagedBlas =
    /// Products (multiply-adds) below this run on the calling thread.
    let parallelThreshold = 1L <<< 21

    /// GEMV elements below this run on the calling thread.
    let gemvParallelThreshold = 1L <<< 18

    let inline span (p: nativeint) (offset: int) (length: int) =
        Span<float>(NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<float> p) offset), length)

    let inline readOnly (p: nativeint) (offset: int) (length: int) =
        ReadOnlySpan<float>(NativePtr.toVoidPtr (NativePtr.add (NativePtr.ofNativeInt<float> p) offset), length)

    let scale (beta: float) (row: Span<float>) =
        if beta = 0.0 then
            row.Clear()
        elif beta <> 1.0 then
            TensorPrimitives.Multiply(Span<float>.op_Implicit row, beta, row)

    /// The vector width of the kernels.
    type Simd =
        /// 8 doubles per vector (AVX-512).
        | Simd512
        /// 4 doubles per vector with FMA (AVX2 + FMA).
        | Simd256
        /// 2 doubles per vector with FMA (e.g. Arm64).
        | Simd128
        /// 2 doubles per vector, multiply then add (no hardware FMA).
        | Plain128

    /// The best width the hardware runs; PERCEPTRON_MANAGED_SIMD=256/128/nofma narrows it (for tests).
    let simd =
        let best =
            if Vector512.IsHardwareAccelerated && Avx512F.IsSupported then
                Simd512
            elif Vector256.IsHardwareAccelerated && Fma.IsSupported then
                Simd256
            elif Vector128.IsHardwareAccelerated && (Fma.IsSupported || AdvSimd.IsSupported) then
                Simd128
            else
                Plain128

        match Environment.GetEnvironmentVariable "PERCEPTRON_MANAGED_SIMD" with
        | "256" when best = Simd512 -> Simd256
        | "128" when best <> Plain128 -> Simd128
        | "nofma" -> Plain128
        | _ -> best

    /// Rows of a micro-tile (broadcast operand).
    let mr = if simd = Simd512 then 12 else 6

    /// Columns of a micro-tile: two vectors.
    let nr =
        match simd with
        | Simd512 -> 16
        | Simd256 -> 8
        | _ -> 4

    /// Largest k block: a packed kc x NR panel of B stays in L1 while A streams from L2.
    let kcMax = 256

    /// Rows of op(A) packed at once (a multiple of MR).
    let mcMax = if simd = Simd512 then 144 else 96

    /// Columns of op(B) packed at once (a multiple of NR).
    let ncMax = 2048

    /// True on the AVX-512 path (which also packs with 8 x 8 transposes).
    let is512 = simd = Simd512

    let inline private at (p: nativeptr<float>) (i: int) = NativePtr.add p i

    /// A stack allocation makes the JIT compile a method with loops fully optimized at once,
    /// instead of starting at tier 0 (F# does not emit MethodImplOptions.AggressiveOptimization).
    /// Used by every method that holds a hot loop.
    let inline private optimizeNow () =
        NativePtr.write (NativePtr.stackalloc<byte> 1) 0uy

    /// Rounds a pinned address up to 64 bytes.
    let inline private align64 (p: nativeptr<float>) =
        let address = NativePtr.toNativeInt p
        NativePtr.ofNativeInt<float>((address + 63n) &&& ~~~63n)

    // ------------------------------------------------------------------ micro-kernels

    /// t (12 x 2w, row-major) <- sum over p < kc of a[p*12 + r] * b[p*2w + j].
    let inline private kernel12
        ([<InlineIfLambda>] load: nativeptr<float> -> 'V)
        ([<InlineIfLambda>] broadcast: nativeptr<float> -> 'V)
        ([<InlineIfLambda>] fma: 'V -> 'V -> 'V -> 'V)
        ([<InlineIfLambda>] store: 'V -> nativeptr<float> -> unit)
        (zero: 'V)
        (w: int)
        (kc: int)
        (a: nativeptr<float>)
        (b: nativeptr<float>)
        (t: nativeptr<float>)
        =
        let mutable c0a = zero
        let mutable c0b = zero
        let mutable c1a = zero
        let mutable c1b = zero
        let mutable c2a = zero
        let mutable c2b = zero
        let mutable c3a = zero
        let mutable c3b = zero
        let mutable c4a = zero
        let mutable c4b = zero
        let mutable c5a = zero
        let mutable c5b = zero
        let mutable c6a = zero
        let mutable c6b = zero
        let mutable c7a = zero
        let mutable c7b = zero
        let mutable c8a = zero
        let mutable c8b = zero
        let mutable c9a = zero
        let mutable c9b = zero
        let mutable cAa = zero
        let mutable cAb = zero
        let mutable cBa = zero
        let mutable cBb = zero
        let mutable pa = a
        let mutable pb = b

        for _ in 1..kc do
            let ba = load pb
            let bb = load (at pb w)
            let x = broadcast pa
            c0a <- fma x ba c0a
            c0b <- fma x bb c0b
            let x = broadcast (at pa 1)
            c1a <- fma x ba c1a
            c1b <- fma x bb c1b
            let x = broadcast (at pa 2)
            c2a <- fma x ba c2a
            c2b <- fma x bb c2b
            let x = broadcast (at pa 3)
            c3a <- fma x ba c3a
            c3b <- fma x bb c3b
            let x = broadcast (at pa 4)
            c4a <- fma x ba c4a
            c4b <- fma x bb c4b
            let x = broadcast (at pa 5)
            c5a <- fma x ba c5a
            c5b <- fma x bb c5b
            let x = broadcast (at pa 6)
            c6a <- fma x ba c6a
            c6b <- fma x bb c6b
            let x = broadcast (at pa 7)
            c7a <- fma x ba c7a
            c7b <- fma x bb c7b
            let x = broadcast (at pa 8)
            c8a <- fma x ba c8a
            c8b <- fma x bb c8b
            let x = broadcast (at pa 9)
            c9a <- fma x ba c9a
            c9b <- fma x bb c9b
            let x = broadcast (at pa 10)
            cAa <- fma x ba cAa
            cAb <- fma x bb cAb
            let x = broadcast (at pa 11)
            cBa <- fma x ba cBa
            cBb <- fma x bb cBb
            pa <- at pa 12
            pb <- at pb (2 * w)

        let n = 2 * w
        store c0a t
        store c0b (at t w)
        store c1a (at t n)
        store c1b (at t (n + w))
        store c2a (at t (2 * n))
        store c2b (at t (2 * n + w))
        store c3a (at t (3 * n))
        store c3b (at t (3 * n + w))
        store c4a (at t (4 * n))
        store c4b (at t (4 * n + w))
        store c5a (at t (5 * n))
        store c5b (at t (5 * n + w))
        store c6a (at t (6 * n))
        store c6b (at t (6 * n + w))
        store c7a (at t (7 * n))
        store c7b (at t (7 * n + w))
        store c8a (at t (8 * n))
        store c8b (at t (8 * n + w))
        store c9a (at t (9 * n))
        store c9b (at t (9 * n + w))
        store cAa (at t (10 * n))
        store cAb (at t (10 * n + w))
        store cBa (at t (11 * n))
        store cBb (at t (11 * n + w))

    /// t (6 x 2w, row-major) <- sum over p < kc of a[p*6 + r] * b[p*2w + j].
    let inline private kernel6
        ([<InlineIfLambda>] load: nativeptr<float> -> 'V)
        ([<InlineIfLambda>] broadcast: nativeptr<float> -> 'V)
        ([<InlineIfLambda>] fma: 'V -> 'V -> 'V -> 'V)
        ([<InlineIfLambda>] store: 'V -> nativeptr<float> -> unit)
        (zero: 'V)
        (w: int)
        (kc: int)
        (a: nativeptr<float>)
        (b: nativeptr<float>)
        (t: nativeptr<float>)
        =
        let mutable c0a = zero
        let mutable c0b = zero
        let mutable c1a = zero
        let mutable c1b = zero
        let mutable c2a = zero
        let mutable c2b = zero
        let mutable c3a = zero
        let mutable c3b = zero
        let mutable c4a = zero
        let mutable c4b = zero
        let mutable c5a = zero
        let mutable c5b = zero
        let mutable pa = a
        let mutable pb = b

        for _ in 1..kc do
            let ba = load pb
            let bb = load (at pb w)
            let x = broadcast pa
            c0a <- fma x ba c0a
            c0b <- fma x bb c0b
            let x = broadcast (at pa 1)
            c1a <- fma x ba c1a
            c1b <- fma x bb c1b
            let x = broadcast (at pa 2)
            c2a <- fma x ba c2a
            c2b <- fma x bb c2b
            let x = broadcast (at pa 3)
            c3a <- fma x ba c3a
            c3b <- fma x bb c3b
            let x = broadcast (at pa 4)
            c4a <- fma x ba c4a
            c4b <- fma x bb c4b
            let x = broadcast (at pa 5)
            c5a <- fma x ba c5a
            c5b <- fma x bb c5b
            pa <- at pa 6
            pb <- at pb (2 * w)

        let n = 2 * w
        store c0a t
        store c0b (at t w)
        store c1a (at t n)
        store c1b (at t (n + w))
        store c2a (at t (2 * n))
        store c2b (at t (2 * n + w))
        store c3a (at t (3 * n))
        store c3b (at t (3 * n + w))
        store c4a (at t (4 * n))
        store c4b (at t (4 * n + w))
        store c5a (at t (5 * n))
        store c5b (at t (5 * n + w))

    /// C tile (rows x cols) <- alpha t + beta C on the first k block, C + alpha t after it.
    let private writePartial
        (t: nativeptr<float>)
        (c: nativeptr<float>)
        (ldc: int)
        (rows: int)
        (cols: int)
        (alpha: float)
        (beta: float)
        (first: bool)
        =
        for r in 0 .. rows - 1 do
            let tr = at t (r * nr)
            let cr = at c (r * ldc)

            if not first then
                for j in 0 .. cols - 1 do
                    NativePtr.set cr j (NativePtr.get cr j + alpha * NativePtr.get tr j)
            elif beta = 0.0 then
                for j in 0 .. cols - 1 do
                    NativePtr.set cr j (alpha * NativePtr.get tr j)
            else
                for j in 0 .. cols - 1 do
                    NativePtr.set cr j (alpha * NativePtr.get tr j + beta * NativePtr.get cr j)

    /// writePartial for a full-width tile (two vectors a row), with the same two roundings.
    let inline private writeFull
        ([<InlineIfLambda>] load: nativeptr<float> -> 'V)
        ([<InlineIfLambda>] store: 'V -> nativeptr<float> -> unit)
        ([<InlineIfLambda>] splat: float -> 'V)
        ([<InlineIfLambda>] mul: 'V -> 'V -> 'V)
        ([<InlineIfLambda>] add: 'V -> 'V -> 'V)
        (w: int)
        (t: nativeptr<float>)
        (c: nativeptr<float>)
        (ldc: int)
        (rows: int)
        (alpha: float)
        (beta: float)
        (first: bool)
        =
        let va = splat alpha
        let vb = splat beta

        for r in 0 .. rows - 1 do
            let tr = at t (r * 2 * w)
            let cr = at c (r * ldc)
            let cw = at cr w
            let x0 = mul va (load tr)
            let x1 = mul va (load (at tr w))

            if not first then
                store (add (load cr) x0) cr
                store (add (load cw) x1) cw
            elif beta = 0.0 then
                store x0 cr
                store x1 cw
            else
                store (add x0 (mul vb (load cr))) cr
                store (add x1 (mul vb (load cw))) cw

    /// Runs the micro-kernel over every MR x NR tile of a packed block (mc x kc of A, kc x nc
    /// of B) and adds the tiles into C.
    let inline private macro
        ([<InlineIfLambda>] kernel: int -> nativeptr<float> -> nativeptr<float> -> nativeptr<float> -> unit)
        ([<InlineIfLambda>] write: nativeptr<float> -> nativeptr<float> -> int -> int -> float -> float -> bool -> unit)
        (kc: int)
        (mc: int)
        (nc: int)
        (pA: nativeptr<float>)
        (pB: nativeptr<float>)
        (c: nativeptr<float>)
        (ldc: int)
        (alpha: float)
        (beta: float)
        (first: bool)
        =
        // On the stack: also makes the JIT optimize this method at once (see optimizeNow).
        let tile = align64 (NativePtr.stackalloc<float>(mr * nr + 8))
        let mutable jr = 0

        while jr < nc do
            let cols = min nr (nc - jr)
            let panel = at pB (jr * kc)
            let mutable ir = 0

            while ir < mc do
                kernel kc (at pA (ir * kc)) panel tile
                let rows = min mr (mc - ir)
                let ct = at c (ir * ldc + jr)

                if cols = nr then
                    write tile ct ldc rows alpha beta first
                else
                    writePartial tile ct ldc rows cols alpha beta first

                ir <- ir + mr

            jr <- jr + nr

    let private macro512 kc mc nc pA pB c ldc alpha beta first =
        macro
            (fun kc a b t ->
                kernel12
                    (fun p -> Vector512.Load p)
                    (fun p -> Vector512.Create(NativePtr.read p))
                    (fun x y z -> Vector512.FusedMultiplyAdd(x, y, z))
                    (fun v p -> Vector512.Store(v, p))
                    Vector512<float>.Zero
                    8
                    kc
                    a
                    b
                    t)
            (fun t c ldc rows alpha beta first ->
                writeFull
                    (fun p -> Vector512.Load p)
                    (fun v p -> Vector512.Store(v, p))
                    (fun (x: float) -> Vector512.Create x)
                    (fun (x: Vector512<float>) y -> x * y)
                    (fun (x: Vector512<float>) y -> x + y)
                    8
                    t
                    c
                    ldc
                    rows
                    alpha
                    beta
                    first)
            kc
            mc
            nc
            pA
            pB
            c
            ldc
            alpha
            beta
            first

    let private macro256 kc mc nc pA pB c ldc alpha beta first =
        macro
            (fun kc a b t ->
                kernel6
                    (fun p -> Vector256.Load p)
                    (fun p -> Vector256.Create(NativePtr.read p))
                    (fun x y z -> Vector256.FusedMultiplyAdd(x, y, z))
                    (fun v p -> Vector256.Store(v, p))
                    Vector256<float>.Zero
                    4
                    kc
                    a
                    b
                    t)
            (fun t c ldc rows alpha beta first ->
                writeFull
                    (fun p -> Vector256.Load p)
                    (fun v p -> Vector256.Store(v, p))
                    (fun (x: float) -> Vector256.Create x)
                    (fun (x: Vector256<float>) y -> x * y)
                    (fun (x: Vector256<float>) y -> x + y)
                    4
                    t
                    c
                    ldc
                    rows
                    alpha
                    beta
                    first)
            kc
            mc
            nc
            pA
            pB
            c
            ldc
            alpha
            beta
            first

    let inline private write128 t c ldc rows alpha beta first =
        writeFull
            (fun p -> Vector128.Load p)
            (fun v p -> Vector128.Store(v, p))
            (fun (x: float) -> Vector128.Create x)
            (fun (x: Vector128<float>) y -> x * y)
            (fun (x: Vector128<float>) y -> x + y)
            2
            t
            c
            ldc
            rows
            alpha
            beta
            first

    let private macro128 kc mc nc pA pB c ldc alpha beta first =
        macro
            (fun kc a b t ->
                kernel6
                    (fun p -> Vector128.Load p)
                    (fun p -> Vector128.Create(NativePtr.read p))
                    (fun x y z -> Vector128.FusedMultiplyAdd(x, y, z))
                    (fun v p -> Vector128.Store(v, p))
                    Vector128<float>.Zero
                    2
                    kc
                    a
                    b
                    t)
            write128
            kc
            mc
            nc
            pA
            pB
            c
            ldc
            alpha
            beta
            first

    let private macroPlain kc mc nc pA pB c ldc alpha beta first =
        macro
            (fun kc a b t ->
                kernel6
                    (fun p -> Vector128.Load p)
                    (fun p -> Vector128.Create(NativePtr.read p))
                    (fun x y z -> x * y + z)
                    (fun v p -> Vector128.Store(v, p))
                    Vector128<float>.Zero
                    2
                    kc
                    a
                    b
                    t)
            write128
            kc
            mc
            nc
            pA
            pB
            c
            ldc
            alpha
            beta
            first

    /// The macro-kernel of the selected width.
    let private macroKernel kc mc nc pA pB c ldc alpha beta first =
        match simd with
        | Simd512 -> macro512 kc mc nc pA pB c ldc alpha beta first
        | Simd256 -> macro256 kc mc nc pA pB c ldc alpha beta first
        | Simd128 -> macro128 kc mc nc pA pB c ldc alpha beta first
        | Plain128 -> macroPlain kc mc nc pA pB c ldc alpha beta first

    // ------------------------------------------------------------------ packing

    /// Writes the transpose of the 8 x 8 block at src (rows ld apart) to dst (rows stride apart).
    let inline private transpose8 (src: nativeptr<float>) (ld: int) (dst: nativeptr<float>) (stride: int) =
        let r0 = Vector512.Load src
        let r1 = Vector512.Load(at src ld)
        let r2 = Vector512.Load(at src (2 * ld))
        let r3 = Vector512.Load(at src (3 * ld))
        let r4 = Vector512.Load(at src (4 * ld))
        let r5 = Vector512.Load(at src (5 * ld))
        let r6 = Vector512.Load(at src (6 * ld))
        let r7 = Vector512.Load(at src (7 * ld))
        let t0 = Avx512F.UnpackLow(r0, r1)
        let t1 = Avx512F.UnpackHigh(r0, r1)
        let t2 = Avx512F.UnpackLow(r2, r3)
        let t3 = Avx512F.UnpackHigh(r2, r3)
        let t4 = Avx512F.UnpackLow(r4, r5)
        let t5 = Avx512F.UnpackHigh(r4, r5)
        let t6 = Avx512F.UnpackLow(r6, r7)
        let t7 = Avx512F.UnpackHigh(r6, r7)
        let u0 = Avx512F.Shuffle4x128(t0, t2, 0x88uy)
        let u1 = Avx512F.Shuffle4x128(t0, t2, 0xDDuy)
        let u2 = Avx512F.Shuffle4x128(t1, t3, 0x88uy)
        let u3 = Avx512F.Shuffle4x128(t1, t3, 0xDDuy)
        let u4 = Avx512F.Shuffle4x128(t4, t6, 0x88uy)
        let u5 = Avx512F.Shuffle4x128(t4, t6, 0xDDuy)
        let u6 = Avx512F.Shuffle4x128(t5, t7, 0x88uy)
        let u7 = Avx512F.Shuffle4x128(t5, t7, 0xDDuy)
        Vector512.Store(Avx512F.Shuffle4x128(u0, u4, 0x88uy), dst)
        Vector512.Store(Avx512F.Shuffle4x128(u2, u6, 0x88uy), at dst stride)
        Vector512.Store(Avx512F.Shuffle4x128(u1, u5, 0x88uy), at dst (2 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u3, u7, 0x88uy), at dst (3 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u0, u4, 0xDDuy), at dst (4 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u2, u6, 0xDDuy), at dst (5 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u1, u5, 0xDDuy), at dst (6 * stride))
        Vector512.Store(Avx512F.Shuffle4x128(u3, u7, 0xDDuy), at dst (7 * stride))

    /// Writes the transpose of the 4 x 8 block at src (rows ld apart) to dst (8 rows of 4, stride apart).
    let inline private transpose4x8 (src: nativeptr<float>) (ld: int) (dst: nativeptr<float>) (stride: int) =
        let r0 = Vector512.Load src
        let r1 = Vector512.Load(at src ld)
        let r2 = Vector512.Load(at src (2 * ld))
        let r3 = Vector512.Load(at src (3 * ld))
        let t0 = Avx512F.UnpackLow(r0, r1)
        let t1 = Avx512F.UnpackHigh(r0, r1)
        let t2 = Avx512F.UnpackLow(r2, r3)
        let t3 = Avx512F.UnpackHigh(r2, r3)
        // Lanes (2 doubles) of u: column pairs 0|4 in u0, 2|6 in u1, 1|5 in u2, 3|7 in u3.
        let u0 = Avx512F.Shuffle4x128(t0, t2, 0x88uy)
        let u1 = Avx512F.Shuffle4x128(t0, t2, 0xDDuy)
        let u2 = Avx512F.Shuffle4x128(t1, t3, 0x88uy)
        let u3 = Avx512F.Shuffle4x128(t1, t3, 0xDDuy)
        // u0 = [a00 a10 | a04 a14 | a20 a30 | a24 a34]: columns 0 and 4 are lanes (0, 2) and (1, 3).
        let v0 = Avx512F.Shuffle4x128(u0, u0, 0x88uy)
        let v4 = Avx512F.Shuffle4x128(u0, u0, 0xDDuy)
        let v2 = Avx512F.Shuffle4x128(u1, u1, 0x88uy)
        let v6 = Avx512F.Shuffle4x128(u1, u1, 0xDDuy)
        let v1 = Avx512F.Shuffle4x128(u2, u2, 0x88uy)
        let v5 = Avx512F.Shuffle4x128(u2, u2, 0xDDuy)
        let v3 = Avx512F.Shuffle4x128(u3, u3, 0x88uy)
        let v7 = Avx512F.Shuffle4x128(u3, u3, 0xDDuy)
        Vector256.Store(v0.GetLower(), dst)
        Vector256.Store(v1.GetLower(), at dst stride)
        Vector256.Store(v2.GetLower(), at dst (2 * stride))
        Vector256.Store(v3.GetLower(), at dst (3 * stride))
        Vector256.Store(v4.GetLower(), at dst (4 * stride))
        Vector256.Store(v5.GetLower(), at dst (5 * stride))
        Vector256.Store(v6.GetLower(), at dst (6 * stride))
        Vector256.Store(v7.GetLower(), at dst (7 * stride))

    /// Packs op(B)[pc .. pc+kc, jc .. jc+nc] as panels of NR columns: panel s holds kc rows of NR
    /// values (zero beyond column nc).
    let private packB
        (transB: bool)
        (b: nativeptr<float>)
        (ldb: int)
        (pc: int)
        (kc: int)
        (jc: int)
        (nc: int)
        (dst: nativeptr<float>)
        =
        optimizeNow ()
        let panels = (nc + nr - 1) / nr

        for s in 0 .. panels - 1 do
            let j = jc + s * nr
            let w = min nr (nc - s * nr)
            let d = at dst (s * kc * nr)

            if not transB then
                // op(B)[p, j] = B[p, j]: rows of the panel are contiguous.
                if is512 && w = nr then
                    for p in 0 .. kc - 1 do
                        let src = at b ((pc + p) * ldb + j)
                        let dp = at d (p * nr)
                        Vector512.Store(Vector512.Load src, dp)
                        Vector512.Store(Vector512.Load(at src 8), at dp 8)
                else
                    for p in 0 .. kc - 1 do
                        let src = at b ((pc + p) * ldb + j)
                        let dp = at d (p * nr)

                        for q in 0 .. w - 1 do
                            NativePtr.set dp q (NativePtr.get src q)

                        for q in w .. nr - 1 do
                            NativePtr.set dp q 0.0
            else
                // op(B)[p, j + q] = B[j + q, p]: a transpose, by 8 x 8 blocks where they fit.
                let mutable q0 = 0

                if is512 then
                    while q0 + 8 <= w do
                        let src = at b ((j + q0) * ldb + pc)
                        let mutable p = 0

                        while p + 8 <= kc do
                            transpose8 (at src p) ldb (at d (p * nr + q0)) nr
                            p <- p + 8

                        for q in q0 .. q0 + 7 do
                            let row = at b ((j + q) * ldb + pc)

                            for p in p .. kc - 1 do
                                NativePtr.set d (p * nr + q) (NativePtr.get row p)

                        q0 <- q0 + 8

                for q in q0 .. w - 1 do
                    let src = at b ((j + q) * ldb + pc)

                    for p in 0 .. kc - 1 do
                        NativePtr.set d (p * nr + q) (NativePtr.get src p)

                for q in w .. nr - 1 do
                    for p in 0 .. kc - 1 do
                        NativePtr.set d (p * nr + q) 0.0

    /// Packs op(A)[ic .. ic+mc, pc .. pc+kc] as slivers of MR rows: sliver s holds kc columns of
    /// MR values (zero beyond row mc).
    let private packA
        (transA: bool)
        (a: nativeptr<float>)
        (lda: int)
        (ic: int)
        (mc: int)
        (pc: int)
        (kc: int)
        (dst: nativeptr<float>)
        =
        optimizeNow ()
        let slivers = (mc + mr - 1) / mr

        for s in 0 .. slivers - 1 do
            let i = ic + s * mr
            let h = min mr (mc - s * mr)
            let d = at dst (s * kc * mr)

            if transA then
                // op(A)[i + r, p] = A[p, i + r]: contiguous.
                if is512 && h = mr then
                    for p in 0 .. kc - 1 do
                        let src = at a ((pc + p) * lda + i)
                        let dp = at d (p * mr)
                        Vector512.Store(Vector512.Load src, dp)
                        Vector256.Store(Vector256.Load(at src 8), at dp 8)
                else
                    for p in 0 .. kc - 1 do
                        let src = at a ((pc + p) * lda + i)
                        let dp = at d (p * mr)

                        for r in 0 .. h - 1 do
                            NativePtr.set dp r (NativePtr.get src r)

                        for r in h .. mr - 1 do
                            NativePtr.set dp r 0.0
            else
                // op(A)[i + r, p] = A[i + r, p]: a transpose, by 8 x 8 and 4 x 8 blocks where they fit.
                let mutable p0 = 0

                if is512 && h = mr then
                    let src = at a (i * lda + pc)

                    while p0 + 8 <= kc do
                        transpose8 (at src p0) lda (at d (p0 * mr)) mr
                        transpose4x8 (at src (8 * lda + p0)) lda (at d (p0 * mr + 8)) mr
                        p0 <- p0 + 8

                for r in 0 .. h - 1 do
                    let src = at a ((i + r) * lda + pc)

                    for p in p0 .. kc - 1 do
                        NativePtr.set d (p * mr + r) (NativePtr.get src p)

                for r in h .. mr - 1 do
                    for p in 0 .. kc - 1 do
                        NativePtr.set d (p * mr + r) 0.0

    let inline private roundUp (x: int) (step: int) = (x + step - 1) / step * step

    /// C[i0..i1, j0..j1] for all of k, with k blocks of kc.
    let private block
        (transA: bool)
        (transB: bool)
        (k: int)
        (kc: int)
        (alpha: float)
        (a: nativeptr<float>)
        (lda: int)
        (b: nativeptr<float>)
        (ldb: int)
        (beta: float)
        (c: nativeptr<float>)
        (ldc: int)
        (i0: int)
        (i1: int)
        (j0: int)
        (j1: int)
        =
        let sizeA = min mcMax (roundUp (i1 - i0) mr) * kc
        let sizeB = min ncMax (roundUp (j1 - j0) nr) * kc
        let buffer = System.Buffers.ArrayPool<float>.Shared.Rent(sizeA + sizeB + 16)

        try
            use pinned = fixed buffer
            let pA = align64 pinned
            let pB = align64 (at pA sizeA)
            let mutable jc = j0

            while jc < j1 do
                let nc = min ncMax (j1 - jc)
                let mutable pc = 0

                while pc < k do
                    let kcur = min kc (k - pc)
                    packB transB b ldb pc kcur jc nc pB
                    let mutable ic = i0

                    while ic < i1 do
                        let mc = min mcMax (i1 - ic)
                        packA transA a lda ic mc pc kcur pA
                        macroKernel kcur mc nc pA pB (at c (ic * ldc + jc)) ldc alpha beta (pc = 0)
                        ic <- ic + mc

                    pc <- pc + kcur

                jc <- jc + nc
        finally
            System.Buffers.ArrayPool<float>.Shared.Return buffer

    /// C (m x n) <- alpha op(A) op(B) + beta C, row-major.
    let gemm
        (transA: bool)
        (transB: bool)
        (m: int)
        (n: int)
        (k: int)
        (alpha: float)
        (a: nativeint)
        (lda: int)
        (b: nativeint)
        (ldb: int)
        (beta: float)
        (c: nativeint)
        (ldc: int)
        =
        if alpha = 0.0 then
            for i in 0 .. m - 1 do
                scale beta (span c (i * ldc) n)
        else
            // Balanced k blocks, from k alone: every element sums in the same order on any split.
            let kBlocks = (k + kcMax - 1) / kcMax
            let kc = (k + kBlocks - 1) / kBlocks
            let pa = NativePtr.ofNativeInt<float> a
            let pb = NativePtr.ofNativeInt<float> b
            let pc = NativePtr.ofNativeInt<float> c
            let panels = (n + nr - 1) / nr
            let slivers = (m + mr - 1) / mr
            let work = int64 m * int64 n * int64 k

            let chunks =
                if work < parallelThreshold then
                    1
                else
                    min Environment.ProcessorCount (max panels slivers)

            if chunks <= 1 then
                block transA transB k kc alpha pa lda pb ldb beta pc ldc 0 m 0 n
            elif panels >= slivers then
                Parallel.For(
                    0,
                    chunks,
                    fun t ->
                        let j0 = panels * t / chunks * nr
                        let j1 = min n (panels * (t + 1) / chunks * nr)

                        if j1 > j0 then
                            block transA transB k kc alpha pa lda pb ldb beta pc ldc 0 m j0 j1
                )
                |> ignore
            else
                Parallel.For(
                    0,
                    chunks,
                    fun t ->
                        let i0 = slivers * t / chunks * mr
                        let i1 = min m (slivers * (t + 1) / chunks * mr)

                        if i1 > i0 then
                            block transA transB k kc alpha pa lda pb ldb beta pc ldc i0 i1 0 n
                )
                |> ignore

    // ------------------------------------------------------------------ GEMV

    /// y[i] <- alpha dot(A[i, :], x) + beta y[i] for rows i0 .. i1, four rows at a time. Each row
    /// is summed the same way (vector lanes, then the lanes, then the tail) in a group or alone.
    let inline private dotRows
        ([<InlineIfLambda>] load: nativeptr<float> -> 'V)
        ([<InlineIfLambda>] fma: 'V -> 'V -> 'V -> 'V)
        ([<InlineIfLambda>] sum: 'V -> float)
        (zero: 'V)
        (w: int)
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (n: int)
        (alpha: float)
        (beta: float)
        (y: nativeptr<float>)
        (i0: int)
        (i1: int)
        =
        let full = n - n % w

        let inline finish (i: int) (d: float) =
            NativePtr.set
                y
                i
                (if beta = 0.0 then
                     alpha * d
                 else
                     alpha * d + beta * NativePtr.get y i)

        let mutable i = i0

        while i + 4 <= i1 do
            let r0 = at a (i * lda)
            let r1 = at r0 lda
            let r2 = at r1 lda
            let r3 = at r2 lda
            let mutable s0 = zero
            let mutable s1 = zero
            let mutable s2 = zero
            let mutable s3 = zero
            let mutable j = 0

            while j < full do
                let xv = load (at x j)
                s0 <- fma (load (at r0 j)) xv s0
                s1 <- fma (load (at r1 j)) xv s1
                s2 <- fma (load (at r2 j)) xv s2
                s3 <- fma (load (at r3 j)) xv s3
                j <- j + w

            let mutable d0 = sum s0
            let mutable d1 = sum s1
            let mutable d2 = sum s2
            let mutable d3 = sum s3

            for j in full .. n - 1 do
                let xj = NativePtr.get x j
                d0 <- d0 + NativePtr.get r0 j * xj
                d1 <- d1 + NativePtr.get r1 j * xj
                d2 <- d2 + NativePtr.get r2 j * xj
                d3 <- d3 + NativePtr.get r3 j * xj

            finish i d0
            finish (i + 1) d1
            finish (i + 2) d2
            finish (i + 3) d3
            i <- i + 4

        while i < i1 do
            let r0 = at a (i * lda)
            let mutable s0 = zero
            let mutable j = 0

            while j < full do
                s0 <- fma (load (at r0 j)) (load (at x j)) s0
                j <- j + w

            let mutable d0 = sum s0

            for j in full .. n - 1 do
                d0 <- d0 + NativePtr.get r0 j * NativePtr.get x j

            finish i d0
            i <- i + 1

    /// acc[0 .. n) += x[p] A[p, :] for rows p0 .. p1 in order, four rows per pass over acc. Each
    /// element gets the same sequence of operations in a group or alone.
    let inline private axpyRows
        ([<InlineIfLambda>] load: nativeptr<float> -> 'V)
        ([<InlineIfLambda>] broadcast: float -> 'V)
        ([<InlineIfLambda>] fma: 'V -> 'V -> 'V -> 'V)
        ([<InlineIfLambda>] store: 'V -> nativeptr<float> -> unit)
        (w: int)
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (n: int)
        (acc: nativeptr<float>)
        (p0: int)
        (p1: int)
        =
        let full = n - n % w
        let mutable p = p0

        while p + 4 <= p1 do
            let r0 = at a (p * lda)
            let r1 = at r0 lda
            let r2 = at r1 lda
            let r3 = at r2 lda
            let x0 = NativePtr.get x p
            let x1 = NativePtr.get x (p + 1)
            let x2 = NativePtr.get x (p + 2)
            let x3 = NativePtr.get x (p + 3)
            let v0 = broadcast x0
            let v1 = broadcast x1
            let v2 = broadcast x2
            let v3 = broadcast x3
            let mutable j = 0

            while j < full do
                let mutable s = load (at acc j)
                s <- fma v0 (load (at r0 j)) s
                s <- fma v1 (load (at r1 j)) s
                s <- fma v2 (load (at r2 j)) s
                s <- fma v3 (load (at r3 j)) s
                store s (at acc j)
                j <- j + w

            for j in full .. n - 1 do
                let mutable s = NativePtr.get acc j
                s <- s + x0 * NativePtr.get r0 j
                s <- s + x1 * NativePtr.get r1 j
                s <- s + x2 * NativePtr.get r2 j
                s <- s + x3 * NativePtr.get r3 j
                NativePtr.set acc j s

            p <- p + 4

        while p < p1 do
            let r0 = at a (p * lda)
            let x0 = NativePtr.get x p
            let v0 = broadcast x0
            let mutable j = 0

            while j < full do
                store (fma v0 (load (at r0 j)) (load (at acc j))) (at acc j)
                j <- j + w

            for j in full .. n - 1 do
                NativePtr.set acc j (NativePtr.get acc j + x0 * NativePtr.get r0 j)

            p <- p + 1

    let internal dotRowsWith a lda x n alpha beta y i0 i1 =
        optimizeNow ()

        match simd with
        | Simd512 ->
            dotRows
                (fun p -> Vector512.Load p)
                (fun u v s -> Vector512.FusedMultiplyAdd(u, v, s))
                (fun v -> Vector512.Sum v)
                Vector512<float>.Zero
                8
                a
                lda
                x
                n
                alpha
                beta
                y
                i0
                i1
        | Simd256 ->
            dotRows
                (fun p -> Vector256.Load p)
                (fun u v s -> Vector256.FusedMultiplyAdd(u, v, s))
                (fun v -> Vector256.Sum v)
                Vector256<float>.Zero
                4
                a
                lda
                x
                n
                alpha
                beta
                y
                i0
                i1
        | Simd128 ->
            dotRows
                (fun p -> Vector128.Load p)
                (fun u v s -> Vector128.FusedMultiplyAdd(u, v, s))
                (fun v -> Vector128.Sum v)
                Vector128<float>.Zero
                2
                a
                lda
                x
                n
                alpha
                beta
                y
                i0
                i1
        | Plain128 ->
            dotRows
                (fun p -> Vector128.Load p)
                (fun u v s -> u * v + s)
                (fun v -> Vector128.Sum v)
                Vector128<float>.Zero
                2
                a
                lda
                x
                n
                alpha
                beta
                y
                i0
                i1

    let internal axpyRowsWith a lda x n acc p0 p1 =
        optimizeNow ()

        match simd with
        | Simd512 ->
            axpyRows
                (fun p -> Vector512.Load p)
                (fun (v: float) -> Vector512.Create v)
                (fun u v s -> Vector512.FusedMultiplyAdd(u, v, s))
                (fun v p -> Vector512.Store(v, p))
                8
                a
                lda
                x
                n
                acc
                p0
                p1
        | Simd256 ->
            axpyRows
                (fun p -> Vector256.Load p)
                (fun (v: float) -> Vector256.Create v)
                (fun u v s -> Vector256.FusedMultiplyAdd(u, v, s))
                (fun v p -> Vector256.Store(v, p))
                4
                a
                lda
                x
                n
                acc
                p0
                p1
        | Simd128 ->
            axpyRows
                (fun p -> Vector128.Load p)
                (fun (v: float) -> Vector128.Create v)
                (fun u v s -> Vector128.FusedMultiplyAdd(u, v, s))
                (fun v p -> Vector128.Store(v, p))
                2
                a
                lda
                x
                n
                acc
                p0
                p1
        | Plain128 ->
            axpyRows
                (fun p -> Vector128.Load p)
                (fun (v: float) -> Vector128.Create v)
                (fun u v s -> u * v + s)
                (fun v p -> Vector128.Store(v, p))
                2
                a
                lda
                x
                n
                acc
                p0
                p1

    /// Columns per block of A^T x on wide matrices: a block's sums stay in L1.
    let transColumns = 1024

    /// y[j0 .. j0+w) <- alpha A[:, j0 .. j0+w)^T x + beta y[j0 .. j0+w), summing all rows in order.
    let private transColumnBlock
        (a: nativeptr<float>)
        (lda: int)
        (x: nativeptr<float>)
        (m: int)
        (j0: int)
        (w: int)
        (alpha: float)
        (beta: float)
        (y: nativeptr<float>)
        =
        // On the stack: also makes the JIT optimize this method at once (see optimizeNow).
        let acc = align64 (NativePtr.stackalloc<float>(transColumns + 8))
        Span<float>(NativePtr.toVoidPtr acc, w).Clear()
        axpyRowsWith (at a j0) lda x w acc 0 m
        let ys = at y j0

        if beta = 0.0 then
            for j in 0 .. w - 1 do
                NativePtr.set ys j (alpha * NativePtr.get acc j)
        else
            for j in 0 .. w - 1 do
                NativePtr.set ys j (alpha * NativePtr.get acc j + beta * NativePtr.get ys j)

    /// Row blocks of A^T x: their number depends on the shape alone (about 2^18 elements each,
    /// at most 8), so the partial sums, and their fixed-order total, do too.
    let private transBlocks (m: int) (n: int) =
        let target = (int64 m * int64 n + (1L <<< 18) - 1L) >>> 18
        int (max 1L (min (min 8L target) (int64 m / 4L)))

    /// y (length m for A m x n, or n when transposed) <- alpha op(A) x + beta y.
    let gemv
        (trans: bool)
        (m: int)
        (n: int)
        (alpha: float)
        (a: nativeint)
        (lda: int)
        (x: nativeint)
        (beta: float)
        (y: nativeint)
        =
        let pa = NativePtr.ofNativeInt<float> a
        let px = NativePtr.ofNativeInt<float> x
        let py = NativePtr.ofNativeInt<float> y
        let wide = int64 m * int64 n >= gemvParallelThreshold

        if alpha = 0.0 then
            scale beta (span y 0 (if trans then n else m))
        elif not trans then
            // Rows are independent: any split gives the same bits.
            let chunks =
                if wide then
                    min Environment.ProcessorCount ((m + 3) / 4)
                else
                    1

            if chunks <= 1 then
                dotRowsWith pa lda px n alpha beta py 0 m
            else
                Parallel.For(
                    0,
                    chunks,
                    fun t ->
                        let i0 = (m / 4) * t / chunks * 4
                        let i1 = if t = chunks - 1 then m else (m / 4) * (t + 1) / chunks * 4
                        dotRowsWith pa lda px n alpha beta py i0 i1
                )
                |> ignore
        elif n >= 2 * transColumns then
            // Wide: y = A^T x by blocks of columns, each summing every row in order (any split
            // gives the same bits).
            let blocks = (n + transColumns - 1) / transColumns

            let body t =
                let j0 = t * transColumns
                transColumnBlock pa lda px m j0 (min transColumns (n - j0)) alpha beta py

            if wide then
                Parallel.For(0, blocks, body) |> ignore
            else
                for t in 0 .. blocks - 1 do
                    body t
        else
            // y = A^T x sums scaled rows of A; each block of rows sums into its own partial
            // vector, and the partials are added in a fixed order.
            let blocks = transBlocks m n
            let stride = roundUp n 8
            let buffer = System.Buffers.ArrayPool<float>.Shared.Rent(blocks * stride + 8)

            try
                use pinned = fixed buffer
                let partials = align64 pinned
                let parts = Span<float>(NativePtr.toVoidPtr partials, blocks * stride)
                parts.Clear()

                let body t =
                    let p0 = int (int64 m * int64 t / int64 blocks)
                    let p1 = int (int64 m * int64 (t + 1) / int64 blocks)
                    axpyRowsWith pa lda px n (at partials (t * stride)) p0 p1

                if wide && blocks > 1 then
                    Parallel.For(0, blocks, body) |> ignore
                else
                    for t in 0 .. blocks - 1 do
                        body t

                for t in 1 .. blocks - 1 do
                    let total = Span<float>(NativePtr.toVoidPtr partials, n)
                    let part = ReadOnlySpan<float>(NativePtr.toVoidPtr (at partials (t * stride)), n)
                    TensorPrimitives.Add(Span<float>.op_Implicit total, part, total)

                let total = ReadOnlySpan<float>(NativePtr.toVoidPtr partials, n)
                let ys = span y 0 n

                if beta = 0.0 then
                    TensorPrimitives.Multiply(total, alpha, ys)
                else
                    // alpha total + beta y, as two roundings like the scalar formula.
                    for j in 0 .. n - 1 do
                        ys[j] <- alpha * total[j] + beta * ys[j]
            finally
                System.Buffers.ArrayPool<float>.Shared.Return buffer

/// Matrix products on row-major spans, dispatched once to native BLAS or managed code.
/// Set PERCEPTRON_KERNELS=managed to force the managed path.
module Kernels =
    let internal forced =
        match Environment.GetEnvironmentVariable "PERCEPTRON_KERNELS" with
        | null -> None
        | v when v.Equals("managed", StringComparison.OrdinalIgnoreCase) -> Some Managed
        | v when v.Equals("native", StringComparison.OrdinalIgnoreCase) -> Some NativeBlas
        | _ -> None

    /// True when the system's OpenBLAS can be loaded.
    let nativeAvailable () = NativeBlas.available.Force()

    /// The provider selected at start-up: native BLAS when it loads, unless PERCEPTRON_KERNELS=managed.
    let provider =
        match forced with
        | Some Managed -> Managed
        | _ -> if nativeAvailable () then NativeBlas else Managed

    /// The provider of matrix-matrix products. With native BLAS selected, the managed kernels still take
    /// them when they run AVX-512 and OpenBLAS does not (here OpenBLAS runs its Haswell AVX2 kernels and
    /// the managed AVX-512 kernels were 1.7-2.3x faster, on W2's products and on 1000^3:
    /// bench/Perceptron.Benchmarks, KernelBenchmarks). PERCEPTRON_KERNELS=native forces OpenBLAS.
    let gemmProvider =
        match forced, provider with
        | None, NativeBlas when ManagedBlas.simd = ManagedBlas.Simd512 && not (NativeBlas.usesAvx512 ()) -> Managed
        | _ -> provider

    /// A one-line description of the provider, for `--version` and training output.
    let describe (p: KernelProvider) =
        match p with
        | NativeBlas ->
            match NativeBlas.coreName.Force() with
            | Some core -> $"native BLAS (OpenBLAS, libopenblas.so.0, {core} kernels)"
            | None -> "native BLAS (OpenBLAS, libopenblas.so.0)"
        | Managed ->
            match ManagedBlas.simd with
            | ManagedBlas.Simd512 -> "managed SIMD (AVX-512)"
            | ManagedBlas.Simd256 -> "managed SIMD (AVX2)"
            | ManagedBlas.Simd128
            | ManagedBlas.Plain128 -> "managed SIMD (128-bit vectors)"

    /// What the start-up selection uses, per kind of product, for `--version` and training output.
    let summary () =
        if gemmProvider = provider then
            describe provider
        else
            $"{describe provider} for matrix-vector products, {describe gemmProvider} for matrix products "
            + "and the transposed product of a tall matrix"

    let private check name (needed: int64) (actual: int) =
        if int64 actual < needed then
            invalidArg name $"{name} holds {actual} values; the product needs at least {needed}"

    /// C (m x n) <- alpha op(A) op(B) + beta C on row-major spans, with the given provider.
    let gemmWith
        (p: KernelProvider)
        (
            transA: bool,
            transB: bool,
            m: int,
            n: int,
            k: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            b: ReadOnlySpan<float>,
            ldb: int,
            beta: float,
            c: Span<float>,
            ldc: int
        ) =
        if m > 0 && n > 0 then
            // With k = 0 nothing of A or B is read (C is only scaled), so empty operands are fine.
            if k > 0 then
                check
                    "a"
                    (int64 ((if transA then k else m) - 1) * int64 lda
                     + int64 (if transA then m else k))
                    a.Length

                check
                    "b"
                    (int64 ((if transB then n else k) - 1) * int64 ldb
                     + int64 (if transB then k else n))
                    b.Length

            check "c" (int64 (m - 1) * int64 ldc + int64 n) c.Length

            if k = 0 then
                for i in 0 .. m - 1 do
                    ManagedBlas.scale beta (c.Slice(i * ldc, n))
            else
                match p with
                | NativeBlas -> NativeBlas.gemm (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
                | Managed ->
                    use pa = fixed a
                    use pb = fixed b
                    use pc = fixed c

                    ManagedBlas.gemm
                        transA
                        transB
                        m
                        n
                        k
                        alpha
                        (NativePtr.toNativeInt pa)
                        lda
                        (NativePtr.toNativeInt pb)
                        ldb
                        beta
                        (NativePtr.toNativeInt pc)
                        ldc

    /// y <- alpha op(A) x + beta y for a row-major m x n matrix A, with the given provider.
    let gemvWith
        (p: KernelProvider)
        (
            trans: bool,
            m: int,
            n: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            x: ReadOnlySpan<float>,
            beta: float,
            y: Span<float>
        ) =
        let xLength, yLength = if trans then m, n else n, m

        if m > 0 && n > 0 then
            check "a" (int64 (m - 1) * int64 lda + int64 n) a.Length
            check "x" (int64 xLength) x.Length
            check "y" (int64 yLength) y.Length

            match p with
            | NativeBlas -> NativeBlas.gemv (trans, m, n, alpha, a, lda, x, beta, y)
            | Managed ->
                use pa = fixed a
                use px = fixed x
                use py = fixed y

                ManagedBlas.gemv
                    trans
                    m
                    n
                    alpha
                    (NativePtr.toNativeInt pa)
                    lda
                    (NativePtr.toNativeInt px)
                    beta
                    (NativePtr.toNativeInt py)
        elif yLength > 0 then
            ManagedBlas.scale beta (y.Slice(0, yLength))

    /// C (m x n) <- alpha op(A) op(B) + beta C with the start-up provider of matrix products.
    let gemm
        (
            transA: bool,
            transB: bool,
            m: int,
            n: int,
            k: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            b: ReadOnlySpan<float>,
            ldb: int,
            beta: float,
            c: Span<float>,
            ldc: int
        ) =
        gemmWith gemmProvider (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    /// y <- alpha op(A) x + beta y with the start-up provider.
    let gemv
        (
            trans: bool,
            m: int,
            n: int,
            alpha: float,
            a: ReadOnlySpan<float>,
            lda: int,
            x: ReadOnlySpan<float>,
            beta: float,
            y: Span<float>
        ) =
        // OpenBLAS computes a row-major A^T x with its column kernel, which on the tall matrices of
        // training (samples x features, e.g. 100000 x 100) ran about 3x slower than the managed
        // blocked kernel here (bench/Perceptron.Benchmarks, KernelBenchmarks.GemvTransposed); so
        // that one case stays managed even when native BLAS is loaded.
        let chosen = if trans && m > n then Managed else provider
        gemvWith chosen (trans, m, n, alpha, a, lda, x, beta, y)
