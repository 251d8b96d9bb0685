using System.Reflection;

namespace CropVision.Tests.Support;

/// <summary>
/// Every test class carries exactly one known Category trait, so `--filter Category=Fast` (and the other categories)
/// together run the whole suite and nothing falls between them.
/// </summary>
[Trait("Category", "Fast")]
public class CategoryTraitTests
{
    /// <summary>Fast: seconds, no server or browser. Browser: Chromium through Playwright. Postgres: needs the
    /// PostgreSQL server (store tests that also run on SQLite). Training: backbone features, training, ../shared/datasets.</summary>
    public static readonly string[] Known = ["Fast", "Browser", "Postgres", "Training"];

    [Fact]
    public void Every_test_class_has_exactly_one_known_category()
    {
        var problems = new List<string>();
        foreach (var type in typeof(CategoryTraitTests).Assembly.GetTypes())
        {
            if (!type.IsClass || type.IsAbstract && !type.IsSealed) continue;
            var tests = type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)
                .Where(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any());
            if (!tests.Any()) continue;
            var categories = type.GetCustomAttributesData()
                .Where(a => a.AttributeType == typeof(TraitAttribute) && (string?)a.ConstructorArguments[0].Value == "Category")
                .Select(a => (string?)a.ConstructorArguments[1].Value)
                .ToList();
            if (categories.Count != 1) problems.Add($"{type.FullName}: {categories.Count} Category traits");
            else if (!Known.Contains(categories[0])) problems.Add($"{type.FullName}: unknown category '{categories[0]}'");
        }
        Assert.True(problems.Count == 0, "test classes without exactly one known [Trait(\"Category\", ...)] (one of " +
            string.Join(", ", Known) + "):\n" + string.Join("\n", problems.Order()));
    }
}
