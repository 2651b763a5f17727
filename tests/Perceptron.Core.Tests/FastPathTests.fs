/// The W2 speed work (issue 12): each vectorised or copy-free fast path gives the bits of the scalar
/// arithmetic it replaces.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.FastPathTests

#nowarn "9" // the managed kernel takes pinned addresses

open System
open Microsoft.FSharp.NativeInterop
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// The derivative passes as they were written before vectorising: one branch or product per element.
let private scalarBackward (activation: Activation) (a: float[]) (da: float[]) =
    let d = Array.copy da

    for i in 0 .. d.Length - 1 do
        match activation with
        | Sigmoid -> d[i] <- d[i] * a[i] * (1.0 - a[i])
        | Tanh -> d[i] <- d[i] * (1.0 - a[i] * a[i])
        | Relu ->
            if a[i] <= 0.0 then
                d[i] <- 0.0
        | LeakyRelu ->
            if a[i] <= 0.0 then
                d[i] <- d[i] * Activation.LeakySlope
        | Softmax -> ()

    d

[<Property>]
let ``the vectorised derivatives give the scalar bits`` (outputs: float[]) (upstream: float[]) =
    let n = min outputs.Length upstream.Length
    // Signed zeros, NaN and infinities among the outputs, also in the vector body.
    let a =
        Array.append [| 0.0; -0.0; nan; -infinity; infinity; 1.0; -1.0; 0.5 |] outputs[.. n - 1]

    let da =
        Array.append [| 3.0; -2.0; 1.5; nan; -0.0; 4.0; 5.0; 6.0 |] upstream[.. n - 1]

    for activation in [ Sigmoid; Tanh; Relu; LeakyRelu ] do
        let expected = scalarBackward activation a da
        let actual = Array.copy da
        Activation.backwardInPlace activation (ReadOnlySpan a) (Span actual)
        Assert.True(sameBits expected actual, $"{activation}")

/// Runs a rule once on random arrays; true when the gradient is left as it was.
let private leavesGradient (rule: UpdateRule) (seed: int) =
    let random = Random seed

    let values () =
        Array.init 37 (fun _ -> random.NextDouble() - 0.5)

    let p, g, s0, s1 = values (), values (), values (), values ()
    let before = Array.copy g
    rule.Apply(1, 1.0, true, Span p, Span g, Span s0, Span s1)
    sameBits before g

[<Property>]
let ``a rule that says it keeps the gradient leaves it untouched`` (seed: int) =
    let optimizers = [
        Optimizer.GradientDescent 0.1
        Optimizer.Momentum(0.1, 0.9)
        Optimizer.Adam(0.01, 0.9, 0.999, 1e-8)
        Optimizer.WithL2(0.5, Optimizer.GradientDescent 0.1)
        Optimizer.WithL2(0.5, Optimizer.Momentum(0.1, 0.9))
    ]

    for optimizer in optimizers do
        let rule = (Optimizer.tryRule optimizer).Value

        if rule.KeepsGradient then
            Assert.True(leavesGradient rule seed, $"{optimizer}")

[<Fact>]
let ``gradient descent and momentum keep the gradient; Adam and L2 do not`` () =
    let keeps optimizer =
        (Optimizer.tryRule optimizer).Value.KeepsGradient

    Assert.True(keeps (Optimizer.GradientDescent 0.1))
    Assert.True(keeps (Optimizer.Momentum(0.1, 0.9)))
    Assert.False(keeps (Optimizer.Adam(0.01, 0.9, 0.999, 1e-8)))
    Assert.False(keeps (Optimizer.WithL2(0.5, Optimizer.GradientDescent 0.1)))

/// The managed product on at most `threads` threads, on copies of a case's arrays.
let private managedOn (threads: int) (c: GemmCase) =
    let output = Array.copy c.C
    use pa = fixed c.A
    use pb = fixed c.B
    use pc = fixed output

    ManagedGemm.gemmOn
        threads
        c.TransA
        c.TransB
        c.M
        c.N
        c.K
        c.Alpha
        (NativePtr.toNativeInt pa)
        c.Lda
        (NativePtr.toNativeInt pb)
        c.Ldb
        c.Beta
        (NativePtr.toNativeInt pc)
        c.Ldc

    output

[<Fact>]
let ``the managed product gives the same bits on any number of threads, split by rows or by columns`` () =
    // Above ManagedGemm.parallelThreshold; W2's forward shape splits by column panels, the tall one by row
    // slivers, the wide one by panels.
    let shapes = [ 128, 128, 160; 300, 40, 200; 37, 700, 90 ]

    for m, n, k in shapes do
        for transA in [ false; true ] do
            for transB in [ false; true ] do
                let c = GemmCase.dense (Random(m + n + k)) transA transB m n k 1.5 0.5 n
                let serial = managedOn 1 c

                for threads in [ 2; 3; 8 ] do
                    Assert.True(sameBits serial (managedOn threads c), $"{m}x{n}x{k} {transA} {transB} on {threads}")
