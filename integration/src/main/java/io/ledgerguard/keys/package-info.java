/**
 * Approver keys on disk and the signing of command file lines (SPEC §6), for operators who produce approvals with
 * {@code ledger-guard keys} rather than with code.
 */
package io.ledgerguard.keys;
