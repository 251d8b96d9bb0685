using System.Reflection;
using CropVision.FieldStore;
using CropVision.Serving;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CropVision.Api.Telemetry;

/// <summary>
/// OpenTelemetry: traces of the API's requests (ASP.NET Core), outgoing HttpClient calls, EF Core commands and our own
/// spans (<see cref="ServingTelemetry"/>: decode, queue wait, inference batch; <see cref="FieldStoreTelemetry"/>: store
/// write, photo write), always wired, so an exporter added later (a test's in-memory one) sees them all; sent over OTLP,
/// with the ASP.NET Core, Kestrel, HttpClient and runtime meters, only where <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or the
/// per-signal <c>..._TRACES_ENDPOINT</c> / <c>..._METRICS_ENDPOINT</c>) is set, in the environment or configuration.
/// The SDK reads the other <c>OTEL_*</c> variables itself (protocol, headers, sampler, <c>OTEL_SDK_DISABLED</c>).
/// Prometheus at /metrics stays as it is: the <c>cropvision_*</c> series are there only.
/// </summary>
public static class TelemetryExtensions
{
    public const string ServiceName = "cropvision";

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        var config = builder.Configuration;
        bool Set(string key) => !string.IsNullOrWhiteSpace(config[key]);
        bool exportTraces = Set("OTEL_EXPORTER_OTLP_ENDPOINT") || Set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        bool exportMetrics = Set("OTEL_EXPORTER_OTLP_ENDPOINT") || Set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");

        // The SDK's own OTEL_SERVICE_NAME detector runs before AddService, which would win: read it here instead.
        var name = Set("OTEL_SERVICE_NAME") ? config["OTEL_SERVICE_NAME"]! : ServiceName;
        var version = typeof(TelemetryExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(name, serviceVersion: version))
            .WithTracing(tracing =>
            {
                tracing.AddSource(ServingTelemetry.SourceName, FieldStoreTelemetry.SourceName)
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => IsTraced(http.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddEntityFrameworkCoreInstrumentation(); // statements sanitised, parameters never recorded (the defaults)
                if (exportTraces) tracing.AddOtlpExporter();
            });
        if (exportMetrics)
        {
            otel.WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation() // http.server.*, kestrel.*, routing, rate limiting, diagnostics
                .AddHttpClientInstrumentation()
                .AddMeter("System.Runtime")     // .NET's built-in runtime meter (GC, thread pool, CPU)
                .AddOtlpExporter());
        }
        return builder;
    }

    /// <summary>
    /// The API is traced; Prometheus scrapes, health probes and the web app's files are not (they would fill a trace store
    /// with the same span every few seconds).
    /// </summary>
    internal static bool IsTraced(PathString path) =>
        (path.StartsWithSegments("/v1") || path.StartsWithSegments("/v2")) && !path.StartsWithSegments("/v2/health");
}
