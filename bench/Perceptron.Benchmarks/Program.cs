Console.WriteLine(Perceptron.Placeholder.X);
