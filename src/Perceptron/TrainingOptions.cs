namespace Perceptron;

/// <summary>The activation of the hidden layers.</summary>
public enum Activation
{
    /// <summary>σ(z) = 1 / (1 + e^-z).</summary>
    Sigmoid,

    /// <summary>tanh(z).</summary>
    Tanh,

    /// <summary>max(z, 0).</summary>
    Relu,

    /// <summary>z for z &gt; 0, 0.01 z otherwise.</summary>
    LeakyRelu,
}

/// <summary>How parameters are updated from gradients.</summary>
public enum Optimizer
{
    /// <summary>parameter -= learningRate x gradient.</summary>
    GradientDescent,

    /// <summary>Gradient descent on an exponential average of gradients (beta = <see cref="TrainingOptions.Momentum"/>).</summary>
    Momentum,

    /// <summary>Adam (Kingma and Ba) with bias correction.</summary>
    Adam,
}

/// <summary>How the initial weights are drawn (biases start at zero).</summary>
public enum Initialization
{
    /// <summary>All zeros: the seed perceptron's start; rejected with hidden layers (symmetry is never broken).</summary>
    Zeros,

    /// <summary>N(0, 1) x <see cref="TrainingOptions.InitScale"/>, as in the course's shallow network.</summary>
    Normal,

    /// <summary>Xavier/Glorot: N(0, 2 / (inputs + units)).</summary>
    Xavier,

    /// <summary>He: N(0, 2 / inputs), for ReLU layers.</summary>
    He,
}

/// <summary>
/// Everything <see cref="Classifier.Train(double[,], int[], TrainingOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> needs besides the data. Immutable: use <c>with</c> to vary it.
/// Values are validated when training starts; a bad value throws an <see cref="ArgumentException"/> naming it.
/// </summary>
/// <remarks>
/// The lists given to <see cref="HiddenLayers"/> and <see cref="Classes"/> are copied, so changing the
/// caller's array later changes no options. Equality compares those lists element by element, and
/// <see cref="WarmStart"/> by reference.
/// </remarks>
public sealed record TrainingOptions
{
    private readonly IReadOnlyList<int> hiddenLayers = ValueList<int>.Empty;
    private readonly IReadOnlyList<string>? classes;
    private readonly IReadOnlyList<HiddenLayer>? layers;

    /// <summary>Widths of the hidden layers, input side first; empty for the perceptron (logistic or softmax regression).</summary>
    public IReadOnlyList<int> HiddenLayers
    {
        get => hiddenLayers;
        init => hiddenLayers = value is null ? null! : new ValueList<int>(value);
    }

    /// <summary>
    /// The class names, declared for training data in which some class does not occur: labels index them,
    /// and the model has exactly these classes. Null (the default): the classes are 0 to the largest label,
    /// and every one of them must occur. Not used with <see cref="WarmStart"/>, whose model keeps its classes.
    /// </summary>
    public IReadOnlyList<string>? Classes
    {
        get => classes;
        init => classes = value is null ? null : new ValueList<string>(value);
    }

    /// <summary>The activation of every hidden layer (not used when <see cref="Layers"/> is given).</summary>
    public Activation Activation { get; init; } = Activation.Tanh;

    /// <summary>
    /// The hidden layers, input side first, each with its own width and activation; null (the default) for
    /// <see cref="HiddenLayers"/> with <see cref="Activation"/> for every layer. When both lists are given, their
    /// widths must agree; <see cref="Activation"/> is not used. The list is copied.
    /// </summary>
    public IReadOnlyList<HiddenLayer>? Layers
    {
        get => layers;
        init => layers = value is null ? null : new ValueList<HiddenLayer>(value);
    }

    /// <summary>How the learning rate changes from epoch to epoch (default <see cref="LearningRateSchedule.Constant"/>).</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; init; } = Optimizer.GradientDescent;

    /// <summary>The step size, &gt; 0.</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Passes over the training data, &gt; 0.</summary>
    public int Epochs { get; init; } = 1000;

    /// <summary>Samples per update; null for full-batch gradient descent.</summary>
    public int? BatchSize { get; init; }

    /// <summary>
    /// L2 penalty (L2 / 2) ||W||^2 on the weights, &gt;= 0. It is part of the objective, so every reported cost
    /// includes it: <see cref="TrainingProgress.Cost"/>, <see cref="Classifier.Costs"/>, <see cref="TrainingState.Cost"/>.
    /// </summary>
    public double L2 { get; init; }

    /// <summary>The initial weights; null chooses Zeros without hidden layers, He for ReLU, Xavier otherwise.</summary>
    public Initialization? Initialization { get; init; }

    /// <summary>The standard deviation for <see cref="Perceptron.Initialization.Normal"/>.</summary>
    public double InitScale { get; init; } = 0.01;

    /// <summary>Seeds initialisation, shuffling and the validation split: same seed, same model.</summary>
    public int Seed { get; init; }

    /// <summary>Standardise features (mean 0, std 1, fitted on the training samples) before training and prediction.</summary>
    public bool Standardize { get; init; } = true;

    /// <summary>The momentum coefficient (beta) for <see cref="Optimizer.Momentum"/>, in [0, 1).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Adam's first-moment decay, in [0, 1).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam's second-moment decay, in [0, 1).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>The fraction of the training samples held out (seeded) for the validation cost, in [0, 1).</summary>
    public double ValidationFraction { get; init; }

    /// <summary>
    /// Keep each class's share in the validation split, as scikit-learn's <c>stratify=y</c> (default true). Every
    /// class then needs at least 2 samples; false gives the plain seeded split of earlier versions.
    /// </summary>
    public bool Stratify { get; init; } = true;

    /// <summary>Stop when the validation cost has not improved for this many epochs (needs a validation split); null: never.</summary>
    public int? Patience { get; init; }

    /// <summary>The least decrease of the validation cost that counts as an improvement, &gt;= 0.</summary>
    public double Tolerance { get; init; }

    /// <summary>Continue training from this model's weights (same layer shapes and classes) and standardisation.</summary>
    public Classifier? WarmStart { get; init; }

    /// <summary>
    /// Weights per class, multiplied into the sample weights (see <see cref="Classifier.Train(double[,], int[], double[], TrainingOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>):
    /// <see cref="Perceptron.ClassWeights.None"/> (the default), <see cref="Perceptron.ClassWeights.Balanced"/> or
    /// <see cref="Perceptron.ClassWeights.Explicit"/>. The cost becomes the weighted mean Σ wᵢ Lᵢ / Σ wᵢ.
    /// </summary>
    public ClassWeights ClassWeights { get; init; } = ClassWeights.None;

    /// <summary>The initialisation that <see cref="Initialization"/> resolves to: one for the whole network, He when
    /// every hidden layer is ReLU or leaky ReLU (the core's rule).</summary>
    public Initialization EffectiveInitialization =>
        Initialization ?? Interop.DefaultInitialization(EffectiveLayers);

    /// <summary>The hidden layers as training builds them: <see cref="Layers"/>, else <see cref="HiddenLayers"/> with <see cref="Activation"/>.</summary>
    internal IReadOnlyList<HiddenLayer> EffectiveLayers
    {
        get
        {
            if (Layers is not null)
            {
                return Layers;
            }

            // A loop, not LINQ's Select: less generic code for the JIT on a process's first training call (issue 12).
            var layers = new HiddenLayer[HiddenLayers.Count];
            for (var i = 0; i < layers.Length; i++)
            {
                layers[i] = new HiddenLayer(HiddenLayers[i], Activation);
            }

            return layers;
        }
    }

    // Not generic: Enum.IsDefined<T> over the facade's enums is code no framework image holds, which every
    // process's first training call would compile (issue 12); the Type form is precompiled.
    private static void Defined(Enum value, string name)
    {
        if (!Enum.IsDefined(value.GetType(), value))
        {
            throw NotDefined(value, name);
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ArgumentException NotDefined(Enum value, string name) =>
        new($"{name} {value} is not defined; expected one of {string.Join(", ", Enum.GetNames(value.GetType()))}.", name);

    internal void Validate() => Validate(new OptionNames());

    /// <summary>
    /// Checks the options that need no data, as training does before it starts; the library's rules (hidden widths,
    /// an initialisation that cannot break the symmetry of hidden units, epochs, batch size, validation fraction,
    /// early stopping) name the options as <paramref name="names"/> says.
    /// </summary>
    /// <param name="names">How messages name the options: e.g. a console host's flags.</param>
    /// <exception cref="ArgumentNullException"><paramref name="names"/> or <see cref="HiddenLayers"/> is null.</exception>
    /// <exception cref="ArgumentException">A bad value (an <see cref="ArgumentOutOfRangeException"/> for a value out of range);
    /// the message names the option.</exception>
    public void Validate(OptionNames names)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(HiddenLayers, nameof(HiddenLayers));
        ArgumentNullException.ThrowIfNull(ClassWeights, nameof(ClassWeights));
        Defined(Activation, nameof(Activation));
        ArgumentNullException.ThrowIfNull(Schedule, nameof(Schedule));
        CheckLayers();
        Defined(Optimizer, nameof(Optimizer));
        if (Initialization is Initialization initialization)
        {
            Defined(initialization, nameof(Initialization));
        }

        // The optimizer's own settings; the rest are the core's rules (Model.checkOptions).
        Guard.Positive(LearningRate, nameof(LearningRate));
        Guard.NonNegative(L2, nameof(L2));
        Guard.Positive(InitScale, nameof(InitScale));
        Guard.Fraction(Momentum, nameof(Momentum));
        Guard.Fraction(Beta1, nameof(Beta1));
        Guard.Fraction(Beta2, nameof(Beta2));
        Interop.CheckOptions(this, Classifier.CoreOptimizer(this), names);
    }

    /// <summary>Layers holds no null and only defined activations, and agrees with HiddenLayers when both are given.</summary>
    private void CheckLayers()
    {
        // The checks of given layers in a method of their own: without Layers (the usual case) their message
        // code is not compiled on a process's first training call (issue 12).
        if (Layers is not null)
        {
            CheckGivenLayers(Layers);
        }
    }

    private void CheckGivenLayers(IReadOnlyList<HiddenLayer> layers)
    {
        for (var i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not { } layer)
            {
                throw new ArgumentException($"Layers[{i}] is null; expected a HiddenLayer.", nameof(Layers));
            }

            Defined(layer.Activation, $"Layers[{i}].Activation");
        }

        if (HiddenLayers.Count > 0 && !HiddenLayers.SequenceEqual(layers.Select(l => l.Size)))
        {
            throw new ArgumentException(
                $"Layers has widths [{string.Join(", ", layers.Select(l => l.Size))}] but HiddenLayers has [{string.Join(", ", HiddenLayers)}]; "
                + "expected the same widths, or only one of Layers and HiddenLayers.",
                nameof(Layers));
        }
    }
}

/// <summary>Reported after every epoch of <see cref="Classifier.Train(double[,], int[], TrainingOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>.</summary>
/// <param name="Epoch">The epoch just completed, from 1.</param>
/// <param name="Epochs">The number of epochs requested.</param>
/// <param name="Cost">The mean training cost over the epoch, the L2 penalty included (see <see cref="TrainingOptions.L2"/>).</param>
/// <param name="ValidationCost">The cost on the validation split after the epoch, when there is one.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, double Cost, double? ValidationCost);
