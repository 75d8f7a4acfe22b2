package io.ledgerguard.core.pipeline;

import io.ledgerguard.core.Alert;

/**
 * Receives every alert on the release thread, after the decision that raised it was released.
 */
@FunctionalInterface
public interface AlertListener
{
    /**
     * @param alert the alert; only valid during the call.
     */
    void onAlert(Alert alert);
}
