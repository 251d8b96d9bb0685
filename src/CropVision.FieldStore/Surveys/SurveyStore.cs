using CropVision.FieldStore.Infrastructure;
using CropVision.FieldStore.Model;

namespace CropVision.FieldStore.Surveys;

/// <summary>
/// Creates, changes and closes surveys (deleting one, with its observations and photos, is
/// <see cref="Observations.ObservationStore.DeleteSurveyAsync"/>). The API validates the request and checks the team;
/// the rows are written here, stamped with the store's clock.
/// </summary>
public sealed class SurveyStore(FieldStoreContext db, TimeProvider clock)
{
    /// <summary>Adds a new survey (its id, creation and update times are set here).</summary>
    public async Task<Survey> CreateAsync(Survey survey, CancellationToken ct)
    {
        survey.Id = survey.Id == Guid.Empty ? Guid.NewGuid() : survey.Id;
        survey.CreatedAt = survey.UpdatedAt = clock.GetUtcNow();
        using var span = FieldStoreTelemetry.StartWrite("create survey");
        db.Surveys.Add(survey);
        await db.SaveChangesAsync(ct);
        return survey;
    }

    /// <summary>Applies <paramref name="change"/> to a survey read without tracking, and stamps the update time.</summary>
    public async Task<Survey> UpdateAsync(Survey survey, Action<Survey> change, CancellationToken ct)
    {
        using var span = FieldStoreTelemetry.StartWrite("update survey");
        db.Surveys.Attach(survey);
        change(survey);
        survey.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return survey;
    }

    /// <summary>Closes a survey: it takes no more observations or changes (reviews still allowed).</summary>
    public async Task<Survey> CloseAsync(Survey survey, CancellationToken ct)
    {
        using var span = FieldStoreTelemetry.StartWrite("close survey");
        db.Surveys.Attach(survey);
        survey.ClosedAt = survey.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return survey;
    }
}
