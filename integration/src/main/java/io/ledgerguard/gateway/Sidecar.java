package io.ledgerguard.gateway;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.ledgerguard.alerts.JsonLinesAlertSink;
import io.ledgerguard.alerts.LogAlertSink;
import io.ledgerguard.config.AdminSettings;
import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.config.JournalSettings;
import io.ledgerguard.core.Alert;
import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.AlertDispatcher;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalFollower;
import io.ledgerguard.journal.Recovery;
import io.ledgerguard.journal.SnapshotStore;

/**
 * The guard as a sidecar (SPEC §9 {@code serve}): the state recovered from its journal (newest vouched snapshot, then
 * the journal after it, every decision compared), the pipeline journaling to Chronicle Queue with snapshots on the
 * configured schedule, alerts to the log (and a file), and the gateway in front. Closing stops the gateway first, then
 * drains the pipeline, so every request taken is answered and journaled.
 */
public final class Sidecar implements AutoCloseable
{
    private static final int ALERT_RING = 4096;
    private static final int GATEWAY_ALERT_RING = 1024;

    private final GatewayServer server;
    private final AdminServer admin;
    private final LedgerGuard guard;
    private final ChronicleJournal journal;
    private final JournalFollower snapshotter;
    private final AlertDispatcher alerts;
    private final AlertDispatcher gatewayAlerts;

    private Sidecar(final GatewayServer server, final AdminServer admin, final LedgerGuard guard,
        final ChronicleJournal journal, final JournalFollower snapshotter, final AlertDispatcher alerts,
        final AlertDispatcher gatewayAlerts)
    {
        this.gatewayAlerts = gatewayAlerts;
        this.server = server;
        this.admin = admin;
        this.guard = guard;
        this.journal = journal;
        this.snapshotter = snapshotter;
        this.alerts = alerts;
    }

    /**
     * Recover and start serving.
     *
     * @param config     the guard's configuration.
     * @param settings   the journal's settings.
     * @param journalDir the journal's directory, created when new; {@code null} to run without a journal (nothing is
     *                   durable: development only).
     * @param alertsFile a JSON Lines file to append alerts to, or {@code null}.
     * @param gateway    where to listen and the limits.
     * @param adminAddress where the admin and metrics HTTP server listens, or {@code null} for none.
     * @param log        receives what start-up did.
     * @return the running sidecar.
     * @throws IOException when an address cannot be bound.
     */
    public static Sidecar start(final GuardConfig config, final JournalSettings settings, final Path journalDir,
        final Path alertsFile, final GatewaySettings gateway, final java.net.InetSocketAddress adminAddress,
        final PrintWriter log) throws IOException
    {
        return start(config, settings, journalDir, alertsFile, gateway, adminAddress, AdminSettings.none(), log);
    }

    /**
     * As {@link #start(GuardConfig, JournalSettings, Path, Path, GatewaySettings, java.net.InetSocketAddress,
     * PrintWriter)}, with the admin server's bearer tokens.
     *
     * @param adminSettings the admin settings: the tokens its read endpoints need.
     */
    public static Sidecar start(final GuardConfig config, final JournalSettings settings, final Path journalDir,
        final Path alertsFile, final GatewaySettings gateway, final java.net.InetSocketAddress adminAddress,
        final AdminSettings adminSettings, final PrintWriter log) throws IOException
    {
        // What is opened is closed again, in reverse, if a later step fails: nothing half-started is left behind.
        final Deque<AutoCloseable> opened = new ArrayDeque<>();
        try
        {
            // SPEC §13: a journal is decided under its own rules; a new one records the file's as its genesis.
            final Genesis genesis = journalDir != null ? Genesis.of(journalDir, config) : null;
            final GuardEngine engine = new GuardEngine(genesis != null ? genesis.rules() : config);
            ChronicleJournal journal = null;
            JournalFollower snapshotter = null;
            long lastSeq = 0;
            if (journalDir != null)
            {
                journal = new ChronicleJournal(new ChronicleJournalContext().directory(journalDir)
                    .durability(settings.durability()).rollCycle(settings.rollCycle())
                    .diskFreeBytesMin(settings.diskFreeBytesMin()).genesisRules(genesis.toRecord()));
                opened.push(journal);
                final SnapshotStore store = SnapshotStore.inJournal(journalDir);
                final Recovery.Result recovery = Recovery.recover(journal, store, engine);
                for (final String line : recovery.describe())
                {
                    log.println("serve: " + line);
                }
                reportRules(genesis, engine, config, log);
                lastSeq = recovery.lastSeq();
                // Snapshots from a second engine that follows the journal: the guard thread never pauses for one.
                snapshotter = new JournalFollower(genesis.rules(), store, journal, settings.snapshotEveryCommands(),
                    settings.snapshotIntervalMs(), settings.snapshotsKept(), engine, lastSeq);
                opened.push(snapshotter);
            }
            else
            {
                log.println("serve: warning: no --journal: decisions are not durable and nothing survives a restart");
            }
            followClients(genesis, engine, gateway, log);
            // The admin server starts after the pipeline it reports on: alerts reach it once it is there.
            final AtomicReference<AlertListener> adminSink = new AtomicReference<>(alert -> { });
            // Two producers, the guard's release thread and the gateway's I/O thread, each with a dispatcher of its own
            // (a dispatcher takes one producer); the sinks then hear from two threads, one at a time.
            final AlertListener shared = new SerialAlerts(sinks(alertsFile, engine, adminSink, opened));
            final AlertDispatcher alerts = new AlertDispatcher(ALERT_RING, List.of(shared));
            opened.push(alerts);
            final AlertDispatcher gatewayAlerts = new AlertDispatcher(GATEWAY_ALERT_RING, List.of(shared));
            opened.push(gatewayAlerts);
            // With process durability the stages run fused, and the gateway's I/O loop runs on their thread between
            // commands (issue 15): a request wakes one thread of this process.
            final StageHost host = new StageHost();
            final LedgerGuard guard = new LedgerGuard(engine, new PipelineContext()
                .stageHost(host)
                .journal(journal != null ? journal : new NoJournal())
                .firstSeq(lastSeq + 1)
                // The gateway's I/O thread must never wait for the ring: a full ring answers at once, the request
                // waits.
                .backPressure(BackPressure.REJECT)
                .alertListener(alerts));
            opened.push(guard);
            final GatewayServer server = GatewayServer.start(guard, new ApprovalVerifier(guard::rulesInForce), gateway,
                gatewayAlerts, host);
            opened.push(server);
            AdminServer admin = null;
            if (adminAddress != null)
            {
                if (adminSettings.tokens().isEmpty())
                {
                    log.println("serve: warning: no admin.tokens: the admin endpoints, balances included, are open " +
                        "to every local user");
                }
                admin = AdminServer.start(adminAddress, guard, server, adminSettings);
                opened.push(admin);
                adminSink.set(admin);
                admin.ready();
            }
            log.println("serve: listening on " + server.tcpAddress().getHostString() + ":" +
                server.tcpAddress().getPort() + (gateway.unixSocket != null ? " and " + gateway.unixSocket : "") +
                (admin != null ? "; admin and metrics on http://" + admin.address().getHostString() + ":" +
                    admin.address().getPort() : "") + "; next seq " + (lastSeq + 1));
            log.flush();
            return new Sidecar(server, admin, guard, journal, snapshotter, alerts, gatewayAlerts);
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            while (!opened.isEmpty())
            {
                try
                {
                    opened.pop().close();
                }
                catch (final Exception suppressed)
                {
                    ex.addSuppressed(suppressed);
                }
            }
            throw ex;
        }
    }

    /**
     * Say which rules are in force, and what of the file is not applied (SPEC §13): the journal is the authority.
     */
    private static void reportRules(final Genesis genesis, final GuardEngine engine, final GuardConfig file,
        final PrintWriter log)
    {
        if (!genesis.inJournal())
        {
            log.println("serve: the journal was begun before rules were journaled: it is decided under the " +
                "configuration file's rules, as before");
            return;
        }
        log.println("serve: rules in force: version " + engine.rulesVersion() + (engine.rulesVersion() == 0 ?
            " (the journal's genesis)" : " (changed last at seq " + engine.rulesChangeSeq() + ")"));
        final List<String> differences = Genesis.differences(engine.config(), file);
        if (!differences.isEmpty())
        {
            log.println("serve: warning: the configuration file differs from the rules in force in " +
                differences.size() + " setting(s); the journal is the authority and the file's are NOT applied " +
                "(change them with approved CONFIGURE commands: ledger-guard config propose):");
            for (final String difference : differences)
            {
                log.println("serve:   " + difference);
            }
        }
    }

    /**
     * SPEC §12, §13: the gateway's roles and clients are the journal's rules in force, changed by rule changes like
     * any rule; a journal begun before they were rules keeps the file's. A gateway the rules leave open may listen on
     * loopback only, whatever the file names. After recovery: the rules in force are the journal's last.
     */
    private static void followClients(final Genesis genesis, final GuardEngine engine,
        final GatewaySettings gateway, final PrintWriter log)
    {
        if (genesis == null || genesis.clientsInJournal())
        {
            gateway.rules = engine::config;
        }
        else if (gateway.clients.required())
        {
            log.println("serve: warning: the journal was begun before client roles were rules: the gateway takes " +
                "the file's roles and clients, and no rule change can set them");
        }
        final boolean required = gateway.rules != null ? ClientSettings.of(engine.config()).required() :
            gateway.clients.required();
        if (!required && gateway.tcp != null && !gateway.tcp.getAddress().isLoopbackAddress())
        {
            throw new IllegalStateException("the gateway would listen on " + gateway.tcp.getHostString() + ", not " +
                "a loopback address, and the rules in force name no clients (the journal's, which the file does not " +
                "change): any host that reaches it could send any command that needs no approval; name the " +
                "clients by a rule change (config propose), or listen on loopback or a Unix socket");
        }
        warnOfOpenDoors(engine.config(), gateway, log);
    }

    /**
     * Say at start-up what the rules in force and the gateway's settings leave open: approval classes without keys, a
     * gateway without clients.
     */
    private static void warnOfOpenDoors(final GuardConfig config, final GatewaySettings gateway, final PrintWriter log)
    {
        for (final ApprovalClass open : config.openApprovalClasses())
        {
            log.println("serve: warning: approvals." + open + " names no keys: its commands are accepted unsigned " +
                "(SPEC 6); a production configuration names keys for every class");
        }
        final boolean required = gateway.rules != null ? ClientSettings.of(gateway.rules.get()).required() :
            gateway.clients.required();
        if (!required)
        {
            log.println("serve: warning: the configuration names no clients: any process that reaches the gateway " +
                "may send any command that needs no approval (SPEC 12); name each client with its key and role");
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
     * @return where alerts go: the log, the admin server once it is there, and the alerts file if one is given.
     */
    private static List<AlertListener> sinks(final java.nio.file.Path alertsFile, final GuardEngine engine,
        final AtomicReference<AlertListener> adminSink, final Deque<AutoCloseable> opened) throws IOException
    {
        final List<AlertListener> sinks = new ArrayList<>();
        sinks.add(new LogAlertSink());
        sinks.add(alert -> adminSink.get().onAlert(alert));
        if (alertsFile != null)
        {
            final JsonLinesAlertSink file = new JsonLinesAlertSink(alertsFile, engine::config);
            opened.push(file);
            sinks.add(file);
        }
        return sinks;
    }

    /**
     * @return the guard's pipeline.
     */
    public LedgerGuard guard()
    {
        return guard;
    }

    /**
     * @return the admin server, or {@code null} when started without one.
     */
    public AdminServer admin()
    {
        return admin;
    }

    @Override
    public void close()
    {
        if (admin != null)
        {
            admin.close();
        }
        server.close();
        gatewayAlerts.close();
        // The follower reads the journal's queue: it stops before the guard closes the journal.
        if (snapshotter != null)
        {
            snapshotter.close();
        }
        guard.close();
        if (journal != null)
        {
            journal.close();
        }
        alerts.close();
    }

    /**
     * The sinks, heard from the two dispatchers one alert at a time: a sink is written for one thread.
     */
    private static final class SerialAlerts implements AlertListener
    {
        private final List<AlertListener> sinks;

        SerialAlerts(final List<AlertListener> sinks)
        {
            this.sinks = List.copyOf(sinks);
        }

        @Override
        public synchronized void onAlert(final Alert alert)
        {
            RuntimeException failed = null;
            for (final AlertListener sink : sinks)
            {
                try
                {
                    sink.onAlert(alert);
                }
                catch (final RuntimeException ex)
                {
                    // Every sink still hears of it; the dispatcher counts the failure.
                    if (failed == null)
                    {
                        failed = ex;
                    }
                    else
                    {
                        failed.addSuppressed(ex);
                    }
                }
            }
            if (failed != null)
            {
                throw failed;
            }
        }
    }

    /**
     * The journal stage of a sidecar started without a journal: it keeps nothing.
     */
    private static final class NoJournal implements Journal
    {
        @Override
        public void append(final Command command, final Decision decision)
        {
        }

        @Override
        public boolean durableOnAppend()
        {
            return true;
        }

        @Override
        public void close()
        {
        }
    }
}
