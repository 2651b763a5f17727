/// Stratified splits: each class keeps its share on both sides of the split.
module Perceptron.Core.Tests.StratifiedSplitTests

open System
open Xunit
open FsCheck.Xunit
open Perceptron.Core

let countOf (labels: int[]) (rows: int[]) c =
    rows |> Array.filter (fun i -> labels[i] = c) |> Array.length

[<Property>]
let ``train and test partition the samples, test has the unstratified size, and every class keeps its share to within one``
    (seed: int)
    (sizes: byte list)
    (percent: byte)
    =
    let counts = sizes |> List.map (fun n -> 2 + int n % 40) |> List.truncate 6

    counts.Length < 1
    || (let labels =
            counts |> List.mapi (fun c n -> Array.create n c) |> Array.concat |> Array.rev

        let fraction = float (int percent % 60) / 100.0
        let train, test = Preprocessing.stratifiedSplit seed fraction labels
        let n = labels.Length

        Array.sort (Array.append train test) = Array.init n id
        && test.Length = Preprocessing.heldOut fraction n
        && train = Array.sort train
        && test = Array.sort test
        && counts
           |> List.mapi (fun c size ->
               let share = float size * float test.Length / float n
               let held = countOf labels test c
               abs (float held - share) < 1.0 + 1e-9 && countOf labels train c >= 1)
           |> List.forall id)

[<Fact>]
let ``an 8 % minority keeps its share where the plain split of the same seed does not`` () =
    // 100 samples, 8 positives; a 25 % test split should hold 2 of them.
    let labels = Array.init 100 (fun i -> if i % 12 = 0 && i < 96 then 1 else 0)
    Assert.Equal(8, Array.sum labels)

    let counts =
        [ 0..19 ]
        |> List.map (fun seed ->
            let _, test = Preprocessing.stratifiedSplit seed 0.25 labels
            countOf labels test 1)

    Assert.All(counts, fun held -> Assert.Equal(2, held))

    let plain =
        [ 0..19 ]
        |> List.map (fun seed ->
            let _, test = Preprocessing.split seed 0.25 100
            countOf labels test 1)

    Assert.Contains(plain, fun held -> held <> 2)

[<Fact>]
let ``same seed, same split; another seed, another`` () =
    let labels = Array.init 60 (fun i -> i % 3)
    Assert.Equal(Preprocessing.stratifiedSplit 4 0.3 labels, Preprocessing.stratifiedSplit 4 0.3 labels)
    Assert.NotEqual(Preprocessing.stratifiedSplit 4 0.3 labels, Preprocessing.stratifiedSplit 5 0.3 labels)

[<Fact>]
let ``a fraction of 0 holds nothing out`` () =
    let train, test = Preprocessing.stratifiedSplit 1 0.0 [| 0; 1; 0; 1 |]
    Assert.Equal<int[]>([| 0..3 |], train)
    Assert.Empty test

[<Fact>]
let ``a class with a single sample is an ArgumentException naming labels and the class`` () =
    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Preprocessing.stratifiedSplit 0 0.2 [| 0; 0; 0; 1; 0; 2; 2 |] |> ignore)

    Assert.Equal("labels", e.ParamName)
    Assert.Contains("class 1 has a single sample", e.Message)

[<Fact>]
let ``a fraction that would take every sample of a class is an ArgumentException naming fraction`` () =
    let e =
        Assert.Throws<ArgumentException>(fun () ->
            Preprocessing.stratifiedSplit 0 0.75 [| 0; 0; 1; 1; 2; 2; 3; 3 |] |> ignore)

    Assert.Equal("fraction", e.ParamName)

[<Fact>]
let ``a stratified split that cannot keep a training sample of every class names the fraction, the data and the way out``
    ()
    =
    let names = {
        Fraction = "--test-fraction"
        Labels = "labels"
        Samples = "samples"
        Source = Some "five.csv"
        Unstratified = "split without stratifying: --no-stratify"
    }

    let labels = [| 0; 1; 0; 1; 0 |]

    let e =
        Assert.ThrowsAny<ArgumentException>(fun () -> Preprocessing.holdOut names 0 0.7 5 (Some labels) |> ignore)

    Assert.Equal("--test-fraction", e.ParamName)

    Assert.StartsWith(
        "--test-fraction 0.7 holds out 4 of the 5 samples of five.csv, more than a stratified split can take while leaving every class a training sample (at most 3); expected a smaller --test-fraction, more data, or to split without stratifying: --no-stratify",
        e.Message
    )

    // Without stratifying, the same fraction leaves one training sample.
    Assert.Equal(1, (fst (Preprocessing.holdOut names 0 0.7 5 None)).Length)
    Assert.Equal(4, Preprocessing.checkHoldOut names 0.7 5 None)
