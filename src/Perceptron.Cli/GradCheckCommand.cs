using System.CommandLine;

namespace Perceptron.Cli;

/// <summary>`perceptron gradcheck`: back-propagation against central finite differences.</summary>
internal static class GradCheckCommand
{
    public static Command Build(TextWriter output)
    {
        var data = CommonOptions.Data("CSV file with a header row (default: the embedded breast-cancer data set).");
        var label = CommonOptions.Label();
        var hidden = CommonOptions.Hidden();
        var activation = CommonOptions.HiddenActivation();
        var init = CommonOptions.Init();
        var initScale = CommonOptions.InitScale();
        var seed = CommonOptions.Seed();
        var l2 = CommonOptions.L2("L2 penalty (l2 / 2) ||W||^2 on the weights, included in the cost whose gradients are checked.");
        var json = CommonOptions.Json();
        var command = new Command(
            "gradcheck",
            $"Compare back-propagated gradients with central finite differences; exit code 0 when the relative difference is below {GradientCheck.Threshold:G}, 1 otherwise.")
        {
            data, label, hidden, activation, init, initScale, seed, l2, json,
        };
        command.SetAction(parse =>
        {
            var options = new TrainingOptions
            {
                HiddenLayers = CommonOptions.Widths(parse.GetValue(hidden)),
                Layers = CommonOptions.Layers(parse.GetValue(hidden), parse.GetValue(activation) ?? CommonOptions.Defaults.Activation),
                Activation = parse.GetValue(activation) ?? CommonOptions.Defaults.Activation,
                Initialization = parse.GetValue(init),
                InitScale = parse.GetValue(initScale),
                Seed = parse.GetValue(seed),
                L2 = parse.GetValue(l2),
            };
            options.Validate(CommonOptions.Flags);
            var table = DataSource.Load(parse.GetValue(data), parse.GetValue(label));
            var (labels, classes) = DataSource.Encode(table);
            Limits.CheckGradientCheck(table.FeatureNames.Count, options.HiddenLayers, classes.Count, labels.Length);
            if (options.Initialization is null && options.HiddenLayers.Count == 0)
            {
                // Zero weights give the degenerate gradient of a constant model; check at a random point instead.
                options = options with { Initialization = Initialization.Normal, InitScale = 0.1 };
            }

            var result = GradientCheck.Run(table.Features, labels, options);
            if (parse.GetValue(json))
            {
                output.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                    new
                    {
                        data = table.Source,
                        classes = classes.Count,
                        hidden = options.HiddenLayers,
                        l2 = options.L2,
                        relativeDifference = result.RelativeDifference,
                        threshold = GradientCheck.Threshold,
                        passed = result.Passed,
                        samples = result.Samples,
                        epsilon = result.Epsilon,
                        layers = result.Layers,
                    },
                    Output.Json));
            }
            else
            {
                var plain = Output.Plain(false);
                Tables.Grid(
                    output,
                    plain,
                    $"Gradient check on {table.Source} ({result.Samples} samples, epsilon {result.Epsilon:G}"
                    + (options.L2 > 0 ? $", L2 {options.L2:G})" : ")"),
                    ["layer", "parameters", "relative difference"],
                    result.Layers.Select(l => (IReadOnlyList<string>)[$"{l.Layer}", $"{l.Parameters}", l.RelativeDifference.ToString("E3")]).ToArray());
                output.WriteLine(
                    $"overall relative difference: {result.RelativeDifference:E3} ({(result.Passed ? "passed" : "FAILED")}; threshold {GradientCheck.Threshold:G})");
            }

            return result.Passed ? ExitCode.Success : ExitCode.Failed;
        });
        return command;
    }
}
