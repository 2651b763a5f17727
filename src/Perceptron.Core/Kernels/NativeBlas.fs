/// The binding to the system OpenBLAS (`libopenblas.so.0`): its P/Invokes, whether it loads, and which CPU
/// kernels it chose. The only file that calls native code.
namespace Perceptron.Core

#nowarn "9" // native pointers: pinned spans handed to cblas

open System
open System.Reflection
open System.Runtime.InteropServices
open Microsoft.FSharp.NativeInterop

/// cblas_dgemm and cblas_dgemv of OpenBLAS, on pinned row-major spans.
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

             if NativeLibrary.TryLoad(Library, Assembly.GetExecutingAssembly(), Nullable(), &h) then
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

            name.Contains "skylakex"
            || name.Contains "cooperlake"
            || name.Contains "sapphirerapids"
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
