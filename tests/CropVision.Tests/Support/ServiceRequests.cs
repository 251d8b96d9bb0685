using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SkiaSharp;

namespace CropVision.Tests.Support;

/// <summary>Photos and forms for the prediction API, and the check every problem answer must pass.</summary>
public static class ServiceRequests
{
    public static byte[] LeafJpeg(int seed = 1) => TestImages.Leaf(seed, new SKColor(200, 110, 30), 10);

    public static MultipartFormDataContent Form(params (byte[] Bytes, string Name)[] images)
    {
        var form = new MultipartFormDataContent();
        foreach (var (bytes, name) in images)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "image", name);
        }
        return form;
    }

    internal static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)expected, body.GetProperty("status").GetInt32());
        Assert.False(body.ToString().Contains("   at "), "a stack trace leaked");
        return body;
    }
}
