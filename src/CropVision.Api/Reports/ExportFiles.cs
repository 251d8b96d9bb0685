using System.Text;
using CropVision.FieldStore.Model;
using Microsoft.Net.Http.Headers;

namespace CropVision.Api.Reports;

/// <summary>Download names: an ASCII one with Vietnamese letters transliterated, and the survey's own name as UTF-8.</summary>
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

    /// <summary>The name with its Vietnamese letters, for clients that read <c>filename*</c>; only characters no file system refuses.</summary>
    public static string Utf8Name(Survey s, string extension)
    {
        var bad = Path.GetInvalidFileNameChars().Concat("\\/:*?\"<>|").ToHashSet();
        var name = new string([.. s.Name.Trim().Select(c => bad.Contains(c) || char.IsControl(c) ? '-' : c)]);
        return $"{(name.Length == 0 ? "survey" : name)}-{s.CreatedAt:yyyyMMdd}.{extension}";
    }

    /// <summary>Content-Disposition with both <c>filename</c> (ASCII) and <c>filename*</c> (UTF-8, RFC 6266/8187).</summary>
    public static void Attach(HttpResponse response, Survey s, string extension)
    {
        var header = new ContentDispositionHeaderValue("attachment") { FileName = AsciiName(s, extension) };
        header.SetHttpFileName(Utf8Name(s, extension)); // sets filename* (UTF-8) and replaces filename with an encoded form...
        header.FileName = AsciiName(s, extension);      // ...so filename is put back to the transliterated one
        response.Headers.ContentDisposition = header.ToString();
    }
}
