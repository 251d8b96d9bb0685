using Microsoft.Extensions.Options;

namespace CropVision.Api.Farmer;

public sealed record FarmerContact(string? Commune, string Name, string Phone);
public sealed record FarmerConfig(FarmerContact? Province, IReadOnlyList<FarmerContact> Communes);

/// <summary>GET /v1/farmer/config: what the farmer's app needs besides the models (the extension contacts); the service worker keeps it for offline use.</summary>
public static class FarmerEndpoints
{
    public static IHostApplicationBuilder AddFarmer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FarmerOptions>().BindConfiguration(FarmerOptions.Section)
            .Validate(o => o.PhonesAreValid(), "Farmer:Contacts: a Phone is not a phone number").ValidateOnStart();
        return builder;
    }

    public static IEndpointRouteBuilder MapFarmerApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/farmer/config", (IOptions<FarmerOptions> options) => TypedResults.Ok(Config(options.Value.Contacts)))
            .WithTags("Farmer").WithName("FarmerConfig").WithSummary("Settings of the farmer's app: whom to call (province and commune extension contacts)");
        return app;
    }

    /// <summary>Only contacts with a phone; the province one has no commune.</summary>
    private static FarmerConfig Config(ContactsOptions contacts)
    {
        static bool Usable(ContactOption? c) => c is not null && !string.IsNullOrWhiteSpace(c.Phone);
        var province = Usable(contacts.Province) ? new FarmerContact(null, contacts.Province!.Name, contacts.Province.Phone.Trim()) : null;
        var communes = contacts.Communes.Where(Usable).Select(c => new FarmerContact(c.Commune, c.Name, c.Phone.Trim())).ToList();
        return new FarmerConfig(province, communes);
    }
}
