using System.Globalization;
using Microsoft.Extensions.Options;

namespace CropVision.Api.Reports;

/// <summary>"Region" section: the province's time zone, in which exports and the report show times.</summary>
public sealed class RegionOptions
{
    public const string Section = "Region";

    /// <summary>An IANA time zone id; Kon Tum's is Asia/Ho_Chi_Minh (UTC+7, no daylight saving).</summary>
    public string TimeZone { get; set; } = "Asia/Ho_Chi_Minh";

    public bool TryZone(out TimeZoneInfo? zone)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(TimeZone)) return false;
        try { zone = TimeZoneInfo.FindSystemTimeZoneById(TimeZone.Trim()); return true; }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException) { return false; }
    }
}

/// <summary>Times as officers read them: in the region's zone, with the offset written out (2026-11-03T08:01:00+07:00).</summary>
public sealed class RegionTime(IOptions<RegionOptions> options)
{
    public TimeZoneInfo Zone { get; } = options.Value.TryZone(out var zone) ? zone! : throw new InvalidOperationException(Invalid(options.Value));

    public DateTimeOffset Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone);

    /// <summary>ISO 8601 with the zone's offset.</summary>
    public string Iso(DateTimeOffset t) => Local(t).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    public string? Iso(DateTimeOffset? t) => t is { } v ? Iso(v) : null;

    /// <summary>For people: 2026-11-03 08:01 (UTC+07:00).</summary>
    public string Readable(DateTimeOffset t) => Local(t).ToString("yyyy-MM-dd HH:mm '(UTC'zzz')'", CultureInfo.InvariantCulture);

    internal static string Invalid(RegionOptions o) =>
        $"Region:TimeZone '{o.TimeZone}' is not a time zone this machine knows: give an IANA id such as Asia/Ho_Chi_Minh (install tzdata if even that fails).";
}

public static class RegionExtensions
{
    /// <summary>Region:TimeZone, checked when the service starts: a bad id stops it with a clear message.</summary>
    public static IHostApplicationBuilder AddRegion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IValidateOptions<RegionOptions>, RegionOptionsValidator>();
        builder.Services.AddOptions<RegionOptions>().BindConfiguration(RegionOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<RegionTime>();
        return builder;
    }

    private sealed class RegionOptionsValidator : IValidateOptions<RegionOptions>
    {
        public ValidateOptionsResult Validate(string? name, RegionOptions options) =>
            options.TryZone(out _) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(RegionTime.Invalid(options));
    }
}
