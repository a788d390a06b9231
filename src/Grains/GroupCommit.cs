namespace OpsCentre.Grains;

/// <summary>
/// Runs a piece of work again and again while requests for it arrive, never twice at once. A request
/// completes when a run that began after it has finished, so the many requests made during one run
/// are all served by the next single run: N concurrent reports cost one write, not N. For use inside
/// one (reentrant) grain activation, whose single-threaded scheduler is the only lock needed.
/// </summary>
public sealed class GroupCommit(Func<Task> work)
{
    private TaskCompletionSource? _next;
    private bool _running;

    public Task RequestAsync()
    {
        _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requested = _next.Task;
        if (!_running)
        {
            _running = true;
            _ = RunAsync();
        }

        return requested;
    }

    private async Task RunAsync()
    {
        while (_next is { } batch)
        {
            _next = null;
            try
            {
                await work();
                batch.SetResult();
            }
            catch (Exception ex)
            {
                batch.SetException(ex);
            }
        }

        _running = false;
    }
}
