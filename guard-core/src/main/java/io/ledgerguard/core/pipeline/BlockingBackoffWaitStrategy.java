package io.ledgerguard.core.pipeline;

import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

/**
 * Polls the ring briefly and then blocks on a lock while it is empty, like Disruptor's
 * {@code PhasedBackoffWaitStrategy} with a lock as its fallback, and is signalled only when a waiter may be asleep,
 * like its {@code LiteBlockingWaitStrategy}, so that a publish to a busy stage takes no lock. While waiting for an
 * upstream stage it spins, yields, and then blocks until that stage signals that it moved on (LedgerGuard's stages
 * do, {@link Stages.Progress}; {@link #upstreamSignals()}), or, where no one said so, parks a microsecond at a time.
 * Disruptor's {@code BlockingWaitStrategy} busy-spins there; on a machine with fewer cores than pipeline threads
 * that spin takes the core the upstream stage needs: the release stage spinning on the guard stage would slow the
 * very thing it waits for. With the stages fused there is no upstream stage to wait for.
 */
final class BlockingBackoffWaitStrategy implements WaitStrategy
{
    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long PARK_NS = 1_000;
    /**
     * Before blocking on an empty ring: spins, then yields, some 10 to 50 µs in all on this machine. A synchronous
     * caller's round trip in {@code PipelineRoundTripBenchmark} fell from 29 µs to 6 µs with it (issue 15).
     */
    static final int POLL_SPINS = 200;
    static final int POLL_YIELDS = 50;

    private final Object mutex = new Object();
    /**
     * Set by a pipeline whose stages signal this strategy when they move on ({@link Stages.Progress}): a stage that
     * waits for another then blocks until signalled. Otherwise it parks {@value #PARK_NS} ns at a time (some 50 µs on
     * Linux), as it must where upstream stages do not signal. Set before the stages start.
     */
    private boolean upstreamSignals;
    /** Set by a waiter before it looks at the cursor a last time: as Disruptor's {@code LiteBlockingWaitStrategy}. */
    private final java.util.concurrent.atomic.AtomicBoolean signalNeeded =
        new java.util.concurrent.atomic.AtomicBoolean();
    /** Where stages wait for an upstream stage to move on, and its flag: like {@link #mutex}, {@link #signalNeeded}. */
    private final Object progressMutex = new Object();
    private final java.util.concurrent.atomic.AtomicBoolean progressSignalNeeded =
        new java.util.concurrent.atomic.AtomicBoolean();
    /** Set before the stages start when the guard's thread runs a loop while it waits ({@link #host}). */
    private StageHost host;
    /** On the guard's thread, for {@link #commandsWaiting}: what it waits for. */
    private long waitedSequence;
    private Sequence waitedCursor;
    private SequenceBarrier waitedBarrier;
    /** Also true once halted: the turn then does not sleep its whole timeout before the halt is seen. */
    private final java.util.function.BooleanSupplier commandsWaiting = () ->
        waitedCursor.get() >= waitedSequence || waitedBarrier.isAlerted();
    /** The longest a stage waiting for another's progress goes without looking for a halt. */
    private static final long HALT_CHECK_MS = 10;

    @Override
    public long waitFor(
        final long sequence, final Sequence cursorSequence, final Sequence dependentSequence,
        final SequenceBarrier barrier) throws AlertException, InterruptedException
    {
        if (cursorSequence.get() < sequence && host != null)
        {
            hostedWait(sequence, cursorSequence, barrier);
        }
        else if (cursorSequence.get() < sequence && !polled(sequence, cursorSequence, barrier))
        {
            synchronized (mutex)
            {
                do
                {
                    // Say a signal is wanted before looking again: a publish after this look will see it.
                    signalNeeded.getAndSet(true);
                    if (cursorSequence.get() >= sequence)
                    {
                        break;
                    }
                    barrier.checkAlert();
                    waitOn(mutex, 0);
                }
                while (cursorSequence.get() < sequence);
            }
        }

        long availableSequence;
        int attempts = 0;
        while ((availableSequence = dependentSequence.get()) < sequence)
        {
            barrier.checkAlert();
            if (attempts < SPINS)
            {
                Thread.onSpinWait();
            }
            else if (attempts < SPINS + YIELDS)
            {
                Thread.yield();
            }
            else if (!upstreamSignals)
            {
                LockSupport.parkNanos(PARK_NS);
            }
            else
            {
                // The upstream stage signals when it moves on (Stages.Progress): block until then, as on the cursor,
                // but apart from it, so that a publish does not wake a stage that waits for another. A halt signals
                // only the cursor's waiters, and a stage is seldom here then (a drained pipeline waits on the cursor):
                // the timeout bounds how long it takes to see the halt, it is not how progress is seen.
                synchronized (progressMutex)
                {
                    progressSignalNeeded.getAndSet(true);
                    if (dependentSequence.get() < sequence)
                    {
                        barrier.checkAlert();
                        waitOn(progressMutex, HALT_CHECK_MS);
                    }
                }
            }
            attempts++;
        }
        return availableSequence;
    }

    /**
     * The guard's thread, hosting a loop, waits in the loop's turns instead of on the mutex, and does not poll the ring
     * first: on a small machine that spin takes the core the loop's client needs, and the loop's next command arrives
     * through the loop anyway.
     */
    private void hostedWait(final long sequence, final Sequence cursorSequence, final SequenceBarrier barrier)
        throws AlertException
    {
        waitedSequence = sequence;
        waitedCursor = cursorSequence;
        waitedBarrier = barrier;
        while (cursorSequence.get() < sequence)
        {
            barrier.checkAlert();
            // A listener may leave the thread's interrupt set (see waitOn): a selector would then never sleep again.
            Thread.interrupted();
            if (!host.turn(commandsWaiting))
            {
                // No loop attached: sleep as without a host, looking for one again now and then.
                synchronized (mutex)
                {
                    signalNeeded.getAndSet(true);
                    if (cursorSequence.get() >= sequence)
                    {
                        break;
                    }
                    waitOn(mutex, HALT_CHECK_MS);
                }
            }
        }
    }

    /**
     * Runs a loop on the guard's thread while the ring is empty (issue 15). Call before the stages start; only for
     * stages fused on one thread, the only thread that waits on the cursor.
     */
    void host(final StageHost stageHost)
    {
        this.host = stageHost;
        stageHost.hosted();
    }

    /**
     * Look for the next command a little while before blocking: a caller that waits for each answer submits its next
     * command a few microseconds after the answer, and a stage that finds it awake spares that caller a wake-up of the
     * stage. Spins first, then yields, which on a busy machine hands the core to whoever needs it.
     *
     * @return true when the sequence became available.
     */
    private static boolean polled(final long sequence, final Sequence cursorSequence, final SequenceBarrier barrier)
        throws AlertException
    {
        for (int i = 0; i < POLL_SPINS + POLL_YIELDS; i++)
        {
            if (cursorSequence.get() >= sequence)
            {
                return true;
            }
            barrier.checkAlert();
            if (i < POLL_SPINS)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }
        return false;
    }

    /**
     * Stages that wait on other stages block until signalled: every stage another waits on signals this strategy
     * when it moves on. Call before the stages start.
     */
    void upstreamSignals()
    {
        upstreamSignals = true;
    }

    /**
     * An upstream stage moved on: wake the stages that wait for it, only when one may be asleep. Its sequence is
     * published (volatile) before this call.
     */
    void signalProgress()
    {
        if (progressSignalNeeded.getAndSet(false))
        {
            synchronized (progressMutex)
            {
                progressMutex.notifyAll();
            }
        }
    }

    /**
     * Wait on a monitor held by the caller. A stage's thread is the pipeline's own and is stopped by a halt, never
     * by an interrupt: one left set by a listener on the release thread is cleared here, not let escape as a failure
     * of the event before.
     */
    private static void waitOn(final Object monitor, final long timeoutMs)
    {
        try
        {
            monitor.wait(timeoutMs);
        }
        catch (final InterruptedException ex)
        {
            // Cleared by the throw; the caller looks at its sequence and for a halt again.
        }
    }

    /**
     * Wake the waiters, only when one may be waiting: a publish while the guard is busy takes no lock (issue 15).
     */
    @Override
    public void signalAllWhenBlocking()
    {
        if (host != null)
        {
            // A volatile read when the loop is awake; a wake-up of its selector when it sleeps.
            host.wake();
        }
        if (signalNeeded.getAndSet(false))
        {
            synchronized (mutex)
            {
                mutex.notifyAll();
            }
        }
    }
}
