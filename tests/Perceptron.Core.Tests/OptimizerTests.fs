/// Optimizer: the update rules, purity of every Update, descent on convex problems, and Adam's
/// first step of about the learning rate per parameter.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.OptimizerTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

let parameters (network: Network) =
    network.Layers
    |> List.map (fun l -> Array.append (flat2 l.Weights) l.Bias)
    |> Array.concat

/// True for the positions of weights (not biases) in `parameters`.
let weightMask (network: Network) =
    network.Layers
    |> List.map (fun l -> Array.append (Array.create l.Weights.Length true) (Array.create l.Bias.Length false))
    |> Array.concat

let closeTo (expected: float[]) (actual: float[]) =
    Array.forall2 (fun e a -> abs (e - a) <= 1e-15 * max 1.0 (abs e)) expected actual

[<Property>]
let ``a small enough gradient-descent step never increases the cost`` (c: Case) =
    let gradients, cost = Propagation.propagate c.Network c.Features c.Labels
    let learningRate = 1e-3 / (1.0 + (norm (flatten gradients)) ** 2.0)

    let network, _ =
        (Optimizer.gradientDescent learningRate).Update gradients Stateless c.Network

    let after = Propagation.cost network c.Features c.Labels
    Assert.True(after <= cost + 1e-12, $"cost {cost} -> {after} with learning rate {learningRate}")

[<Property>]
let ``gradient descent moves every parameter by -learningRate times its gradient`` (c: Case) =
    let gradients, _ = Propagation.propagate c.Network c.Features c.Labels

    let network, state =
        (Optimizer.gradientDescent 0.3).Update gradients Stateless c.Network

    let expected =
        Array.map2 (fun p g -> p - 0.3 * g) (parameters c.Network) (flatten gradients)

    Assert.True(closeTo expected (parameters network))
    Assert.Equal(Stateless, state)
    Assert.Equal<Activation list>(c.Network.Layers |> List.map _.Activation, network.Layers |> List.map _.Activation)

[<Property>]
let ``momentum keeps v = beta v + (1 - beta) g and moves by -learningRate v`` (c: Case) =
    let optimizer = Optimizer.momentum 0.2 0.8
    let g1, _ = Propagation.propagate c.Network c.Features c.Labels
    let n1, s1 = optimizer.Update g1 (optimizer.Init c.Network) c.Network
    let g2, _ = Propagation.propagate n1 c.Features c.Labels
    let n2, s2 = optimizer.Update g2 s1 n1
    let v1 = flatten g1 |> Array.map (fun g -> 0.2 * g)
    let v2 = Array.map2 (fun v g -> 0.8 * v + 0.2 * g) v1 (flatten g2)
    Assert.True(closeTo (Array.map2 (fun p v -> p - 0.2 * v) (parameters c.Network) v1) (parameters n1))
    Assert.True(closeTo (Array.map2 (fun p v -> p - 0.2 * v) (parameters n1) v2) (parameters n2))

    match s2 with
    | Velocity v -> Assert.True(closeTo v2 (flatten v))
    | other -> failwith $"momentum's state is {other}"

[<Property>]
let ``Adam's first step is about the learning rate for every parameter`` (c: Case) =
    // With bias correction, m = g and v = g^2 after one step, so each parameter moves by
    // learningRate g / (|g| + epsilon): the learning rate in size, whatever the gradient's scale.
    let learningRate = 0.01
    let optimizer = Optimizer.adamDefault learningRate
    let gradients, _ = Propagation.propagate c.Network c.Features c.Labels
    let network, state = optimizer.Update gradients (optimizer.Init c.Network) c.Network

    let moves =
        Array.map2 (fun after before -> after - before) (parameters network) (parameters c.Network)

    for g, move in Array.zip (flatten gradients) moves do
        let expected = -learningRate * g / (abs g + 1e-8)
        Assert.True(abs (move - expected) <= 1e-12, $"gradient {g}: moved {move}, expected {expected}")

        if abs g > 1e-4 then
            Assert.True(abs (abs move - learningRate) <= 1e-4 * learningRate, $"gradient {g}: moved {move}")

    match state with
    | Moments(step, _, _) -> Assert.Equal(1, step)
    | other -> failwith $"Adam's state is {other}"

[<Property>]
let ``L2 adds lambda W to the weights' gradients only`` (c: Case) =
    let lambda = 0.3
    let gradients, _ = Propagation.propagate c.Network c.Features c.Labels

    let network, _ =
        (Optimizer.withL2 lambda (Optimizer.gradientDescent 0.1)).Update gradients Stateless c.Network

    let expected =
        Array.map3
            (fun p g isWeight -> p - 0.1 * (g + (if isWeight then lambda * p else 0.0)))
            (parameters c.Network)
            (flatten gradients)
            (weightMask c.Network)

    Assert.True(closeTo expected (parameters network))

    let penalty =
        0.5
        * lambda
        * (Array.zip (parameters c.Network) (weightMask c.Network)
           |> Array.sumBy (fun (p, isWeight) -> if isWeight then p * p else 0.0))

    // Relative: the core sums with a vectorised dot product, in another order than this loop.
    let actual = Optimizer.l2Penalty lambda c.Network
    Assert.True(abs (penalty - actual) <= 1e-12 * max 1.0 (abs penalty), $"{penalty} vs {actual}")
    Assert.Equal(0.0, Optimizer.l2Penalty 0.0 c.Network)

let optimizers = [
    Optimizer.gradientDescent 0.1
    Optimizer.momentum 0.1 0.9
    Optimizer.adamDefault 0.01
    Optimizer.withL2 0.1 (Optimizer.gradientDescent 0.1)
    Optimizer.withL2 0.1 (Optimizer.momentum 0.1 0.5)
    Optimizer.withL2 0.01 (Optimizer.adam 0.01 0.8 0.99 1e-7)
]

[<Property>]
let ``every optimizer's Init and Update leave their inputs untouched and repeat bit for bit`` (c: Case) =
    for optimizer in optimizers do
        let network = copyNetwork c.Network
        let init = optimizer.Init c.Network
        Assert.True(sameNetwork network c.Network, $"{optimizer.Name}: Init modified the network")
        Assert.True(sameOptimizerState init (optimizer.Init c.Network), $"{optimizer.Name}: Init differs")
        // One step first, so that the state is not all zeros and a write into it would show.
        let g1, _ = Propagation.propagate c.Network c.Features c.Labels
        let n1, s1 = optimizer.Update g1 init c.Network
        let g2, _ = Propagation.propagate n1 c.Features c.Labels
        let before = copyGradients g2, copyOptimizerState s1, copyNetwork n1
        let a, sa = optimizer.Update g2 s1 n1
        let b, sb = optimizer.Update g2 s1 n1
        let g, s, n = before

        Assert.True(
            sameGradients g g2 && sameOptimizerState s s1 && sameNetwork n n1,
            $"{optimizer.Name}: Update modified an input"
        )

        Assert.True(sameNetwork a b && sameOptimizerState sa sb, $"{optimizer.Name}: Update differs")
        Assert.True(sameNetwork network c.Network, $"{optimizer.Name}: the original network changed")

/// Linearly separable points in the plane, labels by the sign of x0 + 2 x1 - 0.5.
let separable () =
    let random = Random(17)
    let features = Array2D.init 60 2 (fun _ _ -> random.NextDouble() * 4.0 - 2.0)

    let labels =
        Array.init 60 (fun i -> if features[i, 0] + 2.0 * features[i, 1] > 0.5 then 1 else 0)

    features, labels

[<Fact>]
let ``momentum and Adam decrease the cost of logistic regression on separable data`` () =
    let features, labels = separable ()
    let start = Network.initialize Zeros 0 2 [] Sigmoid 2

    for optimizer in
        [
            Optimizer.momentum 0.5 0.9
            Optimizer.adamDefault 0.05
            Optimizer.gradientDescent 0.5
        ] do
        let costs =
            Training.steps optimizer None 0 features labels (Training.init optimizer start)
            |> Seq.take 301
            |> Seq.map _.Cost
            |> Seq.toArray

        // Every 50 steps the cost is lower than before, and it ends far below log 2.
        let checkpoints = [| for i in 0..50..300 -> costs[i] |]
        Assert.Equal(Math.Log 2.0, checkpoints[0], 12)

        Assert.True(
            Array.pairwise checkpoints |> Array.forall (fun (a, b) -> b < a),
            $"{optimizer.Name}: %A{checkpoints}"
        )

        Assert.True(checkpoints[6] < 0.2, $"{optimizer.Name}: final cost {checkpoints[6]}")

[<Fact>]
let ``optimizers reject bad hyper-parameters and foreign states`` () =
    let rejects name (f: unit -> Optimizer) =
        let e = Assert.ThrowsAny<ArgumentException>(fun () -> f () |> ignore)
        Assert.Equal(name, e.ParamName)

    for bad in [ 0.0; -0.1; nan; infinity ] do
        rejects "learningRate" (fun () -> Optimizer.gradientDescent bad)
        rejects "learningRate" (fun () -> Optimizer.momentum bad 0.9)
        rejects "learningRate" (fun () -> Optimizer.adamDefault bad)

    for bad in [ 1.0; -0.1; nan ] do
        rejects "beta" (fun () -> Optimizer.momentum 0.1 bad)
        rejects "beta1" (fun () -> Optimizer.adam 0.1 bad 0.999 1e-8)
        rejects "beta2" (fun () -> Optimizer.adam 0.1 0.9 bad 1e-8)

    rejects "epsilon" (fun () -> Optimizer.adam 0.1 0.9 0.999 0.0)
    rejects "lambda" (fun () -> Optimizer.withL2 -1.0 (Optimizer.gradientDescent 0.1))
    rejects "lambda" (fun () -> Optimizer.withL2 nan (Optimizer.gradientDescent 0.1))
    let network = Network.initialize Xavier 1 2 [] Sigmoid 2
    let gradients = Optimizer.zerosLike network

    for optimizer, foreign in
        [
            Optimizer.gradientDescent 0.1, Velocity gradients
            Optimizer.momentum 0.1 0.9, Stateless
            Optimizer.adamDefault 0.1, Velocity gradients
        ] do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () -> optimizer.Update gradients foreign network |> ignore)

        Assert.Equal("state", e.ParamName)

[<Fact>]
let ``withL2 0 is the optimizer itself, and names describe the optimizer`` () =
    let gd = Optimizer.gradientDescent 0.1
    Assert.Same(gd, Optimizer.withL2 0.0 gd)
    Assert.Equal("gd(lr=0.1)", gd.Name)
    Assert.Contains("l2(0.5)", (Optimizer.withL2 0.5 gd).Name)
    Assert.StartsWith("adam(lr=0.01", (Optimizer.adamDefault 0.01).Name)

[<Property>]
let ``withL2 around a hand-made optimizer updates like withL2 around the built-in one`` (c: Case) =
    let inner = Optimizer.adamDefault 0.01

    let handMade =
        Optimizer.Custom {
            Name = inner.Name
            Init = inner.Init
            Update = fun gradients state network -> inner.Update gradients state network
        }

    let gradients, _ = Propagation.propagate c.Network c.Features c.Labels
    let built = Optimizer.withL2 0.1 inner
    let wrapped = Optimizer.withL2 0.1 handMade
    let state = built.Init c.Network
    let a, sa = built.Update gradients state c.Network
    let b, sb = wrapped.Update gradients state c.Network
    Assert.True(sameNetwork a b, "the networks differ")
    Assert.True(sameOptimizerState sa sb, "the states differ")

[<Fact>]
let ``Update rejects gradients or a state not shaped like the network, naming them`` () =
    let network = Network.initialize He 1 3 [ 2 ] Relu 2
    let other = Network.initialize He 1 4 [ 2 ] Relu 2
    let gradients = Optimizer.zerosLike network
    let adam = Optimizer.adamDefault 0.1

    let wrongGradients =
        Assert.Throws<ArgumentException>(fun () ->
            adam.Update (Optimizer.zerosLike other) (adam.Init network) network |> ignore)

    Assert.Equal("gradients", wrongGradients.ParamName)

    let wrongState =
        Assert.Throws<ArgumentException>(fun () -> adam.Update gradients (adam.Init other) network |> ignore)

    Assert.Equal("state", wrongState.ParamName)

    // Training from such a state fails the same way, before any step.
    let start = {
        Training.init adam network with
            OptimizerState = adam.Init other
    }

    Assert.ThrowsAny<ArgumentException>(fun () ->
        Training.epochs adam None 0 (Array2D.zeroCreate 2 3) [| 0; 1 |] None start
        |> Seq.head
        |> ignore)
    |> ignore

[<Fact>]
let ``the names table holds gd, momentum and adam, and parses each name back`` () =
    Assert.Equal<string list>([ "gd"; "momentum"; "adam" ], OptimizerKind.all |> List.map OptimizerKind.name)

    for kind in OptimizerKind.all do
        Assert.Equal(Some kind, OptimizerKind.tryParse (OptimizerKind.name kind))
        Assert.Equal(Some kind, OptimizerKind.tryParse $" {(OptimizerKind.name kind).ToUpperInvariant()} ")

    for unknown in [ "sgd"; ""; "adamw"; null ] do
        Assert.Equal(None, OptimizerKind.tryParse unknown)

    // Every built-in optimizer reports its entry, also under L2; a custom one has none.
    Assert.Equal(Some OptimizerKind.GradientDescent, Optimizer.kind (Optimizer.gradientDescent 0.1))
    Assert.Equal(Some OptimizerKind.Momentum, Optimizer.kind (Optimizer.withL2 0.1 (Optimizer.momentum 0.1 0.9)))
    Assert.Equal(Some OptimizerKind.Adam, Optimizer.kind (Optimizer.adamDefault 0.1))

    Assert.Equal(None, Optimizer.kind (Optimizer.custom "mine" (fun _ -> ()) (fun _ () network -> network, ())))

/// Gradient descent whose learning rate decays per step, as a user writes it: the state is the number
/// of steps taken, an int of the optimizer's own.
let decaying (rate: float) (decay: float) =
    Optimizer.custom "decaying gd" (fun _ -> 0) (fun gradients (t: int) network ->
        let network, _ =
            (Optimizer.gradientDescent (rate / (1.0 + decay * float t))).Update gradients Stateless network

        network, t + 1)

[<Property>]
let ``a custom optimizer keeps a state of its own type: a learning rate that decays per step`` (c: Case) =
    let optimizer = decaying 0.5 1.0
    let start = Training.init optimizer c.Network
    Assert.Equal(Custom(box 0), start.OptimizerState)

    let states =
        Training.steps optimizer None 0 c.Features c.Labels start
        |> Seq.take 3
        |> Seq.toArray

    // By hand: gradient descent at 0.5, 0.25, then 0.5 / 3.
    let expected =
        [ 0.5; 0.25; 0.5 / 3.0 ]
        |> List.fold
            (fun (network: Network) rate ->
                let gradients, _ = Propagation.propagate network c.Features c.Labels
                fst ((Optimizer.gradientDescent rate).Update gradients Stateless network))
            c.Network

    Assert.True(sameNetwork expected states[2].Network, "the decayed steps differ from the hand-made ones")

    Assert.Equal<OptimizerState list>(
        [ Custom(box 1); Custom(box 2); Custom(box 3) ],
        states |> Array.map _.OptimizerState |> List.ofArray
    )

    // Epochs train it through the pure path, and resume with the counter where it was.
    let viaEpochs =
        Training.epochs optimizer None 0 c.Features c.Labels None states[0]
        |> Seq.take 2
        |> Seq.map _.State
        |> Seq.toArray

    Assert.True(sameState states[2] viaEpochs[1], "epochs resumed from step 1 differ from the steps")

[<Fact>]
let ``a custom optimizer rejects a state that is not its own, naming it`` () =
    let network = Network.initialize Xavier 1 2 [] Sigmoid 2
    let gradients = Optimizer.zerosLike network

    for foreign in [ Stateless; Custom(box "text"); Custom null ] do
        let e =
            Assert.Throws<ArgumentException>(fun () -> (decaying 0.1 1.0).Update gradients foreign network |> ignore)

        Assert.Equal("state", e.ParamName)
        Assert.Contains("decaying gd", e.Message)

    // A null value is a state for types that have it, such as unit.
    let silent =
        Optimizer.custom "silent" (fun _ -> ()) (fun _ () network -> network, ())

    let after, state = silent.Update gradients (silent.Init network) network
    Assert.True(sameNetwork network after)
    Assert.Equal(Custom null, state)

/// Every built-in optimizer, also as union values written directly and under (nested) L2.
let builtIn = [
    yield! optimizers
    Optimizer.GradientDescent 0.2
    Optimizer.WithL2(0.1, Optimizer.Momentum(0.1, 0.9))
    Optimizer.WithL2(0.1, Optimizer.WithL2(0.2, Optimizer.Adam(0.01, 0.9, 0.999, 1e-8)))
]

[<Fact>]
let ``training matches on the optimizer's cases: built-in rules run in place, custom ones through the pure fold`` () =
    let network = Network.initialize He 1 3 [ 2 ] Relu 2

    let stepper optimizer =
        Training.stepper optimizer (fun _ -> 1.0) (Training.init optimizer network)

    for optimizer in builtIn do
        Assert.True(stepper optimizer :? Engine, $"{optimizer.Name} does not run in place")

    for optimizer in
        [
            decaying 0.1 1.0
            Optimizer.withL2 0.1 (decaying 0.1 1.0)
            Optimizer.Custom {
                Name = "wrapped adam"
                Init = (Optimizer.adamDefault 0.1).Init
                Update = (Optimizer.adamDefault 0.1).Update
            }
        ] do
        Assert.True(stepper optimizer :? Training.PureStepper, $"{optimizer.Name} does not take the pure path")

[<Fact>]
let ``union values written directly are checked like the constructors' arguments`` () =
    let network = Network.initialize Xavier 1 2 [] Sigmoid 2

    for optimizer, name in
        [
            Optimizer.GradientDescent -0.1, "learningRate"
            Optimizer.Momentum(0.1, 1.0), "beta"
            Optimizer.Adam(0.1, 0.9, nan, 1e-8), "beta2"
            Optimizer.WithL2(-1.0, Optimizer.GradientDescent 0.1), "lambda"
            Optimizer.WithL2(
                infinity,
                Optimizer.Custom {
                    Name = "c"
                    Init = (fun _ -> Stateless)
                    Update = (fun _ s n -> n, s)
                }
            ),
            "lambda"
        ] do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () -> Training.init optimizer network |> ignore)

        Assert.Equal(name, e.ParamName)

[<Property>]
let ``l2Gradients adds lambda W to the weights' gradients only, as WithL2's in-place rule does`` (c: Case) =
    let gradients, _ = Propagation.propagate c.Network c.Features c.Labels
    let penalised = Optimizer.l2Gradients 0.3 gradients c.Network

    let expected =
        Array.map3
            (fun p g isWeight -> if isWeight then g + 0.3 * p else g)
            (parameters c.Network)
            (flatten gradients)
            (weightMask c.Network)

    Assert.True(sameBits expected (flatten penalised))
    // Gradient descent at rate 1 on the penalised gradients is the in-place rule of WithL2, bit for bit.
    let viaRule, _ =
        (Optimizer.withL2 0.3 (Optimizer.gradientDescent 1.0)).Update gradients Stateless c.Network

    let viaGradients, _ =
        (Optimizer.gradientDescent 1.0).Update penalised Stateless c.Network

    Assert.True(sameNetwork viaRule viaGradients)
