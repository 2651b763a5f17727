/// How the hot loops escape tier-0 code in applications that keep .NET's default quick JIT (issue 12).
namespace Perceptron.Core

#nowarn "9" // a one-byte stack allocation, see Tiering.optimizeNow

open Microsoft.FSharp.NativeInterop

/// How the hot loops escape tier-0 code in applications that keep .NET's default quick JIT.
module internal Tiering =
    /// A stack allocation makes the JIT compile a method with loops fully optimized at once, instead
    /// of as unoptimized tier-0 code that a short loop never leaves (on-stack replacement needs
    /// thousands of iterations of one call; tier 1 needs 30 calls and a quiet moment). F# drops
    /// MethodImplOptions.AggressiveOptimization (checked with the .NET 10.0.401 SDK: a method carrying
    /// it reports MethodImplementationFlags = IL), so this is its equivalent. Call it in every method
    /// (and closure) that holds a hot loop.
    let inline optimizeNow () =
        NativePtr.write (NativePtr.stackalloc<byte> 1) 0uy
