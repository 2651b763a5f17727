namespace Perceptron.Core

/// Placeholder.
module Placeholder =
    /// Placeholder.
    let x = 1
