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
     * Submit a command without waiting; its decision reaches the listener on another thread, always the same one (the
     * gateway counts answers and returns request slots there without a locked instruction).
     *
     * @param command  the command; copied before the call returns.
     * @param listener receives the decision; reuse one instance to submit without allocating.
     * @return a positive number when taken (the sequence, or a request id), or minus the code of the reason it was
     *     refused at once ({@link io.ledgerguard.core.Reason#RING_FULL} when it may be offered again soon); a refused
     *     command never reaches the listener.
     */
    long submitAsync(Command command, DecisionListener listener);

    /**
     * As {@link #submitAsync(Command, DecisionListener)}, but the command may be taken instead of copied, which saves
     * the copy of a command decoded only to be submitted (issue 15). When it is taken, {@code commands[index]} holds
     * another command on return, one the guard no longer uses and the caller may fill; the command submitted then
     * belongs to the guard, and the caller must not touch it again. A port that copies leaves the array as it was.
     *
     * @param commands holds the command at {@code index}: one made with {@code new Command()}, that can hold a batch.
     * @param index    where.
     * @param listener receives the decision.
     * @return as {@link #submitAsync(Command, DecisionListener)}; a refused command is never taken.
     */
    default long submitAsyncTaking(final Command[] commands, final int index, final DecisionListener listener)
    {
        return submitAsync(commands[index], listener);
    }

    /**
     * @return the rules in force that the adapter's approval verifier and client rules read; any thread.
     */
    RulesInForce rulesInForce();
}
