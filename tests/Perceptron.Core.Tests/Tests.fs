module Perceptron.Core.Tests.Smoke

open Xunit

[<Fact>]
let ``sigmoid of zero is one half`` () =
    Assert.Equal(0.5, Perceptron.Core.Activation.sigmoid 0.0)
