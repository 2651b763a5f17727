// The library as a default application gets it: a console app with .NET's default settings (quick
// JIT on, tiered compilation), unlike bench/Perceptron.Benchmarks, which turns quick JIT off.
//   first-call [--calls N]                     a small training run (178 x 13, 50 epochs) N times in
//                                              this process; prints each call's wall and CPU time
//   compare w1|w2 ...                          the benchmark host's workloads, as framework "perceptron-app"
//   jit-log [--top N] [--w2]                   one small training run (--w2: one W2 epoch); the methods compiled
//                                              during it, by JIT time (runtime events), and the totals per assembly
//   rss [--features F --samples N]             the working set of this process at the start of Main, before
//                                              the library is loaded: the runtime's own floor in a default app;
//                                              with a shape, also after filling W1's matrix of that shape (no training)
// Run the same binary with DOTNET_TC_QuickJit=0 to get the quick-JIT-off figures of the same code.
using System.Diagnostics;
using System.Text.Json;
using Perceptron;
using Perceptron.Benchmarks;

if (args.Length >= 1 && args[0] == "rss")
{
    // VmRSS and VmHWM from /proc/self/status, in KiB (MB here are 10^6 bytes, as in the other records); nothing
    // of the library or the benchmark is loaded, here or below.
    static double Megabytes(string key)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(key, StringComparison.Ordinal));
        return Math.Round(double.Parse(line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024 / 1e6, 1);
    }

    var record = new Dictionary<string, object> { ["workload"] = "runtime", ["rss_at_main_mb"] = Megabytes("VmRSS:") };
    if (args.Length == 5 && args[1] == "--features" && args[3] == "--samples")
    {
        // The floor of a default app that holds W1's matrix and has done nothing else: a samples x features array,
        // every element written (an untouched page is not resident), as W1's data generator fills it.
        int features = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture), samples = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
        var data = new double[samples, features];
        for (var i = 0; i < samples; i++)
        {
            for (var j = 0; j < features; j++)
            {
                data[i, j] = i - 0.5 * j;
            }
        }

        record["shape"] = $"{features}x{samples}";
        record["data_mb"] = 8.0 * features * samples / 1e6;
        record["rss_with_data_mb"] = Megabytes("VmRSS:");
        record["peak_rss_mb"] = Megabytes("VmHWM:");
        record["ratio"] = Math.Round(Megabytes("VmHWM:") / (8.0 * features * samples / 1e6), 3);
        GC.KeepAlive(data);
    }

    Console.WriteLine(JsonSerializer.Serialize(record));
    return 0;
}

if (args.Length >= 2 && args[0] == "compare")
{
    Workloads.Host = "perceptron-app";
    var options = Arguments.Parse(args.Skip(2).ToArray());
    var repeats = options.GetValueOrDefault("repeats", 3);
    Console.WriteLine(args[1] switch
    {
        "w1" => Workloads.W1(options["features"], options["samples"], options["iterations"], repeats),
        "w2" => Workloads.W2(repeats),
        _ => throw new ArgumentException($"unknown workload '{args[1]}'; expected w1 or w2"),
    });
    return 0;
}

if (args.Length >= 1 && args[0] == "first-call")
{
    var options = Arguments.Parse(args.Skip(1).ToArray());
    Console.WriteLine(FirstCall.Run(options.GetValueOrDefault("calls", 40)));
    return 0;
}

if (args.Length >= 1 && args[0] == "jit-log")
{
    var options = Arguments.Parse(args.Skip(1).Where(a => a != "--w2").ToArray());
    Console.WriteLine(JitLog.Run(options.GetValueOrDefault("top", 30), args.Contains("--w2")));
    return 0;
}

Console.Error.WriteLine("usage: DefaultApp first-call [--calls N] | jit-log [--top N] [--w2] | rss [--features F --samples N] | compare w1 --features F --samples N --iterations I [--repeats R] | compare w2");
return 2;

/// <summary>The small run of issue 12: a new user's first training calls, timed one by one.</summary>
internal static class FirstCall
{
    public static string Run(int calls)
    {
        // 178 x 13 like the wine data set; two classes from a random linear rule, seeded.
        var (x, y) = Workloads.W1Data(13, 178, 0);
        var options = new TrainingOptions { Epochs = 50, Seed = 0 };
        var process = Process.GetCurrentProcess();
        var wall = new List<double>();
        var cpu = new List<double>();
        var threadCpu = new List<double>();
        var jit = new List<double>();
        for (var call = 0; call < calls; call++)
        {
            process.Refresh();
            var cpuStart = process.TotalProcessorTime;
            var threadStart = ThreadCpu.Milliseconds();
            var jitStart = System.Runtime.JitInfo.GetCompilationTime();
            var clock = Stopwatch.StartNew();
            Classifier.Train(x, y, options);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            threadCpu.Add(Math.Round(ThreadCpu.Milliseconds() - threadStart, 2));
            jit.Add(Math.Round((System.Runtime.JitInfo.GetCompilationTime() - jitStart).TotalMilliseconds, 2));
            process.Refresh();
            wall.Add(Math.Round(elapsed, 2));
            // The whole process's CPU time: background tier-1 compilation counts, as it is paid by the app.
            cpu.Add(Math.Round((process.TotalProcessorTime - cpuStart).TotalMilliseconds, 2));
        }

        // null when a run has too few calls for the figure (--calls 1 times the first call alone).
        static double? Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length == 0 ? null : sorted[sorted.Length / 2];
        }

        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["workload"] = "first-call",
            ["shape"] = "178x13, 50 epochs",
            ["quick_jit"] = Environment.GetEnvironmentVariable("DOTNET_TC_QuickJit") ?? "default",
            ["first_ms"] = wall[0],
            ["calls_2_5_median_ms"] = Median(wall.Skip(1).Take(4)),
            ["later_median_ms"] = Median(wall.Skip(calls / 2)),
            ["first_cpu_ms"] = cpu[0],
            ["calls_2_5_cpu_median_ms"] = Median(cpu.Skip(1).Take(4)),
            ["later_cpu_median_ms"] = Median(cpu.Skip(calls / 2)),
            // The training thread's own CPU time: the code's speed, without the JIT's background threads
            // (a small run trains on the calling thread alone) or the other processes of a shared machine.
            ["first_thread_cpu_ms"] = threadCpu[0],
            ["calls_2_5_thread_cpu_median_ms"] = Median(threadCpu.Skip(1).Take(4)),
            ["later_thread_cpu_median_ms"] = Median(threadCpu.Skip(calls / 2)),
            // JIT compilation during each call, on any thread: the first call's is its extra start-up cost.
            ["first_call_jit_ms"] = jit[0],
            ["calls_2_5_jit_ms"] = jit.Skip(1).Take(4).ToList(),
            ["jit_ms"] = Math.Round(System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds, 1),
            ["wall_ms"] = wall,
            ["thread_cpu_ms"] = threadCpu,
        });
    }
}

/// CPU time of the calling thread (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID)); elsewhere the process's.
internal static class ThreadCpu
{
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    public static double Milliseconds()
    {
        const int threadCpuClock = 3;
        if (OperatingSystem.IsLinux() && ClockGetTime(threadCpuClock, out var time) == 0)
        {
            return time.Seconds * 1e3 + time.Nanoseconds / 1e6;
        }

        return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }
}

/// What the JIT compiles during the first training call of a process, from the runtime's own events
/// (MethodJittingStarted to MethodLoadVerbose, on the compiling thread): which methods cost the time.
/// Approximate: a method's span includes what its compilation triggers (type loads, nested compiles) and
/// any time the thread was descheduled, and the listener itself adds compilation of its own.
internal sealed class JitLog : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<(long Method, int Thread), (DateTime Start, string Name)> started = new();
    private readonly List<(string Name, string Tier, double Ms)> compiled = new();

    /// The code a compile produced, from MethodLoadVerbose's MethodFlags (bits 7-9; 0x40 when the method's
    /// ReadyToRun code was rejected, as for the vector kernels, see build/ReadyToRun.targets).
    private static string Tier(long flags) => ((flags >> 7) & 0x7) switch
    {
        1 => "MinOpts",
        2 => "FullOpts",
        3 => "Tier0",
        4 => "Tier1",
        5 => "OSR",
        6 => "Tier0 instrumented",
        7 => "Tier1 instrumented",
        _ => "unknown tier",
    } + ((flags & 0x40) != 0 ? ", ReadyToRun code rejected" : "");
    private readonly object gate = new();
    private volatile bool recording;

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            // Keyword 0x10: JIT events.
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x10);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (!recording || e.Payload is null || e.PayloadNames is null)
        {
            return;
        }

        object? Field(string name) => e.PayloadNames.IndexOf(name) is var i and >= 0 ? e.Payload[i] : null;
        var method = Convert.ToInt64(Field("MethodID") ?? 0L);
        var key = (method, e.OSThreadId > int.MaxValue ? 0 : (int)e.OSThreadId);
        lock (gate)
        {
            if (e.EventName is "MethodJittingStarted_V1" or "MethodJittingStarted")
            {
                started[key] = (e.TimeStamp, $"{Field("MethodNamespace")}::{Field("MethodName")}");
            }
            else if (e.EventName is { } n && n.StartsWith("MethodLoadVerbose", StringComparison.Ordinal) && started.Remove(key, out var s))
            {
                // The listener's own methods and the event decoding are not the library's cost.
                if (!s.Name.StartsWith("JitLog", StringComparison.Ordinal) && !s.Name.StartsWith("System.Diagnostics.Tracing", StringComparison.Ordinal))
                {
                    compiled.Add((s.Name, Tier(Convert.ToInt64(Field("MethodFlags") ?? 0L)), (e.TimeStamp - s.Start).TotalMilliseconds));
                }
            }
        }
    }

    public static string Run(int top, bool w2)
    {
        // The small run, or (--w2) W2's first epoch: a process's first MLP training compiles more.
        var (x, y) = w2 ? Workloads.W2Data() : Workloads.W1Data(13, 178, 0);
        var options = w2 ? Workloads.MlpOptions : new TrainingOptions { Epochs = 50, Seed = 0 };
        using var log = new JitLog();
        // Let the listener's session start before the call.
        Thread.Sleep(500);
        log.recording = true;
        var clock = Stopwatch.StartNew();
        Classifier.Train(x, y, options);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        // Events arrive through a dispatch thread: give them time, then stop.
        Thread.Sleep(1500);
        log.recording = false;
        lock (log.gate)
        {
            var lines = new List<string> { $"first call {elapsed:F1} ms; {log.compiled.Count} methods compiled, {log.compiled.Sum(c => c.Ms):F1} ms of JIT" };
            static string Assembly(string name) => name.Split("::")[0] switch
            {
                var ns when ns.StartsWith("Perceptron.Core", StringComparison.Ordinal) || ns.StartsWith("<StartupCode$Perceptron-Core>", StringComparison.Ordinal) => "Perceptron.Core",
                var ns when ns.StartsWith("Perceptron", StringComparison.Ordinal) => "Perceptron (facade)",
                var ns when ns.StartsWith("Microsoft.FSharp", StringComparison.Ordinal) || ns.StartsWith("<StartupCode$FSharp", StringComparison.Ordinal) => "FSharp.Core",
                var ns when ns.StartsWith("System.Numerics.Tensors", StringComparison.Ordinal) => "System.Numerics.Tensors",
                var ns when ns.StartsWith("MathNet", StringComparison.Ordinal) => "MathNet.Numerics",
                var ns when ns.StartsWith("System", StringComparison.Ordinal) => "System.*",
                var other => other,
            };
            foreach (var group in log.compiled.GroupBy(c => Assembly(c.Name)).OrderByDescending(g => g.Sum(c => c.Ms)))
            {
                lines.Add($"  {group.Key,-25} {group.Count(),4} methods {group.Sum(c => c.Ms),7:F1} ms");
            }

            // Tier0 instrumented (from hot Tier0 code), Tier1 instrumented (from hot ReadyToRun code) and Tier1
            // are the background recompiles; FullOpts the methods that skip tier 0 (loops with a stack
            // allocation, see Tiering.fs).
            lines.Add("by the code produced:");
            foreach (var group in log.compiled.GroupBy(c => c.Tier).OrderByDescending(g => g.Sum(c => c.Ms)))
            {
                lines.Add($"  {group.Key,-45} {group.Count(),4} methods {group.Sum(c => c.Ms),7:F1} ms");
            }

            lines.Add($"the {top} slowest:");
            lines.AddRange(log.compiled.OrderByDescending(c => c.Ms).Take(top).Select(c => $"  {c.Ms,6:F2} ms  {c.Name} ({c.Tier})"));
            return string.Join(Environment.NewLine, lines);
        }
    }
}
