namespace Perceptron;

/// <summary>
/// Checks of the facade's own option values (data checks are the core's: Checks.fs); each failure names the
/// argument and states the value once (no "Actual value was" suffix: the message already says it).
/// </summary>
internal static class Guard
{
    public static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {value}; expected > 0.");
        }
    }

    public static void Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {MessageText.Number(value)}; expected a finite number > 0.");
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {MessageText.Number(value)}; expected a finite number >= 0.");
        }
    }

    public static void Fraction(double value, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, $"{name} is {MessageText.Number(value)}; expected a number in [0, 1).");
        }
    }
}
