/// Sample and class weights: integer weights train as repeated rows, a weight of 0 removes its sample,
/// the fast paths agree with the formulation, bad weights are ArgumentExceptions naming the argument,
/// and the gradient check covers the weighted cost.
[<FsCheck.Xunit.Properties(Arbitrary = [| typeof<Perceptron.Core.Tests.Generators> |])>]
module Perceptron.Core.Tests.SampleWeightsTests

open System
open Xunit
open FsCheck.FSharp
open FsCheck.Xunit
open Perceptron.Core
open Perceptron.Core.Tests.Helpers

/// Integer weights 0..3 for the samples of a case, drawn from a seed, at least one of them above 0.
let integerWeights (seed: int) (samples: int) =
    let random = Random(seed)
    let weights = Array.init samples (fun _ -> float (random.Next 4))

    if Array.forall (fun w -> w = 0.0) weights then
        weights[random.Next samples] <- 1.0

    weights

/// Each row repeated as many times as its (integer) weight.
let repeated (features: float[,]) (labels: int[]) (weights: float[]) =
    let rows = weights |> Array.mapi (fun i w -> Array.create (int w) i) |> Array.concat

    Preprocessing.takeRows rows features, rows |> Array.map (fun i -> labels[i])

let parameters (network: Network) =
    network.Layers
    |> List.map (fun l -> Array.append (flat2 l.Weights) l.Bias)
    |> Array.concat

/// The three built-in optimizers, each without L2 and with it.
let optimizers: Optimizer list = [
    Optimizer.gradientDescent 0.1
    Optimizer.momentum 0.1 0.9
    Optimizer.adamDefault 0.01
    Optimizer.withL2 0.01 (Optimizer.adamDefault 0.01)
]

let fitOptions epochs batchSize = {
    Epochs = epochs
    BatchSize = batchSize
    Seed = 3
    Validation = None
    EarlyStopping = None
    Schedule = Schedule.constant
    EpochsBefore = 0
    SampleWeights = None
    ValidationWeights = None
}

/// The case's network with ReLU and leaky ReLU layers made tanh. A pre-activation at ReLU's kink turns a
/// rounding difference (a sum over repeated rows against a weighted sum) into a different derivative, and
/// a unit that is dead in one run and alive in the other; smooth activations keep the two runs within
/// rounding of each other, which is what the repeated-rows properties compare.
let smooth (network: Network) = {
    Layers =
        network.Layers
        |> List.map (fun l ->
            match l.Activation with
            | Relu
            | LeakyRelu -> { l with Activation = Tanh }
            | _ -> l)
}

/// How close the weights of the two runs must be. Gradient descent and momentum move each parameter by
/// lr·g, so the rounding of a weighted sum against a sum over repeated rows stays near 1e-16 and 1e-9
/// holds. Adam moves it by lr·m̂/(√v̂ + ε): for a gradient component near ε the step's sensitivity to g
/// is up to lr/ε = 1e6, so a 1e-15 rounding difference in g can become 1e-9 in the weights (2.6e-9 was
/// seen); 1e-7 bounds that with room.
let weightTolerance (optimizer: Optimizer) =
    let rec adam optimizer =
        match optimizer with
        | Optimizer.Adam _ -> true
        | Optimizer.WithL2(_, inner) -> adam inner
        | _ -> false

    if adam optimizer then 1e-7 else 1e-9

let relativeClose (expected: float) (actual: float) =
    abs (expected - actual) <= 1e-9 * max 1.0 (abs expected)

[<Property>]
let ``integer weights train as repeated rows: the pure steps, full batch`` (c: Case) (seed: int) =
    let c = { c with Network = smooth c.Network }
    let weights = integerWeights seed c.Labels.Length
    let rx, ry = repeated c.Features c.Labels weights

    for optimizer in optimizers do
        let start = Training.init optimizer c.Network

        let weighted =
            Training.stepsWeighted optimizer None 0 c.Features c.Labels weights start
            |> Seq.take 5
            |> Seq.toArray

        let plain = Training.steps optimizer None 0 rx ry start |> Seq.take 5 |> Seq.toArray

        for s in 0..4 do
            Assert.True(
                relativeClose plain[s].Cost weighted[s].Cost,
                $"{optimizer.Name} step {s}: cost {plain[s].Cost} vs {weighted[s].Cost}"
            )

            let error =
                relativeError (parameters plain[s].Network) (parameters weighted[s].Network)

            Assert.True(error <= weightTolerance optimizer, $"{optimizer.Name} step {s}: weights differ by {error}")

[<Property>]
let ``integer weights train as repeated rows: fit in place, full batch`` (c: Case) (seed: int) =
    let c = { c with Network = smooth c.Network }
    // Mini-batches of the repeated rows are not the weighted batches (each epoch shuffles other rows
    // together), so the comparison is full batch; mini-batch weighting is held to the pure fold below.
    let weights = integerWeights seed c.Labels.Length
    let rx, ry = repeated c.Features c.Labels weights

    for optimizer in optimizers do
        let start = Training.init optimizer c.Network

        let weighted =
            Training.fit
                optimizer
                {
                    fitOptions 4 None with
                        SampleWeights = Some weights
                }
                c.Features
                c.Labels
                start
                (fun _ -> true)

        let plain = Training.fit optimizer (fitOptions 4 None) rx ry start (fun _ -> true)

        List.iter2
            (fun a b -> Assert.True(relativeClose a b, $"{optimizer.Name}: epoch cost {a} vs {b}"))
            plain.Costs
            weighted.Costs

        let error = relativeError (parameters plain.Network) (parameters weighted.Network)
        Assert.True(error <= weightTolerance optimizer, $"{optimizer.Name}: weights differ by {error}")

[<Property>]
let ``weighted epochs in place reach the weighted pure fold's states bit for bit, mini-batches included``
    (t: TrainingCase)
    (seed: int)
    =
    let optimizer = t.Optimizer.Make()

    let weights =
        integerWeights seed t.Case.Labels.Length |> Array.map (fun w -> w + 0.25)

    let start = Training.init optimizer t.Case.Network
    let samples = t.Case.Labels.Length

    let size =
        match t.BatchSize with
        | Some b when b < samples -> b
        | _ -> samples

    let perEpoch = (samples + size - 1) / size

    let folded =
        Training.stepsWeighted optimizer t.BatchSize t.Seed t.Case.Features t.Case.Labels weights start
        |> Seq.take (2 * perEpoch)
        |> Seq.toArray

    let inPlace =
        Training.fit
            optimizer
            {
                fitOptions 2 t.BatchSize with
                    Seed = t.Seed
                    SampleWeights = Some weights
            }
            t.Case.Features
            t.Case.Labels
            start
            (fun _ -> true)

    Assert.True(sameNetwork folded[2 * perEpoch - 1].Network inPlace.Network)

[<Property>]
let ``propagateWeighted agrees with the formulation's weighted cost and gradients`` (c: Case) (seed: int) =
    let weights = integerWeights seed c.Labels.Length |> Array.map (fun w -> w * 0.7)

    let gradients, cost =
        Propagation.propagateWeighted c.Network c.Features c.Labels weights

    let forward = Formulation.forward c.Network c.Features
    let expectedCost = Formulation.costWeighted forward c.Labels weights

    let expected =
        Formulation.backwardWeighted c.Network c.Features forward c.Labels weights
        |> flattenBackward

    Assert.True(relativeClose expectedCost cost, $"cost {expectedCost} vs {cost}")
    Assert.True(relativeError expected (flatten gradients) <= 1e-9)

[<Fact>]
let ``the one-pass perceptron kernel weighs samples as the formulation does`` () =
    // 2000 x 20 is large enough for the one-pass kernel, in several parallel chunks.
    let random = Random(5)
    let x = Array2D.init 2000 20 (fun _ _ -> random.NextDouble() * 2.0 - 1.0)
    let y = Array.init 2000 (fun i -> if x[i, 0] + 0.3 * x[i, 1] > 0.0 then 1 else 0)
    let weights = Array.init 2000 (fun i -> float (i % 5))
    let network = Network.initialize (Normal 0.1) 1 20 [] Sigmoid 2
    let forward = Formulation.forward network x

    let expected =
        Formulation.backwardWeighted network x forward y weights |> flattenBackward

    // Both kernels, whichever this machine would choose (the one pass is managed only).
    for onePass in [ true; false ] do
        let gradients, cost =
            Propagation.propagateForcedWeighted onePass network x y (SampleWeights.normalized weights)

        Assert.True(relativeClose (Formulation.costWeighted forward y weights) cost, $"one pass {onePass}")
        Assert.True(relativeError expected (flatten gradients) <= 1e-9, $"one pass {onePass}")

[<Fact>]
let ``Formulation.cost and backward are the weighted ones with every weight 1, bit for bit`` () =
    let random = Random(2)
    let x = Array2D.init 7 3 (fun _ _ -> random.NextDouble())
    let y = [| 0; 1; 2; 0; 1; 2; 2 |]
    let network = Network.initialize Xavier 4 3 [ 4 ] Tanh 3
    let forward = Formulation.forward network x
    let ones = Array.create 7 1.0
    Assert.Equal(bits (Formulation.cost forward y), bits (Formulation.costWeighted forward y ones))

    Assert.True(
        sameBits
            (flattenBackward (Formulation.backward network x forward y))
            (flattenBackward (Formulation.backwardWeighted network x forward y ones))
    )

let modelOptions: TrainOptions = {
    Hidden = [ 4 ]
    HiddenActivation = Tanh
    Initialization = Xavier
    Optimizer = Optimizer.adamDefault 0.02
    Epochs = 15
    BatchSize = Some 8
    Seed = 11
    Standardize = true
    ValidationFraction = 0.0
    Stratify = false
    EarlyStopping = None
    WarmStart = None
    Classes = None
    Schedule = Schedule.constant
    HiddenActivations = None
    SampleWeights = None
    ClassWeights = ClassWeights.None
}

let twoBlobs (samples: int) (seed: int) =
    let random = Random(seed)
    let labels = Array.init samples (fun i -> i % 2)

    let features =
        Array2D.init samples 3 (fun i _ -> float labels[i] + random.NextDouble() * 1.5)

    features, labels

[<Fact>]
let ``a weight of 0 makes its sample's label irrelevant`` () =
    let x, y = twoBlobs 60 4

    let weights =
        Array.init 60 (fun i -> if i % 4 = 3 then 0.0 else 1.0 + float (i % 3))

    let flipped =
        y |> Array.mapi (fun i label -> if weights[i] = 0.0 then 1 - label else label)

    let train labels =
        Model.train
            {
                modelOptions with
                    SampleWeights = Some weights
            }
            x
            labels
            (fun _ -> true)

    let a, b = train y, train flipped
    Assert.Equal<float[]>(parameters a.Network, parameters b.Network)
    Assert.Equal<float list>(a.Training.Costs, b.Training.Costs)
    // And the labels do matter once the samples weigh something.
    let plain = Model.train modelOptions x flipped (fun _ -> true)
    Assert.NotEqual<float[]>(parameters a.Network, parameters plain.Network)

let badWeights: obj[] seq = [
    [| [| 1.0; Double.NaN; 1.0; 1.0 |]; "sampleWeights[1] is NaN" |]
    [| [| 1.0; 1.0; -0.5; 1.0 |]; "sampleWeights[2] is -0.5" |]
    [|
        [| 1.0; 1.0; 1.0; Double.PositiveInfinity |]
        "sampleWeights[3] is Infinity"
    |]
    [| [| 1.0; 1.0; 1.0 |]; "sampleWeights has 3 values for 4 samples" |]
    [| [| 0.0; 0.0; 0.0; 0.0 |]; "sampleWeights are all 0" |]
]

[<Theory; MemberData(nameof badWeights)>]
let ``bad weight vectors are ArgumentExceptions that name sampleWeights`` (weights: float[]) (message: string) =
    let x = array2D [ [ 0.0; 1.0 ]; [ 1.0; 0.0 ]; [ 1.0; 1.0 ]; [ 0.0; 0.0 ] ]
    let y = [| 0; 1; 1; 0 |]
    let network = Network.initialize Xavier 1 2 [] Sigmoid 2
    let optimizer = Optimizer.gradientDescent 0.1

    let calls: (unit -> obj) list = [
        fun () -> box (Propagation.propagateWeighted network x y weights)
        fun () -> box (Training.stepWeighted optimizer x y weights (Training.init optimizer network))
        fun () -> box (Training.stepsWeighted optimizer None 0 x y weights (Training.init optimizer network))
        fun () ->
            box (
                Model.train
                    {
                        modelOptions with
                            SampleWeights = Some weights
                    }
                    x
                    y
                    (fun _ -> true)
            )
    ]

    for call in calls do
        let e = Assert.ThrowsAny<ArgumentException>(fun () -> call () |> ignore)
        Assert.Equal("sampleWeights", e.ParamName)
        Assert.Contains(message, e.Message)

[<Fact>]
let ``null sample weights are an ArgumentNullException naming sampleWeights`` () =
    let e =
        Assert.Throws<ArgumentNullException>(fun () -> SampleWeights.check "sampleWeights" 3 null)

    Assert.Equal("sampleWeights", e.ParamName)

[<Fact>]
let ``balanced class weights are n / (k count), as scikit-learn's`` () =
    let labels = [| 0; 0; 0; 0; 0; 0; 1; 1; 2; 0 |]
    let weights = SampleWeights.forClasses "ClassWeights" 3 labels ClassWeights.Balanced
    Assert.Equal<float[]>([| 10.0 / (3.0 * 7.0); 10.0 / (3.0 * 2.0); 10.0 / (3.0 * 1.0) |], weights)

[<Fact>]
let ``explicit class weights train as the same sample weights, bit for bit`` () =
    let x, y = twoBlobs 40 9

    let byClass =
        Model.train
            {
                modelOptions with
                    ClassWeights = ClassWeights.Explicit [| 1.0; 3.0 |]
            }
            x
            y
            (fun _ -> true)

    let bySample =
        Model.train
            {
                modelOptions with
                    SampleWeights = Some(y |> Array.map (fun c -> if c = 1 then 3.0 else 1.0))
            }
            x
            y
            (fun _ -> true)

    Assert.True(sameNetwork byClass.Network bySample.Network)

[<Fact>]
let ``class weights multiply into the sample weights`` () =
    let x, y = twoBlobs 40 9
    let sample = Array.init 40 (fun i -> 1.0 + float (i % 3))

    let both =
        Model.prepare
            {
                modelOptions with
                    SampleWeights = Some sample
                    ClassWeights = ClassWeights.Explicit [| 2.0; 0.5 |]
            }
            x
            y

    let expected = Array.init 40 (fun i -> sample[i] * (if y[i] = 1 then 0.5 else 2.0))
    Assert.Equal<float[]>(expected, both.Weights.Value)

[<Fact>]
let ``bad class weights are ArgumentExceptions that name ClassWeights`` () =
    let x, y = twoBlobs 20 1

    for weights, message in
        [
            [| 1.0 |], "ClassWeights has 1 weight for 2 classes"
            [| 1.0; -1.0 |], "ClassWeights[1] is -1"
            [| Double.NaN; 1.0 |], "ClassWeights[0] is NaN"
        ] do
        let e =
            Assert.ThrowsAny<ArgumentException>(fun () ->
                Model.train
                    {
                        modelOptions with
                            ClassWeights = ClassWeights.Explicit weights
                    }
                    x
                    y
                    (fun _ -> true)
                |> ignore)

        Assert.Equal("ClassWeights", e.ParamName)
        Assert.Contains(message, e.Message)

[<Fact>]
let ``the validation split carries each row's weight, stratified too, and its cost is weighted by them`` () =
    let x, y = twoBlobs 50 6
    let weights = Array.init 50 (fun i -> float (i + 1))

    for stratify in [ true; false ] do
        let options = {
            modelOptions with
                SampleWeights = Some weights
                ValidationFraction = 0.3
                Stratify = stratify
                Standardize = false
                Epochs = 3
        }

        let prepared = Model.prepare options x y
        let vx, vy = prepared.Validation.Value
        // Each feature row is unique, so its weight tells which row of x it came from.
        let rowOf (features: float[,]) r =
            [| 0..49 |]
            |> Array.find (fun i -> Array.forall (fun j -> features[r, j] = x[i, j]) [| 0..2 |])

        prepared.Weights.Value
        |> Array.iteri (fun r w -> Assert.Equal(weights[rowOf prepared.Features r], w))

        prepared.ValidationWeights.Value
        |> Array.iteri (fun r w -> Assert.Equal(weights[rowOf vx r], w))

        let model = Model.train options x y (fun _ -> true)
        let first = Model.train { options with Epochs = 1 } x y (fun _ -> true)

        let expected =
            Propagation.costWeighted first.Network vx vy prepared.ValidationWeights.Value

        Assert.True(relativeClose expected model.Training.ValidationCosts.Head)

[<Fact>]
let ``validation samples that all weigh 0 are an ArgumentException naming sampleWeights`` () =
    let x, y = twoBlobs 20 2
    let split, _ = Preprocessing.stratifiedSplit 11 0.25 y
    // Weight only on the training rows of the split that prepare will draw.
    let weights = Array.init 20 (fun i -> if Array.contains i split then 1.0 else 0.0)

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () ->
            Model.prepare
                {
                    modelOptions with
                        SampleWeights = Some weights
                        ValidationFraction = 0.25
                        Stratify = true
                }
                x
                y
            |> ignore)

    Assert.Equal("sampleWeights", e.ParamName)
    Assert.Contains("the validation samples", e.Message)

[<Property(MaxRejected = 10000)>]
let ``the weighted gradient check passes`` (c: Case) (seed: int) =
    // The same cases as GradientCheckTests' property: away from ReLU's kink, with gradients that central
    // differences can resolve.
    let weights = integerWeights seed c.Labels.Length |> Array.map (fun w -> w + 0.5)

    (GradientCheckTests.distanceToKink c > 1e-4 && GradientCheckTests.resolvable c)
    ==> lazy
        (let report =
            GradientCheck.checkWeighted 0.05 1e-6 c.Network c.Features c.Labels weights

         Assert.True(report.RelativeDifference < 1e-6, $"relative difference {report.RelativeDifference}"))

[<Fact>]
let ``a gradient that ignores the weights fails the weighted check`` () =
    let x, y = twoBlobs 30 3
    let weights = Array.init 30 (fun i -> if i < 10 then 5.0 else 0.2)
    let network = Network.initialize Xavier 2 3 [ 3 ] Tanh 2
    let passed = GradientCheck.checkWeighted 0.0 1e-6 network x y weights
    Assert.True(passed.RelativeDifference < 1e-7)
    // The same check with an analytic side that drops the weights, as a broken kernel would.
    let broken =
        GradientCheck.checkWith
            (fun n -> Propagation.propagate n x y)
            (fun n -> Propagation.costWeighted n x y weights)
            0.0
            1e-6
            network

    Assert.True(broken.RelativeDifference > 1e-2, $"relative difference {broken.RelativeDifference}")

[<Fact>]
let ``a weighted fit under a schedule reaches the weighted scheduled pure fold's network bit for bit`` () =
    let x, y = twoBlobs 30 8
    let weights = Array.init 30 (fun i -> float (i % 4) + 0.5)
    let network = Network.initialize Xavier 6 3 [ 4 ] Tanh 2
    let optimizer = Optimizer.momentum 0.1 0.9

    let schedule = {
        Decay = Decay.Exponential 0.8
        Warmup = 1
    }

    let fitted =
        Training.fit
            optimizer
            {
                fitOptions 5 (Some 7) with
                    Schedule = schedule
                    SampleWeights = Some weights
            }
            x
            y
            (Training.init optimizer network)
            (fun _ -> true)

    let batches = (30 + 6) / 7

    let folded =
        Training.scheduledStepsWeighted schedule 0 5 optimizer (Some 7) 3 x y weights (Training.init optimizer network)
        |> Seq.item (5 * batches - 1)

    Assert.True(sameNetwork folded.Network fitted.Network)

[<Fact>]
let ``weights near the largest double train as their ratios do`` () =
    // Their sum overflows; scaled to a mean of 1 they are the same factors as 1, 2 and 1.
    let huge = SampleWeights.normalized [| 0.5e308; 1e308; 0.5e308 |]
    let small = SampleWeights.normalized [| 1.0; 2.0; 1.0 |]
    Assert.Equal<float[]>(small, huge)

    let x = array2D [ [ 0.0; 1.0 ]; [ 1.0; 0.0 ]; [ 1.0; 1.0 ] ]
    let y = [| 0; 1; 1 |]
    let optimizer = Optimizer.gradientDescent 0.1
    let start = Training.init optimizer (Network.initialize Zeros 1 2 [] Tanh 2)

    let weighted w =
        (Training.stepWeighted optimizer x y w start).Cost

    Assert.Equal(weighted [| 1.0; 2.0; 1.0 |], weighted [| 0.5e308; 1e308; 0.5e308 |])
