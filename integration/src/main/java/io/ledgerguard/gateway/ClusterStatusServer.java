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
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import io.ledgerguard.cluster.NodeStatus;

/**
 * A cluster node's read-only status over HTTP (issue 16): {@code GET /status} answers where the node stands in the
 * cluster's log, its role and term, and its state hash and evidence chain head there, as JSON; {@code GET /metrics}
 * gives the numbers for Prometheus ({@code ledger_guard_cluster_*}, labelled with the node's member id). It names no
 * account and no balance. {@code cluster status} asks every member's and compares them.
 */
public final class ClusterStatusServer implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;

    private ClusterStatusServer(final HttpServer server, final ExecutorService executor)
    {
        this.server = server;
        this.executor = executor;
    }

    /**
     * @param address where to listen.
     * @param status  the node's status, read on each request; {@code null} while the node starts.
     * @return the running server.
     * @throws IOException when the address cannot be bound.
     */
    public static ClusterStatusServer start(final InetSocketAddress address, final Supplier<NodeStatus> status)
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
        server.createContext("/status", exchange -> answer(exchange, status.get()));
        final PrometheusRegistry registry = metrics(status);
        server.createContext("/metrics", exchange ->
        {
            try (exchange)
            {
                if (!"GET".equals(exchange.getRequestMethod()))
                {
                    exchange.getResponseHeaders().set("Allow", "GET");
                    send(exchange, 405, Map.of("error", "GET only"));
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
        try (exchange)
        {
            if (!"GET".equals(exchange.getRequestMethod()))
            {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, Map.of("error", "GET only"));
                return;
            }
            if (status == null)
            {
                send(exchange, 503, Map.of("error", "the node is starting"));
                return;
            }
            send(exchange, 200, toJson(status));
        }
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
