/**
 * The off-heap state behind {@link io.ledgerguard.core.GuardEngine}: open-addressing tables of fixed-size slots, their
 * layouts ({@code *Descriptor}), the undo log of linked batches, and hashing. Not API: it may change at any time.
 */
package io.ledgerguard.core.internal;
