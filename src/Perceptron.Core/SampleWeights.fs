/// Sample weights and class weights: the rules they follow and how they become the per-sample factors
/// that training multiplies into each sample's loss. The cost with weights is the weighted mean
/// Σ wᵢ Lᵢ / Σ wᵢ, so a sample of weight 2 counts as that sample twice, and one of weight 0 not at all.
namespace Perceptron.Core

open System
open System.Runtime.CompilerServices

/// Weights per class, multiplied into the sample weights of the samples of that class.
[<RequireQualifiedAccess>]
type ClassWeights =
    /// Every class weighs 1.
    | None
    /// n / (k · nᶜ) for a class with nᶜ of the n training samples, k the number of classes that occur
    /// (scikit-learn's class_weight="balanced"): each class then weighs as much in total.
    | Balanced
    /// One weight per class index, each finite and >= 0.
    | Explicit of float[]

/// The checks and arithmetic of sample and class weights.
[<RequireQualifiedAccess>]
module SampleWeights =
    /// What a weight must be, as messages say it.
    [<Literal>]
    let Expected = "a finite number >= 0"

    /// The index of the first weight that is not a finite number >= 0, if any.
    [<CompiledName("FirstInvalid")>]
    let firstInvalid (weights: float[]) =
        weights |> Array.tryFindIndex (fun w -> not (Double.IsFinite w && w >= 0.0))

    /// Weights are non-null, one per sample, each a finite number >= 0, and not all 0; the message names
    /// the argument `name`.
    [<CompiledName("Check")>]
    let check (name: string) (samples: int) (weights: float[]) =
        if isNull weights then
            nullArg name

        if weights.Length <> samples then
            let values = Checks.count weights.Length "value" "values"
            let samples = Checks.count samples "sample" "samples"
            invalidArg name $"{name} has {values} for {samples}; expected one weight per sample."

        match firstInvalid weights with
        | Some i -> invalidArg name $"{name}[{i}] is {weights[i]}; expected {Expected}."
        | None -> ()

        if weights.Length > 0 && Array.forall (fun w -> w = 0.0) weights then
            invalidArg name $"{name} are all 0; expected at least one sample with a weight above 0."

    /// Explicit class weights are non-null, each a finite number >= 0, and not all 0 (the message names `name`).
    [<CompiledName("CheckClassWeights")>]
    let checkClassWeights (name: string) (weights: float[]) =
        if isNull weights then
            nullArg name

        match firstInvalid weights with
        | Some i -> invalidArg name $"{name}[{i}] is {weights[i]}; expected {Expected}."
        | None -> ()

        if weights.Length > 0 && Array.forall (fun w -> w = 0.0) weights then
            invalidArg name $"{name} are all 0; expected at least one class with a weight above 0."

    /// The weights scaled to a mean of 1: training divides each batch's weighted loss by its size, so that
    /// a batch's cost estimates the weighted mean Σ wᵢ Lᵢ / Σ wᵢ over all samples, which a full batch is.
    [<CompiledName("Normalized")>]
    let normalized (weights: float[]) =
        let mutable total = 0.0

        for w in weights do
            total <- total + w

        if Double.IsFinite total then
            let factor = float weights.Length / total
            weights |> Array.map (fun w -> w * factor)
        else
            // Weights near Double.MaxValue sum past it: scale by the largest first (the sum is then <= n).
            let top = Array.max weights
            let total = weights |> Array.sumBy (fun w -> w / top)
            let factor = float weights.Length / total
            weights |> Array.map (fun w -> w / top * factor)

    /// One weight per class index (classes of them) for the given labels; the message of a bad explicit
    /// weight names `name`.
    [<CompiledName("ForClasses")>]
    let forClasses (name: string) (classes: int) (labels: int[]) (classWeights: ClassWeights) =
        match classWeights with
        | ClassWeights.None -> Array.create classes 1.0
        | ClassWeights.Balanced ->
            let counts = Array.zeroCreate<int> classes

            for y in labels do
                counts[y] <- counts[y] + 1

            let occurring = counts |> Array.filter (fun c -> c > 0) |> Array.length

            counts
            |> Array.map (fun c ->
                if c = 0 then
                    0.0
                else
                    float labels.Length / (float occurring * float c))
        | ClassWeights.Explicit weights ->
            checkClassWeights name weights

            if weights.Length <> classes then
                let values = Checks.count weights.Length "weight" "weights"

                invalidArg
                    name
                    $"{name} has {values} for {classes} classes; expected one weight per class, in class order."

            Array.copy weights

    /// The weight of each sample: its sample weight (1 without) times its class's weight (perClass, 1
    /// without). None when neither is given, so that unweighted training keeps its own arithmetic.
    [<CompiledName("Combine")>]
    let combine (sampleWeights: float[] option) (perClass: float[] option) (labels: int[]) =
        match sampleWeights, perClass with
        | Option.None, Option.None -> Option.None
        | _ ->
            Some(
                Array.init labels.Length (fun i ->
                    let w =
                        match sampleWeights with
                        | Some s -> s[i]
                        | Option.None -> 1.0

                    match perClass with
                    | Some c -> w * c[labels[i]]
                    | Option.None -> w)
            )

    // Apart from checkSomeWeight, which every training call runs: its interpolated string would cost JIT
    // time wherever it is compiled (issue 12).
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private noWeight (part: string) : unit =
        invalidArg
            "sampleWeights"
            $"sampleWeights (times ClassWeights) are 0 for every one of {part}; expected at least one sample of them with a weight above 0."

    /// The weights of the samples of one part of the data (`part`, e.g. "the training samples") are not
    /// all 0: a weighted mean over them needs some weight.
    let internal checkSomeWeight (part: string) (weights: float[] option) =
        match weights with
        | Some w when w.Length > 0 && Array.forall (fun x -> x = 0.0) w -> noWeight part
        | _ -> ()

    /// The weights of the training and validation rows (each given by its row indices, None for all rows,
    /// and its labels): the sample weights of those rows times the class weights, balanced ones counted on
    /// the training rows only (as the standardisation is fitted). Neither part may weigh 0 in all.
    let internal forSplit
        (sampleWeights: float[] option)
        (classWeights: ClassWeights)
        (classes: int)
        (trainRows: int[] option, trainLabels: int[])
        (validation: (int[] * int[]) option)
        =
        let taken (rows: int[] option) =
            sampleWeights
            |> Option.map (fun w -> rows |> Option.map (Array.map (fun i -> w[i])) |> Option.defaultValue w)

        let perClass =
            match classWeights with
            | ClassWeights.None -> Option.None
            | c -> Some(forClasses "ClassWeights" classes trainLabels c)

        let train = combine (taken trainRows) perClass trainLabels
        checkSomeWeight "the training samples" train

        let held =
            validation
            |> Option.bind (fun (rows, labels) -> combine (taken (Some rows)) perClass labels)

        checkSomeWeight "the validation samples" held
        train, held
