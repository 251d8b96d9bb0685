namespace CropVision.Core;

public static class ListExtensions
{
    /// <summary>Position of <paramref name="item"/> in a read-only list, or -1.</summary>
    public static int IndexOf<T>(this IReadOnlyList<T> list, T item)
    {
        for (int i = 0; i < list.Count; i++) if (EqualityComparer<T>.Default.Equals(list[i], item)) return i;
        return -1;
    }
}
