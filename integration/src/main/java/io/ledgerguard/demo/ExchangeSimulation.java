package io.ledgerguard.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;

import io.ledgerguard.alerts.JsonLinesAlertSink;
import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.cluster.ClusterGuardClient;
import io.ledgerguard.cluster.ClusterUnavailableException;
import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.AssetCounters;
import io.ledgerguard.core.AssetStatus;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.MemoryBudget;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.AlertDispatcher;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.WaitStrategyKind;
import io.ledgerguard.gateway.AdminServer;
import io.ledgerguard.gateway.GatewayServer;
import io.ledgerguard.gateway.GatewaySettings;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.JournalFollower;
import io.ledgerguard.journal.Recovery;
import io.ledgerguard.journal.SnapshotStore;
import io.ledgerguard.protocol.GatewayDecision;

import static io.ledgerguard.demo.DemoConfig.*;

/**
 * A seeded simulated exchange run through the embedded pipeline from several producer threads at once:
 * <ul>
 *     <li>order gateways, each owning a share of the customers: order holds, cancels, linked trade batches with
 *     fees, transfers, withdrawal requests, and a few orders beyond what the customer has;</li>
 *     <li>a custody feed and wallet service: inflows observed on chain and the deposits that credit them,
 *     settlement of the withdrawals the gateways requested, and regular attestations of every wallet;</li>
 *     <li>an operator console that, halfway through, injects the phantom payout of SPEC §1: a promotional payout of
 *     620,000 won across 695 customers keyed in BTC instead.</li>
 * </ul>
 * Every command goes through {@link LedgerGuard#submit(Command)}; its latency is measured from the call to the
 * decision, on the producer's thread.
 */
public final class ExchangeSimulation
{
    /** Customers of the phantom payout, as in the incident. */
    static final int PAYOUT_RECIPIENTS = 695;
    /** What was keyed: 620,000 BTC in all, where 620,000 won was meant. */
    static final long PAYOUT_KEYED_TOTAL_SATOSHI = 620_000L * SATOSHI_PER_BTC;

    private static final long FEE_ACCOUNT = 900_000_001L;
    private static final long PAYOUT_POOL_ACCOUNT = 900_000_002L;
    private static final long CUSTOMER_BASE = 1_000_000L;
    private static final long[][] HOUSE_HOLDINGS = {
        {BTC_HOT_WALLET, BTC, 160 * SATOSHI_PER_BTC}, {BTC_COLD_WALLET, BTC, 640 * SATOSHI_PER_BTC},
        {ETH_HOT_WALLET, ETH, 2_000 * SATOSHI_PER_BTC}, {ETH_COLD_WALLET, ETH, 8_000 * SATOSHI_PER_BTC},
        {USDT_HOT_WALLET, USDT, 2_000_000_000_000L}, {USDT_COLD_WALLET, USDT, 8_000_000_000_000L},
        {KRW_BANK_ACCOUNT, KRW, 50_000_000_000L}};
    /**
     * Mean funding per customer and asset. With market makers at fifty times the mean, 10,000 customers hold about
     * 42,000 BTC, close to the books of the incident's exchange.
     */
    private static final long[] FUNDING_MEAN = {0, 338_000_000L, 3_200_000_000L, 16_000_000_000L, 24_000_000L};

    /** Markets: base, quote, lot in base minor units, quote minor units per lot. */
    private static final long[][] MARKETS = {{BTC, USDT, 1, 600}, {ETH, USDT, 1, 30}, {BTC, KRW, 10, 9},
        {ETH, KRW, 1_000, 45}};

    private final long seed;
    private final int accounts;
    private final int gateways;
    /** The simulated services' private keys, by client id, when they reach the guard through the gateway. */
    private final java.util.Map<String, PrivateKey> clientKeys = new java.util.HashMap<>();
    private final int commandsPerGateway;
    private final WaitStrategyKind waitStrategy;
    private final int ringSize;
    private Path journalDirectory;
    private Path alertsFile;
    private PrintWriter liveLines;
    private boolean viaGateway;
    /** The cluster's first port when the guard runs as a three-node cluster ({@code demo --cluster}); -1 when not. */
    private int clusterPortBase = -1;
    /** Where the cluster's nodes keep their directories; {@code null} for a temporary one, deleted after. */
    private Path clusterDirectory;
    /** Where the admin server and its dashboard listen during the demo; {@code null} for none. */
    private InetSocketAddress dashboardAddress;
    private long dashboardPauseMs;
    private long dashboardHoldMs;
    /** Alerts buffered between the release thread and the sinks. */
    private static final int ALERT_RING = 65_536;
    private JournalDurability journalDurability = JournalDurability.PROCESS;
    /** Stamps the embedded guard's commands and paces the simulated custody feed's attestations. */
    private EpochNanoClock clock = new OffsetEpochNanoClock();
    /** Snapshots of the demo's journal: a few in a default run. */
    private static final long SNAPSHOT_EVERY_COMMANDS = 150_000;

    /**
     * @param seed               seeds every producer.
     * @param accounts           customers to open.
     * @param gateways           order-gateway threads.
     * @param commandsPerGateway commands each gateway submits.
     * @param waitStrategy       how the pipeline's stages wait.
     * @param ringSize           ring slots.
     */
    public ExchangeSimulation(
        final long seed, final int accounts, final int gateways, final int commandsPerGateway,
        final WaitStrategyKind waitStrategy, final int ringSize)
    {
        this.seed = seed;
        this.accounts = accounts;
        this.gateways = gateways;
        this.commandsPerGateway = commandsPerGateway;
        this.waitStrategy = waitStrategy;
        this.ringSize = ringSize;
    }

    /**
     * For tests: the clock that stamps the embedded guard's commands (the guard's time, by which attestations go stale)
     * and paces the custody feed's attestations.
     *
     * @param clock epoch nanoseconds.
     * @return this.
     */
    ExchangeSimulation clock(final EpochNanoClock clock)
    {
        this.clock = clock;
        return this;
    }

    /**
     * Run the whole simulation.
     *
     * @return what happened.
     * @throws InterruptedException if interrupted while waiting for the producers.
     */
    public DemoReport run() throws InterruptedException
    {
        return clusterPortBase >= 0 ? runOnCluster() : runInProcess();
    }

    private DemoReport runInProcess() throws InterruptedException
    {
        final GuardConfig config = DemoConfig.create(accounts);
        // Before anything is allocated: with a journal, the snapshots' copy and the engine recovered at the end too.
        MemoryBudget.of(config).checkFits(journalDirectory == null ? 1 : 3);
        final GuardEngine engine = new GuardEngine(config);
        final InMemoryJournal memory = journalDirectory == null ? new InMemoryJournal(1 << 30) : null;
        final ChronicleJournal chronicle = journalDirectory == null ? null : openNewJournal(config);
        // Snapshots from a second engine that follows the journal: the guard thread never pauses for one.
        final JournalFollower snapshotter = chronicle == null ? null : new JournalFollower(config,
            SnapshotStore.inJournal(journalDirectory), chronicle, SNAPSHOT_EVERY_COMMANDS, 0, 2, engine, 0);
        final AtomicLongArray alerts = new AtomicLongArray(AlertType.values().length);
        final JsonLinesAlertSink alertFile = alertsFile == null ? null : new JsonLinesAlertSink(alertsFile, config);
        // Alerts reach their sinks on the dispatcher's thread: a slow file never slows the guard.
        // The admin server is made once the guard is: alerts reach it through this, from then on.
        final AtomicReference<AlertListener> adminAlerts = new AtomicReference<>();
        final AlertDispatcher dispatcher = new AlertDispatcher(ALERT_RING, sinks(alerts, alertFile, adminAlerts));
        final LedgerGuard guard = new LedgerGuard(engine, new PipelineContext()
            .journal(chronicle != null ? chronicle : memory)
            .ringSize(ringSize)
            .waitStrategy(waitStrategy)
            .clock(clock)
            // Through the gateway, a full ring is answered at once and the request offered again by the gateway.
            .backPressure(viaGateway ? BackPressure.REJECT : BackPressure.BLOCK)
            .alertListener(dispatcher));
        final GatewayServer server = viaGateway ? startGateway(guard, config) : null;
        final AdminServer admin = dashboardAddress == null ? null : startDashboard(guard, server, adminAlerts);
        final List<GatewayClient> gatewayClients = new ArrayList<>();

        final long startNs = System.nanoTime();
        final Setup setup = new Setup(guard, new SplittableRandom(seed));
        connect(setup, server, gatewayClients);
        setup.run();
        dashboardReady(admin);

        final CountDownLatch halfway = new CountDownLatch(1);
        final AtomicBoolean tradingDone = new AtomicBoolean();
        final ConcurrentLinkedQueue<long[]> withdrawals = new ConcurrentLinkedQueue<>();
        final List<Producer> producers = new ArrayList<>();
        for (int g = 0; g < gateways; g++)
        {
            producers.add(new Gateway(guard, seed, g, setup.funded, withdrawals, g == 0 ? halfway : null));
        }
        final Custody custody = new Custody(guard, seed, withdrawals, tradingDone, setup.walletBalance);
        final Operator operator = new Operator(guard, engine.counters(), halfway);
        producers.add(custody);
        producers.add(operator);
        for (final Producer producer : producers)
        {
            connect(producer, server, gatewayClients);
        }
        final Thread live = viaGateway ? liveFigures(guard, producers, config) : null;
        final Throwable failure = runProducers(producers, halfway, tradingDone);
        if (live != null)
        {
            live.interrupt();
            live.join();
        }
        for (final GatewayClient client : gatewayClients)
        {
            client.close();
        }
        closeDashboard(admin);
        if (server != null)
        {
            liveLines.printf("demo: the gateway authenticated %d clients by the Ed25519 challenge (%d failed), each " +
                "to a role; %d commands refused by a role%n", server.authentications(),
                server.authenticationFailures(), roleRefusals(server));
            server.close();
        }
        final long followerLag = snapshotter == null ? 0 : Math.max(0, guard.sequenced() - snapshotter.followedSeq());
        if (snapshotter != null)
        {
            // Let the follower read to the end, so that recovery below starts from its last snapshot; then it stops
            // before the guard closes the journal it reads.
            snapshotter.awaitFollowed(guard.sequenced(), 60, java.util.concurrent.TimeUnit.SECONDS);
            snapshotter.close();
        }
        guard.close();
        dispatcher.close();
        if (alertFile != null)
        {
            alertFile.close();
        }
        final long elapsedNs = System.nanoTime() - startNs;
        if (failure != null)
        {
            throw new IllegalStateException("a simulated producer failed", failure);
        }

        producers.add(0, setup);
        final DemoReport report = report(engine, guard.sequenced(),
            chronicle != null ? chronicle.commands() : memory.count(), elapsedNs, producers, alerts, operator);
        if (chronicle != null)
        {
            recoverAndCompare(config, engine, chronicle, snapshotter, followerLag, report);
        }
        return report;
    }

    /**
     * The same exchange against a three-node guard cluster on loopback (issue 16): every simulated service a client of
     * the cluster; halfway through trading the leader is stopped; afterwards it starts again and catches up, and the
     * nodes' state hashes, chain heads and evidence are compared with what the clients were told.
     */
    private DemoReport runOnCluster() throws InterruptedException
    {
        final GuardConfig config = DemoConfig.create(accounts);
        // Three nodes' engines, and the stopped node's again when it starts.
        MemoryBudget.of(config).checkFits(DemoCluster.NODES + 1);
        final AtomicLongArray alerts = new AtomicLongArray(AlertType.values().length);
        final JsonLinesAlertSink alertFile = alertsFile == null ? null : new JsonLinesAlertSink(alertsFile, config);
        final List<AlertListener> sinks = sinks(alerts, alertFile, new AtomicReference<>());
        // Each node's dispatcher delivers on its own thread; two may overlap while the leadership moves.
        final AlertListener serial = alert ->
        {
            synchronized (sinks)
            {
                for (final AlertListener sink : sinks)
                {
                    sink.onAlert(alert);
                }
            }
        };
        final boolean temporary = clusterDirectory == null;
        final Path dir;
        try
        {
            dir = temporary ? Files.createTempDirectory("ledger-guard-demo-cluster") : clusterDirectory;
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException("cannot make a directory for the demo's cluster", ex);
        }
        final DemoReport.ClusterOutcome outcome;
        final Throwable failure;
        final List<Producer> producers = new ArrayList<>();
        final Operator operator;
        final GuardEngine survivor;
        final long elapsedNs;
        try
        {
            // The nodes (and their alert dispatchers, which drain on close) are closed before the alert file is.
            try (DemoCluster cluster = DemoCluster.start(config, dir, clusterPortBase, List.of(serial),
                journalDurability))
            {
                liveLines.printf("demo: three guard nodes on loopback (ports %d..%d), their directories under %s%n",
                    clusterPortBase, clusterPortBase + DemoCluster.NODES * 10 - 1, dir);
                liveLines.flush();
                final long startNs = System.nanoTime();
                final Setup setup = new Setup(null, new SplittableRandom(seed));
                setup.attach(cluster);
                setup.run();
                final CountDownLatch halfway = new CountDownLatch(1);
                final AtomicBoolean tradingDone = new AtomicBoolean();
                final ConcurrentLinkedQueue<long[]> withdrawals = new ConcurrentLinkedQueue<>();
                for (int g = 0; g < gateways; g++)
                {
                    producers.add(new Gateway(null, seed, g, setup.funded, withdrawals, g == 0 ? halfway : null));
                }
                final Custody custody = new Custody(null, seed, withdrawals, tradingDone, setup.walletBalance);
                operator = new Operator(null, cluster.observer().counters(), halfway);
                producers.add(custody);
                producers.add(operator);
                for (final Producer producer : producers)
                {
                    producer.attach(cluster);
                }
                cluster.stopLeaderAt(halfway, liveLines);
                failure = runProducers(producers, halfway, tradingDone);
                outcome = cluster.finish();
                elapsedNs = System.nanoTime() - startNs;
                survivor = cluster.survivor();
                producers.add(0, setup);
            }
            finally
            {
                if (alertFile != null)
                {
                    alertFile.close();
                }
            }
        }
        finally
        {
            if (temporary)
            {
                DemoCluster.delete(dir);
            }
        }
        if (failure != null)
        {
            throw new IllegalStateException("a simulated producer failed", failure);
        }
        return report(survivor, outcome.seq(), outcome.seq(), elapsedNs, producers, alerts, operator)
            .cluster(outcome);
    }

    private static List<AlertListener> sinks(final AtomicLongArray alerts, final JsonLinesAlertSink alertFile,
        final AtomicReference<AlertListener> adminAlerts)
    {
        final List<AlertListener> sinks = new ArrayList<>();
        sinks.add(alert -> alerts.incrementAndGet(alert.type.ordinal()));
        if (alertFile != null)
        {
            sinks.add(alertFile);
        }
        sinks.add(alert ->
        {
            final AlertListener admin = adminAlerts.get();
            if (admin != null)
            {
                admin.onAlert(alert);
            }
        });
        return sinks;
    }

    /**
     * SPEC §12: each simulated service is a client with a key of its own and a role that allows what it sends.
     */
    private ClientSettings clients()
    {
        final long setup = kinds(CommandType.OPEN_ACCOUNT, CommandType.ATTEST, CommandType.INFLOW,
            CommandType.DEPOSIT);
        // In this simulation the order gateways also request their customers' withdrawals.
        final long orders = kinds(CommandType.HOLD, CommandType.RELEASE, CommandType.TRANSFER, CommandType.BATCH,
            CommandType.WITHDRAW);
        final long custody = kinds(CommandType.INFLOW, CommandType.DEPOSIT, CommandType.ATTEST, CommandType.SWEEP,
            CommandType.WITHDRAW_SETTLE, CommandType.WITHDRAW_CANCEL);
        final long operator = kinds(CommandType.ADJUST, CommandType.TRANSFER, CommandType.HALT, CommandType.FREEZE);
        final List<ClientSettings.Client> clients = new ArrayList<>();
        clients.add(client(clients.size() + 1, "setup", "onboarding", setup));
        for (int g = 0; g < gateways; g++)
        {
            clients.add(client(clients.size() + 1, "gateway-" + g, "order-gateway", orders));
        }
        clients.add(client(clients.size() + 1, "custody", "custody-feed", custody));
        clients.add(client(clients.size() + 1, "operator", "operator-console", operator));
        return new ClientSettings(clients);
    }

    private ClientSettings.Client client(final int number, final String id, final String role, final long kinds)
    {
        final KeyPair pair;
        try
        {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("this JDK cannot generate Ed25519 keys", ex);
        }
        clientKeys.put(id, pair.getPrivate());
        return new ClientSettings.Client(number, id, pair.getPublic(), role, kinds, 1);
    }

    private static long kinds(final CommandType... types)
    {
        long kinds = 0;
        for (final CommandType type : types)
        {
            kinds |= 1L << type.code();
        }
        return kinds;
    }

    private static long roleRefusals(final GatewayServer server)
    {
        long refusals = 0;
        for (final ClientSettings.Client client : server.clients().clients())
        {
            refusals += server.roleRefusals(client);
        }
        return refusals;
    }

    private AdminServer startDashboard(final LedgerGuard guard, final GatewayServer server,
        final AtomicReference<AlertListener> adminAlerts)
    {
        final AdminServer admin;
        try
        {
            admin = AdminServer.start(dashboardAddress, guard, server);
        }
        catch (final IOException ex)
        {
            server.close();
            guard.close();
            throw new IllegalArgumentException("cannot start the dashboard on " + dashboardAddress + ": " +
                ex.getMessage(), ex);
        }
        adminAlerts.set(admin);
        liveLines.printf("demo: the dashboard is at http://%s:%d/ (read-only; /status, /alerts, /metrics beside it)%n",
            admin.address().getHostString(), admin.address().getPort());
        return admin;
    }

    private void dashboardReady(final AdminServer admin) throws InterruptedException
    {
        if (admin != null)
        {
            admin.ready();
            pauseForTheDashboard(dashboardPauseMs, "trading starts");
        }
    }

    private void closeDashboard(final AdminServer admin) throws InterruptedException
    {
        if (admin != null)
        {
            pauseForTheDashboard(dashboardHoldMs, "the dashboard closes");
            admin.close();
        }
    }

    private void pauseForTheDashboard(final long ms, final String what) throws InterruptedException
    {
        if (ms > 0)
        {
            liveLines.printf("demo: %s in %d s%n", what, TimeUnit.MILLISECONDS.toSeconds(ms));
            liveLines.flush();
            Thread.sleep(ms);
        }
    }

    private GatewayServer startGateway(final LedgerGuard guard, final GuardConfig config)
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        settings.clients = clients();
        final GatewayServer server;
        try
        {
            server = GatewayServer.start(guard, new ApprovalVerifier(guard::rulesInForce), settings);
        }
        catch (final IOException ex)
        {
            guard.close();
            throw new IllegalStateException("cannot start the gateway: " + ex.getMessage(), ex);
        }
        liveLines.printf("demo: the sidecar listens on %s; every simulated service is its client%n",
            server.tcpAddress());
        return server;
    }

    /**
     * Run every producer on a thread of its own; trading is done once the order gateways (the first
     * {@link #gateways} producers) are, which tells the custody feed to finish.
     *
     * @return the first producer's failure, or null.
     */
    private Throwable runProducers(
        final List<Producer> producers, final CountDownLatch halfway, final AtomicBoolean tradingDone)
        throws InterruptedException
    {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        for (final Producer producer : producers)
        {
            final Thread thread = new Thread(() ->
            {
                try
                {
                    producer.run();
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                    halfway.countDown();
                }
            }, producer.name);
            threads.add(thread);
            thread.start();
        }
        for (int g = 0; g < gateways; g++)
        {
            threads.get(g).join();
        }
        tradingDone.set(true);
        for (final Thread thread : threads)
        {
            thread.join();
        }
        return failure.get();
    }

    private DemoReport report(
        final GuardEngine engine, final long sequenced, final long journaled, final long elapsedNs,
        final List<Producer> producers, final AtomicLongArray alerts, final Operator operator)
    {
        final long[][] byType = new long[CommandType.values().length][2];
        final long[] byReason = new long[Reason.values().length];
        final Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        for (final Producer producer : producers)
        {
            for (int t = 0; t < byType.length; t++)
            {
                byType[t][0] += producer.byType[t][0];
                byType[t][1] += producer.byType[t][1];
            }
            for (int r = 0; r < byReason.length; r++)
            {
                byReason[r] += producer.byReason[r];
            }
            latency.add(producer.latency);
        }
        final long[] alertCounts = new long[alerts.length()];
        for (int i = 0; i < alertCounts.length; i++)
        {
            alertCounts[i] = alerts.get(i);
        }
        return new DemoReport(seed, engine, sequenced, journaled, elapsedNs, byType, byReason,
            alertCounts, latency, operator.incident, waitStrategy, ringSize, gateways + 2);
    }

    /**
     * Recover a new guard from the journal and its snapshots, as a restart would, and compare its state with the live
     * guard's.
     */
    private void recoverAndCompare(
        final GuardConfig config, final GuardEngine engine, final ChronicleJournal chronicle,
        final JournalFollower snapshotter, final long followerLag, final DemoReport report)
    {
        final List<String> lines = new ArrayList<>();
        lines.add(String.format("journal: %s (%s durability), %,d commands; %d snapshots written by the engine " +
            "that follows the journal (%,d commands behind the guard when trading stopped; the guard never paused " +
            "for one)", journalDirectory, journalDurability.name().toLowerCase(Locale.ROOT), chronicle.commands(),
            snapshotter.written(), followerLag));
        // Under the rules the journal recorded, not the demo's configuration object (SPEC §13).
        final GuardEngine recovered = new GuardEngine(Genesis.of(journalDirectory, config).rules());
        final Recovery.Result recovery;
        try (ChronicleJournal reopened = new ChronicleJournal(new ChronicleJournalContext()
            .directory(journalDirectory).durability(journalDurability)))
        {
            recovery = Recovery.recover(reopened, SnapshotStore.inJournal(journalDirectory), recovered);
        }
        lines.addAll(recovery.describe());
        final boolean matches = recovery.stateHashHex().equals(engine.stateHash().hex());
        lines.add(matches ? "recovered state hash equals the live guard's" :
            "RECOVERED STATE DIFFERS from the live guard's: " + engine.stateHash().hex());
        report.journal(lines, matches);
    }

    private void connect(final Producer producer, final GatewayServer server, final List<GatewayClient> clients)
    {
        if (server == null)
        {
            return;
        }
        final GatewayClient client = new GatewayClient(server.tcpAddress(), producer.name,
            clientKeys.get(producer.name));
        clients.add(client);
        producer.client = client;
    }

    /**
     * A line a second: commands per second, rejections, coverage per asset and the p99 of the last second.
     */
    private Thread liveFigures(final LedgerGuard guard, final List<Producer> producers, final GuardConfig config)
    {
        final Thread thread = new Thread(() ->
        {
            final AssetCounters counters = guard.counters();
            final AssetCounters.Snapshot snapshot = new AssetCounters.Snapshot();
            long lastSequenced = guard.sequenced();
            long lastRejected = 0;
            final Histogram interval = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
            // One replacement histogram per recorder, as HdrHistogram's Recorder asks.
            final Histogram[] intervals = new Histogram[producers.size()];
            try
            {
                for (int second = 1; !Thread.currentThread().isInterrupted(); second++)
                {
                    Thread.sleep(1_000);
                    final long sequenced = guard.sequenced();
                    long rejected = 0;
                    interval.reset();
                    for (int p = 0; p < producers.size(); p++)
                    {
                        final Producer producer = producers.get(p);
                        rejected += producer.rejected.get();
                        intervals[p] = producer.recorder.getIntervalHistogram(intervals[p]);
                        interval.add(intervals[p]);
                    }
                    final StringBuilder line = new StringBuilder(160);
                    line.append(String.format(Locale.ROOT, "live %3ds  %,9d cmd/s  %,7d rejected  p99 %,8.1f us ",
                        second, sequenced - lastSequenced, rejected - lastRejected,
                        interval.getValueAtPercentile(99) / 1_000.0));
                    for (int a = 0; a < counters.assetCount(); a++)
                    {
                        if (counters.read(a, snapshot))
                        {
                            final GuardConfig.AssetConfig asset = config.assetById(counters.assetId(a));
                            line.append(String.format(Locale.ROOT, " %s %.1f%%%s",
                                asset == null ? "?" : asset.code, snapshot.coverageBps() / 100.0,
                                snapshot.status == AssetStatus.NORMAL ? "" :
                                    " " + snapshot.status));
                        }
                    }
                    liveLines.println(line);
                    lastSequenced = sequenced;
                    lastRejected = rejected;
                }
            }
            catch (final InterruptedException ex)
            {
                // The run is over.
            }
        }, "demo-live");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Journal to a Chronicle Queue in this directory, with snapshots, and after the run recover from it and compare.
     *
     * @param directory  a new or empty directory.
     * @param durability the journal's durability mode.
     * @return this.
     */
    public ExchangeSimulation journal(final Path directory, final JournalDurability durability)
    {
        this.journalDirectory = directory;
        this.journalDurability = durability;
        return this;
    }

    /**
     * Run the guard as the sidecar: the gateway on loopback, and every simulated service (order gateways, custody feed
     * and wallet service, operator console) its own client over the binary protocol; print a line of live figures
     * every second.
     *
     * @param live where the live lines go.
     * @return this.
     */
    public ExchangeSimulation viaGateway(final PrintWriter live)
    {
        this.viaGateway = true;
        this.liveLines = live;
        return this;
    }

    /**
     * @param durability the journals' durability: with {@link #viaCluster}, the nodes'.
     * @return this.
     */
    public ExchangeSimulation journalDurability(final JournalDurability durability)
    {
        this.journalDurability = durability;
        return this;
    }

    /**
     * Run the guard as a three-node Aeron Cluster on loopback (issue 16), every simulated service its client; stop
     * the leader halfway through trading.
     *
     * @param live      where the progress lines go.
     * @param portBase  the first of the 30 ports the nodes take.
     * @param directory where the nodes keep their directories; {@code null} for a temporary one, deleted after.
     * @return this.
     */
    public ExchangeSimulation viaCluster(final PrintWriter live, final int portBase, final Path directory)
    {
        this.clusterPortBase = portBase;
        this.clusterDirectory = directory;
        this.liveLines = live;
        return this;
    }

    /**
     * Keep the admin server and its dashboard up during the demo (issue 17), through the gateway only: it prints the
     * address, waits before trading starts so that a person can open the page, and keeps serving a while after.
     *
     * @param address where to listen; loopback.
     * @param pauseMs how long to wait once the customers are set up, before trading starts.
     * @param holdMs  how long to keep the dashboard up after the last command.
     * @return this.
     */
    public ExchangeSimulation dashboard(final InetSocketAddress address, final long pauseMs, final long holdMs)
    {
        if (!viaGateway)
        {
            throw new IllegalArgumentException("--dashboard needs --gateway: the admin server watches the gateway");
        }
        this.dashboardAddress = address;
        this.dashboardPauseMs = pauseMs;
        this.dashboardHoldMs = holdMs;
        return this;
    }

    /**
     * Also append every alert to this file as JSON Lines, through the alert dispatcher.
     *
     * @param file the alert file; appended to.
     * @return this.
     */
    public ExchangeSimulation alerts(final Path file)
    {
        this.alertsFile = file;
        return this;
    }

    private ChronicleJournal openNewJournal(final GuardConfig config)
    {
        // The configuration's rules are the new journal's genesis (SPEC §13).
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext()
            .directory(journalDirectory).durability(journalDurability)
            .genesisRules(Genesis.of(journalDirectory, config).toRecord()));
        if (journal.commands() > 0)
        {
            journal.close();
            throw new IllegalArgumentException("--journal " + journalDirectory + " already holds " +
                journal.commands() + " commands; the demo writes a new journal: give a new or empty directory");
        }
        return journal;
    }

    /**
     * What the operator console's injected incident came to.
     */
    static final class Incident
    {
        long btcHoldingsBefore;
        long btcObligationsBefore;
        long btcObligationsAfter;
        final long[][] reasonsByStep = new long[3][Reason.values().length];
        final long[] acceptedByStep = new long[3];
        long creditedSatoshi;
    }

    /**
     * A simulated client of the guard: submits synchronously and keeps its own counts and latency histogram.
     */
    abstract static class Producer
    {
        final String name;
        final LedgerGuard guard;
        final SplittableRandom random;
        final Command command = new Command();
        final long[][] byType = new long[CommandType.values().length][2];
        final long[] byReason = new long[Reason.values().length];
        final Histogram latency = new Histogram(TimeUnit.MINUTES.toNanos(1), 3);
        /** For the live lines: read from another thread. */
        final Recorder recorder = new Recorder(3);
        final AtomicLong rejected = new AtomicLong();
        /** Through the gateway when set: the simulated service is then a client of the sidecar. */
        GatewayClient client;
        /** Through the guard cluster when set: the simulated service is then the cluster's client. */
        ClusterGuardClient clusterClient;
        DemoCluster cluster;
        private final Decision received = new Decision();
        /** The gateway's answer, reused: a synchronous round trip through the client allocates nothing. */
        private final GatewayDecision answered = new GatewayDecision();
        private long nextTxId;

        Producer(final String name, final LedgerGuard guard, final SplittableRandom random, final int lane)
        {
            this.name = name;
            this.guard = guard;
            this.random = random;
            this.nextTxId = (long)lane << 40;
        }

        abstract void run() throws InterruptedException;

        Command start(final CommandType type)
        {
            command.reset();
            command.type = type;
            command.txId = ++nextTxId;
            return command;
        }

        long nextId()
        {
            return ++nextTxId;
        }

        Decision submit()
        {
            final long before = System.nanoTime();
            final Decision decision = client != null ? viaClient() : clusterClient != null ? viaCluster() :
                guard.submit(command);
            final long took = Math.min(System.nanoTime() - before, latency.getHighestTrackableValue());
            latency.recordValue(took);
            recorder.recordValue(took);
            if (!decision.accepted())
            {
                rejected.incrementAndGet();
            }
            byType[command.type.ordinal()][decision.accepted() ? 0 : 1]++;
            byReason[decision.reason.ordinal()]++;
            if (decision.seq == 0)
            {
                throw new IllegalStateException("command not sequenced: " + decision);
            }
            return decision;
        }

        void attach(final DemoCluster demoCluster)
        {
            this.cluster = demoCluster;
            this.clusterClient = demoCluster.client();
        }

        private Decision viaCluster()
        {
            final GatewayDecision answer;
            try
            {
                answer = clusterClient.submit(command);
            }
            catch (final ClusterUnavailableException ex)
            {
                throw new IllegalStateException(name + ": the cluster did not answer: " + ex.getMessage(), ex);
            }
            cluster.acknowledged(command, received(answer));
            return received;
        }

        private Decision viaClient()
        {
            final GatewayDecision answer;
            try
            {
                answer = client.submit(command, answered);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(name + ": the gateway did not answer: " + ex.getMessage(), ex);
            }
            return received(answer);
        }

        /** The part of an answer over the protocol that the producer counts, in the guard's form. */
        private Decision received(final GatewayDecision answer)
        {
            received.reset(answer.seq, answer.txId, answer.timestampNs);
            received.reason = answer.reason;
            received.duplicate = answer.duplicate;
            return received;
        }
    }

    /**
     * A service of the custody side: it records inflows and credits them, and attests every wallet with the balance
     * the chain shows, as a chain observer does, on the clock: well within the age after which an unattested asset is
     * restricted (I5), however slowly commands go through. A deposit refused for the asset's status (restricted when
     * an attestation was late) is kept and credited after the next attestation: coins that arrived are owed to their
     * depositor, and an inflow left uncredited would be headroom nobody is owed.
     */
    abstract class WalletService extends Producer
    {
        private static final int PENDING_ROUNDS_MAX = 10;
        /** Attest every wallet at least this often, by the clock that stamps the guard's commands. */
        private final long attestEveryNs = TimeUnit.MILLISECONDS.toNanos(ATTESTATION_AGE_MS_MAX / 6);
        /** What each wallet holds on chain: the house holdings, plus every inflow, less every settled outflow. */
        final long[] walletBalance = new long[8];
        /** Deposits refused for the asset's status, to credit after the next attestation. */
        private final ArrayDeque<PendingDeposit> pending = new ArrayDeque<>();
        private long attestedNs;

        WalletService(final String name, final LedgerGuard guard, final SplittableRandom random, final int lane)
        {
            super(name, guard, random, lane);
        }

        /**
         * Record an inflow to the asset's deposit wallet and credit the customer for it; a deposit refused for the
         * asset's status is kept for {@link #creditPending()}.
         *
         * @return the deposit's decision, or the inflow's when that was refused.
         */
        Decision deposit(final long accountId, final int asset, final long amount, final String chainRef)
        {
            final long wallet = depositWallet(asset);
            start(CommandType.INFLOW).walletId = wallet;
            command.assetId = asset;
            command.amount = amount;
            command.chainRef(chainRef);
            final Decision inflow = submit();
            if (!inflow.accepted())
            {
                return inflow;
            }
            walletBalance[(int)wallet] += amount;
            final Decision decision = credit(accountId, asset, amount, chainRef);
            if (decision.reason == Reason.ASSET_RESTRICTED || decision.reason == Reason.ASSET_HALTED)
            {
                pending.add(new PendingDeposit(accountId, asset, amount, chainRef));
            }
            return decision;
        }

        /** Attest every wallet when the last attestation is {@link #attestEveryNs} old; then credit what is pending. */
        void attestWhenDue()
        {
            if (clock.nanoTime() - attestedNs >= attestEveryNs)
            {
                attestAll();
            }
        }

        /** Attest every wallet with the balance the chain shows; then credit what is pending. */
        void attestAll()
        {
            attestedNs = clock.nanoTime();
            for (final long[] wallet : HOUSE_HOLDINGS)
            {
                start(CommandType.ATTEST).walletId = wallet[0];
                command.assetId = (int)wallet[1];
                command.amount = walletBalance[(int)wallet[0]];
                submit();
            }
            creditPending();
        }

        /**
         * At the end of the service's run: attest and credit what is pending, a few rounds at most; what is left is
         * reported as uncredited.
         */
        void creditWhatIsPending()
        {
            for (int round = 0; round < PENDING_ROUNDS_MAX && !pending.isEmpty(); round++)
            {
                attestAll();
            }
        }

        /** The customer was credited for an inflow: what the service does next with it. */
        void credited(final long accountId, final int asset, final long amount)
        {
        }

        private void creditPending()
        {
            for (int n = pending.size(); n > 0; n--)
            {
                final PendingDeposit deposit = pending.poll();
                final Decision decision = credit(deposit.accountId(), deposit.asset(), deposit.amount(),
                    deposit.chainRef());
                if (decision.reason == Reason.ASSET_RESTRICTED || decision.reason == Reason.ASSET_HALTED)
                {
                    pending.add(deposit);
                }
            }
        }

        private Decision credit(final long accountId, final int asset, final long amount, final String chainRef)
        {
            start(CommandType.DEPOSIT).accountId = accountId;
            command.assetId = asset;
            command.amount = amount;
            command.chainRef(chainRef);
            final Decision decision = submit();
            if (decision.accepted())
            {
                credited(accountId, asset, amount);
            }
            return decision;
        }
    }

    /** A deposit the wallet service still owes its customer. */
    private record PendingDeposit(long accountId, int asset, long amount, String chainRef)
    {
    }

    /**
     * Opens every account, attests the house holdings and funds every customer through inflows and deposits.
     */
    final class Setup extends WalletService
    {
        final long[][] funded = new long[accounts][5];

        Setup(final LedgerGuard guard, final SplittableRandom random)
        {
            super("setup", guard, random, 1);
        }

        @Override
        void run()
        {
            for (final long[] wallet : HOUSE_HOLDINGS)
            {
                walletBalance[(int)wallet[0]] = wallet[2];
            }
            attestAll();
            open(FEE_ACCOUNT, AccountKind.OPERATOR);
            open(PAYOUT_POOL_ACCOUNT, AccountKind.OPERATOR);
            for (int i = 0; i < accounts; i++)
            {
                open(CUSTOMER_BASE + i, AccountKind.CUSTOMER);
            }
            long chainRef = 0;
            for (int i = 0; i < accounts; i++)
            {
                for (int asset = BTC; asset <= KRW; asset++)
                {
                    // Market makers (one in a hundred) are funded fifty times the mean; the long tail much less.
                    final long mean = FUNDING_MEAN[asset];
                    final long amount = i % 100 == 0 ? mean * 50 : 1 + random.nextLong(Math.max(1, mean + mean / 2));
                    attestWhenDue();
                    deposit(CUSTOMER_BASE + i, asset, amount, "fund:" + (++chainRef));
                }
            }
            // The event-payout pool is funded in won, for the promotion as it was meant.
            deposit(PAYOUT_POOL_ACCOUNT, KRW, 620_000L, "promo-funding:1");
            creditWhatIsPending();
        }

        @Override
        void credited(final long accountId, final int asset, final long amount)
        {
            if (accountId >= CUSTOMER_BASE && accountId < CUSTOMER_BASE + accounts)
            {
                funded[(int)(accountId - CUSTOMER_BASE)][asset] = amount;
            }
        }

        private void open(final long accountId, final AccountKind kind)
        {
            start(CommandType.OPEN_ACCOUNT).accountId = accountId;
            command.accountKind = kind;
            submit();
        }

    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ArrayDeque<long[]>[] newQueues()
    {
        final ArrayDeque<long[]>[] queues = new ArrayDeque[MARKETS.length];
        for (int i = 0; i < queues.length; i++)
        {
            queues[i] = new ArrayDeque<>();
        }
        return queues;
    }

    static long depositWallet(final int asset)
    {
        switch (asset)
        {
            case BTC: return BTC_HOT_WALLET;
            case ETH: return ETH_HOT_WALLET;
            case USDT: return USDT_HOT_WALLET;
            default: return KRW_BANK_ACCOUNT;
        }
    }

    /**
     * An order gateway over its own share of the customers (account index modulo the number of gateways), keeping a
     * model of what each has available: exact for what it does itself, a lower bound overall since deposits arrive
     * through the custody feed.
     */
    final class Gateway extends Producer
    {
        private final int index;
        private final long[][] available;
        private final ConcurrentLinkedQueue<long[]> withdrawals;
        private final CountDownLatch halfway;
        /** Open orders: {holdId, account, market, side (1 sell), lots, held remaining, done (1)}. */
        private final List<long[]> orders = new ArrayList<>();
        private final ArrayDeque<long[]>[] sells = newQueues();
        private final ArrayDeque<long[]>[] buys = newQueues();
        private final int[] customers;
        private final int[] makers;

        Gateway(
            final LedgerGuard guard, final long seed, final int index, final long[][] funded,
            final ConcurrentLinkedQueue<long[]> withdrawals, final CountDownLatch halfway)
        {
            super("gateway-" + index, guard, new SplittableRandom(seed * 7919 + index), 10 + index);
            this.index = index;
            this.available = new long[funded.length][];
            final List<Integer> own = new ArrayList<>();
            final List<Integer> ownMakers = new ArrayList<>();
            for (int i = index; i < funded.length; i += gateways)
            {
                available[i] = funded[i].clone();
                own.add(i);
                if (i % 100 == 0)
                {
                    ownMakers.add(i);
                }
            }
            this.customers = own.stream().mapToInt(Integer::intValue).toArray();
            this.makers = ownMakers.stream().mapToInt(Integer::intValue).toArray();
            this.withdrawals = withdrawals;
            this.halfway = halfway;
        }

        @Override
        void run()
        {
            for (int n = 0; n < commandsPerGateway; n++)
            {
                if (halfway != null && n == commandsPerGateway / 2)
                {
                    halfway.countDown();
                }
                final int roll = random.nextInt(100);
                if (orders.size() > 400)
                {
                    // Orders rest for a while, then expire: the book stays the size of a real one.
                    cancel(random.nextInt(orders.size()));
                }
                else if (roll < 40 || orders.size() < 8)
                {
                    placeOrder(false);
                }
                else if (roll < 75)
                {
                    trade();
                }
                else if (roll < 88)
                {
                    cancel(random.nextInt(orders.size()));
                }
                else if (roll < 93)
                {
                    transfer();
                }
                else if (roll < 97)
                {
                    withdraw();
                }
                else
                {
                    placeOrder(true);
                }
            }
            while (!orders.isEmpty())
            {
                cancel(orders.size() - 1);
            }
        }

        private int customer()
        {
            // A quarter of the flow comes from the market makers, the rest from the long tail.
            if (makers.length > 0 && random.nextInt(4) == 0)
            {
                return makers[random.nextInt(makers.length)];
            }
            return customers[random.nextInt(customers.length)];
        }

        private void placeOrder(final boolean beyondFunds)
        {
            final int customer = customer();
            final int market = random.nextInt(MARKETS.length);
            final boolean sell = random.nextBoolean();
            final int asset = (int)MARKETS[market][sell ? 0 : 1];
            final long lotBase = MARKETS[market][2];
            final long lotQuote = MARKETS[market][3];
            final long perLot = sell ? lotBase : lotQuote;
            final long lotsAffordable = available[customer][asset] / perLot;
            if (lotsAffordable < 1 && !beyondFunds)
            {
                transfer();
                return;
            }
            final long lots = beyondFunds ? Math.max(1, lotsAffordable) * 10 + 1 :
                1 + random.nextLong(Math.max(1, lotsAffordable / 20));
            final long amount = lots * perLot;
            start(CommandType.HOLD).holdId = command.txId;
            command.accountId = CUSTOMER_BASE + customer;
            command.assetId = asset;
            command.amount = amount;
            if (submit().accepted())
            {
                available[customer][asset] -= amount;
                final long[] order = {command.holdId, customer, market, sell ? 1 : 0, lots, amount, 0};
                orders.add(order);
                (sell ? sells : buys)[market].addLast(order);
            }
        }

        private void trade()
        {
            // Match the oldest resting sell against the oldest resting buy of a market, from a different customer.
            final int first = random.nextInt(MARKETS.length);
            for (int m = 0; m < MARKETS.length; m++)
            {
                final int market = (first + m) % MARKETS.length;
                final long[] sell = head(sells[market]);
                final long[] buy = head(buys[market]);
                if (sell != null && buy != null && sell[1] != buy[1])
                {
                    fill(market, sell, buy);
                    return;
                }
            }
            placeOrder(false);
        }

        private long[] head(final ArrayDeque<long[]> queue)
        {
            long[] order;
            while ((order = queue.peekFirst()) != null && order[6] != 0)
            {
                queue.pollFirst();
            }
            return order;
        }

        private void fill(final int market, final long[] sell, final long[] buy)
        {
            final int base = (int)MARKETS[market][0];
            final int quote = (int)MARKETS[market][1];
            final long lots = Math.min(sell[4], buy[4]);
            final long baseAmount = lots * MARKETS[market][2];
            final long quoteAmount = lots * MARKETS[market][3];
            final long sellerFee = quoteAmount / 1_000;
            final long buyerFee = baseAmount / 1_000;
            final long seller = CUSTOMER_BASE + sell[1];
            final long buyer = CUSTOMER_BASE + buy[1];

            start(CommandType.BATCH);
            leg(seller, buyer, base, baseAmount, sell[0]);
            leg(buyer, seller, quote, quoteAmount, buy[0]);
            if (sellerFee > 0)
            {
                leg(seller, FEE_ACCOUNT, quote, sellerFee, 0);
            }
            if (buyerFee > 0)
            {
                leg(buyer, FEE_ACCOUNT, base, buyerFee, 0);
            }
            if (submit().accepted())
            {
                available[(int)sell[1]][quote] += quoteAmount - sellerFee;
                available[(int)buy[1]][base] += baseAmount - buyerFee;
                sell[4] -= lots;
                sell[5] -= baseAmount;
                buy[4] -= lots;
                buy[5] -= quoteAmount;
                // A filled order is done; what is left of its hold after the last lot is released.
                finishIfFilled(sell);
                finishIfFilled(buy);
            }
        }

        private void finishIfFilled(final long[] order)
        {
            if (order[4] == 0)
            {
                cancel(orders.indexOf(order));
            }
        }

        private void leg(final long debit, final long credit, final int asset, final long amount, final long holdId)
        {
            final Command leg = command.addInner();
            leg.type = CommandType.TRANSFER;
            leg.txId = nextId();
            leg.debitAccountId = debit;
            leg.creditAccountId = credit;
            leg.assetId = asset;
            leg.amount = amount;
            leg.holdId = holdId;
        }

        private void cancel(final int orderIndex)
        {
            final long[] order = orders.get(orderIndex);
            final long[] last = orders.remove(orders.size() - 1);
            if (last != order)
            {
                orders.set(orderIndex, last);
            }
            order[6] = 1;
            if (order[5] == 0)
            {
                return;
            }
            start(CommandType.RELEASE).holdId = order[0];
            command.amount = order[5];
            if (submit().accepted())
            {
                final int market = (int)order[2];
                available[(int)order[1]][(int)MARKETS[market][order[3] == 1 ? 0 : 1]] += order[5];
            }
        }

        private void transfer()
        {
            final int from = customer();
            final int to = customer();
            final int asset = BTC + random.nextInt(4);
            if (from == to || available[from][asset] < 2)
            {
                return;
            }
            final long amount = 1 + random.nextLong(available[from][asset] / 10 + 1);
            start(CommandType.TRANSFER).debitAccountId = CUSTOMER_BASE + from;
            command.creditAccountId = CUSTOMER_BASE + to;
            command.assetId = asset;
            command.amount = amount;
            if (submit().accepted())
            {
                available[from][asset] -= amount;
                available[to][asset] += amount;
            }
        }

        private void withdraw()
        {
            final int customer = customer();
            final int asset = BTC + random.nextInt(4);
            if (available[customer][asset] < 10)
            {
                return;
            }
            final long amount = 1 + random.nextLong(available[customer][asset] / 5);
            final long wallet = depositWallet(asset);
            start(CommandType.WITHDRAW).holdId = command.txId;
            command.accountId = CUSTOMER_BASE + customer;
            command.walletId = wallet;
            command.assetId = asset;
            command.amount = amount;
            if (submit().accepted())
            {
                available[customer][asset] -= amount;
                withdrawals.add(new long[]{command.holdId, wallet, amount});
            }
        }
    }

    /**
     * The custody feed and wallet service: observes inflows and credits them, settles the withdrawals the gateways
     * requested (the coins leave the hot wallet), and attests every wallet with the balance the chain shows. It does
     * every custody-side command itself, so its view of each wallet is exact and attestations show no drift.
     */
    final class Custody extends WalletService
    {
        /** Attest after this many operations too, sooner than the clock asks when trading is busy. */
        private static final int ATTEST_EVERY = 500;
        private final ConcurrentLinkedQueue<long[]> withdrawals;
        private final AtomicBoolean tradingDone;
        private long chainRef;

        Custody(
            final LedgerGuard guard, final long seed, final ConcurrentLinkedQueue<long[]> withdrawals,
            final AtomicBoolean tradingDone, final long[] walletBalance)
        {
            super("custody", guard, new SplittableRandom(seed * 104729), 2);
            this.withdrawals = withdrawals;
            this.tradingDone = tradingDone;
            System.arraycopy(walletBalance, 0, this.walletBalance, 0, walletBalance.length);
        }

        @Override
        void run() throws InterruptedException
        {
            int operations = 0;
            boolean last = false;
            while (!last)
            {
                last = tradingDone.get();
                long[] withdrawal;
                while ((withdrawal = withdrawals.poll()) != null)
                {
                    settle(withdrawal);
                    operations++;
                }
                if (!last && random.nextInt(3) == 0)
                {
                    deposit();
                    operations++;
                }
                else if (!last)
                {
                    Thread.sleep(0, 100_000);
                }
                if (operations >= ATTEST_EVERY)
                {
                    attestAll();
                    operations = 0;
                }
                else
                {
                    attestWhenDue();
                }
            }
            attestAll();
            creditWhatIsPending();
        }

        private void deposit()
        {
            final int asset = BTC + random.nextInt(4);
            final long customer = CUSTOMER_BASE + random.nextInt(accounts);
            final long amount = 1 + random.nextLong(FUNDING_MEAN[asset] / 4);
            deposit(customer, asset, amount, "chain:" + (++chainRef));
        }

        private void settle(final long[] withdrawal)
        {
            // One in twenty withdrawals is cancelled by the wallet service (address screening, say).
            start(random.nextInt(20) == 0 ? CommandType.WITHDRAW_CANCEL : CommandType.WITHDRAW_SETTLE).holdId =
                withdrawal[0];
            if (submit().accepted() && command.type == CommandType.WITHDRAW_SETTLE)
            {
                walletBalance[(int)withdrawal[1]] -= withdrawal[2];
            }
        }
    }

    /**
     * The operator console. Halfway through trading it injects the phantom payout: 620,000 won was to be paid out
     * across 695 customers, and BTC was keyed instead of won.
     */
    final class Operator extends Producer
    {
        final Incident incident = new Incident();
        private final AssetCounters counters;
        private final CountDownLatch halfway;

        Operator(final LedgerGuard guard, final AssetCounters counters, final CountDownLatch halfway)
        {
            super("operator", guard, new SplittableRandom(seed * 31337), 3);
            this.counters = counters;
            this.halfway = halfway;
        }

        @Override
        void run() throws InterruptedException
        {
            halfway.await();
            final AssetCounters.Snapshot btc = new AssetCounters.Snapshot();
            counters.read(0, btc);
            incident.btcHoldingsBefore = btc.holdings;
            incident.btcObligationsBefore = btc.obligations;

            // 1. The pool meant to hold 620,000 won is topped up with 620,000 BTC.
            start(CommandType.ADJUST).accountId = PAYOUT_POOL_ACCOUNT;
            command.assetId = BTC;
            command.amount = PAYOUT_KEYED_TOTAL_SATOSHI;
            command.memo("event payout pool top-up (keyed BTC, meant KRW)");
            record(0, submit());

            // 2. The promotion credited straight to each recipient: 620,000 / 695 BTC each.
            final long each = PAYOUT_KEYED_TOTAL_SATOSHI / PAYOUT_RECIPIENTS;
            for (int i = 0; i < PAYOUT_RECIPIENTS; i++)
            {
                start(CommandType.ADJUST).accountId = CUSTOMER_BASE + i * 7L % accounts;
                command.assetId = BTC;
                command.amount = each;
                command.memo("promotional payout (keyed BTC, meant KRW)");
                record(1, submit());
            }

            // 3. The same payout paid from the event pool, which holds won, not BTC.
            for (int i = 0; i < PAYOUT_RECIPIENTS; i++)
            {
                start(CommandType.TRANSFER).debitAccountId = PAYOUT_POOL_ACCOUNT;
                command.creditAccountId = CUSTOMER_BASE + i * 7L % accounts;
                command.assetId = BTC;
                command.amount = each;
                record(2, submit());
            }
            counters.read(0, btc);
            incident.btcObligationsAfter = btc.obligations;
        }

        private void record(final int step, final Decision decision)
        {
            if (decision.accepted())
            {
                incident.acceptedByStep[step]++;
                incident.creditedSatoshi += command.amount;
            }
            incident.reasonsByStep[step][decision.reason.ordinal()]++;
        }
    }
}
