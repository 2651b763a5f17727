/// The rules of Selection.fs that choose a kernel, and the environment variables that force or cap them.
module Perceptron.Core.Tests.KernelSelectionTests

open System
open Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

let private perceptron inputs =
    let network, _, _ = PropagationTests.singleUnitCase 1 1 inputs
    List.toArray network.Layers

[<Fact>]
let ``PERCEPTRON_KERNELS=native means OpenBLAS for every product it has, the transposed product included`` () =
    // Unset: the transposed product of a tall matrix stays managed.
    Assert.Equal(Managed, Selection.chooseGemv None NativeBlas true 1000 10)
    Assert.Equal(NativeBlas, Selection.chooseGemv None NativeBlas false 1000 10)
    Assert.Equal(NativeBlas, Selection.chooseGemv None NativeBlas true 10 1000)
    // Forced native: OpenBLAS everywhere, and the managed-only one pass is off.
    Assert.Equal(NativeBlas, Selection.chooseGemv (Some NativeBlas) NativeBlas true 1000 10)
    Assert.Equal(NativeBlas, Selection.chooseGemm (Some NativeBlas) NativeBlas Simd512 false)
    Assert.False(Selection.chooseOnePass (Some NativeBlas) (perceptron 100) 100000)
    // Forced managed: managed everywhere.
    Assert.Equal(Managed, Selection.chooseProvider (Some Managed) true)
    Assert.Equal(Managed, Selection.chooseGemv (Some Managed) Managed false 1000 10)
    Assert.True(Selection.chooseOnePass (Some Managed) (perceptron 100) 100000)

[<Fact>]
let ``unset, matrix products go to the wider of OpenBLAS's and the managed kernels`` () =
    Assert.Equal(NativeBlas, Selection.chooseProvider None true)
    Assert.Equal(Managed, Selection.chooseProvider None false)
    Assert.Equal(Managed, Selection.chooseGemm None NativeBlas Simd512 false)
    Assert.Equal(NativeBlas, Selection.chooseGemm None NativeBlas Simd512 true)
    Assert.Equal(NativeBlas, Selection.chooseGemm None NativeBlas Simd256 false)
    Assert.Equal(Managed, Selection.chooseGemm None Managed Simd256 false)

[<Fact>]
let ``small products run managed unless a provider is forced`` () =
    Assert.True(Selection.runsManaged None Selection.smallProduct)
    Assert.False(Selection.runsManaged None (Selection.smallProduct + 1L))
    // 178 x 13, the wine data set's shape: managed.
    Assert.True(Selection.runsManaged None (178L * 13L))
    Assert.False(Selection.runsManaged (Some NativeBlas) 1L)
    Assert.False(Selection.runsManaged (Some Managed) 1L)
    // Gather.rows and the check folded into it: from 4M values (32 MB) on.
    Assert.True(Gather.pays (1 <<< 22))
    Assert.False(Gather.pays ((1 <<< 22) - 1))

    if Selection.forced.IsNone then
        Assert.Equal(Managed, Selection.gemvProvider false 178 13)
        Assert.Equal(Managed, Selection.gemmProviderFor 16 32 32)
        // W2's 128 x 784 x 128: managed on AVX-512 (on the team), the process's provider otherwise.
        let expected =
            if Selection.simd = Simd512 then
                Managed
            else
                Selection.gemmProvider ()

        Assert.Equal(expected, Selection.gemmProviderFor 128 784 128)
        Assert.Equal(Selection.gemmProvider (), Selection.gemmProviderFor 1000 1000 1000)

[<Fact>]
let ``mid-size matrix products run managed on AVX-512 unless a provider is forced`` () =
    Assert.True(Selection.gemmRunsManaged None Simd512 Selection.teamProduct)
    Assert.True(Selection.gemmRunsManaged None Simd512 (128L * 784L * 128L))
    Assert.False(Selection.gemmRunsManaged None Simd512 (Selection.teamProduct + 1L))
    // Narrower vectors: only the small products.
    Assert.False(Selection.gemmRunsManaged None Simd256 (128L * 784L * 128L))
    Assert.True(Selection.gemmRunsManaged None Simd256 Selection.smallProduct)
    Assert.False(Selection.gemmRunsManaged None Simd256 (Selection.smallProduct + 1L))
    // Forced: the provider decides.
    Assert.False(Selection.gemmRunsManaged (Some NativeBlas) Simd512 1L)
    Assert.False(Selection.gemmRunsManaged (Some Managed) Simd512 1L)

[<Fact>]
let ``the one pass is kept to batches where it pays, and the course's 2 x 3 example takes the plain path`` () =
    Assert.False(Selection.chooseOnePass None (perceptron 2) 3)
    Assert.False(Selection.chooseOnePass None (perceptron 20) 100)
    Assert.True(Selection.chooseOnePass None (perceptron 20) 300)
    Assert.False(Selection.chooseOnePass None (perceptron 2000) 300)
    Assert.True(Selection.chooseOnePass None (perceptron 2000) 2200)
    // Not a perceptron: never.
    let twoUnits = (Network.initialize Xavier 1 4 [] Relu 3).Layers |> List.toArray
    Assert.False(Selection.chooseOnePass None twoUnits 100000)

[<Fact>]
let ``the course's 2 x 3 example runs the plain path, bit for bit`` () =
    // The seed's example: w = (1, 2), b = 2, samples (1, 3), (2, 4), (-1, -3.2), labels 1, 0, 1.
    let network: Network = {
        Layers = [
            {
                Weights = array2D [ [ 1.0; 2.0 ] ]
                Bias = [| 2.0 |]
                Activation = Sigmoid
            }
        ]
    }

    let features = array2D [ [ 1.0; 3.0 ]; [ 2.0; 4.0 ]; [ -1.0; -3.2 ] ]
    let labels = [| 1; 0; 1 |]
    Assert.False(Selection.onePass (List.toArray network.Layers) labels.Length)
    let gradients, cost = Propagation.propagate network features labels
    let plain, plainCost = Propagation.propagateForced false network features labels
    Assert.True(sameGradients plain gradients && bits plainCost = bits cost, "propagate left the plain path")

[<Fact>]
let ``PERCEPTRON_KERNELS and PERCEPTRON_SIMD accept their values and name themselves otherwise`` () =
    Assert.Equal(Ok None, Selection.parseKernels null)
    Assert.Equal(Ok None, Selection.parseKernels "")
    Assert.Equal(Ok(Some NativeBlas), Selection.parseKernels "Native")
    Assert.Equal(Ok(Some Managed), Selection.parseKernels "managed")
    Assert.Equal(Ok None, Selection.parseSimd null)
    Assert.Equal(Ok(Some Simd512), Selection.parseSimd "512")
    Assert.Equal(Ok(Some Simd256), Selection.parseSimd "256")
    Assert.Equal(Ok(Some Simd128), Selection.parseSimd "128")
    Assert.Equal(Ok(Some Plain128), Selection.parseSimd "nofma")

    match Selection.parseKernels "openblas" with
    | Error message -> Assert.Equal("PERCEPTRON_KERNELS is 'openblas'; expected native or managed (or unset)", message)
    | Ok _ -> Assert.Fail "accepted openblas"

    match Selection.parseSimd "avx2" with
    | Error message -> Assert.Equal("PERCEPTRON_SIMD is 'avx2'; expected 512, 256, 128 or nofma (or unset)", message)
    | Ok _ -> Assert.Fail "accepted avx2"

[<Fact>]
let ``an environment value that was ignored is named in the kernel summary`` () =
    Assert.Equal("managed SIMD (AVX2)", Kernels.withIgnored "managed SIMD (AVX2)" [])

    Assert.Equal(
        "managed SIMD (AVX2); ignored: PERCEPTRON_SIMD is 'x'; expected 512",
        Kernels.withIgnored "managed SIMD (AVX2)" [ "PERCEPTRON_SIMD is 'x'; expected 512" ]
    )

    // This process: a summary without a note exactly when both variables parsed.
    Assert.Equal(Selection.ignored.IsEmpty, not (Kernels.summary().Contains "ignored:"))

[<Fact>]
let ``PERCEPTRON_SIMD caps the width and never widens it`` () =
    Assert.Equal(Simd512, Selection.capSimd Simd512 None)
    Assert.Equal(Simd256, Selection.capSimd Simd512 (Some Simd256))
    Assert.Equal(Simd128, Selection.capSimd Simd512 (Some Simd128))
    Assert.Equal(Plain128, Selection.capSimd Simd256 (Some Plain128))
    Assert.Equal(Simd256, Selection.capSimd Simd256 (Some Simd512))
    Assert.Equal(Plain128, Selection.capSimd Plain128 (Some Simd128))

[<Fact>]
let ``this process runs the width PERCEPTRON_SIMD asks for, and says so`` () =
    let cap =
        match Selection.parseSimd (Environment.GetEnvironmentVariable "PERCEPTRON_SIMD") with
        | Ok cap -> cap
        | Error message -> failwith message

    Assert.Equal(Selection.capSimd Selection.hardwareSimd cap, Selection.simd)

    let name =
        match Selection.simd with
        | Simd512 -> "AVX-512"
        | Simd256 -> "AVX2"
        | Simd128
        | Plain128 -> "128-bit"

    Assert.Contains(name, Kernels.describe Managed)
