namespace CropVision.Api.Accounts;

/// <summary>Answers that carry tokens or account details must not be kept by a browser, a proxy or a shared computer's cache.</summary>
public static class NoStore
{
    public static ValueTask<object?> Filter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        headers.Pragma = "no-cache";
        return next(context);
    }
}
