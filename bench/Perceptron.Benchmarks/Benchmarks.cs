using BenchmarkDotNet.Attributes;
using Perceptron.Core;

namespace Perceptron.Benchmarks;

/// <summary>The matrix kernels on the shapes of a W2 step and W1 iteration, native against managed.</summary>
[MemoryDiagnoser]
public class KernelBenchmarks
{
    private double[] a = [];
    private double[] b = [];
    private double[] c = [];
    private double[,] x = new double[0, 0];
    private double[] w = [];
    private double[] z = [];
    private double[] square = [];
    private double[] squareResult = [];

    /// <summary>True: OpenBLAS; false: the managed kernels.</summary>
    [Params(true, false)]
    public bool Native { get; set; }

    private KernelProvider Kernels => Native ? KernelProvider.NativeBlas : KernelProvider.Managed;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        a = Enumerable.Range(0, 128 * 784).Select(_ => random.NextDouble()).ToArray();
        b = Enumerable.Range(0, 128 * 784).Select(_ => random.NextDouble()).ToArray();
        c = new double[784 * 128];
        x = new double[20000, 1000];
        Buffers.span2(x).Fill(0.5);
        w = new double[1000];
        z = new double[20000];
        square = Enumerable.Range(0, 1000 * 1000).Select(_ => random.NextDouble()).ToArray();
        squareResult = new double[1000 * 1000];
    }

    /// <summary>The forward product of W2's hidden layer: 128 samples x 784 inputs times 784 x 128.</summary>
    [Benchmark]
    public void GemmForward() => Core.Kernels.gemmWith(Kernels, false, true, 128, 128, 784, 1.0, a, 784, b, 784, 0.0, c, 128);

    /// <summary>The weight gradient of W2's hidden layer: dZ^T X, 128 x 128 times 128 x 784.</summary>
    [Benchmark]
    public void GemmWeightGradient() => Core.Kernels.gemmWith(Kernels, true, false, 128, 784, 128, 1.0, a, 128, b, 784, 0.0, c, 784);

    /// <summary>A square product, 1000 x 1000 times 1000 x 1000.</summary>
    [Benchmark]
    public void GemmSquare1000() => Core.Kernels.gemmWith(Kernels, false, false, 1000, 1000, 1000, 1.0, square, 1000, square, 1000, 0.0, squareResult, 1000);

    /// <summary>W1's forward product on 20000 x 1000 features.</summary>
    [Benchmark]
    public void Gemv() => Core.Kernels.gemvWith(Kernels, false, 20000, 1000, 1.0, Buffers.readOnly2(x), 1000, w, 0.0, z);

    /// <summary>W1's gradient product X^T dz on 20000 x 1000 features.</summary>
    [Benchmark]
    public void GemvTransposed() => Core.Kernels.gemvWith(Kernels, true, 20000, 1000, 1.0, Buffers.readOnly2(x), 1000, z, 0.0, w);
}

/// <summary>The perceptron's propagate on small batches: the one-pass kernel against two products, to place
/// Selection.onePassMinimum.</summary>
[MemoryDiagnoser]
public class OnePassBenchmarks
{
    private Network network = null!;
    private double[,] features = new double[0, 0];
    private int[] labels = [];

    /// <summary>Samples in the batch.</summary>
    [Params(3, 100, 1000)]
    public int Rows { get; set; }

    /// <summary>Features per sample.</summary>
    [Params(2, 20, 100)]
    public int Inputs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        network = NetworkModule.Initialize(Core.Initialization.Xavier, 1, Inputs, Microsoft.FSharp.Collections.FSharpList<int>.Empty, Core.Activation.Relu, 2);
        features = new double[Rows, Inputs];
        for (var i = 0; i < Rows; i++)
        {
            for (var j = 0; j < Inputs; j++)
            {
                features[i, j] = random.NextDouble() * 4 - 2;
            }
        }

        labels = Enumerable.Range(0, Rows).Select(i => i % 2).ToArray();
    }

    /// <summary>z, the loss, dZ and dW in one pass over the features.</summary>
    [Benchmark]
    public object OnePass() => Core.Propagation.propagateForced(true, network, features, labels);

    /// <summary>The plain path: two matrix-vector products.</summary>
    [Benchmark(Baseline = true)]
    public object TwoProducts() => Core.Propagation.propagateForced(false, network, features, labels);
}

/// <summary>Whole training steps through the public API.</summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private double[,] features = new double[0, 0];
    private int[] labels = [];
    private LogisticParameters start = LogisticRegression.InitializeWithZeros(1);

    [GlobalSetup(Target = nameof(TenW1Iterations))]
    public void Setup()
    {
        (features, labels) = Workloads.W1Data(100, 100000, 0);
        start = LogisticRegression.InitializeWithZeros(100);
    }

    private double[,] mlpFeatures = new double[0, 0];
    private int[] mlpLabels = [];


    [GlobalSetup(Target = nameof(TenW2Batches))]
    public void SetupMlp()
    {
        var random = new Random(2);
        mlpFeatures = new double[1280, 784];
        Buffers.span2(mlpFeatures).Fill(0.25);
        for (var i = 0; i < 1280; i++)
        {
            mlpFeatures[i, i % 784] = random.NextDouble();
        }

        mlpLabels = Enumerable.Range(0, 1280).Select(i => i % 10).ToArray();
    }

    /// <summary>Ten W1 iterations on 100 x 100000.</summary>
    [Benchmark]
    public Optimization TenW1Iterations() => LogisticRegression.Optimize(start, features, labels, 10, 0.005);

    /// <summary>One epoch of W2's network (784-128-10, batch 128) over 1280 samples: ten updates. The
    /// allocated bytes are the run's own buffers and the one state it returns, not ten new networks.</summary>
    [Benchmark]
    public Classifier TenW2Batches() => Classifier.Train(mlpFeatures, mlpLabels, Workloads.MlpOptions);
}

/// <summary>W2's two large products (128 x 784 x 128 each) by provider and split: OpenBLAS (its own threads)
/// against the managed kernel on one thread per half of the rows (forward) or columns (weight gradient).</summary>
public class W2GemmBenchmarks
{
    private const int Rows = 128, Inputs = 784, Units = 128;
    private double[] x = [];
    private double[] w = [];
    private double[] z = [];
    private double[] dw = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        x = GC.AllocateArray<double>(Rows * Inputs, pinned: true);
        w = GC.AllocateArray<double>(Units * Inputs, pinned: true);
        z = GC.AllocateArray<double>(Rows * Units, pinned: true);
        dw = GC.AllocateArray<double>(Units * Inputs, pinned: true);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = random.NextDouble() - 0.5;
            w[i] = random.NextDouble() - 0.5;
        }

        for (var i = 0; i < z.Length; i++)
        {
            z[i] = random.NextDouble() - 0.5;
        }
    }

    private static IntPtr At(double[] pinned, int index) => System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(pinned, index);

    private void Forward(int threads, int row0, int rows) =>
        ManagedGemm.gemmOn(threads, false, true, rows, Units, Inputs, 1.0, At(x, row0 * Inputs), Inputs, At(w, 0), Inputs, 0.0, At(z, row0 * Units), Units);

    private void Gradient(int threads, int col0, int cols) =>
        ManagedGemm.gemmOn(threads, true, false, Units, cols, Rows, 1.0, At(z, 0), Units, At(x, col0), Inputs, 0.0, At(dw, col0), Inputs);

    [Benchmark]
    public void ForwardNative() => Core.Kernels.gemmWith(KernelProvider.NativeBlas, false, true, Rows, Units, Inputs, 1.0, x, Inputs, w, Inputs, 0.0, z, Units);

    [Benchmark]
    public void ForwardNativeTransposed() => Core.Kernels.gemmWith(KernelProvider.NativeBlas, false, true, Units, Rows, Inputs, 1.0, w, Inputs, x, Inputs, 0.0, z, Rows);

    [Benchmark]
    public void ForwardManaged2() => Forward(2, 0, Rows);

    [Benchmark]
    public void ForwardManagedHalf1() => Forward(1, 0, Rows / 2);

    [Benchmark]
    public void ForwardManagedHalves() => Parallel.For(0, 2, h => Forward(1, h * Rows / 2, Rows / 2));

    [Benchmark]
    public void GradientNative() => Core.Kernels.gemmWith(KernelProvider.NativeBlas, true, false, Units, Inputs, Rows, 1.0, z, Units, x, Inputs, 0.0, dw, Inputs);

    [Benchmark]
    public void GradientManaged2() => Gradient(2, 0, Inputs);

    [Benchmark]
    public void GradientManagedHalf1() => Gradient(1, 0, Inputs / 2);

    private void ForwardColumns(int col0, int cols) =>
        ManagedGemm.gemmOn(1, false, true, Rows, cols, Inputs, 1.0, At(x, 0), Inputs, At(w, col0 * Inputs), Inputs, 0.0, At(z, col0), Units);

    [Benchmark]
    public void ForwardManagedColumnHalves() => Parallel.For(0, 2, h => ForwardColumns(h * Units / 2, Units / 2));

    [Benchmark]
    public void ForwardManagedColumnHalf1() => ForwardColumns(0, Units / 2);

    [Benchmark]
    public void EmptyHalves() => Parallel.For(0, 2, _ => { });

    [Benchmark]
    public void ForwardManagedFull1() => Forward(1, 0, Rows);

    [Benchmark]
    public void GradientManagedHalves() => Parallel.For(0, 2, h => Gradient(1, h * Inputs / 2, Inputs / 2));
}
