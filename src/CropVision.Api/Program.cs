using CropVision.Api.Accounts;
using CropVision.Serving.Catalogue;
using CropVision.Serving;
using CropVision.Api.Feedback;
using CropVision.Api.Jobs;
using CropVision.Api.ModelInfo;
using CropVision.Api.Officer;
using CropVision.Api.OpenInference;
using CropVision.Api.Predictions;
using CropVision.Serving.Predictions;
using CropVision.Api.Reports;
using CropVision.Api.Review;
using CropVision.Serving.Shadow;
using CropVision.Serving.Registry;
using CropVision.Serving.Batching;
using CropVision.Api.WebApp;
using CropVision.Api.Surveys;
using CropVision.FieldStore;
using Prometheus;

var builder = WebApplication.CreateBuilder(args);

builder.AddServing();
builder.Services.Configure<AdminOptions>(builder.Configuration.GetSection(AdminOptions.Section));
builder.AddFieldStore();
builder.AddAccounts();
builder.Services.AddScoped<ObservationIntake>();
builder.AddImports();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<CropVision.Api.Problems.StoreConflictHandler>();
// A body or parameter that does not bind is a 400 problem in every environment (Development would otherwise throw: a 500).
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = false);
builder.Services.AddOpenApi();
builder.AddWebApp();
builder.AddFeedback();
builder.AddOfficerPages();
// Uploads are streamed and limited by Limits:MaxUploadBytes in ImageUploads; Kestrel's own cap sits just above it.
builder.WebHost.ConfigureKestrel((context, kestrel) =>
    kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue<long?>("Limits:MaxUploadBytes") + 64 * 1024 ?? 21 * 1024 * 1024);

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseHttpMetrics();
app.UseOfficerPages();
app.UseWebApp();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

// Load the models before taking traffic: a start-up that cannot serve (Device=cuda without CUDA) fails here, loudly.
app.Services.GetRequiredService<ModelRegistry>();

app.MapOpenApi();
app.MapPredictions();
app.MapModels();
app.MapOpenInference();
app.MapFeedback();
app.MapAuth();
app.MapAccounts();
app.MapSurveys();
app.MapReview();
app.MapJobs();
app.MapReports();
app.MapOfficerPages();
app.MapMetrics("/metrics");

app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
