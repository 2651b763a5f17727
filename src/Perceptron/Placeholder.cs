namespace Perceptron;

/// <summary>Placeholder.</summary>
public static class Placeholder
{
    /// <summary>Placeholder.</summary>
    public static int X => Core.Placeholder.x;
}
