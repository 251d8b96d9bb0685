using System.IO.Compression;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.StaticFiles;

namespace CropVision.Api.WebApp;

/// <summary>
/// Serves the web app built into wwwroot (sources in ClientApp/): <c>/</c> is the app. Responses are compressed
/// (Brotli or gzip: the budget is measured as transferred), hashed assets under /assets/ are cached for a year and
/// everything else is revalidated, and a Content-Security-Policy without inline scripts covers every response.
/// </summary>
public static class WebAppSetup
{
    /// <summary>Scripts, styles, the manifest and pictures come from this origin only; photos are shown from blob: URLs.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; " +
        "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Built assets with a content hash in their name (ClientApp/build.mjs writes them here).</summary>
    public const string HashedAssetsPath = "/assets";

    /// <summary>API paths whose answers hold secrets (tokens): never compressed.</summary>
    private static readonly string[] SecretPaths = ["/v1/auth", "/v1/accounts"];

    public static IHostApplicationBuilder AddWebApp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddResponseCompression(options =>
        {
            // HTTPS responses are compressed too: those that carry secrets (sign-in, anti-forgery tokens, accounts) are
            // left uncompressed by UseWebApp, so BREACH has nothing to guess.
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(
                ["application/manifest+json", "application/problem+json", "image/svg+xml", "application/wasm"]);
        });
        builder.Services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        builder.Services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        return builder;
    }

    public static WebApplication UseWebApp(this WebApplication app)
    {
        app.UseWhen(http => !SecretPaths.Any(p => http.Request.Path.StartsWithSegments(p)), branch => branch.UseResponseCompression());
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        app.UseDefaultFiles();
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".webmanifest"] = "application/manifest+json";
        types.Mappings[".mjs"] = "text/javascript"; // onnxruntime-web's modules (diagnosis on the phone)
        types.Mappings[".ogg"] = "audio/ogg"; // the read-aloud clips (Opus), issue 17
        app.UseStaticFiles(new StaticFileOptions
        {
            ContentTypeProvider = types,
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                file.Context.Request.Path.StartsWithSegments(HashedAssetsPath)
                    ? "public, max-age=31536000, immutable" // the name changes whenever the content does
                    : "no-cache", // index.html, sw.js, manifest: always revalidated (ETag), so a new build shows at once
        });
        return app;
    }
}
