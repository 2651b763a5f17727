// The seed, step by step, from C#: the course's logistic-regression functions on its own example,
// then the model on the bundled breast-cancer data. The F# tutorial docs/seed-step-by-step.fsx
// shows the same steps beside the numpy code they mirror.
//
//     dotnet run --project samples/SeedStepByStep [-- path/to/breast-cancer.csv]

using System.Globalization;
using Perceptron;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

// Sigmoid and zero initialisation.
Console.WriteLine($"sigmoid(0) = {LogisticRegression.Sigmoid(0)}, sigmoid(2) = {LogisticRegression.Sigmoid(2):F8}");
LogisticParameters zeros = LogisticRegression.InitializeWithZeros(2);
Console.WriteLine($"initializeWithZeros(2): {zeros}");

// The course's example: 3 samples as rows, 2 features.
double[,] x = { { 1, 3 }, { 2, 4 }, { -1, -3.2 } };
int[] y = { 1, 0, 1 };
var parameters = new LogisticParameters(new[] { 1.0, 2.0 }, 2.0);

// Forward pass, cost, backward pass.
Propagation propagation = LogisticRegression.Propagate(parameters, x, y);
Console.WriteLine($"dw = [{propagation.Gradients.Dw[0]:F8}, {propagation.Gradients.Dw[1]:F8}]");
Console.WriteLine($"db = {propagation.Gradients.Db:F8}");
Console.WriteLine($"cost = {propagation.Cost:F8}");

// 100 gradient-descent steps at learning rate 0.009.
Optimization optimization = LogisticRegression.Optimize(parameters, x, y, iterations: 100, learningRate: 0.009);
Console.WriteLine($"after optimize: w = [{optimization.Parameters.W[0]:F8}, {optimization.Parameters.W[1]:F8}], b = {optimization.Parameters.B:F8}");

// Prediction at 0.5.
int[] predictions = LogisticRegression.Predict(optimization.Parameters, x);
Console.WriteLine($"predict: [{string.Join(", ", predictions)}]");

// The model on real data: standardised features, a seeded 80/20 split, 2000 iterations at 0.5.
string path = args.Length > 0 ? args[0] : FindData("breast-cancer.csv");
Table data = Table.Load(path);
int[] labels = data.EncodeLabels(Table.Classes(data.Labels));
var (train, test) = Samples.Split(data.Rows, testFraction: 0.2, seed: 0);
double[,] trainFeatures = Samples.TakeRows(data.Features, train);
double[,] testFeatures = Samples.TakeRows(data.Features, test);
var (mean, deviation) = FitStandardization(trainFeatures);

LogisticModel model = LogisticRegression.Model(
    Standardize(trainFeatures, mean, deviation), Samples.TakeRows(labels, train),
    Standardize(testFeatures, mean, deviation), Samples.TakeRows(labels, test),
    iterations: 2000, learningRate: 0.5);
for (var i = 0; i < model.Costs.Count; i += 5)
{
    Console.WriteLine($"Cost after iteration {i * 100}: {model.Costs[i]:F6}");
}

Console.WriteLine($"train accuracy: {model.TrainAccuracy:P2}");
Console.WriteLine($"test accuracy:  {model.TestAccuracy:P2}");

// Mean and (population) standard deviation of each column, from the training rows only.
static (double[] Mean, double[] Deviation) FitStandardization(double[,] features)
{
    int rows = features.GetLength(0), columns = features.GetLength(1);
    var mean = new double[columns];
    var deviation = new double[columns];
    for (var j = 0; j < columns; j++)
    {
        for (var i = 0; i < rows; i++)
        {
            mean[j] += features[i, j] / rows;
        }

        for (var i = 0; i < rows; i++)
        {
            deviation[j] += (features[i, j] - mean[j]) * (features[i, j] - mean[j]) / rows;
        }

        deviation[j] = deviation[j] > 0 ? Math.Sqrt(deviation[j]) : 1;
    }

    return (mean, deviation);
}

static double[,] Standardize(double[,] features, double[] mean, double[] deviation)
{
    var result = new double[features.GetLength(0), features.GetLength(1)];
    for (var i = 0; i < result.GetLength(0); i++)
    {
        for (var j = 0; j < result.GetLength(1); j++)
        {
            result[i, j] = (features[i, j] - mean[j]) / deviation[j];
        }
    }

    return result;
}

// The repository's data/ folder, from wherever the sample is run inside the repository.
static string FindData(string name)
{
    for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
    {
        var candidate = Path.Combine(directory.FullName, "data", name);
        if (File.Exists(candidate))
        {
            return candidate;
        }
    }

    throw new FileNotFoundException($"data/{name} not found above {Environment.CurrentDirectory}; pass the CSV file's path.");
}
