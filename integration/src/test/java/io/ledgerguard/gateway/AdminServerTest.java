package io.ledgerguard.gateway;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.AdminSettings;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.JournalSettings;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin and metrics endpoints of {@code serve}, over real HTTP: health, readiness, per-asset status, the alerts
 * (as a list and as a server-sent-event stream that drops a subscriber that does not read), Prometheus metrics, and no
 * method but GET.
 */
class AdminServerTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Short, so that a subscriber that does not read is dropped soon; long beside a reader's pause between reads. */
    private static final long STREAM_DEADLINE_MS = 300;
    private static final String STREAMS_DROPPED = "ledger_guard_alert_streams_dropped_total";
    private static final String STREAMS_OPEN = "ledger_guard_alert_streams";
    private static final long MARKER_TX_ID = 777_777;

    private Sidecar sidecar;
    private GatewayClient client;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        sidecar = Sidecar.start(ConfigLoader.load(Path.of("..", "examples", "config.yaml")), new JournalSettings(),
            null, null, settings, new InetSocketAddress("127.0.0.1", 0), new PrintWriter(new StringWriter()));
        client = new GatewayClient(sidecar.server().tcpAddress(), "admin-test");
    }

    @AfterEach
    void stop()
    {
        client.close();
        sidecar.close();
    }

    @Test
    void shouldReportHealthReadinessStatusAlertsAndMetrics() throws Exception
    {
        assertEquals(200, get("/health").statusCode());
        final HttpResponse<String> ready = get("/ready");
        assertEquals(200, ready.statusCode());
        assertTrue(JSON.readTree(ready.body()).get("ready").asBoolean());

        final CompletableFuture<String> streamed = firstStreamedAlert();
        Thread.sleep(300);

        depositIntoTheHotWalletAndAttestItEmpty();

        // The inflow into the hot wallet put all the holdings in it: the cold-ratio alert comes first.
        final String alert = streamed.get(10, TimeUnit.SECONDS);
        assertTrue(alert != null && alert.contains("\"type\":\"COLD_RATIO\""), String.valueOf(alert));

        // Alerts reach the admin server on the dispatcher's thread, a moment after the decision.
        JsonNode alerts = JSON.readTree(get("/alerts").body()).get("alerts");
        for (int i = 0; i < 100 && alerts.size() < 3; i++)
        {
            Thread.sleep(50);
            alerts = JSON.readTree(get("/alerts").body()).get("alerts");
        }
        assertEquals("COLD_RATIO", alerts.get(0).get("type").asText());
        assertEquals("CUSTODY_DRIFT", alerts.get(1).get("type").asText(), alerts.toString());
        assertEquals(1_000_000_000L, alerts.get(1).get("figures").get("expected").asLong());

        final JsonNode status = JSON.readTree(get("/status").body());
        assertEquals("BTC", status.get("assets").get(0).get("asset").asText());
        assertEquals(6, status.get("sequenced").asLong());

        final HttpResponse<String> metrics = get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("ledger_guard_decisions_total{reason=\"OK\"} 6.0"), metrics.body());
        assertTrue(metrics.body().contains("ledger_guard_alerts_total{type=\"CUSTODY_DRIFT\"} 1.0"), metrics.body());
        assertTrue(metrics.body().contains("ledger_guard_asset_holdings{asset=\"BTC\"}"), metrics.body());
        assertTrue(metrics.body().contains("ledger_guard_decision_latency_seconds_count 6"), metrics.body());
        assertTrue(metrics.body().contains("ledger_guard_journal_lag_commands"), metrics.body());

        // Per wallet: the hot wallet attested at 0 after the 10 BTC inflow, with its attestation's age.
        final JsonNode btc = status.get("assets").get(0);
        final JsonNode hot = btc.get("wallets").get(0);
        assertEquals(1, hot.get("walletId").asLong());
        assertEquals("HOT", hot.get("kind").asText());
        assertEquals(0, hot.get("attested").asLong());
        assertEquals(0, hot.get("expected").asLong());
        assertTrue(hot.get("attestationAgeMs").asLong() >= 0 && hot.get("attestationAgeMs").asLong() < 60_000, hot
            .toString());
        assertEquals(2, btc.get("wallets").size(), "the BTC wallets");
        assertTrue(btc.get("attestationAgeMs").asLong() >= hot.get("attestationAgeMs").asLong());
        assertEquals(6, status.get("asOfCommands").asLong());
        assertFalse(status.get("killSwitches").get("all").asBoolean());
        assertEquals(0, status.get("killSwitches").get("frozenAccounts").asLong());

        assertAnAccountAndItsFreezing();

        final HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/health"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode(), "nothing over HTTP changes anything");
    }

    /**
     * A stream of alerts, open before the alert is raised.
     */
    @Test
    void shouldAnswerNotReadyNamingAFullTableAndExposeEveryTableAsMetrics() throws Exception
    {
        // Issue 13, seen 1: a full table refused every ordinary command while /ready stayed true.
        client.close();
        sidecar.close();
        final io.ledgerguard.core.GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));
        config.limits().accountsMax = 2;
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        sidecar = Sidecar.start(config, new JournalSettings(), null, null, settings,
            new InetSocketAddress("127.0.0.1", 0), new PrintWriter(new StringWriter()));
        client = new GatewayClient(sidecar.server().tcpAddress(), "admin-test");

        final Command open = new Command();
        open.type = CommandType.OPEN_ACCOUNT;
        open.accountKind = AccountKind.CUSTOMER;
        for (long id = 1; id <= 2; id++)
        {
            open.txId = id;
            open.accountId = 1000 + id;
            assertTrue(client.submit(open).accepted());
        }
        final HttpResponse<String> ready = get("/ready");
        assertEquals(503, ready.statusCode(), ready.body());
        final JsonNode answer = JSON.readTree(ready.body());
        assertFalse(answer.get("ready").asBoolean());
        assertEquals("ACCOUNTS", answer.get("fullTables").get(0).asText());
        assertTrue(answer.get("why").get(0).asText().contains("limits.accountsMax=2"), ready.body());

        final String metrics = get("/metrics").body();
        assertTrue(metrics.contains("ledger_guard_table_entries{table=\"ACCOUNTS\"} 2.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_table_limit{table=\"ACCOUNTS\"} 2.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_table_capacity_warning{table=\"ACCOUNTS\"} 1.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_table_full{table=\"ACCOUNTS\"} 1.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_table_full{table=\"TX_IDS\"} 0.0"), metrics);
    }

    @Test
    void shouldMatchPathsExactly() throws Exception
    {
        assertEquals(200, get("/status").statusCode());
        assertEquals(404, get("/status%00").statusCode());
        assertEquals(404, get("/statusx").statusCode());
        assertEquals(404, get("/metrics/").statusCode());
        assertEquals(404, get("/alerts%2F..").statusCode());
    }

    @Test
    void shouldAskForABearerTokenWithTheRightRoleWhenTokensAreConfigured() throws Exception
    {
        // Issue 14: /accounts/{id}, /status, /alerts and /metrics served every balance to any local user.
        client.close();
        sidecar.close();
        final AdminSettings tokens = new AdminSettings(java.util.List.of(
            new AdminSettings.Token("dashboard", AdminSettings.Role.VIEWER, AdminSettings.sha256("viewer-secret")),
            new AdminSettings.Token("auditor", AdminSettings.Role.AUDITOR, AdminSettings.sha256("auditor-secret"))));
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        sidecar = Sidecar.start(ConfigLoader.load(Path.of("..", "examples", "config.yaml")), new JournalSettings(),
            null, null, settings, new InetSocketAddress("127.0.0.1", 0), tokens, new PrintWriter(new StringWriter()));
        client = new GatewayClient(sidecar.server().tcpAddress(), "admin-test");
        final Command open = new Command();
        open.type = CommandType.OPEN_ACCOUNT;
        open.txId = 1;
        open.accountId = 1001;
        open.accountKind = AccountKind.CUSTOMER;
        assertTrue(client.submit(open).accepted());

        assertEquals(200, get("/health").statusCode(), "liveness stays open");
        assertEquals(200, get("/ready").statusCode(), "readiness stays open");
        for (final String path : new String[] {"/status", "/alerts", "/metrics", "/accounts/1001"})
        {
            final HttpResponse<String> none = get(path);
            assertEquals(401, none.statusCode(), path);
            assertEquals("Bearer realm=\"ledger-guard\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, get(path, "not-a-token").statusCode(), path);
        }
        assertEquals(200, get("/status", "viewer-secret").statusCode());
        assertEquals(200, get("/alerts", "viewer-secret").statusCode());
        assertEquals(200, get("/metrics", "viewer-secret").statusCode());
        final HttpResponse<String> viewerAccount = get("/accounts/1001", "viewer-secret");
        assertEquals(403, viewerAccount.statusCode(), "balances need an auditor");
        assertTrue(viewerAccount.body().contains("needs an auditor's"), viewerAccount.body());
        assertEquals(200, get("/accounts/1001", "auditor-secret").statusCode());
        assertEquals(200, get("/status", "auditor-secret").statusCode());
        assertEquals(404, get("/status%00", "auditor-secret").statusCode());

        // Every refusal is counted by its fault: 4 paths without a token, 4 with an unknown one, 1 of too small a role.
        final String metrics = get("/metrics", "viewer-secret").body();
        assertTrue(metrics.contains("ledger_guard_http_refusals_total{fault=\"TOKEN_MISSING\"} 4.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_http_refusals_total{fault=\"TOKEN_UNKNOWN\"} 4.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_http_refusals_total{fault=\"TOKEN_ROLE\"} 1.0"), metrics);

        // Alert streams: four per token, so that one holder cannot take the sixteen slots.
        final java.util.List<java.io.InputStream> streams = new java.util.ArrayList<>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                final HttpResponse<java.io.InputStream> stream = openStream("viewer-secret");
                assertEquals(200, stream.statusCode());
                streams.add(stream.body());
            }
            final HttpResponse<java.io.InputStream> fifth = openStream("viewer-secret");
            assertEquals(503, fifth.statusCode());
            assertTrue(new String(fifth.body().readAllBytes(), StandardCharsets.UTF_8)
                .contains("too many alert streams for token 'dashboard': 4"));
            final HttpResponse<java.io.InputStream> other = openStream("auditor-secret");
            assertEquals(200, other.statusCode(), "another token still has its own");
            streams.add(other.body());
        }
        finally
        {
            for (final java.io.InputStream stream : streams)
            {
                stream.close();
            }
        }
    }

    @Test
    void shouldDropSubscribersThatDoNotReadAndServeANewOneInTheirSlots() throws Exception
    {
        // Issue 14: a subscriber that connected and never read held its slot for good, its writer stuck in the socket.
        restart(AdminSettings.none().withAlertStreamDeadlineMs(STREAM_DEADLINE_MS));
        assertEquals(0.0, metric(STREAMS_DROPPED, null));
        final List<Socket> silent = new ArrayList<>();
        final StreamReader reader = new StreamReader(openStream(null));
        try
        {
            for (int i = 0; i < 15; i++)
            {
                silent.add(silentSubscriber(null));
            }
            awaitMetric(STREAMS_OPEN, null, 16.0);
            final HttpResponse<InputStream> refused = openStream(null);
            assertEquals(503, refused.statusCode(), "the reader and the fifteen that do not read hold every slot");
            refused.body().close();

            publishUntilDropped(null, 15);
            final HttpResponse<InputStream> next = openStream(null);
            assertEquals(200, next.statusCode(), "the slots of the subscribers that did not read are free");
            next.body().close();

            // The reader was never dropped: it still receives what is published.
            final Alert marker = alert(MARKER_TX_ID);
            for (int i = 0; i < 200 && !reader.sawMarker.get(); i++)
            {
                sidecar.admin().onAlert(marker);
                Thread.sleep(50);
            }
            assertTrue(reader.sawMarker.get(), "the reader's stream stays open");
            assertEquals(15.0, metric(STREAMS_DROPPED, null));
        }
        finally
        {
            reader.close();
            for (final Socket socket : silent)
            {
                socket.close();
            }
        }
    }

    @Test
    void shouldFreeATokensStreamsWhenItsSubscribersDoNotRead() throws Exception
    {
        // With tokens the four streams of a token can be held by subscribers that do not read: dropped, they are free.
        restart(new AdminSettings(java.util.List.of(
            new AdminSettings.Token("dashboard", AdminSettings.Role.VIEWER, AdminSettings.sha256("viewer-secret"))),
            STREAM_DEADLINE_MS));
        final List<Socket> silent = new ArrayList<>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                silent.add(silentSubscriber("viewer-secret"));
            }
            awaitMetric(STREAMS_OPEN, "viewer-secret", 4.0);
            final HttpResponse<InputStream> refused = openStream("viewer-secret");
            assertEquals(503, refused.statusCode());
            refused.body().close();

            publishUntilDropped("viewer-secret", 4);
            final HttpResponse<InputStream> next = openStream("viewer-secret");
            assertEquals(200, next.statusCode(), "the token's streams are free again");
            next.body().close();
        }
        finally
        {
            for (final Socket socket : silent)
            {
                socket.close();
            }
        }
    }

    @Test
    void shouldRefuseAnAlertStreamDeadlineOutOfRange()
    {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> AdminSettings.none().withAlertStreamDeadlineMs(0));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
            () -> AdminSettings.none().withAlertStreamDeadlineMs(AdminSettings.ALERT_STREAM_DEADLINE_MS_MAX + 1));
        assertEquals(AdminSettings.ALERT_STREAM_DEADLINE_MS_DEFAULT, AdminSettings.none().alertStreamDeadlineMs());
    }

    /**
     * Restart the sidecar with these admin settings.
     */
    private void restart(final AdminSettings adminSettings) throws Exception
    {
        client.close();
        sidecar.close();
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        sidecar = Sidecar.start(ConfigLoader.load(Path.of("..", "examples", "config.yaml")), new JournalSettings(),
            null, null, settings, new InetSocketAddress("127.0.0.1", 0), adminSettings,
            new PrintWriter(new StringWriter()));
        client = new GatewayClient(sidecar.server().tcpAddress(), "admin-test");
    }

    /**
     * A subscriber over a plain socket with a small receive buffer that sends its request and never reads a byte.
     */
    private Socket silentSubscriber(final String token) throws Exception
    {
        final Socket socket = new Socket();
        socket.setReceiveBufferSize(4096);
        socket.connect(new InetSocketAddress("127.0.0.1", sidecar.admin().address().getPort()));
        socket.getOutputStream().write(("GET /alerts/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
            (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    /**
     * Publish alerts through the admin server, more than the subscribers' sockets hold, until {@code count} streams
     * were dropped.
     */
    private void publishUntilDropped(final String token, final int count) throws Exception
    {
        final Alert alert = alert(1);
        long published = 0;
        double dropped = 0;
        // Loopback sockets hold a few MB (the sender's buffer grows): some 20,000 alerts fill them.
        for (int round = 0; round < 500 && dropped < count; round++)
        {
            for (int i = 0; i < 1_000; i++)
            {
                alert.txId = ++published;
                sidecar.admin().onAlert(alert);
            }
            Thread.sleep(10);
            dropped = metric(STREAMS_DROPPED, token);
        }
        System.out.println("AdminServerTest: " + published + " alerts published until " + dropped +
            " streams were dropped");
        assertEquals(count, dropped, "streams dropped after " + published + " alerts");
    }

    private static Alert alert(final long txId)
    {
        final Alert alert = new Alert();
        alert.set(1, System.nanoTime(), txId, AlertType.COLD_RATIO, AlertScope.ASSET, 1, 0, 0);
        alert.figure(0, 9_000);
        alert.figure(1, 2_000);
        return alert;
    }

    private void awaitMetric(final String name, final String token, final double expected) throws Exception
    {
        double value = metric(name, token);
        for (int i = 0; i < 200 && value != expected; i++)
        {
            Thread.sleep(25);
            value = metric(name, token);
        }
        assertEquals(expected, value, name);
    }

    /**
     * @return the value of an unlabelled metric in {@code /metrics}.
     */
    private double metric(final String name, final String token) throws Exception
    {
        final String metrics = token == null ? get("/metrics").body() : get("/metrics", token).body();
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith(name + " "))
            {
                return Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + name + " in " + metrics);
    }

    /**
     * A subscriber that reads its stream as it comes, on a thread of its own, and notes the marker alert.
     */
    private static final class StreamReader
    {
        final AtomicBoolean sawMarker = new AtomicBoolean();
        private final InputStream body;
        private final Thread thread;

        StreamReader(final HttpResponse<InputStream> stream)
        {
            assertEquals(200, stream.statusCode());
            body = stream.body();
            thread = new Thread(this::read, "admin-test-stream-reader");
            thread.setDaemon(true);
            thread.start();
        }

        private void read()
        {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = lines.readLine()) != null)
                {
                    if (line.contains("\"txId\":" + MARKER_TX_ID + ","))
                    {
                        sawMarker.set(true);
                    }
                }
            }
            catch (final java.io.IOException ex)
            {
                // Closed by the test.
            }
        }

        void close() throws Exception
        {
            body.close();
            thread.join(10_000);
        }
    }

    @Test
    void shouldRefuseToListenBeyondLoopbackWithoutTokens()
    {
        final IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> AdminServer.start(new InetSocketAddress("0.0.0.0", 0), null, null));
        assertTrue(refused.getMessage().contains("no admin.tokens"), refused.getMessage());
    }

    private CompletableFuture<String> firstStreamedAlert()
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try
            {
                final HttpResponse<InputStream> stream = http.send(request("/alerts/stream"),
                    HttpResponse.BodyHandlers.ofInputStream());
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(),
                    StandardCharsets.UTF_8)))
                {
                    String line;
                    while ((line = lines.readLine()) != null)
                    {
                        if (line.startsWith("data: "))
                        {
                            return line.substring(6);
                        }
                    }
                }
                return null;
            }
            catch (final Exception ex)
            {
                return ex.toString();
            }
        });
    }

    /**
     * The hot wallet attested, then 10 BTC of customer money deposited, then the wallet attested at 0: a drain.
     */
    @Test
    void shouldExposeEveryMetricTheAlertingRulesWatchWithTheKillSwitchesInForce() throws Exception
    {
        submit(attest(1, 1, 0, 1));
        final Command halt = new Command();
        halt.type = CommandType.HALT;
        halt.txId = 2;
        halt.assetId = 2;
        submit(halt);
        halt.txId = 3;
        halt.assetId = 0;
        halt.walletId = 1;
        submit(halt);

        final String metrics = get("/metrics").body();
        // The alerting rules (promtool tests them) and the Grafana dashboard watch only what /metrics serves.
        final String rules = java.nio.file.Files.readString(Path.of("..", "ops", "prometheus",
            "ledger-guard-rules.yml"));
        assertTrue(MetricNames.assertServed(rules, metrics) >= 10, "names found in the rules");
        final String dashboard = java.nio.file.Files.readString(Path.of("..", "ops", "grafana",
            "ledger-guard-dashboard.json"));
        assertTrue(MetricNames.assertServed(dashboard, metrics) >= 15, "names found in the dashboard");
        // Portable: its datasource is an input chosen at import, named by every query.
        final JsonNode board = JSON.readTree(dashboard);
        assertEquals("prometheus", board.get("__inputs").get(0).get("pluginId").asText());
        for (final JsonNode panel : board.get("panels"))
        {
            for (final JsonNode target : panel.get("targets"))
            {
                assertEquals("${DS_PROMETHEUS}", target.get("datasource").get("uid").asText(), panel.toString());
            }
        }
        assertTrue(metrics.contains("ledger_guard_asset_status{asset=\"KRW\"} 2.0"), metrics);
        // BTC's cold wallet was never attested: restricted (I5), its age unbounded.
        assertTrue(metrics.contains("ledger_guard_asset_status{asset=\"BTC\"} 1.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_asset_attestation_age_seconds{asset=\"BTC\"} +Inf"), metrics);
        assertTrue(metrics.contains("ledger_guard_wallet_halted{asset=\"BTC\",wallet=\"1\"} 1.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_wallet_halted{asset=\"BTC\",wallet=\"2\"} 0.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_kill_switch_all 0.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_ready 1.0"), metrics);
        assertTrue(metrics.contains("ledger_guard_asset_attestation_age_max_seconds{asset=\"BTC\"} 60.0"), metrics);
        // KRW's bank wallet was never attested: its age is unbounded, so the stale rule holds for it.
        assertTrue(metrics.contains("ledger_guard_asset_attestation_age_seconds{asset=\"KRW\"} +Inf"), metrics);
    }

    /**
     * @return how many metric names the text names, each asserted to be served.
     */
    private void depositIntoTheHotWalletAndAttestItEmpty() throws Exception
    {
        submit(attest(1, 1, 0, 1));
        submit(attest(2, 2, 0, 1));
        submit(attest(3, 3, 0, 2));
        final Command open = new Command();
        open.type = CommandType.OPEN_ACCOUNT;
        open.txId = 4;
        open.accountId = 1001;
        open.accountKind = AccountKind.CUSTOMER;
        submit(open);
        final Command inflow = new Command();
        inflow.type = CommandType.INFLOW;
        inflow.txId = 5;
        inflow.walletId = 1;
        inflow.assetId = 1;
        inflow.amount = 1_000_000_000L;
        inflow.chainRef("btc:1");
        submit(inflow);
        submit(attest(6, 1, 0, 1));
    }

    /**
     * Issue 17: the dashboard's page and files are served from {@code /} without a token (they hold no data), with a
     * policy that lets the page reach this server alone; any other path is a 404 naming it, and nothing but GET.
     */
    @Test
    void shouldServeTheDashboardsFilesAndNamePathsItDoesNotServe() throws Exception
    {
        final HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElseThrow().contains("default-src 'self'"));
        assertTrue(page.body().contains("<title>Ledger Guard</title>"), page.body());
        for (final String file : List.of("/dashboard/dashboard.js", "/dashboard/dashboard.css",
            "/dashboard/vendor/uPlot.iife.min.js", "/dashboard/vendor/uPlot.min.css"))
        {
            final HttpResponse<String> served = get(file);
            assertEquals(200, served.statusCode(), file);
            assertTrue(page.body().contains("\"" + file + "\""), "the page links " + file);
        }
        assertTrue(get("/dashboard/vendor/uPlot.LICENSE.txt").body().contains("The MIT License"));
        for (final String path : List.of("/nothing", "/dashboard/", "/dashboard/../pom.xml", "/index.html"))
        {
            final HttpResponse<String> missing = get(path);
            assertEquals(404, missing.statusCode(), path);
            assertTrue(JSON.readTree(missing.body()).get("error").asText().startsWith("no such endpoint: "), path);
        }
        final HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/"))
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
    }

    /**
     * What the dashboard shows beside the figures: each kill switch in force with its cause, since when and what lifts
     * it; each wallet's last custody drift; the tables' usage; the journal's lag and chain head (none in memory).
     */
    @Test
    void shouldReportKillSwitchCausesDriftsTablesAndTheJournal() throws Exception
    {
        depositIntoTheHotWalletAndAttestItEmpty();
        JsonNode status = JSON.readTree(get("/status").body());
        for (int i = 0; i < 100 && status.get("assets").get(0).get("wallets").get(0).get("lastDrift").isNull(); i++)
        {
            // The drift reaches the admin server on the alert dispatcher's thread.
            Thread.sleep(50);
            status = JSON.readTree(get("/status").body());
        }
        final JsonNode engaged = status.get("killSwitches").get("engaged");
        assertEquals(1, engaged.size(), engaged.toString());
        assertEquals("ASSET_OUTFLOWS", engaged.get(0).get("scope").asText());
        assertEquals("BTC", engaged.get(0).get("asset").asText());
        assertEquals("CUSTODY_DRIFT", engaged.get(0).get("cause").asText());
        assertEquals("RESUME of BTC", engaged.get(0).get("liftedBy").asText());
        assertTrue(engaged.get(0).get("sinceMs").asLong() > 0);

        final JsonNode hot = status.get("assets").get(0).get("wallets").get(0);
        assertEquals(0, hot.get("lastDrift").get("attested").asLong());
        assertEquals(1_000_000_000L, hot.get("lastDrift").get("expected").asLong());
        assertEquals(6, hot.get("lastDrift").get("seq").asLong());
        assertTrue(hot.get("driftAtLastAttestation").asBoolean());
        assertTrue(status.get("assets").get(0).get("wallets").get(1).get("lastDrift").isNull());
        assertEquals(8, status.get("assets").get(0).get("scale").asInt());

        final JsonNode tables = status.get("tables");
        assertEquals(io.ledgerguard.core.TableKind.values().length, tables.size());
        assertEquals("ACCOUNTS", tables.get(0).get("table").asText());
        assertEquals(1, tables.get(0).get("entries").asLong());
        assertEquals(10_000, tables.get(0).get("limit").asLong());
        assertFalse(tables.get(0).get("full").asBoolean());

        assertEquals(0, status.get("journal").get("lag").asLong());
        assertTrue(status.get("journal").get("chainHead").isNull(), "an in-memory journal keeps no chain");

        // A second attestation within tolerance: the drift is history, no longer the wallet's latest attestation. (The
        // two are told apart by their millisecond: the guard's clock must have moved on.)
        Thread.sleep(2);
        submit(attest(8, 1, 0, 1));
        final JsonNode later = JSON.readTree(get("/status").body()).get("assets").get(0).get("wallets").get(0);
        assertFalse(later.get("driftAtLastAttestation").asBoolean(), later.toString());
        assertEquals(6, later.get("lastDrift").get("seq").asLong());
    }

    /**
     * An account, then the same account frozen: /accounts and the kill switches show it.
     */
    private void assertAnAccountAndItsFreezing() throws Exception
    {
        JsonNode account = JSON.readTree(get("/accounts/1001").body());
        assertEquals("CUSTOMER", account.get("kind").asText());
        assertEquals("ACTIVE", account.get("status").asText());
        assertEquals(0, account.get("positions").size());
        final Command freeze = new Command();
        freeze.type = CommandType.FREEZE;
        freeze.txId = 7;
        freeze.accountId = 1001;
        assertTrue(client.submit(freeze).accepted());
        account = JSON.readTree(get("/accounts/1001").body());
        assertEquals("FROZEN", account.get("status").asText());
        assertEquals(7, account.get("asOfCommands").asLong());
        assertEquals(1, JSON.readTree(get("/status").body()).get("killSwitches").get("frozenAccounts").asLong());
        final HttpResponse<String> missing = get("/accounts/999");
        assertEquals(404, missing.statusCode());
        assertEquals("no account 999", JSON.readTree(missing.body()).get("error").asText());
        final HttpResponse<String> bad = get("/accounts/abc");
        assertEquals(400, bad.statusCode());
        assertEquals("account id 'abc' is not a number", JSON.readTree(bad.body()).get("error").asText());
        assertEquals(400, get("/accounts/0").statusCode());
    }

    @Test
    void shouldTakeAPrivilegedCommandOverHttpOnlyWithItsApprovals() throws Exception
    {
        // The example configuration names no keys: nothing over HTTP can change anything.
        final String halt = "{\"type\":\"HALT\",\"txId\":90,\"atMs\":0,\"asset\":\"BTC\"}";
        final HttpResponse<String> open = post("/commands", halt);
        assertEquals(403, open.statusCode(), open.body());

        // With two operators' keys for LIFT (which approves HALT and FREEZE over HTTP), two signatures are needed.
        stop();
        final java.security.KeyPair one = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final java.security.KeyPair two = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final io.ledgerguard.core.GuardConfig config = restartWithTwoApprovers("LIFT", one, two);

        final long expires = System.currentTimeMillis() + 60_000;
        final String unsigned = "{\"type\":\"HALT\",\"txId\":91,\"atMs\":0,\"asset\":\"BTC\",\"expiresAtMs\":" +
            expires + "}";
        final Command command = new Command();
        new io.ledgerguard.json.CommandLineParser(config).parse(unsigned, command);
        final String sigOne = base64(io.ledgerguard.core.approval.ApprovalVerifier.sign(command, config,
            one.getPrivate()));
        final String sigTwo = base64(io.ledgerguard.core.approval.ApprovalVerifier.sign(command, config,
            two.getPrivate()));
        final String withOne = unsigned.substring(0, unsigned.length() - 1) +
            ",\"approvals\":[{\"keyId\":\"op-1\",\"signature\":\"" + sigOne + "\"}]}";
        final String withTwo = unsigned.substring(0, unsigned.length() - 1) +
            ",\"approvals\":[{\"keyId\":\"op-1\",\"signature\":\"" + sigOne + "\"}," +
            "{\"keyId\":\"op-2\",\"signature\":\"" + sigTwo + "\"}]}";

        final HttpResponse<String> unsignedAnswer = post("/commands", unsigned);
        assertEquals(401, unsignedAnswer.statusCode(), unsignedAnswer.body());
        assertEquals("MISSING", JSON.readTree(unsignedAnswer.body()).get("fault").asText());
        final HttpResponse<String> oneAnswer = post("/commands", withOne);
        assertEquals(401, oneAnswer.statusCode(), oneAnswer.body());
        assertEquals("TOO_FEW", JSON.readTree(oneAnswer.body()).get("fault").asText());
        final HttpResponse<String> tampered = post("/commands", withTwo.replace("\"BTC\"", "\"KRW\""));
        assertEquals(401, tampered.statusCode(), tampered.body());

        final HttpResponse<String> accepted = post("/commands", withTwo);
        assertEquals(200, accepted.statusCode(), accepted.body());
        assertEquals("ACCEPTED", JSON.readTree(accepted.body()).get("status").asText());
        assertEquals("HALTED", JSON.readTree(get("/status").body()).get("assets").get(0).get("status").asText());

        final HttpResponse<String> transfer = post("/commands",
            "{\"type\":\"TRANSFER\",\"txId\":92,\"atMs\":0,\"debitAccountId\":1,\"creditAccountId\":2," +
                "\"asset\":\"BTC\",\"amount\":1}");
        assertEquals(400, transfer.statusCode(), "the transfer path is the protocol's, not HTTP's");
    }

    @Test
    void shouldChangeTheRulesOverHttpWithTheCurrentApproversAndNameASettingItCannotChange() throws Exception
    {
        // SPEC §13: a tighter velocity limit during an incident, approved by two of the CONFIGURE approvers.
        stop();
        final java.security.KeyPair one = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final java.security.KeyPair two = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final io.ledgerguard.core.GuardConfig config = restartWithTwoApprovers("CONFIGURE", one, two);

        final long expires = System.currentTimeMillis() + 60_000;
        final String fixed = "{\"type\":\"CONFIGURE\",\"txId\":93,\"atMs\":0," +
            "\"settings\":{\"assets.BTC.scale\":\"6\"},\"expiresAtMs\":" + expires + "}";
        final HttpResponse<String> refused = post("/commands", fixed);
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(JSON.readTree(refused.body()).get("error").asText().startsWith("settings.assets.BTC.scale: fixed " +
            "when the asset was listed"), refused.body());

        final String unsigned = "{\"type\":\"CONFIGURE\",\"txId\":94,\"atMs\":0," +
            "\"settings\":{\"assets.BTC.outflow.minorUnitsMax\":1000},\"expiresAtMs\":" + expires + "}";
        final Command command = new Command();
        new io.ledgerguard.json.CommandLineParser(config).parse(unsigned, command);
        final String signed = unsigned.substring(0, unsigned.length() - 1) + ",\"approvals\":[" +
            "{\"keyId\":\"op-1\",\"signature\":\"" +
            base64(io.ledgerguard.core.approval.ApprovalVerifier.sign(command, config, one.getPrivate())) + "\"}," +
            "{\"keyId\":\"op-2\",\"signature\":\"" +
            base64(io.ledgerguard.core.approval.ApprovalVerifier.sign(command, config, two.getPrivate())) + "\"}]}";
        final HttpResponse<String> alone = post("/commands", unsigned);
        assertEquals(401, alone.statusCode(), alone.body());
        final HttpResponse<String> tampered = post("/commands", signed.replace(":1000}", ":1000000}"));
        assertEquals(401, tampered.statusCode(), tampered.body());
        final HttpResponse<String> accepted = post("/commands", signed);
        assertEquals(200, accepted.statusCode(), accepted.body());
        assertEquals("ACCEPTED", JSON.readTree(accepted.body()).get("status").asText(), accepted.body());
        assertEquals(1_000, sidecar.guard().rulesInForce().rules.assetByCode("BTC").outflowMinorUnitsMax);
        assertEquals(1, sidecar.guard().rulesInForce().changes);
    }

    /**
     * Start the sidecar again on the example configuration with two operators' keys, both needed for one class.
     */
    private io.ledgerguard.core.GuardConfig restartWithTwoApprovers(final String approvalClass,
        final java.security.KeyPair one, final java.security.KeyPair two) throws Exception
    {
        final String yaml = java.nio.file.Files.readString(Path.of("..", "examples", "config.yaml")) +
            "\nkeys:\n  - { id: op-1, publicKey: \"" + base64(one.getPublic().getEncoded()) + "\" }\n" +
            "  - { id: op-2, publicKey: \"" + base64(two.getPublic().getEncoded()) + "\" }\n" +
            "approvals:\n  " + approvalClass + ": { required: 2, keys: [op-1, op-2] }\n";
        final io.ledgerguard.core.GuardConfig config = ConfigLoader.parse(yaml);
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        sidecar = Sidecar.start(config, new JournalSettings(), null, null, settings,
            new InetSocketAddress("127.0.0.1", 0), new PrintWriter(new StringWriter()));
        client = new GatewayClient(sidecar.server().tcpAddress(), "admin-test");
        return config;
    }

    private HttpResponse<String> post(final String path, final String body) throws Exception
    {
        return http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static String base64(final byte[] bytes)
    {
        return java.util.Base64.getEncoder().encodeToString(bytes);
    }

    private void submit(final Command command) throws Exception
    {
        assertTrue(client.submit(command).reason != null);
    }

    private static Command attest(final long txId, final long wallet, final long balance, final int asset)
    {
        final Command c = new Command();
        c.type = CommandType.ATTEST;
        c.txId = txId;
        c.walletId = wallet;
        c.assetId = asset;
        c.amount = balance;
        return c;
    }

    private HttpResponse<String> get(final String path) throws Exception
    {
        return http.send(request(path), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<java.io.InputStream> openStream(final String token) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(uri("/alerts/stream")).GET();
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private HttpResponse<String> get(final String path, final String token) throws Exception
    {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Authorization", "Bearer " + token).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest request(final String path)
    {
        return HttpRequest.newBuilder(uri(path)).GET().build();
    }

    private URI uri(final String path)
    {
        final InetSocketAddress admin = sidecar.admin().address();
        return URI.create("http://127.0.0.1:" + admin.getPort() + path);
    }
}
