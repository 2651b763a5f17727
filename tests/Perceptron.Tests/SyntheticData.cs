// Small, seeded data sets and helpers shared by the facade tests: every generator takes a seed,
// so each test sees the same samples on every run and machine.
namespace Perceptron.Tests;

/// <summary>Features (samples x features) and labels.</summary>
internal sealed record DataSet(double[,] Features, int[] Labels)
{
    public int Samples => Labels.Length;
}

internal static class SyntheticData
{
    /// <summary>Two classes on either side of the line x0 + 2 x1 = 1, at least <paramref name="margin"/> away from it.</summary>
    public static DataSet LinearlySeparable(int seed, int samples, double margin = 0.3)
    {
        var random = new Random(seed);
        var rows = new List<double[]>();
        var labels = new List<int>();
        while (rows.Count < samples)
        {
            double x0 = Uniform(random, -3, 3), x1 = Uniform(random, -3, 3);
            var distance = (x0 + (2 * x1) - 1) / Math.Sqrt(5);
            if (Math.Abs(distance) < margin)
            {
                continue;
            }

            rows.Add([x0, x1]);
            labels.Add(distance > 0 ? 1 : 0);
        }

        return new DataSet(Samples.FromRows(rows), [.. labels]);
    }

    /// <summary>XOR: class 1 where x0 and x1 have the same sign; points kept away from the axes.</summary>
    public static DataSet Xor(int seed, int samples)
    {
        var random = new Random(seed);
        var rows = new double[samples][];
        var labels = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            // A balanced design: each quadrant gets the same number of points.
            var sx = (i % 2 == 0) ? 1.0 : -1.0;
            var sy = (i / 2 % 2 == 0) ? 1.0 : -1.0;
            rows[i] = [sx * Uniform(random, 0.2, 1.0), sy * Uniform(random, 0.2, 1.0)];
            labels[i] = sx * sy > 0 ? 1 : 0;
        }

        return new DataSet(Samples.FromRows(rows), labels);
    }

    /// <summary>Class 0 inside radius 1, class 1 in the ring between radii 2 and 3 (same centre).</summary>
    public static DataSet ConcentricCircles(int seed, int samples)
    {
        var random = new Random(seed);
        var rows = new double[samples][];
        var labels = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            labels[i] = i % 2;
            var radius = labels[i] == 0 ? Uniform(random, 0, 1) : Uniform(random, 2, 3);
            var angle = Uniform(random, 0, 2 * Math.PI);
            rows[i] = [radius * Math.Cos(angle), radius * Math.Sin(angle)];
        }

        return new DataSet(Samples.FromRows(rows), labels);
    }

    /// <summary>Gaussian blobs (std <paramref name="spread"/>) around well separated centres, one per class, classes interleaved.</summary>
    public static DataSet Blobs(int seed, int classes, int perClass, int features = 2, double spread = 0.5)
    {
        var random = new Random(seed);
        var rows = new double[classes * perClass][];
        var labels = new int[classes * perClass];
        for (var i = 0; i < rows.Length; i++)
        {
            var c = i % classes;
            labels[i] = c;
            rows[i] = new double[features];
            for (var j = 0; j < features; j++)
            {
                // Centres on a circle of radius 5 in the first two features, spread along the others.
                var centre = j switch
                {
                    0 => 5 * Math.Cos(2 * Math.PI * c / classes),
                    1 => 5 * Math.Sin(2 * Math.PI * c / classes),
                    _ => c,
                };
                rows[i][j] = centre + (spread * Gaussian(random));
            }
        }

        return new DataSet(Samples.FromRows(rows), labels);
    }

    /// <summary>Gaussian features and labels that carry no information: anything learned is overfitting.</summary>
    public static DataSet Noise(int seed, int samples, int features)
    {
        var random = new Random(seed);
        var rows = new double[samples][];
        var labels = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            rows[i] = Enumerable.Range(0, features).Select(_ => Gaussian(random)).ToArray();
            labels[i] = i % 2;
        }

        return new DataSet(Samples.FromRows(rows), labels);
    }

    public static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());

    /// <summary>A standard normal sample (Box-Muller).</summary>
    public static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>The rows of a samples x features array, as jagged arrays.</summary>
    public static double[][] Rows(double[,] features) =>
        Enumerable.Range(0, features.GetLength(0))
            .Select(i => Enumerable.Range(0, features.GetLength(1)).Select(j => features[i, j]).ToArray())
            .ToArray();

    /// <summary>Whether two arrays hold the same doubles, bit for bit.</summary>
    public static bool BitIdentical(double[,] a, double[,] b) =>
        a.GetLength(0) == b.GetLength(0)
        && a.GetLength(1) == b.GetLength(1)
        && a.Cast<double>().Select(BitConverter.DoubleToInt64Bits)
            .SequenceEqual(b.Cast<double>().Select(BitConverter.DoubleToInt64Bits));

    /// <summary>Whether two lists hold the same doubles, bit for bit.</summary>
    public static bool BitIdentical(IEnumerable<double> a, IEnumerable<double> b) =>
        a.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(b.Select(BitConverter.DoubleToInt64Bits));
}

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its callback on the reporting thread, at once:
/// <see cref="Progress{T}"/> posts to the thread pool, so a test could not count or react in order.
/// </summary>
internal sealed class SynchronousProgress<T>(Action<T> onReport) : IProgress<T>
{
    public List<T> Reports { get; } = [];

    public void Report(T value)
    {
        Reports.Add(value);
        onReport(value);
    }
}
