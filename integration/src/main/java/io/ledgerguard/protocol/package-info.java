/**
 * The transfer-path protocol of the sidecar gateway (SPEC §9 {@code serve}): SBE messages generated from
 * {@code src/main/sbe/ledger-guard-protocol.xml} (package {@code io.ledgerguard.protocol.sbe}), and the mapping
 * between them and the guard's commands and decisions.
 */
package io.ledgerguard.protocol;
