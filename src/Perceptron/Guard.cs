namespace Perceptron;

/// <summary>Checks of the facade's own option values (data checks are the core's: Checks.fs); each failure names the argument.</summary>
internal static class Guard
{
    public static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a whole number > 0.");
        }
    }

    public static void Positive(double value, string name)
    {
        if (!double.IsFinite(value) || value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a finite number > 0.");
        }
    }

    public static void NonNegative(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a finite number >= 0.");
        }
    }

    public static void Fraction(double value, string name)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} is {value}; expected a number in [0, 1).");
        }
    }
}
