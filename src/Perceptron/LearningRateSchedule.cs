using Core = Perceptron.Core;

namespace Perceptron;

/// <summary>
/// How the learning rate changes from epoch to epoch: an optional linear warm-up (<see cref="Warmup"/>), then
/// constant, step decay, exponential decay or cosine decay. Epoch e of training runs at
/// <see cref="TrainingOptions.LearningRate"/> x <see cref="Factor"/>(e, epochs); a warm start continues counting
/// from the epochs its model was trained for. Immutable; equal when the decay and the warm-up are equal.
/// </summary>
public sealed record LearningRateSchedule
{
    private readonly int warmup;

    private LearningRateSchedule(Core.Decay decay) => Decay = decay;

    internal Core.Decay Decay { get; }

    /// <summary>The learning rate every epoch (the default).</summary>
    public static LearningRateSchedule Constant { get; } = new(Core.Decay.Constant);

    /// <summary>Epochs of linear warm-up before the decay, &gt;= 0: warm-up epoch e (from 0) runs at (e + 1) / Warmup of
    /// the rate, so the first at rate / Warmup and the last at the full rate; 0 (the default) for none.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative number.</exception>
    public int Warmup
    {
        get => warmup;
        init
        {
            Check(Decay, value, nameof(Warmup));
            warmup = value;
        }
    }

    /// <summary>The decay's name: "constant", "step", "exponential" or "cosine".</summary>
    public string Name => Core.ScheduleModule.Name(Decay);

    /// <summary>The decay as the command line and the model file write it, e.g. "step:10:0.5" (<see cref="Parse"/> reads it back).</summary>
    public string Text => Core.ScheduleModule.Format(Decay);

    /// <summary>Step decay: the rate times <paramref name="factor"/> every <paramref name="every"/> epochs (epochs 0 to
    /// every - 1 at the full rate, the next <paramref name="every"/> at rate x factor, ...).</summary>
    /// <param name="every">Epochs between decays, &gt;= 1.</param>
    /// <param name="factor">The factor, in (0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A value out of range.</exception>
    public static LearningRateSchedule Step(int every, double factor) =>
        Checked(Core.Decay.NewStep(every, factor), every < 1 ? nameof(every) : nameof(factor));

    /// <summary>Exponential decay: the rate times <paramref name="gamma"/> every epoch (epoch e at rate x gamma^e).</summary>
    /// <param name="gamma">The factor per epoch, in (0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A value out of range.</exception>
    public static LearningRateSchedule Exponential(double gamma) => Checked(Core.Decay.NewExponential(gamma), nameof(gamma));

    /// <summary>Cosine decay: half a cosine from the rate down to <paramref name="floor"/> x rate over the epochs of the
    /// run after the warm-up, reaching the floor at the end of the run.</summary>
    /// <param name="floor">The final rate as a fraction of the learning rate, in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">A value out of range.</exception>
    public static LearningRateSchedule Cosine(double floor = 0) => Checked(Core.Decay.NewCosine(floor), nameof(floor));

    /// <summary>This schedule with a linear warm-up of <paramref name="epochs"/> epochs in front.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is negative.</exception>
    public LearningRateSchedule WithWarmup(int epochs) => this with { Warmup = epochs };

    /// <summary>The decay in the command line's form: "constant", "step:EVERY:FACTOR", "exponential:GAMMA" or
    /// "cosine[:FLOOR]" (case-insensitive; no warm-up).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException">Not a schedule, or a value out of range; the message says which.</exception>
    public static LearningRateSchedule Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var (decay, problem) = Interop.ParseDecay(text);
        return decay is null ? throw new ArgumentException($"{problem}.", nameof(text)) : new LearningRateSchedule(decay);
    }

    /// <summary>The factor of the learning rate in epoch <paramref name="epoch"/> (0 for the first epoch of training) of a
    /// run of <paramref name="epochs"/> epochs in all (used by cosine only).</summary>
    public double Factor(int epoch, int epochs) => Core.ScheduleModule.Factor(ToCore(), epochs, epoch);

    /// <summary>The command line's form, e.g. "step:10:0.5", with ", warm-up 5" when there is a warm-up.</summary>
    public override string ToString() => Text + (Warmup > 0 ? $", warm-up {Warmup}" : string.Empty);

    internal Core.Schedule ToCore() => new(Decay, Warmup);

    internal static LearningRateSchedule FromCore(Core.Decay decay, int warmup) => new LearningRateSchedule(decay) with { Warmup = warmup };

    private static LearningRateSchedule Checked(Core.Decay decay, string name)
    {
        Check(decay, 0, name);
        return new LearningRateSchedule(decay);
    }

    private static void Check(Core.Decay decay, int warmup, string name)
    {
        if (Interop.ScheduleProblem(new Core.Schedule(decay, warmup)) is { } problem)
        {
            throw new ArgumentOutOfRangeException(name, problem + ".");
        }
    }
}
