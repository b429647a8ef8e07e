namespace FaceVector.Ingestion;

/// <summary>
/// Retries an operation while its failure looks transient (a dependency down), with exponential backoff capped at
/// <see cref="MaxDelay"/>, until it succeeds or the run is cancelled: work is paused, never dropped.
/// </summary>
public sealed class Backoff(Func<Exception, bool> isTransient, Action<string>? onPause = null)
{
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        TimeSpan delay = FirstDelay;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (isTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                onPause?.Invoke($"{what} failed ({ex.GetType().Name}: {ex.Message.Split('\n')[0]}); attempt {attempt}, retrying in {delay.TotalSeconds:0.##} s");
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, delay.Ticks * 2));
            }
        }
    }

    public Task RunAsync(string what, Func<CancellationToken, Task> operation, CancellationToken cancellationToken) =>
        RunAsync<bool>(what, async ct =>
        {
            await operation(ct).ConfigureAwait(false);
            return true;
        }, cancellationToken);
}
