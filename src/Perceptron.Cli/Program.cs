// The console host: `perceptron train | predict | evaluate | gradcheck`.
using Perceptron.Cli;

return App.Run(args, Console.Out, Console.Error);
