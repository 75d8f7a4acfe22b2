package io.ledgerguard.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.config.AdminSettings;
import io.ledgerguard.core.Alert;
import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.ApprovalFault;
import io.ledgerguard.core.AssetCounters;
import io.ledgerguard.core.AssetStatus;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.KillSwitchCause;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;
import io.ledgerguard.core.StateView;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.json.AlertPublisher;
import io.ledgerguard.json.CommandLineParser;
import io.ledgerguard.json.MalformedCommandException;

/**
 * Admin and observability over HTTP (loopback by default), read-only: {@code GET /health} (liveness),
 * {@code GET /ready} (recovered and serving), {@code GET /status} (per asset: obligations, holdings, headroom,
 * coverage, status, every wallet's figures and attestation age; the kill switches in force and the frozen accounts'
 * count), {@code GET /accounts/{id}} (status and positions), {@code GET /alerts} (the latest alerts) and
 * {@code GET /alerts/stream} (server-sent events; a subscriber that leaves a write unread past the deadline is
 * dropped), all JSON, and {@code GET /metrics} in the Prometheus text format.
 * It listens to the gateway's answers and the alert dispatcher. One endpoint changes something,
 * {@code POST /commands}: an operator's privileged command (ADJUST, REVERSE, FREEZE, UNFREEZE, HALT, RESUME) as a
 * command file line, which must carry the approvals of its class (FREEZE and HALT those of LIFT, which the guard
 * alone would take unsigned). Without keys for the class, or without enough valid approvals, it is refused before it
 * reaches the guard; nothing over HTTP changes anything unauthenticated.
 */
public final class AdminServer implements AutoCloseable, AlertListener, GatewayServer.Observer
{
    private static final Logger LOGGER = LoggerFactory.getLogger(AdminServer.class);
    private static final int RECENT_ALERTS = 1_000;
    private static final long STATE_READ_TIMEOUT_MS = 1_000;
    private static final int STREAMS_MAX = 16;
    /** With tokens configured, alert streams one token may hold at once: one holder cannot take every slot. */
    private static final int STREAMS_PER_TOKEN = 4;
    private static final int STREAM_QUEUE = 1_000;
    /** The watchdog looks at the alert streams this many times per deadline: a drop comes at most a quarter late. */
    private static final int STREAM_WATCHES_PER_DEADLINE = 4;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LedgerGuard guard;
    private final GatewayServer gateway;
    private final HttpServer http;
    private final ExecutorService executor;
    /** Alert streams hold a thread each: their own, so that they never take the probes' or the commands'. */
    private final ExecutorService streamThreads;
    private final Semaphore streamSlots = new Semaphore(STREAMS_MAX);
    /** Closes the alert streams whose subscribers do not read: their threads are blocked in a write. */
    private final ScheduledExecutorService streamWatchdog;
    private final long streamDeadlineNs;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter decisions;
    private final Counter refusals;
    /** One data point per reason, made once: the release thread must not allocate a label array per decision. */
    private final CounterDataPoint[] decisionsByReason = new CounterDataPoint[Reason.values().length];
    private final Counter alertsCounter;
    private final Counter streamsDropped;
    private final Histogram latency;
    private final Deque<String> recentAlerts = new ArrayDeque<>();
    private final List<AlertStream> streams = new CopyOnWriteArrayList<>();
    private final AtomicLong streamDrops = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger>
        streamsByToken = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean ready;
    private final AdminSettings adminSettings;
    private final ApprovalVerifier verifier;
    private final CommandLineParser parser;
    private final DashboardPages dashboard = new DashboardPages();
    /** Per wallet id, its last {@code CUSTODY_DRIFT} (SPEC §5.2) since this server started, for {@code /status}. */
    private final java.util.concurrent.ConcurrentHashMap<Long, Map<String, Object>> lastDrifts =
        new java.util.concurrent.ConcurrentHashMap<>();
    private static final int COMMAND_BYTES_MAX = 64 * 1024;
    private static final Set<CommandType> HTTP_COMMANDS = EnumSet.of(
        CommandType.ADJUST, CommandType.REVERSE,
        CommandType.FREEZE, CommandType.UNFREEZE,
        CommandType.HALT, CommandType.RESUME,
        CommandType.CONFIGURE);

    private AdminServer(final InetSocketAddress address, final LedgerGuard guard, final GatewayServer gateway,
        final AdminSettings adminSettings) throws IOException
    {
        this.adminSettings = adminSettings;
        this.guard = guard;
        this.gateway = gateway;
        this.verifier = new ApprovalVerifier(guard::rulesInForce);
        this.parser = new CommandLineParser(() -> guard.rulesInForce().rules);
        decisions = Counter.builder().name("ledger_guard_decisions_total")
            .help("Requests answered by the gateway, by reason").labelNames("reason").register(registry);
        alertsCounter = Counter.builder().name("ledger_guard_alerts_total")
            .help("Alerts raised, by type").labelNames("type").register(registry);
        refusals = Counter.builder().name("ledger_guard_http_refusals_total")
            .help("Requests over HTTP refused before the guard, by fault (an approval fault, or TOKEN_MISSING, " +
                "TOKEN_UNKNOWN, TOKEN_ROLE)").labelNames("fault").register(registry);
        for (final Reason reason : Reason.values())
        {
            decisionsByReason[reason.ordinal()] = decisions.labelValues(reason.name());
        }
        streamsDropped = Counter.builder().name("ledger_guard_alert_streams_dropped_total")
            .help("Alert streams closed because a write to them was still pending at the deadline: their subscriber " +
                "did not read").register(registry);
        GaugeWithCallback.builder().name("ledger_guard_alert_streams").help("Alert streams open, of " + STREAMS_MAX)
            .callback(cb -> cb.call(STREAMS_MAX - streamSlots.availablePermits())).register(registry);
        latency = Histogram.builder().name("ledger_guard_decision_latency_seconds")
            .help("From a request's last offer to the guard to its decision, in the gateway").classicOnly()
            .withoutExemplars()
            .classicUpperBounds(5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 1e-1, 1.0)
            .register(registry);
        registerGauges(guard, gateway);
        http = HttpServer.create(address, 16);
        executor = Executors.newFixedThreadPool(4, runnable ->
        {
            final Thread thread = new Thread(runnable, "ledger-guard-admin");
            thread.setDaemon(true);
            return thread;
        });
        streamThreads = Executors.newCachedThreadPool(runnable ->
        {
            final Thread thread = new Thread(runnable, "ledger-guard-alert-stream");
            thread.setDaemon(true);
            return thread;
        });
        http.setExecutor(executor);
        createContexts(guard);
        final long deadlineMs = adminSettings.alertStreamDeadlineMs();
        streamDeadlineNs = TimeUnit.MILLISECONDS.toNanos(deadlineMs);
        streamWatchdog = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "ledger-guard-alert-stream-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        final long periodMs = Math.max(1, deadlineMs / STREAM_WATCHES_PER_DEADLINE);
        streamWatchdog.scheduleAtFixedRate(this::watchStreams, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /**
     * SPEC §11: per table, its entries, its limit, and whether it is past 80% of it (a {@code CAPACITY_WARNING} raised)
     * or full. Read between two commands, as {@code /ready} reads them.
     */
    private void registerTableGauges(final LedgerGuard guard)
    {
        final StateView view = guard.newStateView();
        GaugeWithCallback.builder().name("ledger_guard_table_entries").help("Entries in each of the guard's tables")
            .labelNames("table")
            .callback(cb -> forEachTable(view, table -> cb.call(view.tableSizes[table.ordinal()], table.name())))
            .register(registry);
        GaugeWithCallback.builder().name("ledger_guard_table_limit")
            .help("Each table's limit for ordinary commands (limits.*Max)").labelNames("table")
            .callback(cb -> forEachTable(view, table -> cb.call(view.tableLimits[table.ordinal()], table.name())))
            .register(registry);
        GaugeWithCallback.builder().name("ledger_guard_table_capacity_warning")
            .help("1 while a table is past 80% of its limit (a CAPACITY_WARNING was raised)").labelNames("table")
            .callback(cb -> forEachTable(view, table ->
                cb.call(view.tableWarned[table.ordinal()] ? 1 : 0, table.name())))
            .register(registry);
        GaugeWithCallback.builder().name("ledger_guard_table_full")
            .help("1 while a table is full: ordinary commands are refused CAPACITY_EXHAUSTED").labelNames("table")
            .callback(cb -> forEachTable(view, table -> cb.call(view.tableFull(table) ? 1 : 0, table.name())))
            .register(registry);
    }

    /**
     * Visit every table once the view holds a consistent reading; nothing when none is to be had.
     */
    private void forEachTable(final StateView view, final java.util.function.Consumer<TableKind> visitor)
    {
        synchronized (view)
        {
            if (guard.failure() != null || !guard.readState(view, STATE_READ_TIMEOUT_MS))
            {
                return;
            }
            for (final TableKind table : TableKind.values())
            {
                visitor.accept(table);
            }
        }
    }

    private void registerGauges(final LedgerGuard guard, final GatewayServer gateway)
    {
        GaugeWithCallback.builder().name("ledger_guard_ring_free_slots").help("Free slots in the guard's ring")
            .callback(cb -> cb.call(guard.remainingCapacity())).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_ring_slots").help("Slots in the guard's ring")
            .callback(cb -> cb.call(guard.ringSize())).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_journal_lag_commands")
            .help("Commands the guard decided that the journal has not yet written")
            .callback(cb -> cb.call(guard.journalLag())).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_sequenced").help("Commands sequenced since start")
            .callback(cb -> cb.call(guard.sequenced())).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_connections").help("Gateway connections open")
            .callback(cb -> cb.call(gateway.connectionsOpen())).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_error_frames").help("Error frames sent since start")
            .callback(cb -> cb.call(gateway.errorFrames())).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_slow_disconnects")
            .help("Connections closed for leaving their answers unread")
            .callback(cb -> cb.call(gateway.slowDisconnects())).register(registry);
        registerClientCounters(gateway);
        registerTableGauges(guard);
        registerKillSwitchGauges(guard);
        for (final String figure : List.of("obligations", "holdings", "headroom", "coverage_bps"))
        {
            GaugeWithCallback.builder().name("ledger_guard_asset_" + figure)
                .help("Per asset " + figure.replace('_', ' ') + ", minor units (coverage in basis points)")
                .labelNames("asset")
                .callback(cb -> forEachAsset((code, snapshot) -> cb.call(figureOf(figure, snapshot), code)))
                .register(registry);
        }
    }

    /**
     * SPEC §5: what the alerting rules watch (ops/prometheus): each asset's status and the age of its oldest wallet
     * attestation against its limit, every wallet's kill switch, the kill switch for everything, and readiness. The
     * wallets and switches come from one consistent reading of the state per scrape; when none can be had (the guard
     * failed or is stopped mid-command) they are left out, and {@code ledger_guard_ready} says 0.
     */
    private void registerKillSwitchGauges(final LedgerGuard guard)
    {
        final StateView view = guard.newStateView();
        GaugeWithCallback.builder().name("ledger_guard_ready")
            .help("1 when the guard serves (recovered, journal writable, no table full), else 0")
            .callback(cb -> cb.call(ready ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_asset_status")
            .help("Per asset status: 0 normal, 1 restricted, 2 halted").labelNames("asset")
            .callback(cb -> forEachAsset((code, snapshot) -> cb.call(snapshot.status.code(), code)))
            .register(registry);
        GaugeWithCallback.builder().name("ledger_guard_kill_switch_all")
            .help("1 while the kill switch for everything (a HALT of scope ALL) is engaged")
            .callback(cb -> withState(view, () -> cb.call(view.haltedAll ? 1 : 0))).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_wallet_halted")
            .help("Per wallet, 1 while its own kill switch is engaged").labelNames("wallet", "asset")
            .callback(cb -> withState(view, () ->
            {
                for (int w = 0; w < view.walletCount; w++)
                {
                    if (!view.walletRetired[w])
                    {
                        cb.call(view.walletHalted[w] ? 1 : 0, Long.toString(view.walletIds[w]),
                            view.assetCodes[view.walletAssetIndex[w]]);
                    }
                }
            })).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_asset_attestation_age_seconds")
            .help("Per asset, the age of its oldest wallet attestation (I5); +Inf while a wallet was never attested")
            .labelNames("asset")
            .callback(cb -> withState(view, () ->
            {
                final long nowMs = System.currentTimeMillis();
                for (int a = 0; a < view.assetCount; a++)
                {
                    final long oldestMs = oldestAttestedAtMs(view, a);
                    if (!view.assetRetired[a] && oldestMs != Long.MAX_VALUE)
                    {
                        cb.call(oldestMs == Long.MIN_VALUE ? Double.POSITIVE_INFINITY : (nowMs - oldestMs) / 1000.0,
                            view.assetCodes[a]);
                    }
                }
            })).register(registry);
        GaugeWithCallback.builder().name("ledger_guard_asset_attestation_age_max_seconds")
            .help("Per asset, the attestation age past which it is restricted (attestationAgeMsMax, I5)")
            .labelNames("asset")
            .callback(cb ->
            {
                for (final GuardConfig.AssetConfig asset : guard.rulesInForce().rules.assets())
                {
                    if (!asset.retired)
                    {
                        cb.call(asset.attestationAgeMsMax / 1000.0, asset.code);
                    }
                }
            }).register(registry);
    }

    /**
     * Run with one consistent reading of the state in the view, one scrape at a time; not at all when none can be had
     * in time (the guard failed or is stopped mid-command).
     */
    private void withState(final StateView view, final Runnable reader)
    {
        synchronized (view)
        {
            if (guard.failure() == null && guard.readState(view, STATE_READ_TIMEOUT_MS))
            {
                reader.run();
            }
        }
    }

    /**
     * SPEC §12: who proved a key, who failed to, and which client sent commands its role does not allow.
     */
    private void registerClientCounters(final GatewayServer gateway)
    {
        CounterWithCallback.builder().name("ledger_guard_gateway_authentications_total")
            .help("Handshakes in which a client proved its key")
            .callback(cb -> cb.call(gateway.authentications())).register(registry);
        CounterWithCallback.builder().name("ledger_guard_gateway_authentication_failures_total")
            .help("Handshakes in which a client failed to prove its key")
            .callback(cb -> cb.call(gateway.authenticationFailures())).register(registry);
        CounterWithCallback.builder().name("ledger_guard_gateway_role_refusals_total")
            .help("Commands refused NOT_IN_ROLE before sequencing, by client").labelNames("client")
            .callback(cb ->
            {
                // Connections that proved no key, open before the rules named clients (SPEC §13).
                cb.call(gateway.roleRefusalsWithoutKey(), "(no key)");
                for (final io.ledgerguard.config.ClientSettings.Client client : gateway.clients().clients())
                {
                    cb.call(gateway.roleRefusals(client), client.id());
                }
            }).register(registry);
    }

    private void createContexts(final LedgerGuard guard)
    {
        http.createContext("/health", exchange ->
        {
            if (allowed(exchange, "/health", null, false))
            {
                json(exchange, guard.failure() == null ? 200 : 503, guard.failure() == null ? Map.of("status", "UP") :
                    Map.of("status", "DOWN", "failure", String.valueOf(guard.failure())));
            }
        });
        http.createContext("/ready", exchange ->
        {
            if (allowed(exchange, "/ready", null, false))
            {
                readiness(exchange);
            }
        });
        http.createContext("/status", exchange ->
        {
            if (allowed(exchange, "/status", AdminSettings.Role.VIEWER, false))
            {
                json(exchange, 200, status());
            }
        });
        http.createContext("/accounts/", exchange ->
        {
            if (allowed(exchange, "/accounts/", AdminSettings.Role.AUDITOR, true))
            {
                account(exchange);
            }
        });
        // The stream's request is handed to a thread of its own at once.
        http.createContext("/alerts/stream", exchange ->
        {
            if (!allowed(exchange, "/alerts/stream", AdminSettings.Role.VIEWER, false))
            {
                return;
            }
            final String token = tokenName(exchange);
            streamThreads.execute(() ->
            {
                try
                {
                    stream(exchange, token);
                }
                catch (final IOException ex)
                {
                    exchange.close();
                }
            });
        });
        http.createContext("/alerts", exchange ->
        {
            if (!allowed(exchange, "/alerts", AdminSettings.Role.VIEWER, false))
            {
                return;
            }
            final List<Object> alerts = new ArrayList<>();
            synchronized (recentAlerts)
            {
                for (final String alert : recentAlerts)
                {
                    alerts.add(JSON.readTree(alert));
                }
            }
            json(exchange, 200, Map.of("alerts", alerts));
        });
        http.createContext("/commands", this::command);
        // The dashboard's page and files, and a 404 naming the path for anything no other context takes.
        http.createContext("/", exchange ->
        {
            final String path = exchange.getRequestURI().getRawPath();
            if (!dashboard.serves(path))
            {
                json(exchange, 404, Map.of("error", "no such endpoint: " + path));
            }
            else if (get(exchange))
            {
                dashboard.serve(exchange, path);
            }
        });
        http.createContext("/metrics", exchange ->
        {
            if (!get(exchange) || !allowed(exchange, "/metrics", AdminSettings.Role.VIEWER, false))
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
        });
    }

    /**
     * Listen.
     *
     * @param address where (loopback by default in {@code serve}).
     * @param guard   the pipeline, whose rules in force name the assets.
     * @param gateway the gateway, whose answers are counted from now on.
     * @return the running server; call {@link #ready()} once the guard serves.
     * @throws IOException when the address cannot be bound.
     */
    public static AdminServer start(final InetSocketAddress address, final LedgerGuard guard,
        final GatewayServer gateway) throws IOException
    {
        return start(address, guard, gateway, AdminSettings.none());
    }

    /**
     * Start the server with bearer tokens for its read endpoints (issue 14): {@code /health} and {@code /ready} are
     * open, {@code /status}, {@code /metrics} and {@code /alerts} need a viewer's token, {@code /accounts/{id}} an
     * auditor's. Without tokens every endpoint is open, so the server may then listen on loopback only.
     *
     * @param address       where to listen.
     * @param guard         the guard it reports on.
     * @param gateway       the gateway it reports on.
     * @param adminSettings the tokens.
     * @return the running server.
     * @throws IOException              when the address cannot be bound.
     * @throws IllegalArgumentException when the address is not loopback and there are no tokens.
     */
    public static AdminServer start(final InetSocketAddress address, final LedgerGuard guard,
        final GatewayServer gateway, final AdminSettings adminSettings) throws IOException
    {
        if (adminSettings.tokens().isEmpty() && !address.getAddress().isLoopbackAddress())
        {
            throw new IllegalArgumentException(openBeyondLoopback(address));
        }
        final AdminServer server = new AdminServer(address, guard, gateway, adminSettings);
        gateway.observer(server);
        server.http.start();
        return server;
    }

    /**
     * Report ready: recovered and serving.
     */
    public void ready()
    {
        ready = true;
    }

    /**
     * @return the address it listens on.
     */
    public InetSocketAddress address()
    {
        return http.getAddress();
    }

    @Override
    public void onAnswered(final Reason reason, final long latencyNs)
    {
        decisionsByReason[reason.ordinal()].inc();
        latency.observe(latencyNs / 1e9);
    }

    /**
     * Alert dispatcher thread: keep it, count it, and pass it to every stream.
     */
    @Override
    public void onAlert(final Alert alert)
    {
        alertsCounter.labelValues(alert.type.name()).inc();
        if (alert.type == io.ledgerguard.core.AlertType.CUSTODY_DRIFT)
        {
            final Map<String, Object> drift = new LinkedHashMap<>();
            drift.put("seq", alert.seq);
            drift.put("atMs", Math.floorDiv(alert.timestampNs, 1_000_000L));
            drift.put("attested", alert.figure(0));
            drift.put("expected", alert.figure(1));
            drift.put("tolerance", alert.figure(2));
            lastDrifts.put(alert.walletId, drift);
        }
        final String json;
        try
        {
            final StringWriter line = new StringWriter();
            final AlertPublisher publisher = new AlertPublisher(line, () -> guard.rulesInForce().rules);
            publisher.onAlert(alert);
            publisher.flush();
            json = line.toString().strip();
        }
        catch (final IOException ex)
        {
            return;
        }
        synchronized (recentAlerts)
        {
            recentAlerts.addLast(json);
            if (recentAlerts.size() > RECENT_ALERTS)
            {
                recentAlerts.removeFirst();
            }
        }
        for (final AlertStream stream : streams)
        {
            if (!stream.queue.offer(json))
            {
                streamDrops.incrementAndGet();
            }
        }
    }

    private void stream(final HttpExchange exchange, final String token) throws IOException
    {
        if (!get(exchange))
        {
            return;
        }
        final java.util.concurrent.atomic.AtomicInteger held = token == null ? null :
            streamsByToken.computeIfAbsent(token, name -> new java.util.concurrent.atomic.AtomicInteger());
        if (held != null && held.incrementAndGet() > STREAMS_PER_TOKEN)
        {
            held.decrementAndGet();
            json(exchange, 503, Map.of("error", "too many alert streams for token '" + token + "': " +
                STREAMS_PER_TOKEN));
            return;
        }
        if (!streamSlots.tryAcquire())
        {
            if (held != null)
            {
                held.decrementAndGet();
            }
            json(exchange, 503, Map.of("error", "too many alert streams: " + STREAMS_MAX));
            return;
        }
        final AlertStream stream = new AlertStream(token == null ? "open" : token, exchange.getRemoteAddress(),
            Thread.currentThread());
        final OutputStream out = exchange.getResponseBody();
        try
        {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            streams.add(stream);
            stream.writeStarted(System.nanoTime());
            exchange.sendResponseHeaders(200, 0);
            out.write(": ledger-guard alerts\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            stream.writeDone();
            while (!Thread.currentThread().isInterrupted())
            {
                final String alert = stream.queue.poll(15, TimeUnit.SECONDS);
                // A comment line every 15 s keeps proxies from closing an idle stream and finds a gone client.
                final byte[] event = (alert == null ? ": keep-alive\n\n" : "event: alert\ndata: " + alert + "\n\n")
                    .getBytes(StandardCharsets.UTF_8);
                stream.writeStarted(System.nanoTime());
                out.write(event);
                out.flush();
                stream.writeDone();
            }
        }
        catch (final InterruptedException ex)
        {
            // Dropped, or the server stops: the interrupt is kept, so that closing the response touches the socket only
            // to close it (a channel closes when an interrupted thread uses it) and cannot block on a subscriber that
            // does not read.
            Thread.currentThread().interrupt();
        }
        catch (final IOException ex)
        {
            // The client went away, the watchdog dropped the stream, or the server stops.
        }
        finally
        {
            // Closing the response writes its last chunk: a write like the others, watched until it returns.
            stream.writeStarted(System.nanoTime());
            exchange.close();
            stream.end();
            streams.remove(stream);
            streamSlots.release();
            if (held != null)
            {
                held.decrementAndGet();
            }
            // A drop's interrupt ends with this stream: the next task on this pooled thread is another subscriber's.
            Thread.interrupted();
        }
    }

    /**
     * The watchdog's thread: drop every alert stream with a write pending past the deadline, and free its slot.
     */
    private void watchStreams()
    {
        try
        {
            final long nowNs = System.nanoTime();
            for (final AlertStream stream : streams)
            {
                if (stream.overdue(nowNs, streamDeadlineNs) && stream.drop())
                {
                    streamsDropped.inc();
                    LOGGER.warn("admin: alert stream dropped, its subscriber does not read: token={}, peer={}, " +
                        "a write pending past alertStreamDeadlineMs={}, alertsQueued={}", stream.holder, stream.peer,
                        adminSettings.alertStreamDeadlineMs(), stream.queue.size());
                }
            }
        }
        catch (final RuntimeException ex)
        {
            // A scheduled task that throws is never run again: the watchdog logs and keeps watching.
            LOGGER.error("admin: the alert stream watchdog failed", ex);
        }
    }

    /**
     * One subscriber of {@code /alerts/stream}: its queue, whose it is, and whether a write to it is pending and since
     * when. The stream's own thread writes; the watchdog reads, and drops the stream once a write is pending past the
     * deadline, since a subscriber that does not read leaves its writer blocked in the socket for good.
     */
    private static final class AlertStream
    {
        private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(STREAM_QUEUE);
        /** The token's name, or "open" without tokens. */
        private final String holder;
        private final InetSocketAddress peer;
        private final Thread writer;
        /** Written before {@link #writing} is set, so a watchdog that sees a write pending sees when it started. */
        private volatile long writeStartedNs;
        private volatile boolean writing;
        /** Guarded by this: once ended, the writer's thread may serve another stream and is never interrupted. */
        private boolean ended;
        private boolean dropped;

        AlertStream(final String holder, final InetSocketAddress peer, final Thread writer)
        {
            this.holder = holder;
            this.peer = peer;
            this.writer = writer;
        }

        /**
         * The writer's thread, before a write and its flush.
         */
        void writeStarted(final long nowNs)
        {
            writeStartedNs = nowNs;
            writing = true;
        }

        /**
         * The writer's thread, once the write and its flush returned.
         */
        void writeDone()
        {
            writing = false;
        }

        /**
         * @return true when a write has been pending for longer than the deadline.
         */
        boolean overdue(final long nowNs, final long deadlineNs)
        {
            return writing && writeStartedNs + deadlineNs - nowNs < 0;
        }

        /**
         * The watchdog's thread: end the stream. The response body writes to a blocking socket channel under a lock
         * the blocked writer holds, so closing the exchange from here would block too; interrupting the writer
         * closes the channel instead (an interruptible channel), and its write ends with an exception.
         *
         * @return true when this call dropped it; false when it had ended or was dropped already.
         */
        synchronized boolean drop()
        {
            if (ended || dropped)
            {
                return false;
            }
            dropped = true;
            writer.interrupt();
            return true;
        }

        /**
         * The writer's thread, before it gives back the stream's slot.
         */
        synchronized void end()
        {
            ended = true;
        }
    }

    /**
     * {@code POST /commands}: one signed command file line; answered with its decision.
     */
    private void command(final HttpExchange exchange) throws IOException
    {
        if (!"POST".equals(exchange.getRequestMethod()))
        {
            exchange.getResponseHeaders().set("Allow", "POST");
            exchange.sendResponseHeaders(405, -1);
            exchange.close();
            return;
        }
        final byte[] body = exchange.getRequestBody().readNBytes(COMMAND_BYTES_MAX + 1);
        if (body.length > COMMAND_BYTES_MAX)
        {
            reply(exchange, 413, Map.of("error", "a command line is at most " + COMMAND_BYTES_MAX + " bytes"));
            return;
        }
        final Command command = new Command();
        try
        {
            synchronized (parser)
            {
                parser.parse(new String(body, StandardCharsets.UTF_8).strip(), command);
            }
        }
        catch (final MalformedCommandException ex)
        {
            reply(exchange, 400, Map.of("error", ex.getMessage()));
            return;
        }
        if (!HTTP_COMMANDS.contains(command.type))
        {
            reply(exchange, 400, Map.of("error", "only ADJUST, REVERSE, FREEZE, UNFREEZE, HALT, RESUME and CONFIGURE " +
                "are taken over HTTP; " + command.type + " goes through the gateway's protocol"));
            return;
        }
        // The rules in force now: a change may have replaced the approvers or the validity since start-up.
        final GuardConfig rules = guard.rulesInForce().rules;
        if (command.type == CommandType.CONFIGURE)
        {
            final String problem = Rules.problem(rules, command.settingsString());
            if (problem != null)
            {
                reply(exchange, 400, Map.of("error", "settings." + problem));
                return;
            }
        }
        final ApprovalClass approvalClass = command.type == CommandType.FREEZE || command.type == CommandType.HALT ?
            ApprovalClass.LIFT : ApprovalClass.of(command.type);
        final int required = rules.approvalsRequired(approvalClass);
        if (required == 0)
        {
            reply(exchange, 403, Map.of("error", "approvals." + approvalClass + " names no keys: a command over HTTP " +
                "needs signed approvals, so this configuration takes none"));
            return;
        }
        verifier.verifyAs(command, approvalClass);
        if (authorised(exchange, command, required, rules.approvalValidityMsMax()))
        {
            submit(exchange, command);
        }
    }

    /**
     * @return true when the command carries enough valid approvals and an expiry in range; otherwise it is refused
     * (401), logged and counted, and false.
     */
    private boolean authorised(final HttpExchange exchange, final Command command, final int required,
        final long validityMsMax) throws IOException
    {
        final long nowMs = System.currentTimeMillis();
        final boolean expiryOk = command.expiresAtMs > nowMs && command.expiresAtMs - nowMs <= validityMsMax;
        if (command.approvalsVerified < required || !expiryOk)
        {
            final ApprovalFault fault = !expiryOk ?
                (command.expiresAtMs == 0 ? ApprovalFault.EXPIRY_MISSING :
                    command.expiresAtMs <= nowMs ? ApprovalFault.EXPIRED :
                        ApprovalFault.EXPIRY_TOO_FAR) :
                command.approvalFault != 0 ? ApprovalFault.fromCode(command.approvalFault) :
                    command.approvalCount == 0 ? ApprovalFault.MISSING :
                        ApprovalFault.TOO_FEW;
            LOGGER.warn("refused an unauthorised {} txId={}: {} ({} of {})", command.type, command.txId, fault,
                command.approvalsVerified, required);
            refusals.labelValues(String.valueOf(fault)).inc();
            final Map<String, Object> refusal = new LinkedHashMap<>();
            refusal.put("error", "unauthorized");
            refusal.put("fault", String.valueOf(fault));
            refusal.put("required", required);
            refusal.put("verified", command.approvalsVerified);
            reply(exchange, 401, refusal);
            return false;
        }
        return true;
    }

    /**
     * Submit an authorised command and answer with its decision, or with why it was not sequenced.
     */
    private void submit(final HttpExchange exchange, final Command command) throws IOException
    {
        Decision decision = guard.submit(command);
        // A full ring is a moment: an operator's command waits a little for room rather than fail.
        for (int i = 0; i < 100 && decision.reason == Reason.RING_FULL; i++)
        {
            try
            {
                Thread.sleep(10);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
            decision = guard.submit(command);
        }
        if (decision.seq == 0)
        {
            // Not sequenced: nothing was decided (RING_FULL, GUARD_CLOSED), or the outcome is unknown until recovery
            // (GUARD_FAILED). Never "rejected": resubmit with the same txId, and idempotency answers.
            final Map<String, Object> unknown = new LinkedHashMap<>();
            unknown.put("status", decision.reason == Reason.GUARD_FAILED ? "UNKNOWN" : "NOT_SEQUENCED");
            unknown.put("reason", decision.reason.name());
            unknown.put("txId", command.txId);
            unknown.put("retry", "resubmit the same line (same txId): idempotency answers with its decision");
            exchange.getResponseHeaders().set("Retry-After", "1");
            reply(exchange, 503, unknown);
            return;
        }
        final Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("seq", decision.seq);
        answer.put("txId", decision.txId);
        answer.put("status", decision.accepted() ? "ACCEPTED" : "REJECTED");
        answer.put("reason", decision.reason.name());
        answer.put("code", decision.reason.code());
        answer.put("duplicate", decision.duplicate);
        answer.put("alerts", decision.alertCount);
        reply(exchange, 200, answer);
    }

    private static void reply(final HttpExchange exchange, final int status, final Object body) throws IOException
    {
        final byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    /**
     * @return why the admin server may not listen there without tokens.
     */
    public static String openBeyondLoopback(final InetSocketAddress address)
    {
        return "--admin-listen " + address.getHostString() + ":" + address.getPort() + " is not a loopback " +
            "address and the configuration has no admin.tokens: every balance would be open to the network; " +
            "configure tokens (admin: tokens: [{name, role: viewer|auditor, sha256}]) or listen on 127.0.0.1";
    }

    /**
     * @return the name of the token the request carries, {@code null} without tokens configured (or without one).
     */
    private String tokenName(final HttpExchange exchange)
    {
        final AdminSettings.Token token = BearerTokens.find(adminSettings, exchange);
        return token == null ? null : token.name();
    }

    /**
     * The path is exactly the endpoint's ({@code /status%00} is not {@code /status}), and with tokens configured the
     * request carries one whose role may read it.
     *
     * @param needed the role needed, or {@code null} for an open endpoint.
     * @param prefix true when the endpoint takes a path parameter after {@code path}.
     * @return true when the request may be served; otherwise it was answered 404, 401 or 403.
     */
    private boolean allowed(
        final HttpExchange exchange, final String path, final AdminSettings.Role needed, final boolean prefix)
        throws IOException
    {
        final String raw = exchange.getRequestURI().getRawPath();
        if (prefix ? !raw.startsWith(path) : !raw.equals(path))
        {
            json(exchange, 404, Map.of("error", "no such endpoint: " + raw));
            return false;
        }
        if (needed == null)
        {
            return true;
        }
        return BearerTokens.check(adminSettings, exchange, path, needed, LOGGER, "admin",
            fault -> refusals.labelValues(fault.name()).inc(), AdminServer::json) == null;
    }

    /**
     * {@code GET /ready}: recovered, serving, and room in every table (SPEC §11): with a table full, ordinary commands
     * are refused {@code CAPACITY_EXHAUSTED}, and the answer names the table and its limit.
     */
    private void readiness(final HttpExchange exchange) throws IOException
    {
        final Map<String, Object> answer = new LinkedHashMap<>();
        final List<String> notReady = new ArrayList<>();
        if (!ready)
        {
            notReady.add("not recovered yet");
        }
        if (guard.failure() != null)
        {
            notReady.add("the guard failed: " + guard.failure());
        }
        final StateView view = guard.newStateView();
        if (guard.failure() == null && !guard.readState(view, STATE_READ_TIMEOUT_MS))
        {
            notReady.add("no consistent reading of the guard's state within " + STATE_READ_TIMEOUT_MS + " ms");
        }
        final List<String> fullTables = new ArrayList<>();
        for (final TableKind table : TableKind.values())
        {
            if (view.tableFull(table))
            {
                fullTables.add(table.name());
                notReady.add("table " + table.name() + " is full: " + view.tableSizes[table.ordinal()] +
                    " entries, limits." + table.limitKey() + "=" + view.tableLimits[table.ordinal()] +
                    "; ordinary commands are refused CAPACITY_EXHAUSTED until entries expire or the limit is raised");
            }
        }
        answer.put("ready", notReady.isEmpty());
        answer.put("sequenced", guard.sequenced());
        if (!notReady.isEmpty())
        {
            answer.put("fullTables", fullTables);
            answer.put("why", notReady);
        }
        json(exchange, notReady.isEmpty() ? 200 : 503, answer);
    }

    private Map<String, Object> status()
    {
        final StateView view = guard.newStateView();
        final boolean read = guard.readState(view, STATE_READ_TIMEOUT_MS);
        final long nowMs = System.currentTimeMillis();
        final List<Map<String, Object>> assets = new ArrayList<>();
        final List<String> assetsNotNormal = new ArrayList<>();
        forEachAsset((code, snapshot) ->
        {
            final Map<String, Object> asset = new LinkedHashMap<>();
            asset.put("asset", code);
            final GuardConfig.AssetConfig listed = guard.rulesInForce().rules.assetByCode(code);
            asset.put("scale", listed == null ? null : listed.scale);
            asset.put("obligations", snapshot.obligations);
            asset.put("holdings", snapshot.holdings);
            asset.put("held", snapshot.held);
            asset.put("headroom", snapshot.headroom());
            asset.put("coverageBps", snapshot.coverageBps());
            asset.put("status", snapshot.status.name());
            asset.put("asOfSeq", snapshot.seq);
            if (read)
            {
                final List<Map<String, Object>> wallets = new ArrayList<>();
                int index = -1;
                for (int w = 0; w < view.walletCount; w++)
                {
                    if (view.assetIds[view.walletAssetIndex[w]] == snapshot.assetId)
                    {
                        index = view.walletAssetIndex[w];
                        wallets.add(walletStatus(view, w, nowMs));
                    }
                }
                // The asset's attestation is as old as its oldest wallet's (SPEC §5.2), as the metric has it; null
                // when one never was, or it has no wallet in force.
                final long oldestMs = index < 0 ? Long.MAX_VALUE : oldestAttestedAtMs(view, index);
                asset.put("attestationAgeMs", oldestMs == Long.MAX_VALUE || oldestMs == Long.MIN_VALUE ? null :
                    nowMs - oldestMs);
                asset.put("wallets", wallets);
            }
            assets.add(asset);
            if (snapshot.status != AssetStatus.NORMAL)
            {
                assetsNotNormal.add(code + " " + snapshot.status.name());
            }
        });
        final Map<String, Object> killSwitches = new LinkedHashMap<>();
        killSwitches.put("assets", assetsNotNormal);
        if (read)
        {
            killSwitches.put("all", view.haltedAll);
            killSwitches.put("allSinceMs", view.haltedAll ? view.haltedAllSinceMs : null);
            final List<Map<String, Object>> wallets = new ArrayList<>();
            for (int w = 0; w < view.walletCount; w++)
            {
                if (view.walletHalted[w])
                {
                    final Map<String, Object> wallet = new LinkedHashMap<>();
                    wallet.put("walletId", view.walletIds[w]);
                    wallet.put("asset", view.assetCodes[view.walletAssetIndex[w]]);
                    wallet.put("sinceMs", view.walletHaltedSinceMs[w]);
                    wallets.add(wallet);
                }
            }
            killSwitches.put("wallets", wallets);
            killSwitches.put("frozenAccounts", view.frozenAccounts);
            killSwitches.put("engaged", engagedSwitches(view));
        }
        final Map<String, Object> status = new LinkedHashMap<>();
        status.put("ready", ready);
        status.put("sequenced", guard.sequenced());
        if (read)
        {
            status.put("asOfCommands", view.commandsApplied);
        }
        else
        {
            status.put("stateUnavailable", "no consistent reading of wallets and kill switches within " +
                STATE_READ_TIMEOUT_MS + " ms: the guard has failed or is stopped mid-command");
        }
        status.put("assets", assets);
        status.put("killSwitches", killSwitches);
        status.put("connections", gateway.connectionsOpen());
        status.put("journalLag", guard.journalLag());
        status.put("journal", journal());
        if (read)
        {
            status.put("tables", tables(view));
        }
        return status;
    }

    /**
     * I5: when the oldest attestation of an asset's wallets in force was taken (a retired wallet's no longer counts):
     * {@link Long#MIN_VALUE} when one was never attested, {@link Long#MAX_VALUE} when the asset has none in force.
     */
    private static long oldestAttestedAtMs(final StateView view, final int asset)
    {
        long oldestMs = Long.MAX_VALUE;
        for (int w = 0; w < view.walletCount; w++)
        {
            if (view.walletAssetIndex[w] == asset && !view.walletRetired[w])
            {
                oldestMs = Math.min(oldestMs, view.walletAttestedAtMs[w]);
            }
        }
        return oldestMs;
    }

    private Map<String, Object> walletStatus(final StateView view, final int w, final long nowMs)
    {
        final boolean attested = view.walletAttestedAtMs[w] != Long.MIN_VALUE;
        final Map<String, Object> wallet = new LinkedHashMap<>();
        wallet.put("walletId", view.walletIds[w]);
        wallet.put("kind", view.walletKinds[w].name());
        wallet.put("attested", view.walletAttested[w]);
        wallet.put("expected", view.walletExpected[w]);
        wallet.put("pendingWithdrawals", view.walletPending[w]);
        wallet.put("attestedAtMs", attested ? view.walletAttestedAtMs[w] : null);
        wallet.put("attestationAgeMs", attested ? nowMs - view.walletAttestedAtMs[w] : null);
        wallet.put("halted", view.walletHalted[w]);
        wallet.put("retired", view.walletRetired[w]);
        // The last custody drift seen, and whether the wallet's latest attestation is the one that drifted.
        final Map<String, Object> drift = lastDrifts.get(view.walletIds[w]);
        wallet.put("lastDrift", drift);
        wallet.put("driftAtLastAttestation", drift != null && attested &&
            (Long)drift.get("atMs") == view.walletAttestedAtMs[w]);
        return wallet;
    }

    /**
     * SPEC §5: every kill switch in force, widest first, each with its scope, cause, since when and what lifts it.
     * The wallets' and everything's switches are engaged by an operator's HALT alone.
     */
    private static List<Map<String, Object>> engagedSwitches(final StateView view)
    {
        final List<Map<String, Object>> engaged = new ArrayList<>();
        if (view.haltedAll)
        {
            engaged.add(engagedSwitch("ALL", null, null, KillSwitchCause.OPERATOR.code(), view.haltedAllSinceMs,
                "RESUME naming neither asset nor wallet"));
        }
        for (int a = 0; a < view.assetCount; a++)
        {
            final String code = view.assetCodes[a];
            if (view.assetHaltCause[a] != 0)
            {
                engaged.add(engagedSwitch("ASSET", code, null, view.assetHaltCause[a], view.assetHaltedSinceMs[a],
                    "RESUME of " + code));
            }
            if (view.assetOutflowsHaltCause[a] != 0)
            {
                engaged.add(engagedSwitch("ASSET_OUTFLOWS", code, null, view.assetOutflowsHaltCause[a],
                    view.assetOutflowsHaltedSinceMs[a], "RESUME of " + code));
            }
        }
        for (int w = 0; w < view.walletCount; w++)
        {
            if (view.walletHalted[w])
            {
                engaged.add(engagedSwitch("WALLET", view.assetCodes[view.walletAssetIndex[w]], view.walletIds[w],
                    KillSwitchCause.OPERATOR.code(), view.walletHaltedSinceMs[w], "RESUME of wallet " +
                    view.walletIds[w]));
            }
        }
        return engaged;
    }

    private static Map<String, Object> engagedSwitch(final String scope, final String asset, final Long walletId,
        final int cause, final long sinceMs, final String liftedBy)
    {
        final Map<String, Object> engaged = new LinkedHashMap<>();
        engaged.put("scope", scope);
        engaged.put("asset", asset);
        engaged.put("walletId", walletId);
        final KillSwitchCause known = KillSwitchCause.fromCode(cause);
        engaged.put("cause", known == null ? "UNKNOWN(" + cause + ")" : known.name());
        engaged.put("sinceMs", sinceMs);
        engaged.put("liftedBy", liftedBy);
        return engaged;
    }

    /**
     * SPEC §11: each table's entries against its limit.
     */
    private static List<Map<String, Object>> tables(final StateView view)
    {
        final List<Map<String, Object>> tables = new ArrayList<>();
        for (final TableKind table : TableKind.values())
        {
            final Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("table", table.name());
            entry.put("entries", view.tableSizes[table.ordinal()]);
            entry.put("limit", view.tableLimits[table.ordinal()]);
            entry.put("warned", view.tableWarned[table.ordinal()]);
            entry.put("full", view.tableFull(table));
            tables.add(entry);
        }
        return tables;
    }

    /**
     * SPEC §8: the journal's lag behind the guard and its chain head, as of its last entry written.
     */
    private Map<String, Object> journal()
    {
        final Map<String, Object> journal = new LinkedHashMap<>();
        journal.put("lag", guard.journalLag());
        final byte[] head = new byte[32];
        final long headSeq = guard.journalChainHead(head);
        // -1: an in-memory journal keeps no chain; -2 (null here): the journal was writing throughout the reading.
        journal.put("chainHead", headSeq < 0 ? null : java.util.HexFormat.of().formatHex(head));
        journal.put("chainHeadSeq", headSeq == -2 ? null : headSeq);
        return journal;
    }

    /**
     * {@code GET /accounts/{id}}: the account's kind, status and positions, as of one point between two commands.
     */
    private void account(final HttpExchange exchange) throws IOException
    {
        final String id = exchange.getRequestURI().getPath().substring("/accounts/".length());
        final long accountId;
        try
        {
            accountId = Long.parseLong(id);
        }
        catch (final NumberFormatException ex)
        {
            json(exchange, 400, Map.of("error", "account id '" + id + "' is not a number"));
            return;
        }
        if (accountId <= 0)
        {
            json(exchange, 400, Map.of("error", "account id " + accountId + " must be positive"));
            return;
        }
        final StateView view = guard.newStateView();
        view.accountId = accountId;
        if (!guard.readState(view, STATE_READ_TIMEOUT_MS))
        {
            json(exchange, 503, Map.of("error", "no consistent reading of the guard's state within " +
                STATE_READ_TIMEOUT_MS + " ms: the guard has failed or is stopped mid-command"));
            return;
        }
        if (!view.accountFound)
        {
            json(exchange, 404, Map.of("error", "no account " + accountId));
            return;
        }
        final List<Map<String, Object>> positions = new ArrayList<>();
        for (int a = 0; a < view.assetCount; a++)
        {
            if (view.hasPosition[a])
            {
                final Map<String, Object> position = new LinkedHashMap<>();
                position.put("asset", view.assetCodes[a]);
                position.put("available", view.available[a]);
                position.put("held", view.held[a]);
                positions.add(position);
            }
        }
        final Map<String, Object> account = new LinkedHashMap<>();
        account.put("accountId", accountId);
        account.put("kind", view.accountKind().name());
        account.put("status", view.accountStatus().name());
        account.put("positions", positions);
        account.put("asOfCommands", view.commandsApplied);
        json(exchange, 200, account);
    }

    private interface AssetVisitor
    {
        void visit(String code, AssetCounters.Snapshot snapshot);
    }

    private void forEachAsset(final AssetVisitor visitor)
    {
        final AssetCounters counters = guard.counters();
        final AssetCounters.Snapshot snapshot = new AssetCounters.Snapshot();
        for (int i = 0; i < counters.assetCount(); i++)
        {
            if (counters.read(i, snapshot))
            {
                final GuardConfig.AssetConfig asset = guard.rulesInForce().rules.assetById(counters.assetId(i));
                visitor.visit(asset == null ? String.valueOf(counters.assetId(i)) : asset.code, snapshot);
            }
        }
    }

    private static double figureOf(final String figure, final AssetCounters.Snapshot snapshot)
    {
        switch (figure)
        {
            case "obligations": return snapshot.obligations;
            case "holdings": return snapshot.holdings;
            case "headroom": return snapshot.headroom();
            default: return snapshot.coverageBps();
        }
    }

    private static boolean get(final HttpExchange exchange) throws IOException
    {
        if (!"GET".equals(exchange.getRequestMethod()))
        {
            exchange.getResponseHeaders().set("Allow", "GET");
            exchange.sendResponseHeaders(405, -1);
            exchange.close();
            return false;
        }
        return true;
    }

    private static void json(final HttpExchange exchange, final int status, final Object body) throws IOException
    {
        if (!get(exchange))
        {
            return;
        }
        final byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    @Override
    public void close()
    {
        ready = false;
        gateway.observer(null);
        http.stop(0);
        executor.shutdownNow();
        streamWatchdog.shutdownNow();
        streamThreads.shutdownNow();
    }
}
