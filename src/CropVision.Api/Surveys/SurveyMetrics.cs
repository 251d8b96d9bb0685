using Prometheus;

namespace CropVision.Api.Surveys;

/// <summary>Prometheus metrics of survey photos and imports.</summary>
public static class SurveyMetrics
{
    public static readonly Counter Photos = Metrics.CreateCounter("cropvision_survey_photos_total",
        "Survey photos taken in, by path (upload, import) and result (added, duplicate, refused).", "path", "result");
    public static readonly Counter ImportJobs = Metrics.CreateCounter("cropvision_import_jobs_total",
        "Import jobs finished by this process, by state (completed, failed).", "state");

    public static void Count(string path, bool? duplicate) =>
        Photos.WithLabels(path, duplicate switch { true => "duplicate", false => "added", null => "refused" }).Inc();
}
