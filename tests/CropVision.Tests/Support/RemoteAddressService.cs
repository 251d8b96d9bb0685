using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace CropVision.Tests.Support;

/// <summary>
/// A service whose requests come from the address in the <see cref="Header"/> request header (TestServer gives none).
/// The address is set before anything else runs, ASP.NET's own forwarded-headers switch included.
/// </summary>
public class RemoteAddressService(IDictionary<string, string?> settings) : ServiceFactory(settings)
{
    public const string Header = "X-Test-Remote-Address";

    public HttpRequestMessage Request(HttpMethod method, string url, string from, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add(Header, from);
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(new SetRemoteAddress())));
    }

    private sealed class SetRemoteAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, then) =>
            {
                if (IPAddress.TryParse(http.Request.Headers[Header], out var address)) http.Connection.RemoteIpAddress = address;
                return then(http);
            });
            next(app);
        };
    }
}
