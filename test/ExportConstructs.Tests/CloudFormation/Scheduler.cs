using Microsoft.Extensions.Time.Testing;

namespace ExportConstructs.Tests.CloudFormation;

/// <summary>
/// Virtual time for a whole deployment: every step (a framework invocation, a waiter retry, a
/// poller's wait, CloudFormation's own timeout) is an entry due at a moment of the fake clock, run
/// one at a time in due order. Hours of waiting cost nothing, and the same test always runs the
/// same steps in the same order.
/// </summary>
internal sealed class Scheduler(FakeTimeProvider clock)
{
    private readonly PriorityQueue<Func<Task>, (DateTimeOffset Due, long Seq)> _queue = new();
    private readonly object _gate = new();
    private long _seq;

    /// <summary>The clock every participant reads (handler, fake AWS, emulation).</summary>
    public FakeTimeProvider Clock => clock;

    /// <summary>Now, on the fake clock.</summary>
    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Runs <paramref name="work"/> once <paramref name="delay"/> has passed (it may be called from any thread).</summary>
    public void After(TimeSpan delay, Func<Task> work)
    {
        lock (_gate) _queue.Enqueue(work, (clock.GetUtcNow() + delay, _seq++));
    }

    /// <summary>
    /// Runs due entries in order, moving the clock forward to each, until <paramref name="done"/>
    /// holds (true) or nothing is left to run (false).
    /// </summary>
    public async Task<bool> RunUntilAsync(Func<bool> done)
    {
        while (!done())
        {
            Func<Task> work;
            DateTimeOffset due;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out work!, out var key)) return false;
                due = key.Due;
            }
            if (due > clock.GetUtcNow()) clock.SetUtcNow(due);
            await work();
        }
        return true;
    }

    /// <summary>Runs everything that is due up to <paramref name="until"/>, then sets the clock there.</summary>
    public async Task RunToAsync(DateTimeOffset until)
    {
        while (true)
        {
            Func<Task> work;
            lock (_gate)
            {
                if (!_queue.TryPeek(out work!, out var key) || key.Due > until) break;
                _queue.Dequeue();
                if (key.Due > clock.GetUtcNow()) clock.SetUtcNow(key.Due);
            }
            await work();
        }
        if (until > clock.GetUtcNow()) clock.SetUtcNow(until);
    }

    /// <summary>Entries still waiting (pollers, waiters) — after a deployment, what is still running.</summary>
    public int Pending
    {
        get { lock (_gate) return _queue.Count; }
    }
}
