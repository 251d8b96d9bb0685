using System.Text.RegularExpressions;

namespace CropVision.Api.Farmer;

/// <summary>"Farmer" section: settings of the farmer's app that an operator chooses.</summary>
public sealed partial class FarmerOptions
{
    public const string Section = "Farmer";
    /// <summary>Whom a farmer calls about an uncertain or severe answer: one province number and/or one per commune.</summary>
    public ContactsOptions Contacts { get; set; } = new();

    /// <summary>True when every phone given looks like a phone number (digits, spaces, dots, dashes, a leading +).</summary>
    public bool PhonesAreValid() =>
        new[] { Contacts.Province }.Concat(Contacts.Communes).All(c => c is null || string.IsNullOrWhiteSpace(c.Phone) || PhonePattern().IsMatch(c.Phone));

    [GeneratedRegex(@"^\+?[0-9][0-9 .\-]{2,19}$")]
    private static partial Regex PhonePattern();
}

public sealed class ContactsOptions
{
    /// <summary>The province's extension office (shown when the farmer has chosen no commune, or theirs has no contact).</summary>
    public ContactOption? Province { get; set; }
    public List<ContactOption> Communes { get; set; } = [];
}

public sealed class ContactOption
{
    /// <summary>The commune's name as farmers know it (empty for the province contact).</summary>
    public string Commune { get; set; } = "";
    /// <summary>Who answers, e.g. "Trạm Khuyến nông huyện Đăk Hà" or an officer's name.</summary>
    public string Name { get; set; } = "";
    public string Phone { get; set; } = "";
}
