/// Learning-rate schedules as pure functions of the epoch: the optimizer's learning rate times a factor
/// that a linear warm-up, then a decay (constant, step, exponential or cosine), gives each epoch.
namespace Perceptron.Core

open System
open System.Globalization
open System.Runtime.CompilerServices

/// How the learning rate changes after the warm-up, epoch by epoch.
[<RequireQualifiedAccess>]
type Decay =
    /// "constant": the learning rate every epoch.
    | Constant
    /// "step": times `factor` every `every` epochs.
    | Step of every: int * factor: float
    /// "exponential": times `gamma` every epoch.
    | Exponential of gamma: float
    /// "cosine": half a cosine from the learning rate down to `floor` times it, reached at the end of the run.
    | Cosine of floor: float

/// A learning-rate schedule: a linear warm-up of Warmup epochs (0: none), then the decay.
type Schedule = {
    /// How the rate changes after the warm-up.
    Decay: Decay
    /// Epochs of linear warm-up in front of the decay, from lr / Warmup up to lr; 0 for none.
    Warmup: int
}

/// The schedules: their names, checks, text form and the factor of each epoch.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Schedule =
    /// The learning rate unchanged every epoch (the default).
    [<CompiledName("Constant")>]
    let constant = { Decay = Decay.Constant; Warmup = 0 }

    /// The name used on the command line and in model files.
    [<CompiledName("Name")>]
    let name (decay: Decay) =
        match decay with
        | Decay.Constant -> "constant"
        | Decay.Step _ -> "step"
        | Decay.Exponential _ -> "exponential"
        | Decay.Cosine _ -> "cosine"

    /// Every decay's name, in declaration order.
    [<CompiledName("Names")>]
    let names = [ "constant"; "step"; "exponential"; "cosine" ]

    /// The command-line forms of the decays, for usage messages.
    [<CompiledName("Syntax")>]
    let syntax = "constant, step:EVERY:FACTOR, exponential:GAMMA or cosine[:FLOOR]"

    let private number (x: float) =
        x.ToString("R", CultureInfo.InvariantCulture)

    // Each message is concatenated, not interpolated (F# formats interpolated strings through printf, whose JIT
    // cost every process's first training call would pay), in a function of its own that only a broken rule
    // calls: `check` runs on every training call, and its quick JIT then has no message's calls to resolve. A
    // count is shown in the current culture, as interpolation showed it (a minus sign of its own in some).

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private negativeWarmup (warmup: int) =
        Some(
            "warm-up is "
            + warmup.ToString(CultureInfo.CurrentCulture)
            + " epochs; expected a whole number >= 0"
        )

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private tooFewEpochs (every: int) =
        Some(
            "step EVERY is "
            + every.ToString(CultureInfo.CurrentCulture)
            + "; expected a whole number of epochs >= 1"
        )

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private outsideUnit (what: string) (x: float) =
        Some(what + " is " + number x + "; expected a number in (0, 1]")

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private outsideFraction (floor: float) =
        Some(
            "cosine FLOOR is "
            + number floor
            + "; expected a fraction of the learning rate in [0, 1]"
        )

    /// In (0, 1]: the range of step's FACTOR and exponential's GAMMA.
    let private inUnit (x: float) = x > 0.0 && x <= 1.0

    /// What is wrong with a schedule's parameters, in one line (None when nothing is).
    [<CompiledName("Problem")>]
    let problem (schedule: Schedule) =
        if schedule.Warmup < 0 then
            negativeWarmup schedule.Warmup
        else
            match schedule.Decay with
            | Decay.Step(every, _) when every < 1 -> tooFewEpochs every
            | Decay.Step(_, factor) when not (inUnit factor) -> outsideUnit "step FACTOR" factor
            | Decay.Exponential gamma when not (inUnit gamma) -> outsideUnit "exponential GAMMA" gamma
            | Decay.Cosine floor when not (floor >= 0.0 && floor <= 1.0) -> outsideFraction floor
            | _ -> None

    [<MethodImpl(MethodImplOptions.NoInlining)>]
    let private rejected (name: string) (reason: string) : unit =
        invalidArg name (name + ": " + reason + ".")

    /// Raises ArgumentException naming `name` when the schedule's parameters are out of range.
    [<CompiledName("Check")>]
    let check (name: string) (schedule: Schedule) =
        match problem schedule with
        | Some reason -> rejected name reason
        | None -> ()

    /// The factor of the learning rate in epoch `epoch` (0 for the first epoch of training) of a run of
    /// `epochs` epochs, which only cosine uses: the warm-up's epoch e runs at (e + 1) / Warmup, then
    /// decay epoch d = epoch - Warmup at 1 (constant), FACTOR^(d / EVERY) (step, d / EVERY rounded down),
    /// GAMMA^d (exponential), or FLOOR + (1 - FLOOR)(1 + cos(pi d / D)) / 2 over the D = epochs - Warmup
    /// decay epochs (cosine: FLOOR at d = D, the end of the run, and after it).
    [<CompiledName("Factor")>]
    let factor (schedule: Schedule) (epochs: int) (epoch: int) =
        if epoch < schedule.Warmup then
            float (epoch + 1) / float schedule.Warmup
        else
            let d = epoch - schedule.Warmup

            match schedule.Decay with
            | Decay.Constant -> 1.0
            | Decay.Step(every, factor) -> Math.Pow(factor, float (d / every))
            | Decay.Exponential gamma -> Math.Pow(gamma, float d)
            | Decay.Cosine floor ->
                let span = epochs - schedule.Warmup

                if d >= span then
                    floor
                else
                    floor + (1.0 - floor) * 0.5 * (1.0 + Math.Cos(Math.PI * float d / float span))

    /// The decay as the command line writes it: "constant", "step:10:0.5", "exponential:0.95", "cosine:0.1".
    [<CompiledName("Format")>]
    let format (decay: Decay) =
        match decay with
        | Decay.Constant -> "constant"
        | Decay.Step(every, factor) -> $"step:{every}:{number factor}"
        | Decay.Exponential gamma -> $"exponential:{number gamma}"
        | Decay.Cosine floor -> $"cosine:{number floor}"

    /// The decay of a text in the form of `format` (case-insensitive; cosine's FLOOR may be left out for 0),
    /// or the one-line reason it is not one.
    [<CompiledName("TryParse")>]
    let tryParse (text: string) : Result<Decay, string> =
        let parts =
            (if isNull text then "" else text).Trim().ToLowerInvariant().Split(':')
            |> Array.map _.Trim()

        let real (what: string) (s: string) =
            match Double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture) with
            | true, x when Double.IsFinite x -> Ok x
            | _ -> Error $"{what} '{s}' is not a number"

        let whole (what: string) (s: string) =
            match Int32.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) with
            | true, n -> Ok n
            | _ -> Error $"{what} '{s}' is not a whole number"

        let decay =
            match parts with
            | [| "constant" |] -> Ok Decay.Constant
            | [| "step"; every; factor |] ->
                whole "step EVERY" every
                |> Result.bind (fun e -> real "step FACTOR" factor |> Result.map (fun f -> Decay.Step(e, f)))
            | [| "exponential"; gamma |] -> real "exponential GAMMA" gamma |> Result.map Decay.Exponential
            | [| "cosine" |] -> Ok(Decay.Cosine 0.0)
            | [| "cosine"; floor |] -> real "cosine FLOOR" floor |> Result.map Decay.Cosine
            | _ when List.contains parts[0] names -> Error $"wrong number of parameters; expected {syntax}"
            | _ -> Error $"'{parts[0]}' is not a schedule; expected {syntax}"

        decay
        |> Result.bind (fun d ->
            match problem { Decay = d; Warmup = 0 } with
            | Some reason -> Error reason
            | None -> Ok d)
