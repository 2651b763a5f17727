// The library's rules for options, worded once, naming the options as the caller names them.

using Xunit;

namespace Perceptron.Tests;

public class OptionNamesTests
{
    [Fact]
    public void Validate_names_the_options_as_the_caller_says()
    {
        var zeros = new TrainingOptions { HiddenLayers = [3], Initialization = Initialization.Zeros };
        var flags = new OptionNames { HiddenLayers = "--hidden", Initialization = "--init", Flags = true };

        var byProperty = Assert.Throws<ArgumentException>(() => zeros.Validate(new OptionNames()));
        var byFlag = Assert.Throws<ArgumentException>(() => zeros.Validate(flags));

        Assert.Equal("Initialization", byProperty.ParamName);
        Assert.StartsWith("Initialization Zeros does not work with HiddenLayers:", byProperty.Message, StringComparison.Ordinal);
        Assert.Equal("--init", byFlag.ParamName);
        Assert.StartsWith("--init zeros does not work with --hidden:", byFlag.Message, StringComparison.Ordinal);
        Assert.Contains("use --init normal, xavier or he", byFlag.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Epochs_out_of_range_is_named_by_the_callers_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(
            () => new TrainingOptions { Epochs = 0 }.Validate(new OptionNames { Epochs = "--epochs", Flags = true }));

        Assert.Equal("--epochs", error.ParamName);
        Assert.StartsWith("--epochs is 0; expected > 0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new int[0], Activation.Relu, Initialization.Zeros)]
    [InlineData(new[] { 4 }, Activation.Relu, Initialization.He)]
    [InlineData(new[] { 4 }, Activation.LeakyRelu, Initialization.He)]
    [InlineData(new[] { 4 }, Activation.Tanh, Initialization.Xavier)]
    public void The_effective_initialisation_is_the_librarys_default_rule(int[] hidden, Activation activation, Initialization expected)
    {
        Assert.Equal(expected, new TrainingOptions { HiddenLayers = hidden, Activation = activation }.EffectiveInitialization);
    }
}
