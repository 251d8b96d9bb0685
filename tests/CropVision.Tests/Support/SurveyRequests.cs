using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace CropVision.Tests.Support;

/// <summary>Surveys, photo uploads and zip imports through the officers' HTTP API.</summary>
public static class SurveyRequests
{
    internal static async Task<JsonElement> CreateSurveyAsync(HttpClient client, string name = "Hà Mòn rust walk", string crop = "coffee")
    {
        var response = await client.PostAsJsonAsync("/v1/surveys", new { name, crop, district = "Đắk Hà", commune = "Hà Mòn", startsOn = "2026-11-17", endsOn = "2026-11-21", notes = "ghi chú" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    internal static MultipartFormDataContent Photos(params (byte[] Bytes, string Name)[] photos) => ServiceRequests.Form(photos);

    internal static byte[] Zip(params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                if (bytes.Length == 0 && name.EndsWith('/')) continue;
                using var s = entry.Open();
                s.Write(bytes);
            }
        return buffer.ToArray();
    }

    internal static ByteArrayContent ZipBody(byte[] zip)
    {
        var body = new ByteArrayContent(zip);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return body;
    }

    internal static async Task<JsonElement> WaitForJobAsync(HttpClient client, string jobUrl, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var job = await client.GetFromJsonAsync<JsonElement>(jobUrl);
            var state = job.GetProperty("state").GetString();
            if (state is "completed" or "failed") return job;
            Assert.True(DateTime.UtcNow < until, $"job still {state} after {timeout}: {job}");
            await Task.Delay(200);
        }
    }
}
