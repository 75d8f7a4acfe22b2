/**
 * The sidecar gateway (SPEC §9 {@code serve}): the guard's pipeline behind the binary protocol of
 * {@link io.ledgerguard.protocol}, over TCP and Unix domain sockets, and the admin server over HTTP. The Java client
 * library is {@link io.ledgerguard.client.GatewayClient}, in the {@code client} artifact.
 */
package io.ledgerguard.gateway;
