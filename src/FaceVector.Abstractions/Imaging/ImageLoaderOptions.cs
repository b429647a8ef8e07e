namespace FaceVector.Core.Imaging;

/// <summary>Limits applied before any pixel is decoded.</summary>
/// <param name="MaxPixels">Refuse images whose declared width x height is above this (default 50 megapixels).</param>
/// <param name="MaxFileBytes">Refuse files larger than this before reading them (default 256 MiB).</param>
/// <param name="Budget">Memory for decoding shared with other decodes; null: the process budget (<see cref="DecodeBudget.Process"/>).</param>
public sealed record ImageLoaderOptions(long MaxPixels = 50_000_000, long MaxFileBytes = 256L << 20, DecodeBudget? Budget = null)
{
    public DecodeBudget EffectiveBudget => Budget ?? DecodeBudget.Process;
}
