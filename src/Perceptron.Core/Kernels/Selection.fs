/// Every rule that chooses a kernel, in one place, fixed once per process: OpenBLAS or managed code for
/// each kind of product, the vector width of the managed kernels, and when the one-pass logistic kernel
/// replaces the two matrix-vector products of a perceptron. Measurements behind the rules:
/// docs/benchmarks.md.
///
/// Two environment variables, read once:
/// - PERCEPTRON_KERNELS=native: OpenBLAS for every product it has (matrix and matrix-vector products,
///   the one-pass kernel off); =managed: managed code everywhere; unset: the automatic choice below.
/// - PERCEPTRON_SIMD=512|256|128|nofma: the widest vectors the managed kernels may use (nofma: 128-bit
///   without fused multiply-add), so that the AVX2 and 128-bit paths run on an AVX-512 machine too. A cap
///   above what the hardware runs changes nothing.
/// Any other value is ignored, and Kernels.summary says so.
///
/// A float32 path would be a second element type behind the same seam: vector-operation types over
/// Vector512<float32> etc. for the generic managed kernels, cblas_sgemm/sgemv beside the double ones, and
/// a rule here per element type. The formulation only asks for products of the element type it holds.
namespace Perceptron.Core

open System
open System.Runtime.CompilerServices
open System.Runtime.Intrinsics
open System.Runtime.Intrinsics.Arm
open System.Runtime.Intrinsics.X86

/// Which implementation of a matrix kernel runs.
type internal KernelProvider =
    /// The system's OpenBLAS (`libopenblas.so.0`) through P/Invoke.
    | NativeBlas
    /// Managed code: SIMD vectors, on the team's threads (Team.fs) or Parallel.For.
    | Managed

/// The vector width of the managed kernels.
type internal SimdWidth =
    /// 8 doubles per vector (AVX-512).
    | Simd512
    /// 4 doubles per vector with FMA (AVX2 + FMA).
    | Simd256
    /// 2 doubles per vector with FMA (e.g. Arm64).
    | Simd128
    /// 2 doubles per vector, multiply then add (no hardware FMA).
    | Plain128

module internal Selection =
    /// PERCEPTRON_KERNELS: Some provider when forced, None when unset (or empty).
    let parseKernels (value: string) =
        match value with
        | null
        | "" -> Ok None
        | v when v.Equals("managed", StringComparison.OrdinalIgnoreCase) -> Ok(Some Managed)
        | v when v.Equals("native", StringComparison.OrdinalIgnoreCase) -> Ok(Some NativeBlas)
        | v -> Error $"PERCEPTRON_KERNELS is '{v}'; expected native or managed (or unset)"

    /// PERCEPTRON_SIMD: Some cap when set, None when unset (or empty).
    let parseSimd (value: string) =
        match value with
        | null
        | "" -> Ok None
        | "512" -> Ok(Some Simd512)
        | "256" -> Ok(Some Simd256)
        | "128" -> Ok(Some Simd128)
        | v when v.Equals("nofma", StringComparison.OrdinalIgnoreCase) -> Ok(Some Plain128)
        | v -> Error $"PERCEPTRON_SIMD is '{v}'; expected 512, 256, 128 or nofma (or unset)"

    /// The parsed value, or the default and the message when the value is not one of those accepted.
    let private orDefault (fallback: 'T) (parsed: Result<'T, string>) =
        match parsed with
        | Ok v -> v, None
        | Error message -> fallback, Some message

    /// The widest vectors the hardware runs with the kernels' operations. A function of its own: a
    /// ReadyToRun image cannot keep a method that tests the instruction set (the runtime compiles it
    /// again), and this keeps the module's initializer, which reads the environment, precompiled.
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private detectSimd () =
        if Vector512.IsHardwareAccelerated && Avx512F.IsSupported then
            Simd512
        elif Vector256.IsHardwareAccelerated && Fma.IsSupported then
            Simd256
        elif Vector128.IsHardwareAccelerated && (Fma.IsSupported || AdvSimd.IsSupported) then
            Simd128
        else
            Plain128

    /// The widest vectors the hardware runs with the kernels' operations.
    let hardwareSimd = detectSimd ()

    /// The narrower of the hardware's width and a cap (the order of the cases is widest first).
    let capSimd (best: SimdWidth) (cap: SimdWidth option) =
        match cap with
        | Some c when c > best -> c
        | _ -> best

    let private forcedAndProblem =
        Environment.GetEnvironmentVariable "PERCEPTRON_KERNELS"
        |> parseKernels
        |> orDefault None

    let private capAndProblem =
        Environment.GetEnvironmentVariable "PERCEPTRON_SIMD"
        |> parseSimd
        |> orDefault None

    /// The forced provider, if PERCEPTRON_KERNELS names one.
    let forced = fst forcedAndProblem

    /// The width of every managed kernel.
    let simd = capSimd hardwareSimd (fst capAndProblem)

    /// Why a variable's value was ignored, for the summary (a typo must not stop an application).
    let ignored = List.choose id [ snd forcedAndProblem; snd capAndProblem ]

    /// True when the system's OpenBLAS can be loaded.
    let nativeAvailable () = NativeBlas.available.Force()

    /// The provider of matrix-vector products in general: native BLAS when it loads, unless forced.
    let chooseProvider (forced: KernelProvider option) (available: bool) =
        match forced with
        | Some Managed -> Managed
        | _ -> if available then NativeBlas else Managed

    /// Matrix-matrix products: the managed kernels when they run AVX-512 and OpenBLAS's chosen core does
    /// not (wider vectors win), unless PERCEPTRON_KERNELS forces a provider.
    let chooseGemm (forced: KernelProvider option) (provider: KernelProvider) (simd: SimdWidth) openBlasAvx512 =
        match forced, provider with
        | None, NativeBlas when simd = Simd512 && not openBlasAvx512 -> Managed
        | _ -> provider

    /// Matrix-vector products of an m x n matrix: the managed blocked kernel for the transposed product
    /// of a tall matrix (OpenBLAS runs a row-major A^T x with its slower column kernel), unless
    /// PERCEPTRON_KERNELS forces a provider.
    let chooseGemv (forced: KernelProvider option) (provider: KernelProvider) (trans: bool) (m: int) (n: int) =
        match forced with
        | None when trans && m > n -> Managed
        | _ -> provider

    /// Multiply-adds up to which a product runs managed unless PERCEPTRON_KERNELS forces a provider: on a
    /// product this small OpenBLAS saves nothing, and its first call loads the library (milliseconds, working
    /// set, and a thread that spins beside the JIT of a process's first training call: docs/benchmarks.md).
    let smallProduct = 16384L

    /// Whether a product of `multiplyAdds` runs managed whatever the provider (see smallProduct).
    let runsManaged (forced: KernelProvider option) (multiplyAdds: int64) =
        match forced with
        | None -> multiplyAdds <= smallProduct
        | Some _ -> false

    /// Multiply-adds up to which a matrix product runs managed when the managed kernels run AVX-512, even
    /// where OpenBLAS runs AVX-512 kernels too: on the team (Team.fs) the managed product matches or beats
    /// OpenBLAS's on these shapes, and between products the second core is free for the team's share of the
    /// rest of a step, where OpenBLAS's threads would spin on it (W2's 128 x 784 x 128: docs/benchmarks.md).
    /// Larger products go to OpenBLAS, which was faster on 1000 x 1000 x 1000.
    let teamProduct = 1L <<< 24

    /// Whether a matrix product of `multiplyAdds` runs managed whatever the provider: the small ones (see
    /// runsManaged), and the mid-size ones on AVX-512 (see teamProduct).
    let gemmRunsManaged (forced: KernelProvider option) (simd: SimdWidth) (multiplyAdds: int64) =
        runsManaged forced multiplyAdds
        || (forced.IsNone && simd = Simd512 && multiplyAdds <= teamProduct)

    /// Whether the one-pass kernel can run: a network of one layer with one sigmoid unit (the perceptron).
    let onePassFits (layers: Layer[]) =
        layers.Length = 1 && layers[0].Units = 1 && layers[0].Activation = Sigmoid

    /// Features per row up to which the one pass pays at any batch size above `onePassMinimum`: the
    /// per-row work of two row-by-row products dominates narrow rows.
    let onePassNarrow = 512

    /// Feature values above which the one pass pays for rows of any width: the batch no longer fits a
    /// last-level cache (32 MB), so the second product would read X from memory again.
    let onePassLarge = 4L <<< 20

    /// Feature values below which the plain path runs: the one pass saves nothing on a batch this small,
    /// and the course's 2 x 3 example should run the formulation as written.
    let onePassMinimum = 4096L

    /// Whether propagate takes the one-pass kernel for a batch of `rows`: the network fits, the batch is
    /// not tiny, the rows are narrow or the batch outgrows the cache, and OpenBLAS is not forced (the one
    /// pass is managed only).
    let chooseOnePass (forced: KernelProvider option) (layers: Layer[]) (rows: int) =
        onePassFits layers
        // A pattern, not `forced <> Some NativeBlas`: structural equality on an option compiles about a
        // dozen FSharp.Core methods into the first training call.
        && (match forced with
            | Some NativeBlas -> false
            | _ -> true)
        && (let values = int64 rows * int64 layers[0].Inputs

            values >= onePassMinimum
            && (layers[0].Inputs <= onePassNarrow || values > onePassLarge))

    // ------------------------------------------------------------------ this process's choice

    // Chosen at the first product, not at start-up: loading OpenBLAS costs working set and a thread, which
    // a run that only takes the one pass never needs (docs/benchmarks.md, Memory).
    let private providers =
        lazy
            (let p =
                // Forced to managed, the library is not even loaded.
                match forced with
                | Some Managed -> Managed
                | _ -> chooseProvider forced (nativeAvailable ())

             struct (p, chooseGemm forced p simd (p = NativeBlas && NativeBlas.usesAvx512 ())))

    /// The provider of matrix-vector products (see chooseProvider).
    let provider () =
        let struct (p, _) = providers.Force()
        p

    /// The provider of matrix-matrix products (see chooseGemm).
    let gemmProvider () =
        let struct (_, g) = providers.Force()
        g

    /// The provider of one m x n x k matrix product (see gemmRunsManaged and chooseGemm).
    let gemmProviderFor (m: int) (n: int) (k: int) =
        if gemmRunsManaged forced simd (int64 m * int64 n * int64 k) then
            Managed
        else
            gemmProvider ()

    /// The provider of one matrix-vector product (see runsManaged and chooseGemv).
    let gemvProvider trans (m: int) (n: int) =
        if runsManaged forced (int64 m * int64 n) then
            Managed
        else
            chooseGemv forced (provider ()) trans m n

    /// Whether propagate takes the one-pass kernel (see chooseOnePass).
    let onePass layers rows = chooseOnePass forced layers rows
