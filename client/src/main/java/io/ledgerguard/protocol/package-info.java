/**
 * The transfer-path protocol of the sidecar gateway (SPEC §9 {@code serve}): SBE messages generated from
 * {@code client/src/main/sbe/ledger-guard-protocol.xml} (package {@code io.ledgerguard.protocol.sbe}), and the mapping
 * between them and the guard's commands and decisions. Shared by both ends: the gateway server in {@code integration}
 * and {@link io.ledgerguard.client.GatewayClient}.
 */
package io.ledgerguard.protocol;
