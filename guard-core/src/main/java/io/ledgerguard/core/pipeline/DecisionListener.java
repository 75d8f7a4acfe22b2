package io.ledgerguard.core.pipeline;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;

/**
 * Receives the decision of a command submitted asynchronously, on the release thread. Keep it short and never block:
 * the release stage waits for it.
 */
@FunctionalInterface
public interface DecisionListener
{
    /**
     * @param command  the sequenced command; only valid during the call.
     * @param decision its decision; only valid during the call.
     */
    void onDecision(Command command, Decision decision);
}
