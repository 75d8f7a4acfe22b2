/**
 * The embedded pipeline: a multi-producer Disruptor ring whose commands are applied, journaled with their decisions,
 * then released. {@link io.ledgerguard.core.pipeline.LedgerGuard} is the entry point; {@link
 * io.ledgerguard.core.pipeline.Journal} is what a journal implements.
 */
package io.ledgerguard.core.pipeline;
