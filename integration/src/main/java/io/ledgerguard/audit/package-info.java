/**
 * The audit tools over a journal (SPEC §8, {@code ledger-guard audit}): {@link io.ledgerguard.audit.JournalVerifier}
 * checks the hash chain, the checkpoints, the files' lengths and, whenever the rules are known, that a replay
 * reproduces every recorded decision and checkpoint state hash; {@link io.ledgerguard.audit.DecisionExplainer} explains
 * one decision with the positions and reserve figures before and after it; {@link io.ledgerguard.audit.ReserveReport}
 * discloses holdings per wallet against obligations per asset as of a sequence;
 * {@link io.ledgerguard.audit.JournalDump} prints one line per entry. {@link io.ledgerguard.audit.JournalRules}
 * settles the rules they read a journal under: its own genesis and changes when it holds them (SPEC §13), else the
 * configuration given. Everything here reads the journal and never writes to it; all output is ASCII.
 */
package io.ledgerguard.audit;
