module Perceptron.Core.Tests.Placeholder

open Xunit
open FsCheck.Xunit

[<Fact>]
let ``placeholder`` () = Assert.Equal(1, Perceptron.Core.Placeholder.x)

[<Property>]
let ``addition commutes`` (a: int) (b: int) = a + b = b + a
