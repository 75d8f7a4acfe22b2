/**
 * The Java client of the sidecar gateway (SPEC §9 {@code serve}): {@link io.ledgerguard.client.GatewayClient} sends
 * commands over the binary protocol of {@link io.ledgerguard.protocol} and hands back the guard's decisions.
 * <p>
 * It lives in the {@code client} artifact, apart from the gateway server in {@code integration}, so that a matching
 * engine or an order gateway can depend on the client alone: the protocol's codecs, guard-core's command and decision
 * types, and Agrona, without the command-line program's picocli, Jackson, Prometheus and Chronicle Queue. It has a
 * package of its own rather than the server's {@code io.ledgerguard.gateway} so that no package is split across two
 * artifacts: a class path (or a module path) that holds both jars sees each package in exactly one.
 */
package io.ledgerguard.client;
