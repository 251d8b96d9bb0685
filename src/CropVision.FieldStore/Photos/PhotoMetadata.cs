using System.Globalization;
using MetadataExtractor;
using MetadataExtractor.Formats.Exif;

namespace CropVision.FieldStore.Photos;

/// <summary>What a photo's EXIF says about when and where it was taken.</summary>
public sealed record PhotoMetadata(DateTimeOffset? TakenAt, double? Latitude, double? Longitude)
{
    public static readonly PhotoMetadata None = new(null, null, null);

    /// <summary>
    /// Reads EXIF DateTimeOriginal (with OffsetTimeOriginal when present, else <paramref name="assumedOffset"/>, as phones
    /// write local time) and the GPS position. Unreadable or absent metadata gives nulls, never an error.
    /// </summary>
    public static PhotoMetadata Read(ReadOnlyMemory<byte> photo, TimeSpan assumedOffset)
    {
        IReadOnlyList<MetadataExtractor.Directory> directories;
        try
        {
            using var stream = new MemoryStream(photo.ToArray(), writable: false);
            directories = ImageMetadataReader.ReadMetadata(stream);
        }
        catch (Exception e) when (e is ImageProcessingException or IOException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            return None;
        }

        DateTimeOffset? takenAt = null;
        var subIfd = directories.OfType<ExifSubIfdDirectory>().FirstOrDefault();
        if (subIfd is not null && subIfd.TryGetDateTime(ExifDirectoryBase.TagDateTimeOriginal, out var local))
        {
            var offset = assumedOffset;
            if (subIfd.GetString(ExifDirectoryBase.TagTimeZoneOriginal) is { } text
                && TimeSpan.TryParseExact(text.TrimStart('+'), [@"hh\:mm"], CultureInfo.InvariantCulture, out var parsed))
                offset = text.StartsWith('-') ? -parsed : parsed;
            if (offset > TimeSpan.FromHours(14) || offset < TimeSpan.FromHours(-14)) offset = assumedOffset;
            takenAt = new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset);
        }

        double? lat = null, lon = null;
        var gps = directories.OfType<GpsDirectory>().FirstOrDefault();
        if (gps?.GetGeoLocation() is { } location && Positions.IsValid(location.Latitude, location.Longitude)
            && !(location.Latitude == 0 && location.Longitude == 0))
            (lat, lon) = (location.Latitude, location.Longitude);
        return new PhotoMetadata(takenAt, lat, lon);
    }
}

public static class Positions
{
    public static bool IsValid(double latitude, double longitude) =>
        double.IsFinite(latitude) && double.IsFinite(longitude) && latitude is >= -90 and <= 90 && longitude is >= -180 and <= 180;
}
