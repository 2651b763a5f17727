// Benchmarks of Perceptron. Two modes:
//   compare w1 --features F --samples N --iterations I [--repeats R]   time W1 through LogisticRegression.Optimize
//   compare w2 [--repeats R]                                             time W2 (one epoch) through Classifier.Train
//   compare load [--rows N --columns C]                                  time Table.Load on a generated CSV file
//   compare bandwidth [--megabytes M] [--repeats R]                      read bandwidth (GB/s), 1 and 2 threads
// print one JSON object per line in the format of bench/python/baseline.py (bench/compare.sh reads both);
// anything else runs BenchmarkDotNet (e.g. `-- --filter '*'`) on the kernels and training steps.
using System.Diagnostics;
using System.Text.Json;
using BenchmarkDotNet.Running;
using Perceptron;
using Perceptron.Benchmarks;

if (args.Length >= 2 && args[0] == "compare")
{
    var options = Arguments.Parse(args.Skip(2).ToArray());
    var repeats = options.GetValueOrDefault("repeats", 3);
    Console.WriteLine(args[1] switch
    {
        "w1" => Workloads.W1(options["features"], options["samples"], options["iterations"], repeats),
        "w2" => Workloads.W2(repeats),
        "bandwidth" => Workloads.Bandwidth(options.GetValueOrDefault("megabytes", 400), repeats),
        "load" => Workloads.LoadCsv(options.GetValueOrDefault("rows", 1_000_000), options.GetValueOrDefault("columns", 20)),
        _ => throw new ArgumentException($"unknown workload '{args[1]}'; expected w1 or w2"),
    });
    return 0;
}

BenchmarkSwitcher.FromAssembly(typeof(Workloads).Assembly).Run(args);
return 0;

namespace Perceptron.Benchmarks
{
    public static class Arguments
    {
        public static Dictionary<string, int> Parse(string[] args)
        {
            var result = new Dictionary<string, int>();
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                result[args[i].TrimStart('-')] = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
            }

            return result;
        }
    }

    /// <summary>The side-by-side workloads of issue 4, with data drawn like bench/python/baseline.py's.</summary>
    public static class Workloads
    {
        /// <summary>
        /// "perceptron" from this host (quick JIT off), "perceptron-app" from bench/DefaultApp (default settings).
        /// </summary>
        public static string Host { get; set; } = "perceptron";

        /// <summary>The host's name for the start-up selection; "-openblas" or "-managed" when PERCEPTRON_KERNELS forces one.</summary>
        private static string Framework =>
            Environment.GetEnvironmentVariable("PERCEPTRON_KERNELS")?.ToLowerInvariant() switch
            {
                "native" => Host + "-openblas",
                "managed" => Host + "-managed",
                _ => Host,
            };

        /// <summary>
        /// X ~ N(0, 1), samples as rows; labels from a random linear rule. The normal values come from
        /// <see cref="Gaussians"/>, which allocates nothing, so the data is the only large allocation and the
        /// peak working set measures the training, not the generator's garbage.
        /// </summary>
        public static (double[,] X, int[] Y) W1Data(int features, int samples, int seed)
        {
            var random = new MathNet.Numerics.Random.Xoshiro256StarStar(seed);
            var v = new double[features];
            Gaussians(random, v);
            var c = MathNet.Numerics.Distributions.Normal.Sample(random, 0, 1);
            var x = new double[samples, features];
            var row = new double[features];
            var y = new int[samples];
            for (var i = 0; i < samples; i++)
            {
                Gaussians(random, row);
                var s = c;
                for (var j = 0; j < features; j++)
                {
                    x[i, j] = row[j];
                    s += v[j] * row[j];
                }

                y[i] = s > 0 ? 1 : 0;
            }

            return (x, y);
        }

        /// <summary>
        /// Fills <paramref name="values"/> with N(0, 1) draws by the Box-Muller transform, in pairs.
        /// MathNet's Normal.Samples allocates two uniform arrays per call: 200 MB of garbage for W1 1000 x 20000.
        /// </summary>
        public static void Gaussians(System.Random random, Span<double> values)
        {
            for (var i = 0; i < values.Length; i += 2)
            {
                var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble()));
                var angle = 2.0 * Math.PI * random.NextDouble();
                values[i] = radius * Math.Cos(angle);
                if (i + 1 < values.Length)
                {
                    values[i + 1] = radius * Math.Sin(angle);
                }
            }
        }

        public static string W1(int features, int samples, int iterations, int repeats)
        {
            var (x, y) = W1Data(features, samples, 0);
            var start = LogisticRegression.InitializeWithZeros(features);
            var memory = TrainingMemory.Start();
            var runs = new List<double>();
            Optimization? last = null;
            for (var r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                last = LogisticRegression.Optimize(start, x, y, iterations, 0.005);
                runs.Add(clock.Elapsed.TotalMilliseconds / iterations);
            }

            return Result("w1", $"{features}x{samples}", "ms/iteration", runs, last!.Costs[^1], 8.0 * features * samples, memory);
        }

        /// <summary>W2's network and schedule: 784-128-10, ReLU, He, SGD with batch 128 and learning rate 0.1, one epoch.</summary>
        public static TrainingOptions MlpOptions { get; } = new()
        {
            HiddenLayers = [128],
            Activation = Activation.Relu,
            Initialization = Initialization.He,
            Optimizer = Optimizer.GradientDescent,
            LearningRate = 0.1,
            BatchSize = 128,
            Epochs = 1,
            Standardize = false,
            Seed = 0,
        };

        /// <summary>W2's data: 60000 samples of 784 standard normal features, 10 classes drawn uniformly, seeded.</summary>
        public static (double[,] X, int[] Y) W2Data()
        {
            const int samples = 60000, inputs = 784, classes = 10;
            var random = new MathNet.Numerics.Random.Xoshiro256StarStar(0);
            var x = new double[samples, inputs];
            var values = new double[inputs];
            for (var i = 0; i < samples; i++)
            {
                Gaussians(random, values);
                for (var j = 0; j < inputs; j++)
                {
                    x[i, j] = values[j];
                }
            }

            var y = Enumerable.Range(0, samples).Select(_ => random.Next(classes)).ToArray();
            return (x, y);
        }

        public static string W2(int repeats)
        {
            const int samples = 60000, inputs = 784;
            var (x, y) = W2Data();
            var options = MlpOptions;
            var memory = TrainingMemory.Start();
            var runs = new List<double>();
            Classifier? model = null;
            for (var r = 0; r < repeats; r++)
            {
                var clock = Stopwatch.StartNew();
                model = Classifier.Train(x, y, options);
                runs.Add(clock.Elapsed.TotalSeconds);
            }

            return Result("w2", "784-128-10", "s/epoch", runs, model!.Costs[^1], 8.0 * samples * inputs, memory);
        }

        /// <summary>
        /// STREAM-like read bandwidth: the sum of an array of `megabytes` MB (four streams per thread, see
        /// Sum), on one thread and split over two (each thread sums its own half); GB/s of the best of
        /// `repeats` passes each. The ceiling of the memory-bound W1 shapes.
        /// </summary>
        public static string Bandwidth(int megabytes, int repeats)
        {
            var values = new double[megabytes * 1_000_000L / sizeof(double)];
            Array.Fill(values, 1.0);
            var bytes = values.LongLength * sizeof(double);
            double Best(int threads)
            {
                var best = double.MaxValue;
                for (var r = 0; r < repeats; r++)
                {
                    var clock = Stopwatch.StartNew();
                    var total = 0.0;
                    if (threads == 1)
                    {
                        total = Sum(values, 0, values.Length);
                    }
                    else
                    {
                        var parts = new double[threads];
                        Parallel.For(0, threads, t =>
                            parts[t] = Sum(values, (int)(values.LongLength * t / threads), (int)(values.LongLength * (t + 1) / threads)));
                        total = parts.Sum();
                    }

                    best = Math.Min(best, clock.Elapsed.TotalSeconds);
                    if (total != values.Length)
                    {
                        throw new InvalidOperationException($"bandwidth sum {total}, expected {values.Length}");
                    }
                }

                return bytes / best / 1e9;
            }

            return JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["workload"] = "bandwidth",
                ["shape"] = $"{megabytes} MB",
                ["framework"] = Framework,
                ["unit"] = "GB/s",
                ["one_thread"] = Math.Round(Best(1), 2),
                ["two_threads"] = Math.Round(Best(2), 2),
            });
        }

        /// <summary>
        /// The sum of values[start..end) as four streams read side by side (its quarters), two vector
        /// accumulators each. One stream per thread understated the memory: a core keeps more reads in
        /// flight on several streams, as the kernels' groups of four rows and OpenBLAS's GEMV read (on this
        /// Zen 4, one stream of 256- or 512-bit loads 24-26 GB/s on one thread and 29-31 on two; four
        /// streams 25-28 and 32-34, measured side by side).
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        private static double Sum(double[] values, int start, int end)
        {
            var span = values.AsSpan(start, end - start);
            ref var first = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span);
            var width = System.Numerics.Vector<double>.Count;
            var quarter = span.Length / 4 / (2 * width) * (2 * width);
            var (q1, q2, q3) = ((nuint)quarter, (nuint)(2 * quarter), (nuint)(3 * quarter));
            System.Numerics.Vector<double> a0 = default, a1 = default, a2 = default, a3 = default;
            System.Numerics.Vector<double> a4 = default, a5 = default, a6 = default, a7 = default;
            for (nuint i = 0; i < (nuint)quarter; i += (nuint)(2 * width))
            {
                var next = i + (nuint)width;
                a0 += System.Numerics.Vector.LoadUnsafe(ref first, i);
                a1 += System.Numerics.Vector.LoadUnsafe(ref first, next);
                a2 += System.Numerics.Vector.LoadUnsafe(ref first, q1 + i);
                a3 += System.Numerics.Vector.LoadUnsafe(ref first, q1 + next);
                a4 += System.Numerics.Vector.LoadUnsafe(ref first, q2 + i);
                a5 += System.Numerics.Vector.LoadUnsafe(ref first, q2 + next);
                a6 += System.Numerics.Vector.LoadUnsafe(ref first, q3 + i);
                a7 += System.Numerics.Vector.LoadUnsafe(ref first, q3 + next);
            }

            var total = System.Numerics.Vector.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)));
            for (var j = 4 * quarter; j < span.Length; j++)
            {
                total += span[j];
            }

            return total;
        }

        /// <summary>Writes a CSV of rows x columns features plus a label (once, in the temp folder), then times Table.Load.</summary>
        public static string LoadCsv(int rows, int columns)
        {
            var path = Path.Combine(Path.GetTempPath(), $"perceptron-bench-{rows}x{columns}.csv");
            if (!File.Exists(path))
            {
                var random = new Random(0);
                var temporary = path + ".tmp";
                using (var writer = new StreamWriter(temporary))
                {
                    writer.WriteLine(string.Join(',', Enumerable.Range(0, columns).Select(j => $"f{j}").Append("label")));
                    var cells = new string[columns + 1];
                    for (var i = 0; i < rows; i++)
                    {
                        for (var j = 0; j < columns; j++)
                        {
                            cells[j] = (random.NextDouble() * 200 - 100).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
                        }

                        cells[columns] = random.Next(2) == 0 ? "no" : "yes";
                        writer.WriteLine(string.Join(',', cells));
                    }
                }

                File.Move(temporary, path, overwrite: true);
            }

            GC.Collect();
            var before = Process.GetCurrentProcess().WorkingSet64 / 1e6;
            var clock = Stopwatch.StartNew();
            var table = Table.Load(path);
            var seconds = clock.Elapsed.TotalSeconds;
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / 1e6;
            return JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["workload"] = "load-csv",
                ["shape"] = $"{table.Rows}x{table.FeatureNames.Count}",
                ["framework"] = "perceptron",
                ["unit"] = "s",
                ["median"] = Math.Round(seconds, 3),
                ["file_mb"] = Math.Round(new FileInfo(path).Length / 1e6, 1),
                ["matrix_mb"] = Math.Round(8.0 * table.Features.Length / 1e6, 1),
                ["working_set_before_mb"] = Math.Round(before, 1),
                ["peak_rss_mb"] = Math.Round(peak, 1),
            });
        }

        private static string Result(
            string workload, string shape, string unit, List<double> runs, double finalCost, double dataBytes, TrainingMemory memory)
        {
            var sorted = runs.Order().ToArray();
            var peak = Math.Max(memory.PeakBefore, Process.GetCurrentProcess().PeakWorkingSet64 / 1e6);
            var result = new Dictionary<string, object>
            {
                ["workload"] = workload,
                ["shape"] = shape,
                ["framework"] = Framework,
                ["unit"] = unit,
                ["median"] = sorted[sorted.Length / 2],
                ["runs"] = runs,
                ["final_cost"] = finalCost,
                ["peak_rss_mb"] = Math.Round(peak, 1),
                ["data_mb"] = Math.Round(dataBytes / 1e6, 1),
                ["gc_pause_ms"] = Math.Round(GC.GetTotalPauseDuration().TotalMilliseconds, 1),
                ["gc_collections"] = $"{GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}",
                ["allocated_mb"] = Math.Round(GC.GetTotalAllocatedBytes() / 1e6, 1),
                // JIT compilation in the whole process, almost all of it during the first run.
                ["jit_ms"] = Math.Round(System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds, 1),
            };
            if (memory.Reset)
            {
                // The process with its data, before training, and its peak while it trained.
                result["rss_before_training_mb"] = Math.Round(memory.Before, 1);
                result["training_peak_rss_mb"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1e6, 1);
            }

            return JsonSerializer.Serialize(result);
        }
    }

    /// <summary>
    /// The working set around the training runs: the process's peak so far (data generation included),
    /// then Linux's peak (VmHWM) reset by writing 5 to /proc/self/clear_refs, so that the peak read after
    /// the runs is the training's, with the data and the runtime in it. Reset is false where that fails.
    /// </summary>
    public sealed record TrainingMemory(double PeakBefore, double Before, bool Reset)
    {
        public static TrainingMemory Start()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var process = Process.GetCurrentProcess();
            var peak = process.PeakWorkingSet64 / 1e6;
            var reset = false;
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                reset = true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            process.Refresh();
            return new TrainingMemory(peak, process.WorkingSet64 / 1e6, reset);
        }
    }
}
