/**
 * The sidecar gateway (SPEC §9 {@code serve}): the guard's pipeline behind the binary protocol of
 * {@link io.ledgerguard.protocol}, over TCP and Unix domain sockets, and the Java client library.
 */
package io.ledgerguard.gateway;
