package io.ledgerguard.core.pipeline;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Where a {@link StageLoop} meets the pipeline that runs it. Given to {@link PipelineContext#stageHost(StageHost)},
 * it is {@link #hosting() hosting} when the pipeline can run a loop on its guard thread: its three stages fused on one
 * thread and the {@link WaitStrategyKind#BLOCKING blocking} wait strategy. A loop is then {@link #attach attached}
 * (the gateway does it when it starts) and the guard's thread turns it whenever the ring is empty; until one is
 * attached, and after it is {@link #detach detached}, that thread sleeps as it does without a host. A host that is not
 * hosting tells its loop to run on a thread of its own.
 */
public final class StageHost
{
    private static final long DETACH_POLL_NS = 100_000;

    private volatile boolean hosting;
    private volatile StageLoop loop;
    /** The guard's thread is inside a turn of {@link #loop}: a detach waits for it to come out. */
    private volatile boolean turning;
    /** The guard's thread, once it turned a loop. */
    private volatile Thread turnedBy;

    /**
     * @return true when a pipeline will turn an attached loop on its guard thread.
     */
    public boolean hosting()
    {
        return hosting;
    }

    /**
     * Set by the pipeline, before it starts, when it can run a loop.
     */
    void hosted()
    {
        hosting = true;
    }

    /**
     * Run a loop on the guard's thread from now on.
     *
     * @param loop the loop; one at a time.
     * @throws IllegalStateException when the host is not hosting, or another loop is attached.
     */
    public synchronized void attach(final StageLoop loop)
    {
        if (!hosting)
        {
            throw new IllegalStateException("no pipeline hosts a loop here: its stages are not fused on one thread " +
                "with the blocking wait strategy; run the loop on a thread of its own");
        }
        if (this.loop != null)
        {
            throw new IllegalStateException("a loop is attached already");
        }
        this.loop = loop;
        loop.wake();
    }

    /**
     * Stop running the loop, and wait until the guard's thread has left its turn (at most a few milliseconds, as a
     * turn ends when woken): afterwards the loop's resources are the caller's to close. Called on the guard's thread
     * (a turn that gives up), it returns at once.
     *
     * @param loop the loop attached.
     * @param timeoutMs the longest to wait.
     * @return true when the guard's thread is out of the loop's turn, false when it did not come out in time.
     */
    public boolean detach(final StageLoop loop, final long timeoutMs)
    {
        synchronized (this)
        {
            if (this.loop != loop)
            {
                return true;
            }
            this.loop = null;
        }
        if (turnedBy == Thread.currentThread())
        {
            return true;
        }
        // The guard's thread announces its turn before it looks at the loop again, and this thread cleared the loop
        // before it looks at the turn: one of them sees the other.
        final long deadlineNs = System.nanoTime() + timeoutMs * 1_000_000L;
        while (turning)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                return false;
            }
            loop.wake();
            LockSupport.parkNanos(DETACH_POLL_NS);
        }
        return true;
    }

    /**
     * On the guard's thread: one turn of the attached loop.
     *
     * @return false when no loop is attached: the caller sleeps its own way.
     */
    boolean turn(final BooleanSupplier commandsWaiting)
    {
        final StageLoop attached = loop;
        if (attached == null)
        {
            return false;
        }
        turnedBy = Thread.currentThread();
        turning = true;
        try
        {
            // Looked at again once turning is announced: a detach that cleared it since waits for nothing.
            if (loop != attached)
            {
                return false;
            }
            attached.turn(commandsWaiting);
            return true;
        }
        finally
        {
            turning = false;
        }
    }

    /**
     * A command was published: end the attached loop's wait, if it waits.
     *
     * @return false when no loop is attached.
     */
    boolean wake()
    {
        final StageLoop attached = loop;
        if (attached == null)
        {
            return false;
        }
        attached.wake();
        return true;
    }
}
