(**
---
title: Using the library from F# scripts
category: Getting started
categoryindex: 0
index: 1
---

# Using the library from F# scripts

Build once from the repository root with `dotnet build -c Release`, then start your script with
a `#load` of this file (its path relative to your script, e.g. `docs/load.fsx` for a script at the
repository root) and `open Perceptron.Core`.

Every tutorial on this site starts that way. The script is below.
*)

// Loads the built library into F# Interactive. Build it first, from the repository root:
//     dotnet build -c Release
// then start a script with   #load "docs/load.fsx"   (the path relative to your script).
//
// `#r` on Perceptron.Core.dll alone is not enough: F# Interactive does not read a library's
// deps.json, so the first `propagate` fails with FileNotFoundException: System.Numerics.Tensors.
// The console host's build folder holds the library together with every dependency, so the
// references below resolve with no network and no NuGet cache paths.
#I "../src/Perceptron.Cli/bin/Release/net10.0"
#r "System.Numerics.Tensors.dll"
#r "MathNet.Numerics.dll"
#r "Perceptron.Core.dll"
#r "Sylvan.Data.Csv.dll"
#r "Perceptron.Facade.dll"
