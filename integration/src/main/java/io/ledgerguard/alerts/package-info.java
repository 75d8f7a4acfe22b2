/**
 * Alert sinks for an {@link io.ledgerguard.core.pipeline.AlertDispatcher}: a JSON Lines file and the log. Embedders
 * pass their own {@link io.ledgerguard.core.pipeline.AlertListener} as a callback.
 */
package io.ledgerguard.alerts;
