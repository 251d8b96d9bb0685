using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CropVision.FieldStore.Infrastructure;

/// <summary>An instant as UTC milliseconds since 1970 (SQLite only; read back with offset zero).</summary>
public sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.ToUnixTimeMilliseconds(),
    v => DateTimeOffset.FromUnixTimeMilliseconds(v));
