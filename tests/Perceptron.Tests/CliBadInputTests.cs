// The console host's bad-input table: each row runs the real executable on one kind of bad file
// or option and expects exit code 2 and exactly one line on stderr, with no stack trace. Every
// `train` row also gets an existing --model file, which must come out byte for byte the same.
// The rows are split over three classes so that xunit runs the three tables in parallel.

using Xunit;

namespace Perceptron.Tests;

/// <summary>A scratch folder holding every bad (and a few good) input file the tables name.</summary>
public sealed class CliBadInputFolder : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public CliBadInputFolder()
    {
        void Write(string name, string text) => CliFiles.Write(Directory, name, text);

        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "folder"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "folder.png"));
        Write("good.csv", "a,b,y\n1,2,0\n3,4,1\n1.5,2.5,0\n3.5,4,1\n");
        Write("empty.csv", "");
        Write("header-only.csv", "a,b,y\n");
        Write("no-header.csv", "1,2,0\n3,4,1\n");
        Write("duplicate-columns.csv", "a,a,y\n1,2,0\n3,4,1\n");
        Write("non-numeric.csv", "a,b,y\n1,2,0\n3,x,1\n");
        Write("empty-cell.csv", "a,b,y\n1,2,0\n3,,1\n");
        Write("empty-label.csv", "a,b,y\n1,2,0\n3,4,\n");
        Write("ragged.csv", "a,b,y\n1,2,0\n3,4\n");
        Write("nan.csv", "a,b,y\n1,NaN,0\n3,4,1\n");
        Write("infinity.csv", "a,b,y\n1,2,0\n3,4,1\n-Infinity,5,0\n");
        Write("too-large.csv", "a,b,y\n1,2,0\n1e999,4,1\n");
        Write("single-class.csv", "a,b,y\n1,2,0\n3,4,0\n5,6,0\n");
        Write("too-many-classes.csv", "a,b,y\n1,2,p\n3,4,q\n5,6,r\n7,8,s\n");
        Write("swapped.csv", "b,a,y\n2,1,0\n4,3,1\n2.5,1.5,0\n4,3.5,1\n");
        Write("renamed.csv", "a,c,y\n1,2,0\n3,4,1\n");
        Write("fewer.csv", "a,y\n1,0\n3,1\n");
        Write("extra.csv", "a,b,c,y\n1,2,3,0\n3,4,5,1\n");
        Write("other-labels.csv", "a,b,y\n1,2,0\n3,4,yes\n");
        Write("two-samples.csv", "a,b,y\n1,2,0\n3,4,1\n");
        Write("zeros-only.csv", "a,b,y\n1,2,0\n3,4,0\n");
        // A terminal escape sequence (clear screen) and a vertical tab in column names.
        File.WriteAllBytes(Path.Combine(Directory, "latin1.csv"), [.. "a,f"u8, 0xE9, .. "1,y\n1,2,0\n3,4,1\n"u8]);
        Write("control-characters.csv", "a\u001b[2Jb,c\u000bd,y\n1,2,0\n3,4,1\n");

        Write("model.json", CliFiles.SmallModel);
        Write("three-classes.json", CliFiles.SmallModel
            .Replace("\"classes\": [\"0\", \"1\"]", "\"classes\": [\"p\", \"q\", \"r\"]", StringComparison.Ordinal)
            .Replace(
                "{ \"activation\": \"sigmoid\", \"weights\": [[1.5, -0.5]], \"bias\": [0.25] }",
                "{ \"activation\": \"softmax\", \"weights\": [[1, 0], [0, 1], [-1, -1]], \"bias\": [0, 0, 0] }",
                StringComparison.Ordinal));
        Write("empty.json", "");
        Write("subnormal-std.json", CliFiles.SmallModel.Replace(
            "\"standardization\": null", "\"standardization\": { \"mean\": [0, 0], \"std\": [5e-324, 1] }", StringComparison.Ordinal));
        Write("huge-weights.json", CliFiles.SmallModel.Replace("[[1.5, -0.5]]", "[[1e308, 1e308]]", StringComparison.Ordinal));
        Write("half-std.json", CliFiles.SmallModel.Replace(
            "\"standardization\": null", "\"standardization\": { \"mean\": [2.25, 3.125], \"std\": [0.5, 0.5] }", StringComparison.Ordinal));
        Write("huge-value.csv", "a,b,y\n3,4,1\n1e308,2,0\n");
        Write("wide.csv", "a,b,y\n1,2,0\n3,4,1\n");
        using (var huge = File.Create(Path.Combine(Directory, "huge.json")))
        {
            huge.SetLength(3L << 30); // sparse: no disk space used
        }

        // As `echo not json > model.json` leaves it: the line break ends up in the parser's message.
        Write("not-json.json", "not json\n");
        Write("wrong-format.json", CliFiles.SmallModel.Replace("\"perceptron-model\"", "\"keras-model\"", StringComparison.Ordinal));
        Write("wrong-version.json", CliFiles.SmallModel.Replace("\"version\": 1", "\"version\": 2", StringComparison.Ordinal));
        Write("wrong-shape.json", CliFiles.SmallModel.Replace("[[1.5, -0.5]]", "[[1.5, -0.5, 2]]", StringComparison.Ordinal));
        Write("wrong-output.json", CliFiles.SmallModel.Replace("\"sigmoid\"", "\"softmax\"", StringComparison.Ordinal));
    }

    public string Directory => _scratch.Directory;

    public void Dispose() => _scratch.Dispose();
}

internal static class BadInput
{
    /// <summary>
    /// Runs `perceptron ARGS` in the folder and checks the exit code and the single stderr line
    /// ({dir} in <paramref name="expected"/> stands for the folder's full path).
    /// </summary>
    public static async Task Check(CliBadInputFolder folder, string args, int exitCode, string expected)
    {
        var arguments = args.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();

        // A failed training run must leave an existing model file alone.
        var guarded = arguments.Count > 0 && arguments[0] == "train" && !arguments.Contains("--model");
        var kept = $"kept-{Guid.NewGuid():N}.json";
        if (guarded)
        {
            CliFiles.Write(folder.Directory, kept, CliFiles.SmallModel);
            arguments.InsertRange(1, ["--model", kept]);
        }

        var result = await CliHost.RunAsync(folder.Directory, [.. arguments]);

        Assert.True(exitCode == result.ExitCode, $"expected exit code {exitCode}\n{result}");
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.True(result.StderrLines.Length == 1, $"expected one line on stderr\n{result}");
        Assert.False(result.StderrLines[0].Any(char.IsControl), $"expected no control characters on stderr\n{result}");
        Assert.Equal(expected.Replace("{dir}", folder.Directory, StringComparison.Ordinal), result.StderrLines[0]);
        Assert.True(result.Stdout.Length == 0, $"expected nothing on stdout\n{result}");
        if (guarded)
        {
            Assert.Equal(CliFiles.SmallModel, File.ReadAllText(Path.Combine(folder.Directory, kept)));
            Assert.Empty(CliFiles.TemporaryFiles(folder.Directory));
        }
    }
}

/// <summary>Bad CSV data files.</summary>
public sealed class CliBadDataFileTests(CliBadInputFolder folder) : IClassFixture<CliBadInputFolder>
{
    [Theory]
    [InlineData("missing file", "train --data missing.csv", 2,
        "error: missing.csv: no such file; expected a CSV file")]
    [InlineData("a directory instead of a file", "train --data folder", 2,
        "error: folder: is a directory; expected a CSV file")]
    [InlineData("empty file", "train --data empty.csv", 2,
        "error: empty.csv: the file is empty; expected a header row and at least one data row")]
    [InlineData("header only", "train --data header-only.csv", 2,
        "error: header-only.csv: the file has a header row but no data rows; expected at least one data row")]
    [InlineData("no header: the first line is numeric", "train --data no-header.csv", 2,
        "error: no-header.csv:1: the first row holds only numbers ('1', '2', '0'); expected a header row of column names")]
    [InlineData("duplicate column names", "train --data duplicate-columns.csv", 2,
        "error: duplicate-columns.csv:1:2: column name 'a' appears again (first in column 1); expected unique column names")]
    [InlineData("label column absent", "train --data good.csv --label nope", 2,
        "error: good.csv:1: no column named 'nope'; expected the label column, one of 'a', 'b', 'y'")]
    [InlineData("a non-numeric cell", "train --data non-numeric.csv", 2,
        "error: non-numeric.csv:3:2: 'x' is not a number; expected a finite number in column 'b'")]
    [InlineData("an empty cell", "train --data empty-cell.csv", 2,
        "error: empty-cell.csv:3:2: empty cell; expected a finite number in column 'b'")]
    [InlineData("an empty label", "train --data empty-label.csv", 2,
        "error: empty-label.csv:3:3: empty cell; expected a label in column 'y'")]
    [InlineData("a ragged row", "train --data ragged.csv", 2,
        "error: ragged.csv:3: the row has 2 fields; expected 3, as in the header")]
    [InlineData("a NaN cell", "train --data nan.csv", 2,
        "error: nan.csv:2:2: 'NaN' is not a finite number; expected a finite number in column 'b'")]
    [InlineData("an infinite cell", "train --data infinity.csv", 2,
        "error: infinity.csv:4:1: '-Infinity' is not a finite number; expected a finite number in column 'a'")]
    [InlineData("a number too large for a double", "train --data too-large.csv", 2,
        "error: too-large.csv:3:1: '1e999' is too large for a double; expected a finite number in column 'a'")]
    [InlineData("a single class", "train --data single-class.csv", 2,
        "error: single-class.csv: the label column 'y' holds a single class ('0'); expected at least two classes")]
    [InlineData("too many classes for the samples", "train --data too-many-classes.csv", 2,
        "error: too-many-classes.csv: the label column 'y' has 4 classes for 4 samples; expected at least two samples per class on average (is it the label column?)")]
    [InlineData("a class too small to stratify", "train --data two-samples.csv", 2,
        "error: --test-fraction 0.2: class 0 has a single sample, which a stratified split cannot put on both sides; expected at least 2 samples of every class (or split without stratifying: --no-stratify)")]
    [InlineData("the training split holds a single class", "train --data two-samples.csv --no-stratify", 2,
        "error: two-samples.csv: the 1 training sample left after holding out 1 for testing (--test-fraction 0.2) holds a single class ('1'); expected at least two classes to tell apart (use more data, or --test-fraction 0)")]
    [InlineData("a single class, warm start", "train --data zeros-only.csv --warm-start model.json --test-fraction 0", 2,
        "error: zeros-only.csv: the 2 training samples hold a single class ('0'); expected at least two classes to tell apart")]
    [InlineData("control characters in a message", "train --data control-characters.csv --label nope", 2,
        "error: control-characters.csv:1: no column named 'nope'; expected the label column, one of 'a\\u001b[2Jb', 'c\\u000bd', 'y'")]
    [InlineData("a test fraction that leaves nothing to train on", "train --data good.csv --test-fraction 0.999", 2,
        "error: --test-fraction 0.999 holds out all 4 samples of good.csv and leaves none for training; expected a smaller --test-fraction or more data")]
    [InlineData("a validation fraction that leaves nothing to train on", "train --data good.csv --test-fraction 0 --validation-fraction 0.9", 2,
        "error: --validation-fraction 0.9 holds out all 4 training samples of good.csv and leaves none for training; expected a smaller --validation-fraction or more data")]
    [InlineData("a Latin-1 column name", "predict --model model.json --data latin1.csv", 2,
        "error: latin1.csv:1:4: not valid UTF-8 (byte 0xE9); expected a CSV file in UTF-8 (convert it, e.g. iconv -f latin1 -t utf-8)")]
    [InlineData("a bad --test file", "train --data good.csv --test non-numeric.csv", 2,
        "error: non-numeric.csv:3:2: 'x' is not a number; expected a finite number in column 'b'")]
    [InlineData("a --test file with other columns", "train --data good.csv --test swapped.csv", 2,
        "error: swapped.csv:1:1: column 1 is 'b'; the training data expects 'a'")]
    [InlineData("gradcheck on a bad file", "gradcheck --data ragged.csv", 2,
        "error: ragged.csv:3: the row has 2 fields; expected 3, as in the header")]
    public Task Is_refused_with_one_line(string @case, string args, int exitCode, string expected)
    {
        _ = @case;
        return BadInput.Check(folder, args, exitCode, expected);
    }
}

/// <summary>Model files that are not models, and data that does not fit the model.</summary>
public sealed class CliBadModelFileTests(CliBadInputFolder folder) : IClassFixture<CliBadInputFolder>
{
    [Theory]
    [InlineData("predict: feature columns in another order", "predict --model model.json --data swapped.csv", 2,
        "error: swapped.csv:1:1: column 1 is 'b'; the model expects 'a'")]
    [InlineData("predict: a feature column renamed", "predict --model model.json --data renamed.csv", 2,
        "error: renamed.csv:1:2: column 2 is 'c'; the model expects 'b'")]
    [InlineData("predict: a feature column missing", "predict --model model.json --data fewer.csv", 2,
        "error: fewer.csv:1: the file has 1 feature column; the model expects 2, the first missing one is 'b'")]
    [InlineData("predict: an extra column", "predict --model model.json --data extra.csv", 2,
        "error: extra.csv:1:3: column 3 is 'c'; the model expects only 2 feature columns")]
    [InlineData("evaluate: feature columns in another order", "evaluate --model model.json --data swapped.csv", 2,
        "error: swapped.csv:1:1: column 1 is 'b'; the model expects 'a'")]
    [InlineData("evaluate: a label the model does not know", "evaluate --model model.json --data other-labels.csv", 2,
        "error: other-labels.csv:3:3: label 'yes' is not one of the classes; expected one of '0', '1'")]
    [InlineData("warm start from a model of other features", "train --data swapped.csv --warm-start model.json", 2,
        "error: swapped.csv:1:1: column 1 is 'b'; the model expects 'a'")]
    [InlineData("model file missing", "predict --model missing.json --data good.csv", 2,
        "error: missing.json: no such file; expected a perceptron model file")]
    [InlineData("model file is a directory", "evaluate --model folder --data good.csv", 2,
        "error: folder: is a directory; expected a perceptron model file")]
    [InlineData("model file empty", "predict --model empty.json --data good.csv", 2,
        "error: empty.json: the file is empty; expected a perceptron model (JSON)")]
    [InlineData("model file not JSON", "predict --model not-json.json --data good.csv", 2,
        "error: not-json.json:1:2: not valid JSON ('not json\\n' is an invalid JSON literal. Expected the literal 'null'); expected a perceptron model file")]
    [InlineData("wrong format", "predict --model wrong-format.json --data good.csv", 2,
        "error: wrong-format.json: format is 'keras-model'; expected 'perceptron-model'")]
    [InlineData("wrong version", "evaluate --model wrong-version.json --data good.csv", 2,
        "error: wrong-version.json: version is 2; expected 1, the version this perceptron reads (the file was written by a newer perceptron)")]
    [InlineData("inconsistent layer shapes", "predict --model wrong-shape.json --data good.csv", 2,
        "error: wrong-shape.json: layers[0].weights[0] has 3 values; expected 2 (one per feature)")]
    [InlineData("wrong output layer", "predict --model wrong-output.json --data good.csv", 2,
        "error: wrong-output.json: layers[0].activation is 'softmax'; expected 'sigmoid' for the output layer of a 2-class model")]
    [InlineData("warm start from a file that is not JSON", "train --data good.csv --warm-start not-json.json", 2,
        "error: not-json.json:1:2: not valid JSON ('not json\\n' is an invalid JSON literal. Expected the literal 'null'); expected a perceptron model file")]
    [InlineData("a subnormal std", "predict --model subnormal-std.json --data good.csv", 2,
        "error: subnormal-std.json: standardization.std[0] is 5E-324; expected a positive number of at least 2.2250738585072014E-308 (the smallest normal double; dividing by less overflows)")]
    [InlineData("a 3 GB model file", "predict --model huge.json --data good.csv", 2,
        "error: huge.json: the file is 3072 MiB; expected a perceptron model file of at most 512 MiB")]
    [InlineData("weights whose forward pass overflows", "predict --model huge-weights.json --data wide.csv", 2,
        "error: wide.csv: data row 1: the forward pass overflows in layers[0] (a value is Infinity); the model's weights are too large for this input, so it has no probability to give")]
    [InlineData("evaluate with weights whose forward pass overflows", "evaluate --model huge-weights.json --data wide.csv", 2,
        "error: wide.csv: data row 1: the forward pass overflows in layers[0] (a value is Infinity); the model's weights are too large for this input, so it has no probability to give")]
    [InlineData("a value the model cannot standardise", "predict --model half-std.json --data huge-value.csv", 2,
        "error: huge-value.csv: features column 'a' cannot be standardised: data row 2 holds 1E+308, more than 1.7976931348623157E+308 standard deviations (0.5) from the mean (2.25); expected values nearer the data the standardisation was fitted on")]
    [InlineData("evaluate --plot with three classes", "evaluate --model three-classes.json --data good.csv --plot roc.png", 2,
        "error: --plot draws a ROC curve, which needs a two-class model; this one has 3 classes")]
    public Task Is_refused_with_one_line(string @case, string args, int exitCode, string expected)
    {
        _ = @case;
        return BadInput.Check(folder, args, exitCode, expected);
    }
}

/// <summary>Unknown, missing and out-of-range options.</summary>
public sealed class CliBadOptionTests(CliBadInputFolder folder) : IClassFixture<CliBadInputFolder>
{
    [Theory]
    [InlineData("no command", "", 2,
        "error: Required command was not provided. (see 'perceptron --help')")]
    [InlineData("unknown command", "frobnicate", 2,
        "error: Unrecognized command or argument 'frobnicate'. (see 'perceptron --help')")]
    [InlineData("unknown option", "train --bogus", 2,
        "error: Unrecognized command or argument '--bogus'. (see 'perceptron train --help')")]
    [InlineData("option without its value", "train --data", 2,
        "error: Required argument missing for option: '--data'. (see 'perceptron train --help')")]
    [InlineData("required option missing", "predict --data good.csv", 2,
        "error: Option '--model' is required. (see 'perceptron predict --help')")]
    [InlineData("--epochs 0", "train --epochs 0", 2,
        "error: --epochs '0' is not valid; expected a whole number >= 1 (see 'perceptron train --help')")]
    [InlineData("--iterations -3", "train --iterations -3", 2,
        "error: --epochs '-3' is not valid; expected a whole number >= 1 (see 'perceptron train --help')")]
    [InlineData("--learning-rate -1", "train --learning-rate -1", 2,
        "error: --learning-rate '-1' is not valid; expected a number > 0 (see 'perceptron train --help')")]
    [InlineData("--learning-rate 0", "train --learning-rate 0", 2,
        "error: --learning-rate '0' is not valid; expected a number > 0 (see 'perceptron train --help')")]
    [InlineData("--learning-rate NaN", "train --learning-rate NaN", 2,
        "error: --learning-rate 'NaN' is not valid; expected a number > 0 (see 'perceptron train --help')")]
    [InlineData("--batch-size 0", "train --batch-size 0", 2,
        "error: --batch-size '0' is not valid; expected a whole number >= 1 (see 'perceptron train --help')")]
    [InlineData("--test-fraction 1.5", "train --test-fraction 1.5", 2,
        "error: --test-fraction '1.5' is not valid; expected a number >= 0 and < 1 (see 'perceptron train --help')")]
    [InlineData("--test-fraction -0.1", "train --test-fraction -0.1", 2,
        "error: --test-fraction '-0.1' is not valid; expected a number >= 0 and < 1 (see 'perceptron train --help')")]
    [InlineData("--validation-fraction 1", "train --validation-fraction 1", 2,
        "error: --validation-fraction '1' is not valid; expected a number >= 0 and < 1 (see 'perceptron train --help')")]
    [InlineData("--hidden 0", "train --hidden 0", 2,
        "error: --hidden '0' is not valid; expected comma-separated widths >= 1, like 16,8 (see 'perceptron train --help')")]
    [InlineData("--hidden 16,-2", "train --hidden 16,-2", 2,
        "error: --hidden '16,-2' is not valid; expected comma-separated widths >= 1, like 16,8 (see 'perceptron train --help')")]
    [InlineData("--print-every 0", "train --print-every 0", 2,
        "error: --print-every '0' is not valid; expected a whole number >= 1 (see 'perceptron train --help')")]
    [InlineData("--patience 0", "train --validation-fraction 0.2 --patience 0", 2,
        "error: --patience '0' is not valid; expected a whole number >= 1 (see 'perceptron train --help')")]
    [InlineData("--l2 -1", "train --l2 -1", 2,
        "error: --l2 '-1' is not valid; expected a number >= 0 (see 'perceptron train --help')")]
    [InlineData("--init-scale 0", "train --init normal --init-scale 0", 2,
        "error: --init-scale '0' is not valid; expected a number > 0 (see 'perceptron train --help')")]
    [InlineData("--seed x", "train --seed x", 2,
        "error: --seed 'x' is not valid; expected a whole number (see 'perceptron train --help')")]
    [InlineData("--activation unknown", "gradcheck --activation swish", 2,
        "error: --activation 'swish' is not known; expected one of sigmoid, tanh, relu, leaky_relu (see 'perceptron gradcheck --help')")]
    [InlineData("--optimizer unknown", "train --optimizer sgd", 2,
        "error: --optimizer 'sgd' is not known; expected one of gd, momentum, adam (see 'perceptron train --help')")]
    [InlineData("--init zeros with --hidden", "train --init zeros --hidden 4", 2,
        "error: --init zeros does not work with --hidden: every hidden unit would start with the same weights and get the same gradients, so the units would never differ (symmetry is not broken); use --init normal, xavier or he")]
    [InlineData("gradcheck --init zeros with --hidden", "gradcheck --init zeros --hidden 4", 2,
        "error: --init zeros does not work with --hidden: every hidden unit would start with the same weights and get the same gradients, so the units would never differ (symmetry is not broken); use --init normal, xavier or he")]
    [InlineData("--hidden with --warm-start", "train --warm-start model.json --hidden 16", 2,
        "error: --hidden cannot be used with --warm-start: the network and its standardisation come from the model file; leave it out, or train a new model without --warm-start")]
    [InlineData("network options with --warm-start", "train --warm-start model.json --activation relu --no-standardize --init he", 2,
        "error: --activation, --init, --no-standardize cannot be used with --warm-start: the network and its standardisation come from the model file; leave them out, or train a new model without --warm-start")]
    [InlineData("--patience without a validation split", "train --patience 5", 2,
        "error: --patience needs a validation split to watch; add --validation-fraction, e.g. --validation-fraction 0.2")]
    [InlineData("train --plot not .png", "train --plot curve.jpg", 2,
        "error: --plot 'curve.jpg' is not valid; expected a file name ending in .png")]
    [InlineData("evaluate --plot not .png", "evaluate --model model.json --data good.csv --plot roc.svg", 2,
        "error: --plot 'roc.svg' is not valid; expected a file name ending in .png")]
    [InlineData("--plot in a missing folder", "train --plot no-such-folder/curve.png", 2,
        "error: --plot 'no-such-folder/curve.png': the folder '{dir}/no-such-folder' does not exist")]
    [InlineData("--model in a missing folder", "train --model no-such-folder/model.json", 2,
        "error: --model 'no-such-folder/model.json': the folder '{dir}/no-such-folder' does not exist")]
    [InlineData("--model is a directory", "train --model folder", 2,
        "error: --model 'folder' is a directory; expected the path of a file to write")]
    [InlineData("--output in a missing folder", "predict --model model.json --data good.csv --output no-such-folder/p.csv", 2,
        "error: --output 'no-such-folder/p.csv': the folder '{dir}/no-such-folder' does not exist")]
    [InlineData("--output is a directory", "predict --model model.json --data good.csv --output folder", 2,
        "error: --output 'folder' is a directory; expected the path of a file to write")]
    [InlineData("--plot is a directory", "train --plot folder.png", 2,
        "error: --plot 'folder.png' is a directory; expected the path of a file to write")]
    [InlineData("--model is the --data file", "train --data good.csv --model ./good.csv", 2,
        "error: --model './good.csv' is also --data; expected a different file, so that the run does not write over a file it reads or writes")]
    [InlineData("--output is the --model file", "predict --model model.json --data good.csv --output model.json", 2,
        "error: --output 'model.json' is also --model; expected a different file, so that the run does not write over a file it reads or writes")]
    [InlineData("--output is the --data file", "predict --model model.json --data good.csv --output good.csv", 2,
        "error: --output 'good.csv' is also --data; expected a different file, so that the run does not write over a file it reads or writes")]
    [InlineData("export --output is the --model file", "export --model model.json --output model.json", 2,
        "error: --output 'model.json' is also --model; expected a different file, so that the run does not write over a file it reads or writes")]
    [InlineData("--plot is the --data file", "evaluate --model model.json --data good.png --plot good.png", 2,
        "error: --plot 'good.png' is also --data; expected a different file, so that the run does not write over a file it reads or writes")]
    [InlineData("--model name longer than 255 bytes", "train --model mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm.json", 2,
        "error: --model 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm.json': the file name is 261 bytes long; expected at most 255")]
    [InlineData("an option's value left out", "train --label --epochs 5", 2,
        "error: --label needs a value, but is followed by the option '--epochs'; give the value after --label (see 'perceptron train --help')")]
    [InlineData("--hidden with an empty width", "train --hidden 4,,4", 2,
        "error: --hidden '4,,4' is not valid; expected comma-separated widths >= 1, like 16,8 (see 'perceptron train --help')")]
    [InlineData("--hidden with a trailing comma", "gradcheck --hidden 4,", 2,
        "error: --hidden '4,' is not valid; expected comma-separated widths >= 1, like 16,8 (see 'perceptron gradcheck --help')")]
    public Task Is_refused_with_one_line(string @case, string args, int exitCode, string expected)
    {
        _ = @case;
        return BadInput.Check(folder, args, exitCode, expected);
    }
}
