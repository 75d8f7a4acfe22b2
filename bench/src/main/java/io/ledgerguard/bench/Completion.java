package io.ledgerguard.bench;

import java.util.concurrent.locks.LockSupport;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.pipeline.DecisionListener;

/**
 * One producer's wait for the answer to the command it submitted: signalled on the releasing thread, awaited on the
 * producer's. It spins briefly, then parks, since busy waiting starves a two-core machine. Reused for every command.
 */
final class Completion implements DecisionListener
{
    private static final int SPINS = 100;

    private final Thread owner;
    private volatile boolean done;
    private boolean accepted;

    Completion(final Thread owner)
    {
        this.owner = owner;
    }

    void arm()
    {
        done = false;
    }

    void signal(final boolean wasAccepted)
    {
        accepted = wasAccepted;
        done = true;
        LockSupport.unpark(owner);
    }

    @Override
    public void onDecision(final Command command, final Decision decision)
    {
        signal(decision.accepted());
    }

    boolean await()
    {
        for (int i = 0; i < SPINS && !done; i++)
        {
            Thread.onSpinWait();
        }
        while (!done)
        {
            LockSupport.park(this);
        }
        return accepted;
    }
}
