using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CropVision.Tests.Docs;

/// <summary>
/// Every relative link and image in README.md and docs/**/*.md points at a file that exists, and every #anchor at a
/// heading of the target file (GitHub's slugs); the README stays short and links into each part of docs/.
/// </summary>
[Trait("Category", "Fast")]
public sealed class MarkdownLinkTests
{
    private static readonly string Root = SharedData.RepositoryRoot;

    [Fact]
    public void Every_relative_link_in_the_readme_and_docs_resolves()
    {
        var files = MarkdownFiles(Root);
        Assert.Contains(Path.Combine(Root, "README.md"), files);
        Assert.True(files.Count > 1, "no Markdown files found under docs/");

        var broken = MarkdownLinks.FindBroken(Root, files);

        Assert.True(broken.Count == 0,
            $"{broken.Count} broken link(s) in README.md and docs/:{Environment.NewLine}" + string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void The_readme_is_short_and_links_to_every_part_of_the_docs()
    {
        var readme = Path.Combine(Root, "README.md");
        var lines = File.ReadAllLines(readme);
        Assert.True(lines.Length <= 200, $"README.md has {lines.Length} lines; keep it to 200 and move the rest into docs/.");

        var targets = MarkdownLinks.Extract(lines)
            .Select(l => l.Target.Split('#')[0].TrimStart('.', '/'))
            .ToHashSet(StringComparer.Ordinal);
        string[] required =
        [
            "docs/service.md", "docs/farmer-app.md", "docs/surveys.md", "docs/training.md", "docs/retraining.md",
            "docs/performance.md", "docs/security.md", "docs/deploying.md",
        ];
        var missing = required.Where(r => !targets.Contains(r)).ToList();
        if (!targets.Any(t => t.StartsWith("docs/decisions/", StringComparison.Ordinal))) missing.Add("docs/decisions/");

        Assert.True(missing.Count == 0, "README.md does not link to: " + string.Join(", ", missing));
    }

    [Fact]
    public void A_missing_file_or_anchor_is_reported_with_its_file_and_line()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(Path.Combine(dir.Path, "docs"));
        File.WriteAllText(Path.Combine(dir.Path, "README.md"), string.Join('\n',
            "# Cây cà phê",
            "[ok](docs/a.md#ảnh-cần-xem-lại) and [ok too](#cây-cà-phê) ![pic](docs/a.md)",
            "[gone](docs/missing.md)",
            "```",
            "[in a fence](docs/nowhere.md)",
            "```",
            "`[in code](docs/nowhere.md)` [web](https://example.org/x.md) [mail](mailto:a@b.c)",
            "[bad anchor](docs/a.md#no-such-heading)"));
        File.WriteAllText(Path.Combine(dir.Path, "docs", "a.md"), string.Join('\n',
            "# Ảnh cần xem lại", "", "[back](../README.md#nope)"));

        var broken = MarkdownLinks.FindBroken(dir.Path, MarkdownFiles(dir.Path));

        Assert.Equal(
            [
                "README.md:3 -> docs/missing.md (no such file)",
                "README.md:8 -> docs/a.md#no-such-heading (no heading with that anchor)",
                "docs/a.md:3 -> ../README.md#nope (no heading with that anchor)",
            ],
            broken);
    }

    [Theory]
    [InlineData("The farmer's web app", "the-farmers-web-app")]
    [InlineData("Cheaper photos on the CPU: int8 and early exit", "cheaper-photos-on-the-cpu-int8-and-early-exit")]
    [InlineData("coffee/2: holding up on close-ups and rejecting non-leaves (issue 9)", "coffee2-holding-up-on-close-ups-and-rejecting-non-leaves-issue-9")]
    [InlineData("Field surveys (officers)", "field-surveys-officers")]
    [InlineData("`Inference:Device` and [the batcher](x.md)", "inferencedevice-and-the-batcher")]
    [InlineData("Ảnh cần xem lại / Review queue", "ảnh-cần-xem-lại--review-queue")]
    [InlineData("snake_case and **bold**", "snake_case-and-bold")]
    public void Slugs_follow_github(string heading, string slug) => Assert.Equal(slug, MarkdownLinks.Slug(heading));

    private static List<string> MarkdownFiles(string root)
    {
        var files = new List<string> { Path.Combine(root, "README.md") };
        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
            files.AddRange(Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
        return files;
    }
}

/// <summary>Markdown links and GitHub heading anchors, as far as this repository's documents need them.</summary>
internal static partial class MarkdownLinks
{
    public sealed record Link(int Line, string Target);

    /// <summary>Inline links and images, <c>[text](target)</c> or <c>![alt](target "title")</c>, outside fenced code and code spans.</summary>
    public static IEnumerable<Link> Extract(IReadOnlyList<string> lines)
    {
        string? fence = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                continue;
            }
            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal)) fence = null;
                continue;
            }
            var text = CodeSpan().Replace(lines[i], "");
            foreach (Match m in LinkPattern().Matches(text))
                yield return new Link(i + 1, m.Groups["target"].Value);
        }
    }

    /// <summary>The anchors GitHub gives a file's headings (duplicates get -1, -2, ...).</summary>
    public static HashSet<string> Anchors(IReadOnlyList<string> lines)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string? fence = null;
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))) { fence = trimmed[..3]; continue; }
            if (fence is not null) { if (trimmed.StartsWith(fence, StringComparison.Ordinal)) fence = null; continue; }
            var h = Heading().Match(line);
            if (!h.Success) continue;
            var slug = Slug(h.Groups["text"].Value);
            var n = seen.GetValueOrDefault(slug);
            seen[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }
        return anchors;
    }

    /// <summary>
    /// GitHub's heading slug: the rendered text (code spans, emphasis and link syntax gone) lower-cased, every character
    /// but letters (accented and Vietnamese ones included), digits, marks, '-' and '_' dropped, each space a '-'.
    /// </summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading, "${text}").Replace("`", "").Replace("*", "");
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.Trim().ToLowerInvariant())
        {
            if (c == ' ') sb.Append('-');
            else if (c is '-' or '_' || char.IsLetterOrDigit(c)) sb.Append(c);
            else if (CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
                sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Every broken relative link in the given files, as "file:line -> target (why)", paths relative to root.</summary>
    public static List<string> FindBroken(string root, IEnumerable<string> files)
    {
        var anchorCache = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string> AnchorsOf(string path) =>
            anchorCache.TryGetValue(path, out var a) ? a : anchorCache[path] = Anchors(File.ReadAllLines(path));

        var broken = new List<string>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
            foreach (var link in Extract(File.ReadAllLines(file)))
            {
                var target = link.Target;
                if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
                    || target.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                    || target.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
                    continue;

                var hash = target.IndexOf('#');
                var pathPart = Uri.UnescapeDataString(hash < 0 ? target : target[..hash]);
                var anchor = hash < 0 ? null : Uri.UnescapeDataString(target[(hash + 1)..]);

                var resolved = pathPart.Length == 0
                    ? file
                    : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, pathPart));
                if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    broken.Add($"{relative}:{link.Line} -> {target} (no such file)");
                    continue;
                }
                if (anchor is null) continue;
                if (!resolved.EndsWith(".md", StringComparison.OrdinalIgnoreCase) || !File.Exists(resolved))
                {
                    broken.Add($"{relative}:{link.Line} -> {target} (an anchor into something that is not a Markdown file)");
                    continue;
                }
                if (!AnchorsOf(resolved).Contains(anchor))
                    broken.Add($"{relative}:{link.Line} -> {target} (no heading with that anchor)");
            }
        }
        return broken;
    }

    [GeneratedRegex(@"!?\[(?<text>(?:[^\[\]]|\[[^\]]*\])*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"\[(?<text>[^\]]*)\]\([^)]*\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"(`+)[^`].*?\1")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"^\s{0,3}#{1,6}\s+(?<text>.*?)(?:\s+#+)?\s*$")]
    private static partial Regex Heading();
}
