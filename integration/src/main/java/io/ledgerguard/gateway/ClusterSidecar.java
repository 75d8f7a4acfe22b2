package io.ledgerguard.gateway;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.ledgerguard.alerts.LogAlertSink;
import io.ledgerguard.cluster.ClusterCredentials;
import io.ledgerguard.cluster.ClusterGuardPort;
import io.ledgerguard.cluster.ClusterMembers;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.RulesInForce;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.AlertDispatcher;

/**
 * {@code serve --cluster}: the sidecar's gateway in front of a guard cluster (issue 16). Applications keep the binary
 * protocol, their keys and roles, and {@code GatewayClient}; the gateway authenticates them and checks their roles as
 * before, and hands each request to a {@link ClusterGuardPort}, which sends it to the cluster's leader. No guard runs
 * in this process: the nodes keep the state and the evidence, and each serves its own status.
 */
public final class ClusterSidecar implements AutoCloseable
{
    /** Requests in flight to the cluster, from every connection together. */
    private static final int IN_FLIGHT = 4096;
    private static final int GATEWAY_ALERT_RING = 1024;

    private final ClusterGuardPort port;
    private final GatewayServer server;
    private final AlertDispatcher alerts;

    private ClusterSidecar(final ClusterGuardPort port, final GatewayServer server, final AlertDispatcher alerts)
    {
        this.port = port;
        this.server = server;
        this.alerts = alerts;
    }

    /**
     * @param config           the configuration file's rules: the gateway's clients, roles and approvers until the
     *                         cluster's leader tells the rules in force, and its table sizes.
     * @param members          the cluster's members.
     * @param credentials      the gateway's own client id and key, which the nodes ask for once the rules name
     *                         clients; {@code null} for a cluster whose rules name none.
     * @param gateway          where and how the gateway listens.
     * @param driverDir        the directory of the media driver the gateway runs for its cluster client.
     * @param unavailableAfter how long a request waits with no leader reachable before it is answered GUARD_FAILED.
     * @param log              where to say what was started.
     * @return the running sidecar.
     * @throws IOException when the gateway's address cannot be bound.
     */
    public static ClusterSidecar start(final GuardConfig config, final ClusterMembers members,
        final ClusterCredentials credentials, final GatewaySettings gateway, final Path driverDir,
        final Duration unavailableAfter, final PrintWriter log) throws IOException
    {
        final ClusterGuardPort port = ClusterGuardPort.withOwnDriver(driverDir, members,
            new RulesInForce(config, 0, 0, 0), credentials, IN_FLIGHT, unavailableAfter);
        // The gateway's clients, roles and approvers follow the rules in force as the cluster's leader tells them (a
        // rule change that revokes a client takes effect here too); the file's until it has.
        gateway.rules = () -> port.rulesInForce().rules;
        final AlertDispatcher alerts = new AlertDispatcher(GATEWAY_ALERT_RING, List.of(new LogAlertSink()));
        try
        {
            final GatewayServer server = GatewayServer.start(port, new ApprovalVerifier(port::rulesInForce), gateway,
                alerts);
            log.println("serve: listening on " + server.tcpAddress().getHostString() + ":" +
                server.tcpAddress().getPort() + (gateway.unixSocket != null ? " and " + gateway.unixSocket : "") +
                "; every request goes to the guard cluster " + members + (credentials == null ? "" : " as client '" +
                credentials.clientId() + "'") + " (each node's status on its base port + 6)");
            log.flush();
            return new ClusterSidecar(port, server, alerts);
        }
        catch (final IOException | RuntimeException ex)
        {
            alerts.close();
            port.close();
            throw ex;
        }
    }

    /**
     * @return the gateway.
     */
    public GatewayServer server()
    {
        return server;
    }

    /**
     * @return the cluster port behind it.
     */
    public ClusterGuardPort port()
    {
        return port;
    }

    @Override
    public void close()
    {
        server.close();
        port.close();
        alerts.close();
    }
}
