/// The first training call's kernels compiled on a second core (issue 12). In a default application the
/// kernels compile fully optimized at their first call (Tiering.optimizeNow), about 30 ms of a small run's
/// first call; a background thread runs them, then one step of a zero network shaped like the caller's, on
/// buffers of its own, while the caller's thread checks its data, standardises it and builds its run.
namespace Perceptron.Core

open System
open System.Threading

/// Compiles, once per process, what a training step runs, on a background thread.
module internal Warmup =
    /// Batch values (rows x inputs) above which no warm-up runs: a batch that large trains long enough for
    /// the first step's compilation not to matter, and the warm-up's zero batch would cost memory.
    let budget = 1 <<< 16

    /// Runs `work` on a background thread (it never keeps the process alive), swallowing whatever it or the
    /// thread's start throws: the warm-up is a hint, never a cause of failure. None when no thread started.
    /// A thread of its own rather than the thread pool's, which a first training call may not have started.
    let launch (work: unit -> unit) : Thread option =
        try
            let thread =
                Thread(
                    (fun () ->
                        try
                            work ()
                        with _ ->
                            ()),
                    IsBackground = true,
                    Name = "Perceptron warm-up"
                )

            thread.Start()
            Some thread
        with _ ->
            None

    /// Calls `launch` the first time it is given a flag that is 0, whatever the number of threads calling.
    let once (flag: int ref) (launch: unit -> unit) =
        if
            Volatile.Read(&flag.contents) = 0
            && Interlocked.CompareExchange(&flag.contents, 1, 0) = 0
        then
            launch ()

    let private zero (units: int) (inputs: int) (activation: Activation) = {
        Layer.Weights = Array2D.zeroCreate units inputs
        Bias = Array.zeroCreate units
        Activation = activation
    }

    /// Zero layers shaped like the network that `options` train on `columns` features and `labels`: the warm
    /// start's, or the drawn one's (hidden layers, then sigmoid for two classes or softmax for more). Loops,
    /// not FSharp.Core's combinators, whose generic code the warm-up would first have to compile.
    let shape (options: TrainOptions) (columns: int) (labels: int[]) : Layer[] =
        match options.WarmStart with
        | Some warm ->
            let layers = List.toArray warm.Network.Layers
            let copies = Array.zeroCreate<Layer> layers.Length

            for l in 0 .. layers.Length - 1 do
                copies[l] <- zero layers[l].Units layers[l].Inputs layers[l].Activation

            copies
        | None ->
            let classes =
                match options.Classes with
                | Some names -> names.Length
                | None ->
                    let mutable largest = 0

                    for label in labels do
                        if label > largest then
                            largest <- label

                    largest + 1

            let layers = Array.zeroCreate<Layer>(options.Hidden.Length + 1)
            let mutable inputs = columns
            let mutable l = 0

            for width in options.Hidden do
                let activation =
                    match options.HiddenActivations with
                    | Some a when a.Length = options.Hidden.Length -> a[l]
                    | _ -> options.HiddenActivation

                layers[l] <- zero width inputs activation
                inputs <- width
                l <- l + 1

            layers[l] <- zero (Network.outputUnits classes) inputs (Network.outputActivation classes)
            layers

    /// The step's kernels from its end backwards (the update, the gradient's product, the loss's pieces, the
    /// output activation), so that the caller's thread, which starts at the other end, meets fewer
    /// compilations in progress; then one whole step of the zero network `layers` on a zero batch of `rows`.
    let work (optimizer: Optimizer) (layers: Layer[]) (rows: int) () =
        let last = layers[layers.Length - 1]
        let inputs = layers[0].Inputs
        let input = Array.zeroCreate<float>(rows * inputs)
        let labels = Array.zeroCreate<int> rows
        let outputs = rows * last.Units
        let a = Array.zeroCreate<float> outputs
        let b = Array.zeroCreate<float> outputs
        let c = Array.zeroCreate<float> outputs
        let d = Array.zeroCreate<float> outputs
        let rule = Optimizer.tryRule optimizer

        match rule with
        | Some r -> r.Apply(1, 1.0, true, Span a, Span b, Span c, Span d)
        | None -> ()

        if layers.Length = 1 && last.Units = 1 then
            let dw = Array.zeroCreate<float> inputs
            Kernels.gemv (true, rows, inputs, 1.0, ReadOnlySpan input, inputs, ReadOnlySpan a, 0.0, Span dw)

        VectorMath.sum (ReadOnlySpan a) |> ignore
        let loss = Loss.forOutput last.Activation

        match loss with
        | BinaryCrossEntropy ->
            // sumAndDeltaWeighted's pieces, last first.
            Elementwise.scaledProduct (ReadOnlySpan a) (ReadOnlySpan b) 1.0 (Span c)
            Elementwise.multiply (ReadOnlySpan a) (ReadOnlySpan b) (Span c)
            VectorMath.log (ReadOnlySpan a) (Span c)
            Elementwise.log1pParts (ReadOnlySpan a) (Span b) (Span c)
            VectorMath.exp (ReadOnlySpan a) (Span c)
            Elementwise.signedLogits (ReadOnlySpan a) (ReadOnlySpan b) (Span c) (Span d)
            Elementwise.signs (ReadOnlySpan labels) (Span c)
        | _ -> ()

        Loss.sumAndDeltaWeighted
            loss
            last.Units
            (ReadOnlySpan a)
            (ReadOnlySpan b)
            (ReadOnlySpan labels)
            ReadOnlySpan.Empty
            1.0
            (Span c)
            (Span d)
            (Span(Array.zeroCreate<float> outputs))
        |> ignore

        Activation.applyInPlace last.Activation last.Units (Span a)
        Elementwise.addScalar (Span a) 0.0
        let network: Network = { Layers = List.ofArray layers }
        let ws = Workspace(network, rows)

        match rule with
        | Some rule ->
            let start: TrainingState = {
                Network = network
                OptimizerState = Optimizer.init optimizer network
                Step = 0
                Epoch = 0
                Cost = Double.NaN
                Gradients = None
            }

            let engine = Engine(rule, Optimizer.l2 optimizer, (fun _ -> 1.0), start)

            engine.Step(ws, ReadOnlySpan input, ReadOnlySpan labels, ReadOnlySpan.Empty)
            |> ignore
        | None ->
            let weights, bias = Propagation.zeroGradients layers

            Propagation.propagateInto
                ws
                layers
                (ReadOnlySpan input)
                (ReadOnlySpan labels)
                ReadOnlySpan.Empty
                weights
                bias
            |> ignore

    /// 1 once a warm-up has been launched in this process.
    let started = ref 0

    /// Starts the warm-up for training `options` on `features` and `labels`, the first time any training
    /// asks in this process, unless a batch holds more than `budget` values or PERCEPTRON_WARMUP is 0. Never
    /// throws and changes no result: the warm-up reads only shapes, options and the largest label, and
    /// writes arrays of its own; a failure ends it quietly (the caller's own checks report bad input).
    let start (options: TrainOptions) (features: float[,]) (labels: int[]) =
        try
            if Environment.GetEnvironmentVariable "PERCEPTRON_WARMUP" <> "0" then
                let samples = features.GetLength 0
                let columns = features.GetLength 1

                let rows =
                    match options.BatchSize with
                    | Some b -> min b samples
                    | None -> samples

                if rows > 0 && columns > 0 && int64 rows * int64 columns <= int64 budget then
                    once started (fun () ->
                        launch (fun () -> work options.Optimizer (shape options columns labels) rows ())
                        |> ignore)
        with _ ->
            ()
