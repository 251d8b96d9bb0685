using System.Text;
using CropVision.FieldStore.Model;
using Microsoft.Net.Http.Headers;

namespace CropVision.Api.Reports;

/// <summary>Download names: the survey's name with its Vietnamese letters transliterated (dieu-tra-benh-la-ca-phe-...).</summary>
public static class ExportFiles
{
    // Each Vietnamese letter with its marks, and the plain letter it becomes (the machine runs with invariant globalization,
    // where string.Normalize does not take marks apart, so the table is explicit).
    private static readonly (string Marked, char Plain)[] Letters =
    [
        ("àáạảãâầấậẩẫăằắặẳẵ", 'a'), ("èéẹẻẽêềếệểễ", 'e'), ("ìíịỉĩ", 'i'), ("òóọỏõôồốộổỗơờớợởỡ", 'o'),
        ("ùúụủũưừứựửữ", 'u'), ("ỳýỵỷỹ", 'y'), ("đ", 'd'),
    ];

    private static readonly Dictionary<char, char> Plain = Letters
        .SelectMany(l => l.Marked.Select(c => (c, l.Plain)).Concat(l.Marked.ToUpperInvariant().Select(c => (c, char.ToUpperInvariant(l.Plain)))))
        .ToDictionary(p => p.c, p => p.Item2);

    /// <summary>"Điều tra bệnh lá cà phê" → "dieu-tra-benh-la-ca-phe": lower case ASCII letters and digits joined by single dashes.</summary>
    public static string Slug(string text)
    {
        var slug = new StringBuilder();
        foreach (var c in text)
        {
            var p = Plain.TryGetValue(c, out var plain) ? plain : c;
            if (char.IsAsciiLetterOrDigit(p)) slug.Append(char.ToLowerInvariant(p));
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        }
        return slug.ToString().Trim('-');
    }

    /// <summary>The ASCII name: slug of the survey's name and its creation date.</summary>
    public static string AsciiName(Survey s, string extension) =>
        $"{(Slug(s.Name) is { Length: > 0 } slug ? slug : "survey")}-{s.CreatedAt:yyyyMMdd}.{extension}";

    /// <summary>
    /// Content-Disposition with the transliterated name only: a <c>filename*</c> with the Vietnamese letters would be what
    /// browsers save under, and accented names break on the district's Windows shares, zip tools and e-mail gateways.
    /// </summary>
    public static void Attach(HttpResponse response, Survey s, string extension) =>
        response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileName = AsciiName(s, extension) }.ToString();
}
