/// Managed GEMM. A register-blocked micro-kernel computes MR x NR tiles of C with FMA on the selected vector
/// width, reading untransposed operands' whole slivers and panels in place and the rest (transposed operands,
/// partial slivers and panels) from aligned scratch that Packing.fs fills. Work
/// is split across cores only by tiles of C (never along k), and every element's summation order
/// depends on the shape alone, so results are bit-identical from run to run whatever the thread timing.
/// Arguments are pinned addresses (Kernels.gemm pins the spans), so that parallel workers can share them.
namespace Perceptron.Core

#nowarn "3535" // static abstract interface members: the width is chosen by a type argument
#nowarn "9" // native pointers: the kernels work on pinned buffers

open System
open System.Runtime.Intrinsics
open Microsoft.FSharp.NativeInterop
open Perceptron.Core.Pointers

/// The managed matrix-matrix product.
module internal ManagedGemm =
    /// Products (multiply-adds) below this run on the calling thread.
    let parallelThreshold = 1L <<< 21

    /// Products (multiply-adds) from which a product is split when the team is awake anyway (Team.warm):
    /// the small products of a training step between its large ones.
    let warmThreshold = 1L <<< 16

    /// Largest k block: a kc x NR panel of B (packed, or in place with its rows ldb apart) is reused by every
    /// sliver of A in a block.
    let kcMax = 256

    /// Columns of op(B) packed at once (a multiple of NR).
    let ncMax = 2048

    /// How many of a block's h rows of op(A) the micro-kernels read in place: none when A is transposed, else
    /// whole slivers of mr rows (and a last sliver of 8 where mr = 12: kernel8; W2's 128 rows are 10 x 12 + 8).
    /// The rest is packed. A kernel never reads a row past the h given, so the in-place rows stay inside A.
    let inPlaceRows (transA: bool) (mr: int) (h: int) =
        if transA then 0
        elif mr = 12 && h % mr = 8 then h
        else h / mr * mr

    /// How many of a block's w columns of op(B) the micro-kernels read in place: none when B is transposed,
    /// else whole panels of nr columns (a partial panel would read past the row). The rest is packed.
    let inPlaceColumns (transB: bool) (nr: int) (w: int) = if transB then 0 else w / nr * nr

    // ------------------------------------------------------------------ blocking

    /// C[i0..i1, j0..j1] for all of k, with k blocks of kc.
    let private block<'O, 'V when 'O :> IVectorOps<'V>>
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
        let mr, nr = Tiles.mr<'O, 'V>(), Tiles.nr<'O, 'V>()
        let mcMax = Tiles.mcMax<'O, 'V>()
        let sizeA = min mcMax (roundUp (i1 - i0) mr) * kc
        let sizeB = min ncMax (roundUp (j1 - j0) nr) * kc
        let buffer = System.Buffers.ArrayPool<float>.Shared.Rent(sizeA + sizeB + 16)

        let inPlaceRows = inPlaceRows transA mr
        let inPlaceColumns = inPlaceColumns transB nr

        try
            use pinned = fixed buffer
            let pA = align64 pinned
            let pB = align64 (at pA sizeA)
            let mutable jc = j0

            while jc < j1 do
                let nc = min ncMax (j1 - jc)
                let ncIn = inPlaceColumns nc
                let mutable pc = 0

                while pc < k do
                    let kcur = min kc (k - pc)

                    if nc > ncIn then
                        Packing.packB<'O, 'V> transB b ldb pc kcur (jc + ncIn) (nc - ncIn) pB

                    let mutable ic = i0

                    while ic < i1 do
                        let mc = min mcMax (i1 - ic)
                        let mcIn = inPlaceRows mc

                        if mc > mcIn then
                            Packing.packA<'O, 'V> transA a lda (ic + mcIn) (mc - mcIn) pc kcur pA

                        // Rows (in place, then packed) by columns (in place, then packed): each tile of C
                        // sums the same products in the same order whichever layout its operands come from.
                        let first = (pc = 0)
                        let aIn, bIn = at a (ic * lda + pc), at b (pc * ldb + jc)

                        let cIn, cA, cB =
                            at c (ic * ldc + jc), at c ((ic + mcIn) * ldc + jc), at c (ic * ldc + jc + ncIn)

                        if mcIn > 0 && ncIn > 0 then
                            GemmTiles.macro<'O, 'V> kcur mcIn ncIn aIn lda 1 lda bIn ldb 1 cIn ldc alpha beta first

                        if mcIn > 0 && nc > ncIn then
                            GemmTiles.macro<'O, 'V>
                                kcur
                                mcIn
                                (nc - ncIn)
                                aIn
                                lda
                                1
                                lda
                                pB
                                nr
                                kcur
                                cB
                                ldc
                                alpha
                                beta
                                first

                        if mc > mcIn then
                            let rows = mc - mcIn

                            if ncIn > 0 then
                                GemmTiles.macro<'O, 'V> kcur rows ncIn pA 1 mr kcur bIn ldb 1 cA ldc alpha beta first

                            if nc > ncIn then
                                GemmTiles.macro<'O, 'V>
                                    kcur
                                    rows
                                    (nc - ncIn)
                                    pA
                                    1
                                    mr
                                    kcur
                                    pB
                                    nr
                                    kcur
                                    (at cA ncIn)
                                    ldc
                                    alpha
                                    beta
                                    first

                        ic <- ic + mc

                    pc <- pc + kcur

                jc <- jc + nc
        finally
            System.Buffers.ArrayPool<float>.Shared.Return buffer

    /// C (m x n) <- alpha op(A) op(B) + beta C, row-major, with the vector operations 'O.
    let private gemmOf<'O, 'V when 'O :> IVectorOps<'V>>
        (threads: int)
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
            let mr, nr = Tiles.mr<'O, 'V>(), Tiles.nr<'O, 'V>()
            let panels = (n + nr - 1) / nr
            let slivers = (m + mr - 1) / mr
            let work = int64 m * int64 n * int64 k

            let chunks =
                if work < warmThreshold || (work < parallelThreshold && not (Team.warm ())) then
                    1
                else
                    min threads (max panels slivers)

            // Split the dimension whose largest chunk is the smaller share of the work (11 slivers of 12
            // rows on 2 cores give 6/11 to one; 8 panels give 4/8), the longer one on a tie.
            let largestShare units =
                float ((units + chunks - 1) / chunks) / float units

            let byPanels =
                let p, s = largestShare panels, largestShare slivers
                p < s || (p = s && panels >= slivers)

            if chunks <= 1 then
                block<'O, 'V> transA transB k kc alpha pa lda pb ldb beta pc ldc 0 m 0 n
            elif byPanels then
                Team.run chunks (fun t ->
                    let j0 = panels * t / chunks * nr
                    let j1 = min n (panels * (t + 1) / chunks * nr)

                    if j1 > j0 then
                        block<'O, 'V> transA transB k kc alpha pa lda pb ldb beta pc ldc 0 m j0 j1)
            else
                Team.run chunks (fun t ->
                    let i0 = slivers * t / chunks * mr
                    let i1 = min m (slivers * (t + 1) / chunks * mr)

                    if i1 > i0 then
                        block<'O, 'V> transA transB k kc alpha pa lda pb ldb beta pc ldc i0 i1 0 n)

    /// C (m x n) <- alpha op(A) op(B) + beta C, row-major, on the selected vector width, on at most
    /// `threads` threads (the bits do not depend on it).
    let gemmOn threads transA transB m n k alpha a lda b ldb beta c ldc =
        match Selection.simd with
        | Simd512 -> gemmOf<Ops512, Vector512<float>> threads transA transB m n k alpha a lda b ldb beta c ldc
        | Simd256 -> gemmOf<Ops256, Vector256<float>> threads transA transB m n k alpha a lda b ldb beta c ldc
        | Simd128 -> gemmOf<Ops128, Vector128<float>> threads transA transB m n k alpha a lda b ldb beta c ldc
        | Plain128 -> gemmOf<OpsPlain128, Vector128<float>> threads transA transB m n k alpha a lda b ldb beta c ldc
