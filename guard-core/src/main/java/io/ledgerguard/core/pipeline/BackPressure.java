package io.ledgerguard.core.pipeline;

/**
 * What a producer does when the ring is full.
 */
public enum BackPressure
{
    /** Wait for a free slot: the producer slows to the guard's pace. The default. */
    BLOCK,
    /** Return at once with {@link io.ledgerguard.core.Reason#RING_FULL}; the command was not sequenced. */
    REJECT
}
