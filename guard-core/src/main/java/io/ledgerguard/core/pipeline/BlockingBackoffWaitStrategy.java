package io.ledgerguard.core.pipeline;

import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

/**
 * Blocks on a lock while the ring is empty, like Disruptor's {@code BlockingWaitStrategy}, but backs off (spin, then
 * yield, then park) while waiting for an upstream stage, where {@code BlockingWaitStrategy} busy-spins. On a machine
 * with fewer cores than pipeline threads that spin takes the core the upstream stage needs: the release stage spinning
 * on the guard stage would slow the very thing it waits for.
 */
final class BlockingBackoffWaitStrategy implements WaitStrategy
{
    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long PARK_NS = 1_000;

    private final Object mutex = new Object();

    @Override
    public long waitFor(
        final long sequence, final Sequence cursorSequence, final Sequence dependentSequence,
        final SequenceBarrier barrier) throws AlertException, InterruptedException
    {
        if (cursorSequence.get() < sequence)
        {
            synchronized (mutex)
            {
                while (cursorSequence.get() < sequence)
                {
                    barrier.checkAlert();
                    mutex.wait();
                }
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
            else
            {
                LockSupport.parkNanos(PARK_NS);
            }
            attempts++;
        }
        return availableSequence;
    }

    @Override
    public void signalAllWhenBlocking()
    {
        synchronized (mutex)
        {
            mutex.notifyAll();
        }
    }
}
