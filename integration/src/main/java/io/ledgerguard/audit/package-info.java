/**
 * The audit tools over a journal (SPEC §8, {@code ledger-guard audit}): {@link io.ledgerguard.audit.JournalVerifier}
 * checks the hash chain, the checkpoints, the files' lengths and, given the configuration, that a replay reproduces
 * every recorded decision and checkpoint state hash; {@link io.ledgerguard.audit.DecisionExplainer} explains one
 * decision with the positions and reserve figures before and after it; {@link io.ledgerguard.audit.ReserveReport}
 * discloses holdings per wallet against obligations per asset as of a sequence;
 * {@link io.ledgerguard.audit.JournalDump} prints one line per entry. Everything here reads the journal and never
 * writes to it; all output is ASCII.
 */
package io.ledgerguard.audit;
