/// The costs that training keeps, in bounded memory: every epoch's while there are few, then every
/// k-th epoch, so that a run of any length keeps at most `CostHistory.limit` points.
namespace Perceptron.Core

/// One kept epoch: its number, its training cost and its validation cost (NaN without validation data).
[<Struct; NoComparison>]
type internal CostPoint = {
    Index: int
    Epoch: int
    Cost: float
    Validation: float
}

/// The training (and validation) costs of selected epochs: every epoch up to `CostHistory.limit`, then every
/// Stride-th epoch (the stride doubling and every other point dropped whenever the limit is reached), and
/// always the newest epoch. An immutable value; `CostHistory.add` returns a new one.
[<NoComparison>]
type CostHistory = private {
    /// The epochs on the stride, newest first: those whose Index (0 for the first epoch added) is a multiple of Stride.
    Kept: CostPoint list
    /// The length of Kept.
    Count: int
    /// Every Stride-th epoch is kept.
    Stride: int
    /// The newest epoch when it is not on the stride, so that the last epoch is always kept.
    Latest: CostPoint voption
    /// The number of epochs added.
    Added: int
    /// Whether the epochs came with validation costs.
    HasValidation: bool
}

/// Building and reading a bounded cost history.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module CostHistory =
    /// The most points a history holds (the newest epoch included): about 240 KB of costs however many
    /// epochs run, where one point per epoch grew without bound (4.9 GB for 20,000,000 epochs).
    [<Literal>]
    let limit = 10000

    /// The history of no epochs.
    [<CompiledName("Empty")>]
    let empty = {
        Kept = []
        Count = 0
        Stride = 1
        Latest = ValueNone
        Added = 0
        HasValidation = false
    }

    /// Keeps every other point (those whose index is a multiple of the doubled stride); the newest of the
    /// dropped points stays as Latest when it is the newest of all.
    let private thin (history: CostHistory) =
        let stride = history.Stride * 2
        let newest = List.head history.Kept
        let kept = history.Kept |> List.filter (fun p -> p.Index % stride = 0)

        {
            history with
                Kept = kept
                Count = kept.Length
                Stride = stride
                Latest =
                    if newest.Index % stride = 0 then
                        ValueNone
                    else
                        ValueSome newest
        }

    /// The history with one more epoch: its number, its training cost and its validation cost (if any).
    [<CompiledName("Add")>]
    let add (epoch: int) (cost: float) (validation: float option) (history: CostHistory) =
        let point = {
            Index = history.Added
            Epoch = epoch
            Cost = cost
            Validation = Option.defaultValue nan validation
        }

        let history = {
            history with
                Added = history.Added + 1
                HasValidation = validation.IsSome
        }

        if point.Index % history.Stride <> 0 then
            {
                history with
                    Latest = ValueSome point
            }
        else
            let grown = {
                history with
                    Kept = point :: history.Kept
                    Count = history.Count + 1
                    Latest = ValueNone
            }

            // Thinning at the limit leaves room for Latest, so that no more than `limit` points are ever held.
            if grown.Count >= limit then thin grown else grown

    /// One value of each kept point, oldest first: Kept is newest first, so consing while walking it
    /// reverses it. Inlined with its selector: List.rev and List.map would add their generic code to the
    /// JIT work of every process's first training call (issue 12).
    let inline private select ([<InlineIfLambda>] pick: CostPoint -> 'T) (history: CostHistory) : 'T list =
        let mutable result =
            match history.Latest with
            | ValueSome latest -> [ pick latest ]
            | ValueNone -> []

        for point in history.Kept do
            result <- pick point :: result

        result

    /// The number of each kept epoch (1 for the first), oldest first; the last is the newest epoch added.
    [<CompiledName("Epochs")>]
    let epochs (history: CostHistory) = select _.Epoch history

    /// The training cost of each kept epoch, oldest first.
    [<CompiledName("Costs")>]
    let costs (history: CostHistory) = select _.Cost history

    /// The validation cost of each kept epoch, oldest first; empty when the epochs came without one.
    [<CompiledName("ValidationCosts")>]
    let validationCosts (history: CostHistory) =
        if history.HasValidation then
            select _.Validation history
        else
            []

    /// The number of epochs added (kept or not).
    [<CompiledName("Added")>]
    let added (history: CostHistory) = history.Added
