using System.CommandLine;
using CropVision.Training.Commands;

var root = new RootCommand("CropVision training console: train crop-disease models from labelled leaf photos, evaluate, export and predict.")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ExportCommand.Create(),
    PredictCommand.Create(),
    DatasetCommand.Create(),
    CompareCommand.Create(),
    PromoteCommand.Create(),
    QuantizeCommand.Create(),
    OptimizeCommand.Create(),
    CalibrateCommand.Create(),
    LesionAreaCommand.Create(),
    StoreCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
