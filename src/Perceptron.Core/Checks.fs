/// The checks of samples-as-rows data and their messages: the one place that says what features
/// and labels must look like. The facade calls these instead of restating them.
namespace Perceptron.Core

open System
open System.Runtime.CompilerServices

/// Counts the non-finite scans run on each thread, so that tests can see that each call scans once. A
/// check left to a training run's gather (see TrainingRuns.batchShape) counts as a scan, and in Gathered.
/// A diagnostic only: no result depends on it.
type internal ScanCount() =
    [<ThreadStatic; DefaultValue>]
    static val mutable private count: int

    [<ThreadStatic; DefaultValue>]
    static val mutable private gathered: int

    /// The scans run on the calling thread so far.
    static member OnThisThread
        with get () = ScanCount.count
        and set value = ScanCount.count <- value

    /// The scans of OnThisThread that were left to a gather instead of run over the whole array.
    static member Gathered
        with get () = ScanCount.gathered
        and set value = ScanCount.gathered <- value

/// Checks of features and labels; each failure is an ArgumentException naming the argument.
[<RequireQualifiedAccess>]
module Checks =
    /// "1 sample", "3 samples": messages agree with their numbers.
    let internal count (n: int) (singular: string) (plural: string) =
        if n = 1 then $"1 {singular}" else $"{n} {plural}"

    // Every message below is built in a function of its own that only a failing check calls: a check that
    // held the interpolated string would load its format's types each time it is compiled, which is on the
    // first training call of every process (issue 12).

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private noRows (name: string) : unit =
        invalidArg name $"{name} has 0 samples (rows); expected at least 1."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private noColumns (name: string) : unit =
        invalidArg name $"{name} has 0 features (columns); expected at least 1."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private wrongColumns (name: string) (actual: int) (expected: int) : unit =
        let features = count actual "feature" "features"
        let columns = count actual "column" "columns"
        invalidArg name $"{name} has {features} ({columns}); expected {expected}."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private notFinite (name: string) (features: float[,]) (i: int) (j: int) : unit =
        invalidArg name $"{name}[{i}, {j}] is {features[i, j]}; expected a finite number."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private wrongLabelCount (name: string) (labels: int) (samples: int) : unit =
        let values = count labels "value" "values"
        let samples = count samples "sample" "samples"
        invalidArg name $"{name} has {values} for {samples}; expected one label per sample."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private badLabel (name: string) (classes: int option) (i: int) (label: int) : unit =
        let expected =
            match classes with
            | Some k -> $"a class from 0 to {k - 1}"
            | None -> "a class index >= 0"

        invalidArg name $"{name}[{i}] is {label}; expected {expected}."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private singleClass (name: string) (label: int) : unit =
        invalidArg name $"{name} holds a single class ({label}); expected at least two classes to tell apart."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private classesMissing (name: string) (classes: int) (seen: bool[]) : unit =
        let missing = [| 0 .. classes - 1 |] |> Array.filter (fun c -> not seen[c])

        let shown =
            if missing.Length <= 8 then
                String.Join(", ", missing)
            else
                String.Join(", ", Array.truncate 6 missing) + $", ... ({missing.Length} in all)"

        let which = if missing.Length = 1 then "class" else "classes"

        invalidArg
            name
            $"{name} has no sample of {which} {shown}; expected every class from 0 to {classes - 1} to occur (labels are class indices), or the classes declared with TrainingOptions.Classes."

    /// The shape check of featureShape; `allowEmpty` accepts 0 rows (prediction on no samples).
    let internal shape (name: string) (columns: int option) (allowEmpty: bool) (features: float[,]) =
        if isNull features then
            nullArg name

        let rows, actual = features.GetLength 0, features.GetLength 1

        if rows = 0 && not allowEmpty then
            noRows name

        if actual = 0 then
            noColumns name

        match columns with
        | Some expected when actual <> expected -> wrongColumns name actual expected
        | _ -> ()

    /// Features are non-null, have at least one row and one column, and `columns` columns when given.
    [<CompiledName("FeatureShape")>]
    let featureShape (name: string) (columns: int option) (features: float[,]) = shape name columns false features

    /// The row and column of the first NaN or infinite value, if any: one scan of the array.
    let internal firstNonFinite (features: float[,]) =
        ScanCount.OnThisThread <- ScanCount.OnThisThread + 1
        let bad = Buffers.firstNonFinite features

        if bad < 0 then
            None
        else
            let columns = features.GetLength 1
            Some(bad / columns, bad % columns)

    /// Every value of the caller's features is finite; the message names the first that is not.
    [<CompiledName("Finite")>]
    let finite (name: string) (features: float[,]) =
        match firstNonFinite features with
        | Some(i, j) -> notFinite name features i j
        | None -> ()

    /// Shape and finiteness of the caller's features (see featureShape and finite).
    [<CompiledName("Features")>]
    let features (name: string) (columns: int option) (features: float[,]) =
        featureShape name columns features
        finite name features

    /// One label per sample, each a class index >= 0, and below `classes` when given.
    [<CompiledName("Labels")>]
    let labels (name: string) (samples: int) (classes: int option) (labels: int[]) =
        if isNull labels then
            nullArg name

        if labels.Length <> samples then
            wrongLabelCount name labels.Length samples

        let limit =
            match classes with
            | Some k -> k
            | None -> Int32.MaxValue

        for i in 0 .. labels.Length - 1 do
            if labels[i] < 0 || labels[i] >= limit then
                badLabel name classes i labels[i]

    /// At least two distinct classes occur among the labels (training cannot tell one class apart).
    [<CompiledName("TwoClasses")>]
    let twoClasses (name: string) (labels: int[]) =
        if labels.Length > 0 then
            let first = labels[0]
            let mutable i = 1

            while i < labels.Length && labels[i] = first do
                i <- i + 1

            if i = labels.Length then
                singleClass name first

    /// Every class from 0 to classes - 1 occurs among the labels: a class index that skips classes (a label 7
    /// among 0, 1, 2) would otherwise make a model with classes that never occur.
    [<CompiledName("EveryClassOccurs")>]
    let everyClassOccurs (name: string) (classes: int) (labels: int[]) =
        let seen = Array.zeroCreate<bool> classes

        for y in labels do
            if y >= 0 && y < classes then
                seen[y] <- true

        let mutable c = 0

        while c < classes && seen[c] do
            c <- c + 1

        if c < classes then
            classesMissing name classes seen

    /// The number of classes a network's output layer tells apart: 2 for one sigmoid unit, else its units.
    let internal networkClasses (network: Network) =
        if network.Outputs = 1 then 2 else network.Outputs

    /// Features fit the network's inputs and are finite (for the core's own entry points).
    let internal forNetwork (network: Network) (x: float[,]) =
        features "features" (Some network.Inputs) x

    /// Labels fit the samples and the network's output layer (0/1 for sigmoid, 0..K-1 for softmax).
    let internal labelsForNetwork (network: Network) (samples: int) (y: int[]) =
        labels "labels" samples (Some(networkClasses network)) y

    /// The message for a value that the library computed from finite data and that is not finite: it names
    /// the column and what the library did, never a cell of the caller's data (whose values are all finite).
    let internal computedNonFinite (name: string) (what: string) (column: int) =
        $"{name} column {column} holds only finite values, but {what} it overflowed; expected values that fit the arithmetic of a double with room to spare (scale the column down)."
