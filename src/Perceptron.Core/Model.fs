/// The whole pipeline as pure functions over the values of ModelTypes.fs: split, standardise,
/// initialise or warm-start, fit (early stopping, divergence, interruption), predict and evaluate.
namespace Perceptron.Core

open System
open System.Globalization
open System.Runtime.CompilerServices

/// The training pipeline and the use of a trained model.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Model =
    /// x0, x1, ...: the names of features that came without names.
    [<CompiledName("DefaultFeatureNames")>]
    let defaultFeatureNames (count: int) =
        // Not an interpolated string: F# formats those through printf, whose first use costs milliseconds of JIT.
        Array.init count (fun j -> "x" + j.ToString(CultureInfo.InvariantCulture))

    /// 0, 1, ...: the names of classes that came without names.
    [<CompiledName("DefaultClasses")>]
    let defaultClasses (count: int) =
        Array.init count (fun i -> i.ToString(CultureInfo.InvariantCulture))

    /// Checks the arrays derived from the caller's features (standardised, split) in one scan each. A
    /// non-finite value is the caller's only when their features hold one; otherwise the library made it.
    let private checkDerived (name: string) (raw: float[,]) (derived: float[,] list) =
        for x in derived do
            match Checks.firstNonFinite x with
            | None -> ()
            | Some(_, j) ->
                Checks.finite name raw
                invalidArg name (Checks.computedNonFinite name "standardising" j)

    /// Checks the options that no data can fix (hidden widths, an initialisation that cannot break the symmetry
    /// of hidden units, epochs, batch size, validation fraction, early stopping), naming them as `names` says:
    /// OptionNames.library for the C# facade's properties, the console host's flags for it.
    [<CompiledName("CheckOptions")>]
    let checkOptions (names: OptionNames) (options: TrainOptions) = OptionRules.check names options

    /// The hidden layers as the network gets them: width and activation each, input side first.
    [<CompiledName("HiddenLayers")>]
    let hiddenLayers (options: TrainOptions) =
        match options.HiddenActivations with
        | Some activations when activations.Length = options.Hidden.Length -> List.zip options.Hidden activations
        // The perceptron's case apart: List.map's generic code would cost its first call JIT time (issue 12).
        | _ when options.Hidden.IsEmpty -> []
        | _ -> options.Hidden |> List.map (fun width -> width, options.HiddenActivation)

    /// The epochs a warm start's model had trained in all, which a schedule continues from (0 without one).
    let private epochsBefore (options: TrainOptions) =
        options.WarmStart
        |> Option.map (fun warm -> warm.Training.EpochsBefore + warm.Training.Epochs)
        |> Option.defaultValue 0

    /// Declared class names: at least two, none null, no two alike.
    let private checkClassNames (names: string[]) =
        if names.Length < 2 then
            let count = Checks.count names.Length "name" "names"
            invalidArg "Classes" $"Classes has {count}; expected at least 2 classes."

        names
        |> Array.iteri (fun i name ->
            if isNull name then
                invalidArg "Classes" $"Classes[{i}] is null; expected a class name."

            if Array.IndexOf(names, name) < i then
                invalidArg "Classes" $"Classes[{i}] is '{name}' again; expected distinct class names.")

    /// The features the network sees: the caller's, standardised when the model standardises, checked once.
    let private input (rows: RowNames) (model: Model) (features: float[,]) =
        Checks.featureShape "features" (Some model.Network.Inputs) features

        match model.Standardization with
        | None ->
            Checks.finite "features" features
            features
        | Some s ->
            let x =
                try
                    Preprocessing.standardizeRows rows s features
                with :? StandardizationException as e ->
                    invalidArg
                        "features"
                        $"features column '{model.FeatureNames[e.Column]}' cannot be standardised: {e.Reason}"

            checkDerived "features" features [ x ]
            x

    /// Every value that training will see is finite, checked in one scan per array; the message blames the
    /// caller's data only for the caller's own NaN or infinity.
    let private checkFinite (features: float[,]) (standardization: Standardization option) trainFeatures validation =
        match standardization with
        // Split rows are copies of the caller's values: scanning the caller's array is the one scan.
        | None -> Checks.finite "features" features
        | Some _ -> checkDerived "features" features (trainFeatures :: (Option.toList validation |> List.map fst))

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private warmStartMismatch (warm: Model) (columns: int) (present: int) : unit =
        if warm.Network.Inputs <> columns then
            invalidArg "options" $"WarmStart has {warm.Network.Inputs} features; features has {columns} columns."

        if present > warm.Classes.Length then
            invalidArg
                "options"
                $"labels has class {present - 1}; the WarmStart model knows {warm.Classes.Length} classes."

    /// prepare, with or without the finite check (train leaves it to fit's own scan of the same arrays).
    let private prepareWith
        (scan: bool)
        (stopRequested: unit -> bool)
        (options: TrainOptions)
        (features: float[,])
        (labels: int[])
        =
        checkOptions OptionNames.library options
        Checks.featureShape "features" None features
        let samples, columns = features.GetLength 0, features.GetLength 1
        Checks.labels "labels" samples None labels

        match options.SampleWeights with
        | Some weights -> SampleWeights.check "sampleWeights" samples weights
        | None -> ()

        Checks.twoClasses "labels" labels
        let present = Array.max labels + 1

        let classes =
            match options.WarmStart, options.Classes with
            | Some _, Some _ ->
                invalidArg "Classes" "Classes cannot be declared with a WarmStart, whose model keeps its own classes."
            | None, Some names ->
                checkClassNames names
                Checks.labels "labels" samples (Some names.Length) labels
                names.Length
            | None, None ->
                Checks.everyClassOccurs "labels" present labels
                present
            | Some warm, None ->
                if warm.Network.Inputs <> columns || present > warm.Classes.Length then
                    warmStartMismatch warm columns present

                warm.Classes.Length

        let trainRows, validationRows =
            if options.ValidationFraction > 0.0 then
                let names = {
                    SplitNames.parameters with
                        Fraction = OptionNames.library.ValidationFraction
                        Unstratified = "set Stratify = false"
                }

                let stratifyBy = if options.Stratify then Some labels else None

                let train, validation =
                    Preprocessing.holdOut names options.Seed options.ValidationFraction samples stratifyBy

                Some train, Some validation
            else
                None, None

        // Matches rather than Option.map with closures: less for the JIT on a first training call (issue 12).
        let trainFeatures, trainLabels =
            match trainRows with
            | Some r -> Preprocessing.takeRows r features, Array.map (fun i -> labels[i]) r
            | None -> features, labels

        let validation =
            match validationRows with
            | Some r -> Some(Preprocessing.takeRows r features, Array.map (fun i -> labels[i]) r)
            | None -> None

        let trainWeights, validationWeights =
            SampleWeights.forSplit
                options.SampleWeights
                options.ClassWeights
                classes
                (trainRows, trainLabels)
                (validationRows |> Option.map (fun r -> r, snd validation.Value))

        let standardization =
            match options.WarmStart with
            | Some warm -> warm.Standardization
            | None when options.Standardize -> Some(Preprocessing.fitStandardization trainFeatures)
            | None -> None

        let trainFeatures, validation =
            match standardization with
            | None -> trainFeatures, validation
            // A caller who stopped training will not use the standardised rows: skip the pass over the data.
            | Some _ when stopRequested () -> trainFeatures, validation
            | Some s ->
                Preprocessing.standardize s trainFeatures,
                validation |> Option.map (fun (vx, vy) -> Preprocessing.standardize s vx, vy)

        if scan then
            checkFinite features standardization trainFeatures validation

        let network =
            match options.WarmStart with
            | Some warm -> warm.Network
            | None ->
                Network.initializeLayers options.Initialization options.Seed columns (hiddenLayers options) classes

        {
            Features = trainFeatures
            Labels = trainLabels
            Validation = validation
            Standardization = standardization
            Network = network
            FeatureNames =
                match options.WarmStart with
                | Some warm -> warm.FeatureNames
                | None -> defaultFeatureNames columns
            LabelName =
                match options.WarmStart with
                | Some warm -> warm.LabelName
                | None -> "label"
            Classes =
                match options.WarmStart, options.Classes with
                | Some warm, _ -> warm.Classes
                | None, Some names -> Array.copy names
                | None, None -> defaultClasses classes
            Weights = trainWeights
            ValidationWeights = validationWeights
        }

    /// Checks the data and options, splits off the validation rows, fits the standardisation on the
    /// training rows, and draws (or warm-starts) the network: everything before the first step.
    [<CompiledName("Prepare")>]
    let prepare (options: TrainOptions) (features: float[,]) (labels: int[]) =
        prepareWith true (fun () -> false) options features labels

    /// A model of prepared data with the given network and training record.
    let private ofPrepared (prepared: PreparedData) (network: Network) (record: TrainingRecord) : Model = {
        Network = network
        Standardization = prepared.Standardization
        FeatureNames = prepared.FeatureNames
        LabelName = prepared.LabelName
        Classes = prepared.Classes
        Training = record
    }

    /// Trains a model: prepare, then fit until Epochs, early stopping, divergence, `proceed` returning
    /// false (the caller's hook for progress, told after every epoch) or `stopRequested` returning true
    /// (the caller's cancellation, asked before every batch). The record's Reason says which; a diverged
    /// model holds the last network with a finite cost, an interrupted one the last completed step.
    [<CompiledName("TrainUntil")>]
    let trainUntil
        (options: TrainOptions)
        (features: float[,])
        (labels: int[])
        (proceed: EpochReport -> bool)
        (stopRequested: unit -> bool)
        =
        // Once asked, always stopped: prepare may have skipped work that only training would use.
        let mutable stopped = false

        let stopRequested () =
            stopped <- stopped || stopRequested ()
            stopped

        let prepared = prepareWith false stopRequested options features labels
        let start = Training.init options.Optimizer prepared.Network

        let fit: FitOptions = {
            Epochs = options.Epochs
            BatchSize = options.BatchSize
            Seed = options.Seed
            Validation = prepared.Validation
            EarlyStopping = options.EarlyStopping
            Schedule = options.Schedule
            EpochsBefore = epochsBefore options
            SampleWeights = prepared.Weights
            ValidationWeights = prepared.ValidationWeights
        }

        let result =
            if stopRequested () then
                // Stopped before the first step: the start state is the last one reached.
                {
                    Network = start.Network
                    State = start
                    Costs = []
                    ValidationCosts = []
                    Reason = Interrupted
                    BestEpoch = 0
                    Batch = 0
                    CostEpochs = []
                }
            else
                try
                    Training.fitUntil
                        options.Optimizer
                        fit
                        prepared.Features
                        prepared.Labels
                        start
                        proceed
                        stopRequested
                with :? ArgumentException as e when e.ParamName = "features" ->
                    // fit's check is the one scan of these arrays, but its message would name a cell of the
                    // split or standardised copy: say whose value is not finite, in the caller's terms.
                    checkFinite features prepared.Standardization prepared.Features prepared.Validation
                    reraise ()

        ofPrepared prepared result.Network {
            Costs = result.Costs
            ValidationCosts = result.ValidationCosts
            Reason = result.Reason
            Epochs = result.State.Epoch
            Batch = result.Batch
            EpochsBefore = epochsBefore options
            CostEpochs = result.CostEpochs
        }

    /// Trains a model: prepare, then fit until Epochs, early stopping, divergence, or `proceed`
    /// returning false (the caller's hook for progress and cancellation, told after every epoch).
    /// The record's Reason says which; a diverged model holds the last network with a finite cost.
    [<CompiledName("Train")>]
    let train (options: TrainOptions) (features: float[,]) (labels: int[]) (proceed: EpochReport -> bool) =
        trainUntil options features labels proceed (fun () -> false)

    /// The states of training, one per update, lazily, up to the end of the last epoch: the steps
    /// `train` takes (without early stopping). Each enumeration starts afresh.
    [<CompiledName("States")>]
    let states (options: TrainOptions) (prepared: PreparedData) =
        let start = Training.init options.Optimizer prepared.Network

        let before = epochsBefore options

        let steps =
            match prepared.Weights with
            | None ->
                Training.scheduledSteps
                    options.Schedule
                    before
                    (before + options.Epochs)
                    options.Optimizer
                    options.BatchSize
                    options.Seed
                    prepared.Features
                    prepared.Labels
                    start
            | Some weights ->
                Training.scheduledStepsWeighted
                    options.Schedule
                    before
                    (before + options.Epochs)
                    options.Optimizer
                    options.BatchSize
                    options.Seed
                    prepared.Features
                    prepared.Labels
                    weights
                    start

        seq {
            use e = steps.GetEnumerator()
            let mutable going = true

            while going && e.MoveNext() do
                yield e.Current
                going <- e.Current.Epoch < options.Epochs
        }

    /// The model as it is at a state of `states`: Completed once every epoch ran, Interrupted before.
    [<CompiledName("AtState")>]
    let atState (options: TrainOptions) (prepared: PreparedData) (state: TrainingState) =
        ofPrepared prepared state.Network {
            Costs = []
            ValidationCosts = []
            Reason =
                if state.Epoch >= options.Epochs then
                    Completed
                else
                    Interrupted
            Epochs = state.Epoch
            Batch = 0
            EpochsBefore = epochsBefore options
            CostEpochs = []
        }

    /// The epoch whose cost stopped being finite: the one after the last recorded cost (the history always
    /// keeps the last epoch's).
    [<CompiledName("DivergedEpoch")>]
    let divergedEpoch (model: Model) =
        (List.tryLast model.Training.CostEpochs |> Option.defaultValue 0) + 1

    /// What to tell a caller whose training diverged with this learning rate.
    [<CompiledName("DivergenceMessage")>]
    let divergenceMessage (learningRate: float) (standardized: bool) (epoch: int) =
        let number (x: float) =
            x.ToString(CultureInfo.InvariantCulture)

        $"Training diverged: the cost became NaN or infinite in epoch {epoch} with learning rate {number learningRate}; "
        + $"try a smaller learning rate (e.g. {number (learningRate / 10.0)})"
        + (if standardized then "." else " or standardised features.")

    /// The warning of a training cost that rose; apart from `warnings`, which every training call runs,
    /// because its interpolated string costs JIT time wherever it is compiled (issue 12).
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private costRose (first: float) (firstEpoch: int) (last: float) (lastEpoch: int) =
        let number (x: float) =
            x.ToString("G6", CultureInfo.InvariantCulture)

        [
            $"the training cost rose from {number first} in epoch {firstEpoch} to {number last} in epoch {lastEpoch}: "
            + "training did not converge; try a smaller learning rate."
        ]

    /// What training warns about without failing: a training cost that ended above the first epoch's (a
    /// learning rate too large can blow the cost up while it stays finite). Empty when all is well.
    [<CompiledName("Warnings")>]
    let warnings (model: Model) =
        match model.Training.Costs, model.Training.CostEpochs with
        | first :: (_ :: _ as rest), firstEpoch :: (_ :: _ as epochs) ->
            // Walks, not List.last: its generic code would cost every first training call JIT time (issue 12).
            let mutable last = rest

            while not last.Tail.IsEmpty do
                last <- last.Tail

            if last.Head > first then
                let mutable lastEpoch = epochs

                while not lastEpoch.Tail.IsEmpty do
                    lastEpoch <- lastEpoch.Tail

                costRose first firstEpoch last.Head lastEpoch.Head
            else
                []
        | _ -> []

    /// `probabilities`, naming a row that cannot be standardised or overflows as `rows` says (e.g. a file's data row).
    [<CompiledName("ProbabilitiesWith")>]
    let probabilitiesWith (rows: RowNames) (model: Model) (features: float[,]) =
        let network = Network.validate model.Network
        Checks.shape "features" (Some network.Inputs) true features

        if features.GetLength 0 = 0 then
            Array2D.zeroCreate 0 (Checks.networkClasses network)
        else
            Prediction.probabilitiesUnchecked rows network (input rows model features)

    /// Class probabilities, samples x classes (each row sums to 1), for the caller's features; no rows
    /// give no rows.
    [<CompiledName("Probabilities")>]
    let probabilities (model: Model) (features: float[,]) =
        probabilitiesWith RowNames.features model features

    /// `predict`, naming a row that cannot be standardised or overflows as `rows` says.
    [<CompiledName("PredictWith")>]
    let predictWith (rows: RowNames) (model: Model) (features: float[,]) =
        Prediction.classesOf (probabilitiesWith rows model features)

    /// The predicted class of each sample (see Prediction.classesOf).
    [<CompiledName("Predict")>]
    let predict (model: Model) (features: float[,]) =
        predictWith RowNames.features model features

    /// `evaluate`, naming a row that cannot be standardised or overflows as `rows` says.
    [<CompiledName("EvaluateWith")>]
    let evaluateWith (rows: RowNames) (model: Model) (features: float[,]) (labels: int[]) =
        Checks.featureShape "features" (Some model.Network.Inputs) features
        let probabilities = probabilitiesWith rows model features
        let k = model.Classes.Length
        Checks.labels "labels" (features.GetLength 0) (Some k) labels
        let predicted = Prediction.classesOf probabilities
        let confusion = Metrics.confusionMatrix k labels predicted

        let everyClass =
            labels.Length > 0
            && Array.forall (fun c -> Array.contains c labels) [| 0 .. k - 1 |]

        let roc =
            if k = 2 && everyClass then
                let scores = Array.init labels.Length (fun i -> probabilities[i, 1])
                Some(Metrics.rocCurve labels scores, Metrics.rocAuc labels scores)
            else
                None

        let rocAuc =
            match roc with
            | Some(_, area) -> Some area
            | None when k > 2 && everyClass -> Some(Metrics.rocAucOneVsRest labels probabilities)
            | None -> None

        {
            Probabilities = probabilities
            Predicted = predicted
            Accuracy = Metrics.accuracy labels predicted
            Confusion = confusion
            Scores = Metrics.classScores confusion
            LogLoss = Metrics.logLoss labels probabilities
            Roc = roc
            RocAuc = rocAuc
        }

    /// Accuracy, confusion matrix, per-class scores, log loss and (two classes, both present) the ROC curve.
    [<CompiledName("Evaluate")>]
    let evaluate (model: Model) (features: float[,]) (labels: int[]) =
        evaluateWith RowNames.features model features labels
