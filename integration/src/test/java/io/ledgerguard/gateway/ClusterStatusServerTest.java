package io.ledgerguard.gateway;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ledgerguard.cluster.NodeStatus;
import io.ledgerguard.config.AdminSettings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster node's status and metrics over HTTP follow the admin server's rule for reads (SPEC §12): with
 * {@code admin.tokens} configured, {@code /status} and {@code /metrics} need a viewer's or an auditor's bearer token,
 * refusals are answered 401 and counted; without tokens both are open.
 */
class ClusterStatusServerTest
{
    private static final NodeStatus LEADER = new NodeStatus(0, "LEADER", 3, 42, "ab".repeat(32), "cd".repeat(32),
        1, 0, 0, 0, 0, 0, 0);
    private static final AdminSettings TOKENS = new AdminSettings(List.of(
        new AdminSettings.Token("prometheus", AdminSettings.Role.VIEWER, AdminSettings.sha256("viewer-secret")),
        new AdminSettings.Token("auditor", AdminSettings.Role.AUDITOR, AdminSettings.sha256("auditor-secret"))));

    private final HttpClient http = HttpClient.newHttpClient();
    private ClusterStatusServer server;

    @AfterEach
    void close()
    {
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void shouldServeStatusAndMetricsToAnyoneWithoutTokens() throws Exception
    {
        final NodeStatus[] status = {null};
        server = ClusterStatusServer.start(new InetSocketAddress("127.0.0.1", 0), () -> status[0]);

        assertEquals(503, get("/status", null).statusCode(), "the node is starting");
        status[0] = LEADER;
        final HttpResponse<String> answer = get("/status", null);
        assertEquals(200, answer.statusCode());
        assertTrue(answer.body().contains("\"role\":\"LEADER\""), answer.body());
        assertTrue(get("/metrics", null).body().contains("ledger_guard_cluster_seq{member=\"0\"} 42.0"));
        assertEquals(404, get("/status%00", null).statusCode(), "only the endpoint itself");
        assertEquals(404, get("/metricsx", null).statusCode());
        final HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/status"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    @Test
    void shouldAskForAViewersBearerTokenWhenTokensAreConfigured() throws Exception
    {
        server = ClusterStatusServer.start(new InetSocketAddress("127.0.0.1", 0), () -> LEADER, TOKENS);

        for (final String path : new String[] {"/status", "/metrics"})
        {
            final HttpResponse<String> none = get(path, null);
            assertEquals(401, none.statusCode(), path);
            assertEquals("Bearer realm=\"ledger-guard\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertTrue(none.body().contains(path + " needs a bearer token from admin.tokens"), none.body());
            assertEquals(401, get(path, "not-a-token").statusCode(), path);
            assertEquals(200, get(path, "viewer-secret").statusCode(), path);
            assertEquals(200, get(path, "auditor-secret").statusCode(), path);
        }
        assertTrue(get("/status", "viewer-secret").body().contains("\"seq\":42"));

        final String metrics = get("/metrics", "viewer-secret").body();
        assertTrue(metrics.contains("ledger_guard_cluster_http_refusals_total{fault=\"TOKEN_MISSING\"} 2.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_cluster_http_refusals_total{fault=\"TOKEN_UNKNOWN\"} 2.0"), metrics);
    }

    private HttpResponse<String> get(final String path, final String token) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(final String path)
    {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }
}
