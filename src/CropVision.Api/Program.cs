using CropVision.Api.Accounts;
using CropVision.Api.Farmer;
using CropVision.Api.Feedback;
using CropVision.Api.Http;
using CropVision.Api.Jobs;
using CropVision.Api.ModelInfo;
using CropVision.Api.Officer;
using CropVision.Api.OnDevice;
using CropVision.Api.OpenInference;
using CropVision.Api.Plots;
using CropVision.Api.Predictions;
using CropVision.Api.Reports;
using CropVision.Api.Review;
using CropVision.Api.Surveys;
using CropVision.Api.Telemetry;
using CropVision.Api.WebApp;
using CropVision.FieldStore;
using CropVision.Serving;
using CropVision.Serving.Registry;
using Prometheus;

// The service's table of contents: the engines it runs on, then one Add and one Map per feature folder.
var builder = WebApplication.CreateBuilder(args);

builder.AddHttpPipeline(); // problems, OpenAPI, upload size, rate limiter (Http/)
builder.AddForwardedHeaders(); // X-Forwarded-For/-Proto from loopback and ForwardedHeaders:Known* only
builder.AddHttps();        // Https:Redirect, Https:HstsMaxAgeDays (off by default)
builder.AddTelemetry();    // OpenTelemetry traces; OTLP export of traces and metrics when OTEL_EXPORTER_OTLP_ENDPOINT is set
builder.AddServing();      // models, batching, admission, predictions, shadow (src/CropVision.Serving)
builder.AddFieldStore();   // surveys, observations, photos, accounts' tables (src/CropVision.FieldStore)
builder.AddAccounts();     // officers and admins: cookie, bearer token, admin API key
builder.AddSurveys();
builder.AddReview();
builder.AddJobs();         // zip imports in the background
builder.AddFeedback();     // farmers' verdicts, with their rate limit
builder.AddReports();      // Region:TimeZone, the zone exports show times in
builder.AddOfficer();      // the officer pages' map settings
builder.AddFarmer();       // the farmer's app settings (extension contacts)
builder.AddWebApp();       // the farmer's and officer's pages, compressed and cached
builder.Services.AddBrowserModels(); // the composed model for diagnosis on the phone (OnDevice/)

var app = builder.Build();
app.UseForwardedHeadersFromKnownProxies();
app.UseHttps();
app.UseMetricsAccess();    // Metrics:AllowedNetworks
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpMetrics();
app.UseContentTypeCheck(); // an unparsable Content-Type is a 400 problem before any endpoint reads the body
app.UseOfficerPages();
app.UseWebApp();
app.UseRateLimiter();      // registered in AddHttpPipeline; Feedback adds its policy
app.UseAuthentication();
app.UseAuthorization();

// Load the models before taking traffic: a start-up that cannot serve (Device=cuda without CUDA) fails here, loudly.
app.Services.GetRequiredService<ModelRegistry>();

app.MapOpenApi();
app.MapPredictionsApi();   // /v1/predict
app.MapModelsApi();        // /v1/models
app.MapBrowserModelApi();  // /v1/models/{crop}/browser, /browser-model (diagnosis on the phone)
app.MapOpenInferenceApi(); // /v2 (KServe / Triton protocol)
app.MapFeedbackApi();      // /v1/feedback
app.MapDeviceAnswerApi();  // /v1/device-answers (answers made on the phone, sent when online; OnDevice/)
app.MapAccountsApi();      // /v1/auth, /v1/accounts
app.MapSurveysApi();       // /v1/surveys and their observations
app.MapPlotsApi();         // /v1/plots (kept across surveys)
app.MapReviewApi();        // /v1/review
app.MapJobsApi();          // /v1/jobs, /v1/surveys/{id}/imports
app.MapReportsApi();       // summaries, CSV, GeoJSON, the printable report
app.MapOfficerApi();       // /v1/officer/config
app.MapFarmerApi();        // /v1/farmer/config
app.MapMetrics(MetricsAccess.Path);

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
