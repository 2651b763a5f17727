namespace Perceptron;

/// <summary>
/// Checks of the facade's own option values (data checks are the core's: Checks.fs); each failure names the
/// argument and states the value once (no "Actual value was" suffix: the message already says it).
/// Messages are built in the OutOfRange helpers, called only on failure: a check that held the interpolated
/// string would compile its formatting code on every process's first training call (issue 12).
/// </summary>
internal static class Guard
{
    public static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw OutOfRange(name, value.ToString(System.Globalization.CultureInfo.CurrentCulture), "> 0");
        }
    }

    public static void Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw OutOfRange(name, value, "a finite number > 0");
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw OutOfRange(name, value, "a finite number >= 0");
        }
    }

    public static void Fraction(double value, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw OutOfRange(name, value, "a number in [0, 1)");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ArgumentOutOfRangeException OutOfRange(string name, double value, string expected) =>
        OutOfRange(name, MessageText.Number(value), expected);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ArgumentOutOfRangeException OutOfRange(string name, string shown, string expected) =>
        new(name, $"{name} is {shown}; expected {expected}.");
}
