package io.ledgerguard.core.pipeline;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.StateView;

/**
 * Reads of the guard's state from other threads ({@link LedgerGuard#readState}). The engine's optimistic read
 * succeeds at once while the guard is idle; while it is busy, commands follow each other too closely for it, so the
 * read is also posted here and the guard stage answers it between two commands. Whichever comes first is the answer.
 * The guard thread's part, {@link #serve}, is one volatile read per command when nothing is asked, and allocates
 * nothing.
 */
final class StateQueries
{
    private static final int IDLE = 0;
    private static final int POSTED = 1;
    private static final int TAKEN = 2;
    private static final int DONE = 3;
    private static final int OPTIMISTIC_ATTEMPTS = 64;
    private static final long POLL_NS = 20_000;

    private final GuardEngine engine;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    /** Filled by the guard thread between {@code TAKEN} and {@code DONE}; read by the asker after {@code DONE}. */
    private final StateView answer;
    private boolean answered;

    StateQueries(final GuardEngine engine)
    {
        this.engine = engine;
        this.answer = new StateView(engine);
    }

    /**
     * Guard thread, between two commands: answer a posted read.
     */
    void serve()
    {
        if (state.get() != POSTED || !state.compareAndSet(POSTED, TAKEN))
        {
            return;
        }
        try
        {
            answered = engine.readState(answer);
        }
        finally
        {
            state.set(DONE);
        }
    }

    /**
     * Any thread, one read at a time.
     *
     * @return true when the view holds one consistent state; false when none could be had within the timeout (the
     * guard failed mid-command, or is stopped with a command half-applied).
     */
    synchronized boolean read(final StateView view, final long timeoutNs)
    {
        for (int i = 0; i < OPTIMISTIC_ATTEMPTS; i++)
        {
            if (engine.readState(view))
            {
                return true;
            }
            Thread.onSpinWait();
        }
        answer.accountId = view.accountId;
        state.set(POSTED);
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (true)
        {
            if (state.get() == DONE)
            {
                final boolean ok = answered;
                if (ok)
                {
                    view.copyFrom(answer);
                }
                state.set(IDLE);
                return ok;
            }
            // Taken back when the optimistic read succeeds first, or at the deadline; once the guard has taken it, its
            // answer is a matter of a lookup or two, and is waited for.
            final boolean read = engine.readState(view);
            if ((read || System.nanoTime() - deadlineNs > 0) && state.compareAndSet(POSTED, IDLE))
            {
                return read;
            }
            LockSupport.parkNanos(POLL_NS);
        }
    }
}
