// Outputs that are not plain new files: devices and FIFOs (written in place, never renamed over), a full
// device, a name near the 255-byte limit, and temporary files left behind by a process that was killed.
using System.Diagnostics;
using Xunit;

namespace Perceptron.Tests;

public class OutputFileTests
{
    [Fact]
    public void A_character_device_is_written_in_place_and_stays_a_device()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /dev/null and /dev/full are Linux devices.
        }

        AtomicFile.WriteText("/dev/null", w => w.Write("predicted\n"));
        AtomicFile.Replace("/dev/null", ".png", temporary => File.WriteAllText(temporary, "picture"));

        Assert.Equal("a character device", AtomicFile.SpecialFile.Kind("/dev/null"));
    }

    [Fact]
    public void A_full_device_is_an_IOException_that_the_facade_names()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        using var scratch = new ScratchDirectory();
        File.WriteAllText(scratch.Path("model.json"), CliFiles.SmallModel);

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteText("/dev/full", w => w.Write(new string('x', 100_000))));
        var e = Assert.ThrowsAny<Exception>(() => ModelFile.Write("/dev/full", ModelFile.Read(scratch.Path("model.json"))));
        Assert.Contains("/dev/full", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_FIFO_is_written_in_place_for_its_reader()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // FIFOs are a Unix feature.
        }

        using var scratch = new ScratchDirectory();
        var fifo = scratch.Path("pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo))
        {
            mkfifo.WaitForExit();
        }

        var reader = Task.Run(() => File.ReadAllText(fifo));
        AtomicFile.WriteText(fifo, w => w.Write("through the pipe"));

        Assert.Equal("through the pipe", await reader.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("a FIFO", AtomicFile.SpecialFile.Kind(fifo));
    }

    [Fact]
    public void A_file_name_of_250_bytes_gets_a_valid_temporary_name()
    {
        using var scratch = new ScratchDirectory();
        var path = scratch.Path(new string('m', 245) + ".json");

        AtomicFile.WriteText(path, w => w.Write("model"));

        Assert.Equal("model", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(scratch.Directory));
    }

    [Fact]
    public void A_day_old_temporary_file_of_a_process_that_ended_is_swept_and_recent_or_running_ones_are_kept()
    {
        using var scratch = new ScratchDirectory();
        int ended;
        using (var child = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            child.WaitForExit();
            ended = child.Id;
        }

        var stale = scratch.Path($".perceptron-{ended}-0000abcd.tmp");
        var recent = scratch.Path($".perceptron-{ended}-0000abce.tmp");
        var running = scratch.Path($".perceptron-{Environment.ProcessId}-0000abcd.tmp");
        File.WriteAllText(stale, "left by a second Ctrl+C");
        File.WriteAllText(recent, "perhaps a live writer on another machine");
        File.WriteAllText(running, "being written");
        var twoDaysAgo = DateTime.UtcNow - TimeSpan.FromDays(2);
        File.SetLastWriteTimeUtc(stale, twoDaysAgo);
        File.SetLastWriteTimeUtc(running, twoDaysAgo);

        AtomicFile.WriteText(scratch.Path("model.json"), w => w.Write("model"));

        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(recent));
        Assert.True(File.Exists(running));
    }
}
