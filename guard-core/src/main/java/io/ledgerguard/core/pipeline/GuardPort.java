package io.ledgerguard.core.pipeline;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.RulesInForce;

/**
 * What an adapter that takes commands from outside the process (the sidecar's gateway) submits them to: the guard in
 * this process ({@link LedgerGuard}), or a guard cluster's client.
 */
public interface GuardPort
{
    /**
     * Submit a command without waiting; its decision reaches the listener on another thread.
     *
     * @param command  the command; copied before the call returns.
     * @param listener receives the decision; reuse one instance to submit without allocating.
     * @return a positive number when taken (the sequence, or a request id), or minus the code of the reason it was
     *     refused at once ({@link io.ledgerguard.core.Reason#RING_FULL} when it may be offered again soon); a refused
     *     command never reaches the listener.
     */
    long submitAsync(Command command, DecisionListener listener);

    /**
     * @return the rules in force that the adapter's approval verifier and client rules read; any thread.
     */
    RulesInForce rulesInForce();
}
