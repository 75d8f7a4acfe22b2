/**
 * The guard's public API: the deterministic state machine {@link io.ledgerguard.core.GuardEngine}, the commands it
 * applies and the decisions and alerts it makes, its configuration, and the per-asset figures it publishes for
 * monitors ({@link io.ledgerguard.core.AssetCounters}). Depends on Agrona only (and Disruptor, in the pipeline).
 */
package io.ledgerguard.core;
