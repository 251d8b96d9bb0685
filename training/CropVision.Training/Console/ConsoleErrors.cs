using CropVision.Core.Preprocessing;
using CropVision.Learning.Data;
using Spectre.Console;

namespace CropVision.Training.Console;

/// <summary>Turns the errors a user can cause into one clear line and exit code 1; anything else is a bug and keeps its stack trace.</summary>
public static class ConsoleErrors
{
    public static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (Exception e) when (e is DatasetException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or ImageDecodeException or UnauthorizedAccessException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]cancelled; nothing was written.[/]");
            return 130;
        }
    }
}
