// The exceptions that end a training run: cancelled by the caller, or a cost that stopped being finite.

namespace Perceptron;

/// <summary>
/// Thrown when training is cancelled through its <see cref="CancellationToken"/>. The token is checked before
/// training starts and between batches; <see cref="Model"/> holds the model of the last completed batch, and
/// <see cref="Epoch"/> and <see cref="Batch"/> say where that was.
/// </summary>
public sealed class TrainingCanceledException : OperationCanceledException
{
    /// <summary>Creates the exception with a generic message and no model.</summary>
    public TrainingCanceledException()
        : base("Training was cancelled.")
    {
    }

    /// <summary>Creates the exception with a message and no model.</summary>
    /// <param name="message">The message.</param>
    public TrainingCanceledException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message, the exception that caused it, and no model.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public TrainingCanceledException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a message, the exception that caused it, the token, and no model.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    /// <param name="token">The token that was cancelled.</param>
    public TrainingCanceledException(string? message, Exception? innerException, CancellationToken token)
        : base(message, innerException, token)
    {
    }

    internal TrainingCanceledException(Classifier? model, int epoch, int batch, CancellationToken token)
        : base(Describe(model, epoch, batch), token)
    {
        Model = model;
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>The model of the last completed batch; null when training was cancelled before its first batch.</summary>
    public Classifier? Model { get; }

    /// <summary>The number of epochs that ran to their end before training stopped.</summary>
    public int Epoch { get; }

    /// <summary>The batches of the next epoch that ran before training stopped (0: it stopped at the end of epoch <see cref="Epoch"/>).</summary>
    public int Batch { get; }

    private static string Describe(Classifier? model, int epoch, int batch) =>
        model is null ? "Training was cancelled before its first batch; there is no model."
        : batch == 0 ? $"Training was cancelled after epoch {epoch}; the model is that of epoch {epoch}."
        : $"Training was cancelled in epoch {epoch + 1}, after batch {batch}; the model is that of that batch "
            + $"({MessageText.Count(epoch, "complete epoch", "complete epochs")} before it).";
}

/// <summary>Thrown when the cost becomes NaN or infinite; no model with non-finite weights is ever returned.</summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public TrainingDivergedException()
        : base("Training diverged: the cost became NaN or infinite.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public TrainingDivergedException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public TrainingDivergedException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    internal TrainingDivergedException(string message, int epoch)
        : base(message) => Epoch = epoch;

    /// <summary>The epoch in which the cost stopped being finite (0 when unknown).</summary>
    public int Epoch { get; }
}
