using CropVision.FieldStore.Model;
using CropVision.FieldStore.Summaries;

namespace CropVision.Api.Review;

/// <summary>A photo waiting for an officer's verdict, how much one is worth and why.</summary>
public sealed record RankedObservation(Observation Observation, double Score, IReadOnlyList<string> Reasons);

/// <summary>
/// Orders unreviewed photos by how much a human verdict is worth (each reason adds to the score):
/// the model was <c>uncertain</c> (3); the farmer said "wrong" (3); the model and the farmer name different classes (2);
/// the farmer's phone answered offline and the service, on the same photo, gives another label or status (3);
/// the photo's class (the farmer's, else the model's; never healthy) is rare among confirmed labels (up to 2: 2 for a class no one has
/// confirmed yet); it was taken in a new place, about 1 km from any reviewed photo (1). Ties: newest first.
/// </summary>
public static class ReviewRanking
{
    public const string Uncertain = "model uncertain";
    public const string FarmerSaidWrong = "farmer said wrong";
    public const string Disagree = "model and farmer disagree";
    public const string PhoneDisagrees = "phone and service disagree";
    public const string RareClass = "rare class";
    public const string NewPlace = "new place";

    /// <param name="confirmedPerClass">How many photos of each class officers have confirmed (for this crop).</param>
    /// <param name="reviewedPlaces">The ~1 km cells (<see cref="Place"/>) that hold a reviewed photo.</param>
    public static List<RankedObservation> Rank(IEnumerable<Observation> unreviewed, IReadOnlyDictionary<string, int> confirmedPerClass, IReadOnlySet<string> reviewedPlaces)
    {
        int most = confirmedPerClass.Count == 0 ? 0 : confirmedPerClass.Values.Max();
        var ranked = new List<RankedObservation>();
        foreach (var o in unreviewed)
        {
            double score = 0;
            var reasons = new List<string>();
            void Add(double points, string reason) { score += points; reasons.Add(reason); }
            if (o.ModelStatus == "uncertain") Add(3, Uncertain);
            if (o.FarmerVerdict == FarmerVerdict.Wrong) Add(3, FarmerSaidWrong);
            if (o.FarmerLabel is { } farmer && o.ModelLabel is { } model && farmer != model) Add(2, Disagree);
            if (o.AnsweredOnDevice && (o.DeviceLabel != o.ModelLabel || o.DeviceStatus != o.ModelStatus)) Add(3, PhoneDisagrees);
            // Rarity is about training data for a stress: a healthy leaf is never "rare".
            if ((o.FarmerLabel ?? o.ModelLabel) is { } label && label != SurveySummary.Healthy)
            {
                // 2 for a class never confirmed, falling to 0 for the most confirmed class.
                double rarity = most == 0 ? 1 : 1 - confirmedPerClass.GetValueOrDefault(label) / (double)most;
                if (rarity >= 0.5) Add(Math.Round(2 * rarity, 2), RareClass);
            }
            if (Place(o) is { } place && !reviewedPlaces.Contains(place)) Add(1, NewPlace);
            ranked.Add(new RankedObservation(o, score, reasons));
        }
        return [.. ranked.OrderByDescending(r => r.Score).ThenByDescending(r => r.Observation.CreatedAt).ThenBy(r => r.Observation.Id)];
    }

    /// <summary>A cell of 0.01 degree (about 1.1 km north-south) around the photo's position, or null without one.</summary>
    public static string? Place(Observation o) =>
        o.Latitude is { } lat && o.Longitude is { } lon ? FormattableString.Invariant($"{Math.Floor(lat * 100)},{Math.Floor(lon * 100)}") : null;
}
