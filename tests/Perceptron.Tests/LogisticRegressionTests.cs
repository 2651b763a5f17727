// The seed perceptron through the C# facade: the deeplearning.ai logistic-regression assignment's
// published numbers, argument checking, and immutability of inputs and parameters.
using Xunit;

namespace Perceptron.Tests;

public class LogisticRegressionTests
{
    // The assignment's test case, with samples as rows (the course has them as columns).
    private static double[,] X() => new double[,] { { 1, 3 }, { 2, 4 }, { -1, -3.2 } };

    private static int[] Y() => [1, 0, 1];

    private static LogisticParameters Start() => new([1.0, 2.0], 2.0);

    [Fact]
    public void Propagate_reproduces_the_published_gradients_and_cost()
    {
        var result = LogisticRegression.Propagate(Start(), X(), Y());

        Assert.Equal(2, result.Gradients.Dw.Count);
        Assert.Equal(0.9984560146379561, result.Gradients.Dw[0], 1e-10);
        Assert.Equal(2.395072388486207, result.Gradients.Dw[1], 1e-10);
        Assert.Equal(0.001455578136784208, result.Gradients.Db, 1e-10);
        Assert.Equal(5.801545319394553, result.Cost, 1e-10);
    }

    [Fact]
    public void Optimize_reproduces_the_published_parameters_and_gradients()
    {
        var result = LogisticRegression.Optimize(Start(), X(), Y(), iterations: 100, learningRate: 0.009);

        Assert.Equal(0.19033591, result.Parameters.W[0], 5e-9);
        Assert.Equal(0.12259159, result.Parameters.W[1], 5e-9);
        Assert.Equal(1.92535983008, result.Parameters.B, 5e-12);
        Assert.Equal(0.67752042, result.Gradients.Dw[0], 5e-9);
        Assert.Equal(1.41625495, result.Gradients.Dw[1], 5e-9);
        Assert.Equal(0.219194504541, result.Gradients.Db, 5e-13);
    }

    [Fact]
    public void Optimize_records_the_cost_of_iteration_0_which_is_propagates_cost()
    {
        var propagated = LogisticRegression.Propagate(Start(), X(), Y());

        var result = LogisticRegression.Optimize(Start(), X(), Y(), iterations: 100, learningRate: 0.009);

        var cost = Assert.Single(result.Costs);
        Assert.Equal(propagated.Cost, cost);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 2)]
    [InlineData(250, 3)]
    public void Optimize_records_a_cost_every_100_iterations_starting_at_0(int iterations, int costs)
    {
        var result = LogisticRegression.Optimize(Start(), X(), Y(), iterations, 0.009);

        Assert.Equal(costs, result.Costs.Count);
        Assert.All(result.Costs.Zip(result.Costs.Skip(1)), pair => Assert.True(pair.Second < pair.First));
    }

    [Fact]
    public void Optimize_with_one_iteration_returns_propagates_gradients_and_one_update()
    {
        var propagated = LogisticRegression.Propagate(Start(), X(), Y());

        var result = LogisticRegression.Optimize(Start(), X(), Y(), iterations: 1, learningRate: 0.5);

        Assert.Equal(propagated.Gradients.Dw[0], result.Gradients.Dw[0], 1e-12);
        Assert.Equal(propagated.Gradients.Db, result.Gradients.Db, 1e-12);
        Assert.Equal(1.0 - (0.5 * propagated.Gradients.Dw[0]), result.Parameters.W[0], 1e-12);
        Assert.Equal(2.0 - (0.5 * propagated.Gradients.Dw[1]), result.Parameters.W[1], 1e-12);
        Assert.Equal(2.0 - (0.5 * propagated.Gradients.Db), result.Parameters.B, 1e-12);
    }

    [Fact]
    public void Predict_reproduces_the_published_predictions()
    {
        var parameters = new LogisticParameters([0.1124579, 0.23106775], -0.3);
        var features = new double[,] { { 1, 1.2 }, { -1.1, 2 }, { -3.2, 0.1 } };

        Assert.Equal([1, 1, 0], LogisticRegression.Predict(parameters, features));
    }

    [Fact]
    public void Sigmoid_of_0_is_one_half() => Assert.Equal(0.5, LogisticRegression.Sigmoid(0));

    [Theory]
    [InlineData(1000.0, 1.0)]
    [InlineData(-1000.0, 0.0)]
    [InlineData(1e308, 1.0)]
    [InlineData(-1e308, 0.0)]
    [InlineData(double.MaxValue, 1.0)]
    [InlineData(double.MinValue, 0.0)]
    public void Sigmoid_stays_finite_in_the_unit_interval_for_large_inputs(double z, double limit)
    {
        var s = LogisticRegression.Sigmoid(z);

        Assert.True(double.IsFinite(s), $"Sigmoid({z}) = {s}");
        Assert.InRange(s, 0.0, 1.0);
        Assert.Equal(limit, s, 1e-300);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(-3.5)]
    [InlineData(30.0)]
    public void Sigmoid_matches_the_textbook_formula(double z) =>
        Assert.Equal(1.0 / (1.0 + Math.Exp(-z)), LogisticRegression.Sigmoid(z), 1e-15);

    [Fact]
    public void InitializeWithZeros_gives_zero_weights_and_bias()
    {
        var parameters = LogisticRegression.InitializeWithZeros(3);

        Assert.Equal([0.0, 0.0, 0.0], parameters.W);
        Assert.Equal(0.0, parameters.B);
    }

    private static (double[,] X, int[] Y) Separable(double offset) =>
        (new double[,] { { -2 + offset, 1 }, { -1 + offset, -1 }, { -0.5, 0.5 }, { 1 + offset, 1 }, { 2, -1 }, { 3, 0 } },
            [0, 0, 0, 1, 1, 1]);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 2)]
    [InlineData(500, 5)]
    [InlineData(2000, 20)]
    public void Model_records_one_cost_per_100_iterations(int iterations, int costs)
    {
        var (trainX, trainY) = Separable(0);
        var (testX, testY) = Separable(0.1);

        var model = LogisticRegression.Model(trainX, trainY, testX, testY, iterations, learningRate: 0.1);

        Assert.Equal(costs, model.Costs.Count);
        Assert.InRange(model.TrainAccuracy, 0.0, 1.0);
        Assert.InRange(model.TestAccuracy, 0.0, 1.0);
    }

    [Fact]
    public void Model_separates_a_separable_set()
    {
        var (trainX, trainY) = Separable(0);
        var (testX, testY) = Separable(0.1);

        var model = LogisticRegression.Model(trainX, trainY, testX, testY, iterations: 2000, learningRate: 0.5);

        Assert.Equal(1.0, model.TrainAccuracy);
        Assert.Equal(1.0, model.TestAccuracy);
        Assert.True(model.Costs[^1] < model.Costs[0]);
        Assert.Equal(LogisticRegression.Predict(model.Parameters, testX), testY);
    }

    [Fact]
    public void Model_reports_accuracy_as_the_fraction_predicted_right()
    {
        var (trainX, trainY) = Separable(0);
        var testX = new double[,] { { -3, 0 }, { 3, 0 }, { -3, 1 }, { 3, 1 } };
        int[] testY = [0, 1, 1, 1]; // the third is on the wrong side: 3 of 4 right

        var model = LogisticRegression.Model(trainX, trainY, testX, testY, iterations: 2000, learningRate: 0.5);

        Assert.Equal(0.75, model.TestAccuracy);
    }

    /// <summary>A call that must be refused, the argument it must name, and words the message must hold.</summary>
    private sealed record BadCall(Action Call, string Argument, params string[] MessageHolds);

    private static readonly LogisticParameters Two = new([1.0, 2.0], 2.0);

    private static Dictionary<string, BadCall> BadCalls() => new()
    {
        ["Propagate: null parameters"] = new(() => LogisticRegression.Propagate(null!, X(), Y()), "parameters", "null"),
        ["Propagate: null features"] = new(() => LogisticRegression.Propagate(Two, null!, Y()), "features", "null"),
        ["Propagate: null labels"] = new(() => LogisticRegression.Propagate(Two, X(), null!), "labels", "null"),
        ["Propagate: 0 rows"] = new(() => LogisticRegression.Propagate(Two, new double[0, 2], []), "features", "0 samples"),
        ["Propagate: 0 columns"] = new(() => LogisticRegression.Propagate(Two, new double[3, 0], Y()), "features", "0 features"),
        ["Propagate: W shorter than the features"] = new(
            () => LogisticRegression.Propagate(new LogisticParameters([1.0], 0), X(), Y()), "features", "2 features", "expected 1"),
        ["Propagate: W longer than the features"] = new(
            () => LogisticRegression.Propagate(new LogisticParameters([1.0, 2, 3], 0), X(), Y()), "features", "2 features", "expected 3"),
        ["Propagate: too few labels"] = new(() => LogisticRegression.Propagate(Two, X(), [1, 0]), "labels", "2 values", "3 samples"),
        ["Propagate: too many labels"] = new(() => LogisticRegression.Propagate(Two, X(), [1, 0, 1, 0]), "labels", "4 values", "3 samples"),
        ["Propagate: label 2"] = new(() => LogisticRegression.Propagate(Two, X(), [1, 2, 0]), "labels", "labels[1] is 2", "0 to 1"),
        ["Propagate: label -1"] = new(() => LogisticRegression.Propagate(Two, X(), [1, 0, -1]), "labels", "labels[2] is -1"),
        ["Propagate: NaN feature"] = new(() => LogisticRegression.Propagate(Two, WithValue(double.NaN), Y()), "features", "features[1, 0]", "finite"),
        ["Propagate: +Infinity feature"] = new(() => LogisticRegression.Propagate(Two, WithValue(double.PositiveInfinity), Y()), "features", "features[1, 0]", "finite"),
        ["Propagate: -Infinity feature"] = new(() => LogisticRegression.Propagate(Two, WithValue(double.NegativeInfinity), Y()), "features", "features[1, 0]", "finite"),

        ["Optimize: null parameters"] = new(() => LogisticRegression.Optimize(null!, X(), Y(), 10, 0.1), "parameters", "null"),
        ["Optimize: null features"] = new(() => LogisticRegression.Optimize(Two, null!, Y(), 10, 0.1), "features", "null"),
        ["Optimize: null labels"] = new(() => LogisticRegression.Optimize(Two, X(), null!, 10, 0.1), "labels", "null"),
        ["Optimize: W length mismatch"] = new(
            () => LogisticRegression.Optimize(new LogisticParameters([1.0], 0), X(), Y(), 10, 0.1), "features", "expected 1"),
        ["Optimize: labels length mismatch"] = new(() => LogisticRegression.Optimize(Two, X(), [1], 10, 0.1), "labels", "1 value for 3 samples"),
        ["Optimize: label 2"] = new(() => LogisticRegression.Optimize(Two, X(), [2, 0, 1], 10, 0.1), "labels", "labels[0] is 2"),
        ["Optimize: NaN feature"] = new(() => LogisticRegression.Optimize(Two, WithValue(double.NaN), Y(), 10, 0.1), "features", "finite"),
        ["Optimize: 0 iterations"] = new(() => LogisticRegression.Optimize(Two, X(), Y(), 0, 0.1), "iterations", "is 0", "> 0"),
        ["Optimize: -1 iterations"] = new(() => LogisticRegression.Optimize(Two, X(), Y(), -1, 0.1), "iterations", "is -1", "> 0"),
        ["Optimize: learning rate 0"] = new(() => LogisticRegression.Optimize(Two, X(), Y(), 10, 0), "learningRate", "is 0", "> 0"),
        ["Optimize: learning rate -0.1"] = new(() => LogisticRegression.Optimize(Two, X(), Y(), 10, -0.1), "learningRate", "is -0.1", "> 0"),
        ["Optimize: learning rate NaN"] = new(() => LogisticRegression.Optimize(Two, X(), Y(), 10, double.NaN), "learningRate", "NaN", "finite"),
        ["Optimize: learning rate +Infinity"] = new(
            () => LogisticRegression.Optimize(Two, X(), Y(), 10, double.PositiveInfinity), "learningRate", "finite"),
        ["Optimize: learning rate -Infinity"] = new(
            () => LogisticRegression.Optimize(Two, X(), Y(), 10, double.NegativeInfinity), "learningRate", "finite"),

        ["Predict: null parameters"] = new(() => LogisticRegression.Predict(null!, X()), "parameters", "null"),
        ["Predict: null features"] = new(() => LogisticRegression.Predict(Two, null!), "features", "null"),
        ["Predict: 0 rows"] = new(() => LogisticRegression.Predict(Two, new double[0, 2]), "features", "0 samples"),
        ["Predict: 0 columns"] = new(() => LogisticRegression.Predict(Two, new double[3, 0]), "features", "0 features"),
        ["Predict: W length mismatch"] = new(
            () => LogisticRegression.Predict(new LogisticParameters([1.0, 2, 3], 0), X()), "features", "2 features", "expected 3"),
        ["Predict: NaN feature"] = new(() => LogisticRegression.Predict(Two, WithValue(double.NaN)), "features", "finite"),
        ["Predict: +Infinity feature"] = new(() => LogisticRegression.Predict(Two, WithValue(double.PositiveInfinity)), "features", "finite"),

        ["Model: null train features"] = new(() => LogisticRegression.Model(null!, Y(), X(), Y()), "trainFeatures", "null"),
        ["Model: null train labels"] = new(() => LogisticRegression.Model(X(), null!, X(), Y()), "trainLabels", "null"),
        ["Model: null test features"] = new(() => LogisticRegression.Model(X(), Y(), null!, Y()), "testFeatures", "null"),
        ["Model: null test labels"] = new(() => LogisticRegression.Model(X(), Y(), X(), null!), "testLabels", "null"),
        ["Model: empty train features"] = new(() => LogisticRegression.Model(new double[0, 2], [], X(), Y()), "trainFeatures", "0 samples"),
        ["Model: test column mismatch"] = new(
            () => LogisticRegression.Model(X(), Y(), new double[,] { { 1, 2, 3 } }, [1]), "testFeatures", "3 features", "expected 2"),
        ["Model: train labels length mismatch"] = new(() => LogisticRegression.Model(X(), [1, 0], X(), Y()), "trainLabels", "2 values"),
        ["Model: test label 2"] = new(() => LogisticRegression.Model(X(), Y(), X(), [0, 2, 1]), "testLabels", "testLabels[1] is 2"),
        ["Model: train label -1"] = new(() => LogisticRegression.Model(X(), [-1, 0, 1], X(), Y()), "trainLabels", "trainLabels[0] is -1"),
        ["Model: NaN test feature"] = new(() => LogisticRegression.Model(X(), Y(), WithValue(double.NaN), Y()), "testFeatures", "finite"),
        ["Model: 0 iterations"] = new(() => LogisticRegression.Model(X(), Y(), X(), Y(), iterations: 0), "iterations", "> 0"),
        ["Model: learning rate NaN"] = new(() => LogisticRegression.Model(X(), Y(), X(), Y(), learningRate: double.NaN), "learningRate", "finite"),

        ["InitializeWithZeros: dimension 0"] = new(() => LogisticRegression.InitializeWithZeros(0), "dimension", "is 0", "> 0"),
        ["InitializeWithZeros: dimension -1"] = new(() => LogisticRegression.InitializeWithZeros(-1), "dimension", "is -1"),

        ["LogisticParameters: null weights"] = new(() => _ = new LogisticParameters(null!, 0), "w", "null"),
        ["LogisticParameters: empty weights"] = new(() => _ = new LogisticParameters([], 0), "w", "empty"),
        ["LogisticParameters: NaN weight"] = new(() => _ = new LogisticParameters([1.0, double.NaN], 0), "w", "w[1]", "finite"),
        ["LogisticParameters: infinite weight"] = new(() => _ = new LogisticParameters([double.NegativeInfinity], 0), "w", "w[0]", "finite"),
        ["LogisticParameters: NaN bias"] = new(() => _ = new LogisticParameters([1.0], double.NaN), "b", "finite"),
        ["LogisticParameters: infinite bias"] = new(() => _ = new LogisticParameters([1.0], double.PositiveInfinity), "b", "finite"),

        ["Samples.FromRows: ragged rows"] = new(() => Samples.FromRows([[1.0, 2], [3.0, 4], [5.0]]), "rows", "rows[2]", "1 value;", "expected 2"),
        ["Samples.FromRows: a longer row"] = new(() => Samples.FromRows([[1.0], [3.0, 4]]), "rows", "rows[1]", "2 values", "expected 1"),
        ["Samples.FromRows: null rows"] = new(() => Samples.FromRows(null!), "rows", "null"),
        ["Samples.FromRows: no rows"] = new(() => Samples.FromRows([]), "rows", "empty"),
        ["Samples.FromRows: a null row"] = new(() => Samples.FromRows([[1.0], null!]), "rows", "rows[1]", "null"),
    };

    private static double[,] WithValue(double value)
    {
        var x = X();
        x[1, 0] = value;
        return x;
    }

    public static TheoryData<string> BadCallNames() => [.. BadCalls().Keys];

    [Theory]
    [MemberData(nameof(BadCallNames))]
    public void Bad_arguments_throw_an_ArgumentException_naming_the_argument_and_the_problem(string name)
    {
        var bad = BadCalls()[name];

        var exception = Assert.ThrowsAny<ArgumentException>(bad.Call);

        Assert.Equal(bad.Argument, exception.ParamName);
        Assert.All(bad.MessageHolds, words => Assert.Contains(words, exception.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void FromRows_copies_rows_into_a_samples_by_features_array()
    {
        var rows = new[] { new[] { 1.0, 2.0 }, [3.0, 4.0], [5.0, 6.0] };

        var x = Samples.FromRows(rows);

        Assert.Equal(new double[,] { { 1, 2 }, { 3, 4 }, { 5, 6 } }, x);
        rows[0][0] = 99;
        Assert.Equal(1.0, x[0, 0]);
    }

    private static void AssertSameBits(double[,] expected, double[,] actual) =>
        Assert.True(SyntheticData.BitIdentical(expected, actual), "the features array was changed");

    [Fact]
    public void Propagate_Optimize_Predict_and_Model_leave_their_inputs_unchanged()
    {
        double[] w = [1.0, 2.0];
        var parameters = new LogisticParameters(w, 2.0);
        var x = X();
        var y = Y();

        LogisticRegression.Propagate(parameters, x, y);
        LogisticRegression.Optimize(parameters, x, y, 100, 0.009);
        LogisticRegression.Predict(parameters, x);
        LogisticRegression.Model(x, y, x, y, 300, 0.1);

        AssertSameBits(X(), x);
        Assert.Equal(Y(), y);
        Assert.Equal([1.0, 2.0], w);
        Assert.Equal([1.0, 2.0], parameters.W);
        Assert.Equal(2.0, parameters.B);
    }

    [Fact]
    public void Optimize_returns_new_parameters_and_calling_it_twice_gives_the_same_result()
    {
        var parameters = Start();

        var first = LogisticRegression.Optimize(parameters, X(), Y(), 100, 0.009);
        var second = LogisticRegression.Optimize(parameters, X(), Y(), 100, 0.009);

        Assert.NotSame(parameters, first.Parameters);
        Assert.True(SyntheticData.BitIdentical(first.Parameters.W, second.Parameters.W));
        Assert.Equal(first.Parameters.B, second.Parameters.B);
        Assert.True(SyntheticData.BitIdentical(first.Costs, second.Costs));
    }

    [Fact]
    public void LogisticParameters_copies_the_weights_it_is_given()
    {
        double[] w = [1.0, 2.0];
        var parameters = new LogisticParameters(w, 0.5);

        w[0] = 42;

        Assert.Equal([1.0, 2.0], parameters.W);
    }

    [Fact]
    public void LogisticParameters_W_is_read_only()
    {
        var parameters = new LogisticParameters([1.0, 2.0], 0.5);

        Assert.False(parameters.W is double[], "W is the object's array: a caller could change the parameters");
        var asList = Assert.IsAssignableFrom<IList<double>>(parameters.W);
        Assert.True(asList.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => asList[0] = 42);
        Assert.Equal([1.0, 2.0], parameters.W);
    }

    [Fact]
    public void Optimized_parameters_and_gradients_are_read_only()
    {
        var result = LogisticRegression.Optimize(Start(), X(), Y(), 100, 0.009);
        var w = result.Parameters.W[0];
        var dw = result.Gradients.Dw[0];

        Assert.Throws<NotSupportedException>(() => ((IList<double>)result.Parameters.W)[0] = 42);
        Assert.Throws<NotSupportedException>(() => ((IList<double>)result.Gradients.Dw)[0] = 42);
        Assert.Equal(w, result.Parameters.W[0]);
        Assert.Equal(dw, result.Gradients.Dw[0]);
    }
}
