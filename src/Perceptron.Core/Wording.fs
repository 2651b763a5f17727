/// How the core's messages name what the caller passed. Each rule and its wording live once, in the core; a
/// caller only says what its options, data and alternatives are called (the C# facade's properties and
/// parameters, or the console host's flags and files).
namespace Perceptron.Core

open System

/// The names of the training options in messages.
type OptionNames = {
    /// The hidden-layer widths: "HiddenLayers", "--hidden".
    Hidden: string
    /// The initialisation: "Initialization", "--init".
    Initialization: string
    /// The number of epochs: "Epochs", "--epochs".
    Epochs: string
    /// The batch size: "BatchSize", "--batch-size".
    BatchSize: string
    /// The early-stopping patience: "Patience", "--patience".
    Patience: string
    /// The early-stopping tolerance: "Tolerance".
    Tolerance: string
    /// The validation fraction: "ValidationFraction", "--validation-fraction".
    ValidationFraction: string
    /// True for command-line flags: a value follows its flag as the core's names spell it ("--init zeros");
    /// false for properties ("Initialization Zeros", "ValidationFraction = 0.2").
    Flags: bool
}

/// The names of a split in messages.
type SplitNames = {
    /// The fraction held out: "fraction", "testFraction", "--test-fraction".
    Fraction: string
    /// The class labels the split is stratified by: "labels", "stratifyBy".
    Labels: string
    /// What the samples are: "samples", "training samples".
    Samples: string
    /// Where the samples come from ("data.csv"), when the caller knows.
    Source: string option
    /// How to split without stratifying: "split without stratifying", "split without stratifying: --no-stratify".
    Unstratified: string
}

/// How messages name a row of the caller's features: "features row 0" (a matrix, counted from 0) or "data row 1"
/// (a file's data rows, counted from 1 after the header).
type RowNames = {
    /// The noun before the row's number: "features row", "data row".
    Rows: string
    /// The number of the first row: 0 for a matrix, 1 for a file's data rows.
    First: int
}

/// The names the C# facade uses, and the wording built from any names.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module OptionNames =
    /// The facade's property names (TrainingOptions).
    [<CompiledName("Library")>]
    let library = {
        Hidden = "HiddenLayers"
        Initialization = "Initialization"
        Epochs = "Epochs"
        BatchSize = "BatchSize"
        Patience = "Patience"
        Tolerance = "Tolerance"
        ValidationFraction = "ValidationFraction"
        Flags = false
    }

    /// A name from the core's tables as these options spell values: "zeros" for flags, "Zeros" for properties.
    let internal value (names: OptionNames) (name: string) =
        if names.Flags || name.Length = 0 then
            name
        else
            string (Char.ToUpperInvariant name[0]) + name.Substring 1

    /// An option set to a value, as a suggestion: "--validation-fraction 0.2" or "ValidationFraction = 0.2".
    let internal setting (names: OptionNames) (option: string) (value: string) =
        // Concatenated, not interpolated: F# formats interpolated strings through printf, whose first use costs
        // JIT time (issue 12).
        if names.Flags then
            option + " " + value
        else
            option + " = " + value

/// The names the core's own split functions use.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module SplitNames =
    /// The names of Preprocessing.split and stratifiedSplit's parameters.
    [<CompiledName("Parameters")>]
    let parameters = {
        Fraction = "fraction"
        Labels = "labels"
        Samples = "samples"
        Source = None
        Unstratified = "split without stratifying"
    }

/// The names of the rows of a features matrix.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module RowNames =
    /// Rows of a features matrix, counted from 0: "features row 0".
    [<CompiledName("Features")>]
    let features = { Rows = "features row"; First = 0 }

    /// Row i as these names say it: "features row 3", "data row 4".
    let internal row (rows: RowNames) (i: int) = $"{rows.Rows} {i + rows.First}"
