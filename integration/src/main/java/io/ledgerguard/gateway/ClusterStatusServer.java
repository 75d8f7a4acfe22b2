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

import io.ledgerguard.cluster.NodeStatus;

/**
 * A cluster node's read-only status over HTTP (issue 16): {@code GET /status} answers where the node stands in the
 * cluster's log, its role and term, and its state hash and evidence chain head there, as JSON. It names no account
 * and no balance. {@code cluster status} asks every member's and compares them.
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
        server.start();
        return new ClusterStatusServer(server, executor);
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
