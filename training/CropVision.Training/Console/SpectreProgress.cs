using CropVision.Learning.Heads;
using Spectre.Console;

namespace CropVision.Training.Console;

/// <summary>Shows each long training stage as a progress bar; messages are printed above the bars.</summary>
public sealed class SpectreProgress(ProgressContext context) : ITrainingProgress
{
    private ProgressTask? _task;

    public void Stage(string name, int total)
    {
        if (_task is { IsFinished: false }) _task.Value = _task.MaxValue;
        _task = context.AddTask(Markup.Escape(name), maxValue: Math.Max(1, total));
    }

    public void Advance(int done) { if (_task is not null) _task.Value = done; }

    public void Info(string message) => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

    /// <summary>Runs <paramref name="work"/> under a live progress display.</summary>
    public static T Run<T>(Func<ITrainingProgress, T> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(true) // finished stages are summed up by their messages; in a log they were reprinted on every refresh
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => work(new SpectreProgress(ctx)));
}
