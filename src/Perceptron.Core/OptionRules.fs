/// The rules of the training options that no data can fix, each written once, and their messages.
namespace Perceptron.Core

open System
open System.Globalization
open System.Runtime.CompilerServices

/// The checks of Model.checkOptions.
[<RequireQualifiedAccess>]
module internal OptionRules =
    // Each message is concatenated, not interpolated (F# formats interpolated strings through printf, whose JIT
    // cost every process's first training call would pay), in a function of its own that only a broken rule
    // calls: `check` runs on every training call, and its quick JIT then has no message's calls to resolve.

    /// What ends an option's message: properties' messages are sentences; a flag's is the line after "error: ".
    let private ending (names: OptionNames) = if names.Flags then "" else "."

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private tooNarrow (names: OptionNames) (i: int) (width: int) : unit =
        // The width in the current culture, as interpolation showed it (a minus sign of its own in some).
        let shown = width.ToString(CultureInfo.CurrentCulture)
        let index = i.ToString(CultureInfo.InvariantCulture)

        invalidArg
            names.Hidden
            (names.Hidden
             + "["
             + index
             + "] is "
             + shown
             + "; expected a width of at least 1 unit"
             + ending names)

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private activationsPerLayer (given: int) (layers: int) : unit =
        let given = Checks.count given "activation" "activations"
        let layers = Checks.count layers "hidden layer" "hidden layers"

        invalidArg
            "HiddenActivations"
            ("HiddenActivations has "
             + given
             + " for "
             + layers
             + "; expected one per hidden layer.")

    /// Zero initialisation cannot train hidden layers: why, and what to use instead, in these names.
    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private symmetryUnbroken (names: OptionNames) : unit =
        let init = names.Initialization

        let value (initialization: Initialization) =
            OptionNames.value names (Initialization.name initialization)

        invalidArg
            init
            (init
             + " "
             + value Zeros
             + " does not work with "
             + names.Hidden
             + ": every hidden unit would start with the same weights and get the same gradients, so the units "
             + "would never differ (symmetry is not broken); use "
             + init
             + " "
             + value (Normal 1.0)
             + ", "
             + value Xavier
             + " or "
             + value He
             + ending names)

    let private outOfRange (names: OptionNames) (name: string) (shown: string) (expected: string) : unit =
        raise (ArgumentOutOfRangeException(name, name + " is " + shown + "; expected " + expected + ending names))

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private notPositive (names: OptionNames) (name: string) (n: int) : unit = outOfRange names name (string n) "> 0"

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private outside (names: OptionNames) (name: string) (x: float) (expected: string) : unit =
        outOfRange names name (x.ToString("R", CultureInfo.InvariantCulture)) expected

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private needsSplit (names: OptionNames) : unit =
        let verb = if names.Flags then "add" else "set"
        let example = OptionNames.setting names names.ValidationFraction "0.2"

        invalidArg
            names.Patience
            (names.Patience
             + " needs a validation split to watch; "
             + verb
             + " "
             + names.ValidationFraction
             + ", e.g. "
             + example
             + ending names)

    /// Checks the options that no data can fix (hidden widths, an initialisation that cannot break the symmetry
    /// of hidden units, epochs, batch size, validation fraction, early stopping), naming them as `names` says:
    /// OptionNames.library for the C# facade's properties, the console host's flags for it. Raises for the
    /// first rule broken, in the order written here.
    let check (names: OptionNames) (options: TrainOptions) =
        let mutable i = 0

        for width in options.Hidden do
            if width < 1 then
                tooNarrow names i width

            i <- i + 1

        match options.HiddenActivations with
        | Some activations when activations.Length <> options.Hidden.Length ->
            activationsPerLayer activations.Length options.Hidden.Length
        | _ -> ()

        Schedule.check "Schedule" options.Schedule

        match options.Initialization with
        | Zeros when not options.Hidden.IsEmpty -> symmetryUnbroken names
        | _ -> ()

        if options.Epochs < 1 then
            notPositive names names.Epochs options.Epochs

        match options.BatchSize with
        | Some b when b < 1 -> notPositive names names.BatchSize b
        | _ -> ()

        let fraction = options.ValidationFraction

        if not (fraction >= 0.0 && fraction < 1.0) then
            outside names names.ValidationFraction fraction "a number in [0, 1)"

        match options.EarlyStopping with
        | Some e when e.Patience < 1 -> notPositive names names.Patience e.Patience
        | Some e when not (Double.IsFinite e.Tolerance && e.Tolerance >= 0.0) ->
            outside names names.Tolerance e.Tolerance "a finite number >= 0"
        | Some _ when fraction = 0.0 -> needsSplit names
        | _ -> ()
