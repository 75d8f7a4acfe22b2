package io.ledgerguard.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.cluster.NodeStatus;
import io.ledgerguard.config.AdminSettings;

/**
 * A cluster node's read-only status over HTTP (issue 16): {@code GET /status} answers where the node stands in the
 * cluster's log, its role and term, and its state hash and evidence chain head there, as JSON; {@code GET /metrics}
 * gives the numbers for Prometheus ({@code ledger_guard_cluster_*}, labelled with the node's member id). It names no
 * account and no balance. {@code cluster status} asks every member's and compares them. With {@code admin.tokens} in
 * the node's configuration both need a viewer's bearer token, as the admin server's reads do.
 */
public final class ClusterStatusServer implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOGGER = LoggerFactory.getLogger(ClusterStatusServer.class);

    private final HttpServer server;
    private final ExecutorService executor;

    private ClusterStatusServer(final HttpServer server, final ExecutorService executor)
    {
        this.server = server;
        this.executor = executor;
    }

    /**
     * As {@link #start(InetSocketAddress, Supplier, AdminSettings)} without tokens: every endpoint open.
     *
     * @param address where to listen.
     * @param status  the node's status, read on each request; {@code null} while the node starts.
     * @return the running server.
     * @throws IOException when the address cannot be bound.
     */
    public static ClusterStatusServer start(final InetSocketAddress address, final Supplier<NodeStatus> status)
        throws IOException
    {
        return start(address, status, AdminSettings.none());
    }

    /**
     * Start the server. With tokens ({@code admin.tokens} of the node's configuration, as for the admin server, SPEC
     * §12) {@code /status} and {@code /metrics} need a viewer's (or an auditor's) bearer token; a refusal is answered
     * 401, logged, and counted ({@code ledger_guard_cluster_http_refusals_total} by fault). Without tokens both
     * are open to whoever reaches the port.
     *
     * @param address where to listen.
     * @param status  the node's status, read on each request; {@code null} while the node starts.
     * @param tokens  the bearer tokens; none for open endpoints.
     * @return the running server.
     * @throws IOException when the address cannot be bound.
     */
    public static ClusterStatusServer start(
        final InetSocketAddress address, final Supplier<NodeStatus> status, final AdminSettings tokens)
        throws IOException
    {
        final HttpServer server = HttpServer.create(address, 16);
        final ExecutorService executor = Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "cluster-status");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        final PrometheusRegistry registry = metrics(status);
        final Counter refusals = Counter.builder().name("ledger_guard_cluster_http_refusals")
            .help("Requests for the node's status or metrics refused for want of a bearer token that may read them " +
                "(TOKEN_MISSING, TOKEN_UNKNOWN)")
            .labelNames("fault").register(registry);
        server.createContext("/status", exchange ->
        {
            try (exchange)
            {
                if (allowed(exchange, "/status", tokens, refusals))
                {
                    answer(exchange, status.get());
                }
            }
        });
        server.createContext("/metrics", exchange ->
        {
            try (exchange)
            {
                if (!allowed(exchange, "/metrics", tokens, refusals))
                {
                    return;
                }
                final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
                exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody())
                {
                    writer.write(out, registry.scrape());
                }
            }
        });
        server.start();
        return new ClusterStatusServer(server, executor);
    }

    /**
     * A {@code GET} of exactly the endpoint ({@code /status%00} is not {@code /status}), with a viewer's token when
     * tokens are configured.
     *
     * @return true when the request may be served; otherwise it was answered 405, 404 or 401 (every token may read
     *         what a viewer may).
     */
    private static boolean allowed(
        final HttpExchange exchange, final String path, final AdminSettings tokens, final Counter refusals)
        throws IOException
    {
        if (!"GET".equals(exchange.getRequestMethod()))
        {
            exchange.getResponseHeaders().set("Allow", "GET");
            send(exchange, 405, Map.of("error", "GET only"));
            return false;
        }
        final String raw = exchange.getRequestURI().getRawPath();
        if (!raw.equals(path))
        {
            send(exchange, 404, Map.of("error", "no such endpoint: " + raw));
            return false;
        }
        return BearerTokens.check(tokens, exchange, path, AdminSettings.Role.VIEWER, LOGGER, "cluster status",
            fault -> refusals.labelValues(fault.name()).inc(), ClusterStatusServer::send) == null;
    }

    /** Gauges and counters read from the node's status at each scrape; none before the node started. */
    private static PrometheusRegistry metrics(final Supplier<NodeStatus> status)
    {
        final PrometheusRegistry registry = new PrometheusRegistry();
        gauge(registry, "ledger_guard_cluster_seq", "The sequence of the last command the node published its " +
            "state hash at", status, NodeStatus::seq);
        gauge(registry, "ledger_guard_cluster_leader", "1 while the node leads", status,
            s -> "LEADER".equals(s.role()) ? 1 : 0);
        gauge(registry, "ledger_guard_cluster_leadership_term", "The leadership term the node last heard of", status,
            NodeStatus::leadershipTermId);
        counter(registry, "ledger_guard_cluster_divergences", "Evidence checks at which the node differed from the " +
            "leader (NODE_DIVERGED)", status, NodeStatus::divergences);
        counter(registry, "ledger_guard_cluster_snapshots_taken", "Snapshots the node wrote since it started", status,
            NodeStatus::snapshotsTaken);
        counter(registry, "ledger_guard_cluster_answers_dropped", "Answers the node could not give a client as " +
            "leader", status, NodeStatus::answersDropped);
        counter(registry, "ledger_guard_cluster_malformed", "Messages the node refused as undecodable", status,
            NodeStatus::malformed);
        counter(registry, "ledger_guard_cluster_refused_by_role", "Commands the node refused because the sending " +
            "client's role does not allow them (NOT_IN_ROLE)", status, NodeStatus::refusedByRole);
        counter(registry, "ledger_guard_cluster_sessions_refused", "Cluster sessions the node refused as leader: no " +
            "client id, an unknown or revoked one, or a signature not made with its key", status,
            NodeStatus::sessionsRefused);
        return registry;
    }

    private static void gauge(final PrometheusRegistry registry, final String name, final String help,
        final Supplier<NodeStatus> status, final java.util.function.ToLongFunction<NodeStatus> value)
    {
        GaugeWithCallback.builder().name(name).help(help).labelNames("member").callback(cb ->
        {
            final NodeStatus now = status.get();
            if (now != null)
            {
                cb.call(value.applyAsLong(now), Integer.toString(now.memberId()));
            }
        }).register(registry);
    }

    private static void counter(final PrometheusRegistry registry, final String name, final String help,
        final Supplier<NodeStatus> status, final java.util.function.ToLongFunction<NodeStatus> value)
    {
        CounterWithCallback.builder().name(name).help(help).labelNames("member").callback(cb ->
        {
            final NodeStatus now = status.get();
            if (now != null)
            {
                cb.call(value.applyAsLong(now), Integer.toString(now.memberId()));
            }
        }).register(registry);
    }

    private static void answer(final HttpExchange exchange, final NodeStatus status) throws IOException
    {
        if (status == null)
        {
            send(exchange, 503, Map.of("error", "the node is starting"));
            return;
        }
        send(exchange, 200, toJson(status));
    }

    /**
     * @param status a node's status.
     * @return its fields in the order {@code /status} gives them.
     */
    public static Map<String, Object> toJson(final NodeStatus status)
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("memberId", status.memberId());
        body.put("role", status.role());
        body.put("leadershipTermId", status.leadershipTermId());
        body.put("seq", status.seq());
        body.put("stateHash", status.stateHashHex());
        body.put("chainHead", status.chainHeadHex());
        body.put("snapshotsTaken", status.snapshotsTaken());
        body.put("snapshotsLoaded", status.snapshotsLoaded());
        body.put("answersDropped", status.answersDropped());
        body.put("malformed", status.malformed());
        body.put("refusedByRole", status.refusedByRole());
        body.put("sessionsRefused", status.sessionsRefused());
        body.put("divergences", status.divergences());
        return body;
    }

    private static void send(final HttpExchange exchange, final int code, final Object body) throws IOException
    {
        final byte[] bytes = JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    /**
     * @return where it listens.
     */
    public InetSocketAddress address()
    {
        return server.getAddress();
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
