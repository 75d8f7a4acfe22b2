package io.ledgerguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.ledgerguard.cluster.ClusterCredentials;
import io.ledgerguard.cluster.ClusterMembers;
import io.ledgerguard.config.AdminSettings;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.JournalSettings;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.MemoryBudget;
import io.ledgerguard.gateway.AdminServer;
import io.ledgerguard.gateway.ClusterSidecar;
import io.ledgerguard.gateway.GatewaySettings;
import io.ledgerguard.gateway.Sidecar;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.journal.JournalStoppedException;
import io.ledgerguard.keys.KeyFile;

/**
 * {@code ledger-guard serve}: the sidecar gateway (SPEC §9). Recovers from its journal, then serves the binary protocol
 * until stopped (SIGINT or SIGTERM), closing in order: the gateway, then the pipeline, so every request taken is
 * answered and journaled.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "The sidecar gateway: other services reach the guard over TCP (loopback by default) or a Unix domain " +
            "socket with the binary protocol of docs/protocol.md.",
        "Admin and metrics over HTTP on --admin-listen (loopback by default): GET /health, /ready, /status, " +
            "/alerts, /alerts/stream (server-sent events), /metrics (Prometheus), and POST /commands for signed " +
            "privileged commands (docs/approvals.md)."
    })
final class ServeCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration (YAML).")
    private Path config;

    @Option(names = "--journal", paramLabel = "DIR",
        description = "The journal (Chronicle Queue) to recover from and write to; without it nothing is durable.")
    private Path journal;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7301",
        description = "TCP address (default ${DEFAULT-VALUE}: loopback only).")
    private String listen;

    @Option(names = "--admin-listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7302",
        description = "Admin and metrics HTTP address (default ${DEFAULT-VALUE}: loopback only).")
    private String adminListen;

    @Option(names = "--unix-socket", paramLabel = "PATH",
        description = "Also listen on this Unix domain socket, created with mode 0660.")
    private Path unixSocket;

    @Option(names = "--unix-socket-group", paramLabel = "GROUP",
        description = "Give the Unix domain socket this group, the exchange's services' (default: the process's).")
    private String unixSocketGroup;

    @Option(names = "--connections-max", paramLabel = "N", defaultValue = "256",
        description = "Most connections at once (default ${DEFAULT-VALUE}).")
    private int connectionsMax;

    @Option(names = "--in-flight-max", paramLabel = "N", defaultValue = "1024",
        description = "Requests in flight per connection (default ${DEFAULT-VALUE}).")
    private int inFlightMax;

    @Option(names = "--handshake-timeout-ms", paramLabel = "MS", defaultValue = "5000",
        description = "How long a connection may take to say Hello and prove its key (default: ${DEFAULT-VALUE}).")
    private long handshakeTimeoutMs;

    @Option(names = "--alerts", paramLabel = "FILE", description = "Also append alerts to this JSON Lines file.")
    private Path alerts;

    @Option(names = "--for-seconds", paramLabel = "S", hidden = true,
        description = "Stop after this many seconds (for tests).")
    private long forSeconds;

    @Option(names = "--cluster", paramLabel = "HOST:PORT,...", description = "Be the gateway of a guard cluster " +
        "(cluster node): every request goes to its leader, and is sent again with its txId after a leader change. " +
        "No guard, journal or admin server runs here; each node serves its status.")
    private String cluster;

    @Option(names = "--cluster-unavailable-ms", paramLabel = "MS", defaultValue = "10000", description = "With " +
        "--cluster: how long a request waits while no leader can be reached before it is answered GUARD_FAILED " +
        "(default ${DEFAULT-VALUE}).")
    private long clusterUnavailableMs;

    @Option(names = "--cluster-key", paramLabel = "FILE", description = "With --cluster: the gateway's own key file " +
        "(keys generate), which the nodes ask for once the rules name clients: the rules must name its id with a " +
        "role that allows every command type the gateway's clients send.")
    private Path clusterKey;

    private static InetSocketAddress address(final String option, final String text)
    {
        final int colon = text.lastIndexOf(':');
        try
        {
            if (colon <= 0)
            {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(option + ": expected HOST:PORT, was '" + text + "'", ex);
        }
    }

    /**
     * @return true when the journal exists and holds the gateway's clients as rules (SPEC §13): they, not the file's,
     *     decide whether the gateway is open; false when it is new, begun before clients were rules, or unreadable
     *     (the sidecar names what is wrong with it).
     */
    private static boolean journalNamesClients(final Path journal, final GuardConfig file)
    {
        if (journal == null)
        {
            return false;
        }
        try
        {
            final Genesis genesis = Genesis.of(journal, file);
            return genesis.toRecord() == null && genesis.clientsInJournal();
        }
        catch (final RuntimeException unreadable)
        {
            return false;
        }
    }

    /**
     * @return why a way in would be open beyond this host to whoever reaches it, or {@code null} when none would.
     */
    private static String openBeyondLoopback(final GatewaySettings settings, final InetSocketAddress adminAddress,
        final AdminSettings adminSettings, final boolean journalDecides)
    {
        // With a journal that holds its clients, its rules decide, after recovery (Sidecar): not the file.
        if (settings.tcp != null && !settings.tcp.getAddress().isLoopbackAddress() && !settings.clients.required() &&
            !journalDecides)
        {
            // Without client keys, whoever reaches the gateway may move money: only this host may.
            return "--listen " + settings.tcp.getHostString() + ":" + settings.tcp.getPort() + " is not a loopback " +
                "address, and the configuration names no clients: any host that reaches it could send any command " +
                "that needs no approval; name the clients under clients: with their keys and roles, or listen on " +
                "127.0.0.1 or --unix-socket";
        }
        if (adminAddress != null && adminSettings.tokens().isEmpty() &&
            !adminAddress.getAddress().isLoopbackAddress())
        {
            return AdminServer.openBeyondLoopback(adminAddress);
        }
        return null;
    }

    /**
     * Serve until the process is told to stop (SIGTERM, SIGINT), or for {@code --for-seconds}; then close.
     */
    private void serveUntilStopped(final Runnable close) throws InterruptedException
    {
        final CountDownLatch stop = new CountDownLatch(1);
        final Thread hook = new Thread(() ->
        {
            close.run();
            stop.countDown();
        }, "serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (forSeconds > 0)
        {
            stop.await(forSeconds, TimeUnit.SECONDS);
            Runtime.getRuntime().removeShutdownHook(hook);
            close.run();
        }
        else
        {
            stop.await();
        }
    }

    static ClusterCredentials credentials(final Path file)
    {
        try
        {
            final KeyFile key = KeyFile.read(file);
            return new ClusterCredentials(key.id(), key.privateKey());
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException("--cluster-key " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** The gateway in front of a guard cluster: no guard, journal or admin server in this process. */
    private int serveCluster(final PrintWriter err, final GuardConfig guardConfig, final GatewaySettings settings)
        throws InterruptedException
    {
        final ClusterMembers members;
        final ClusterCredentials credentials;
        try
        {
            members = ClusterMembers.parse(cluster, "--cluster");
            if (journal != null || alerts != null)
            {
                throw new IllegalArgumentException("--journal and --alerts are the nodes' with --cluster (cluster " +
                    "node --dir keeps each node's journal; each node publishes its alerts as leader, on its log and " +
                    "to cluster node --alerts FILE)");
            }
            if (clusterUnavailableMs < 1)
            {
                throw new IllegalArgumentException("--cluster-unavailable-ms must be > 0, was " +
                    clusterUnavailableMs);
            }
            if (clusterKey == null && settings.clients.required())
            {
                // The nodes admit only the rules' clients: the gateway is one of them, by its own key.
                throw new IllegalArgumentException("the configuration names clients, so the cluster's nodes admit " +
                    "only those: the gateway needs its own, --cluster-key FILE (keys generate), named under clients: " +
                    "with a role that allows every command type its clients send");
            }
            credentials = clusterKey == null ? null : credentials(clusterKey);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ledger-guard serve: " + ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }
        final String open = openBeyondLoopback(settings, null, AdminSettings.none(), false);
        if (open != null)
        {
            err.println("ledger-guard serve: " + open);
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }
        final ClusterSidecar sidecar;
        try
        {
            sidecar = ClusterSidecar.start(guardConfig, members, credentials, settings, java.nio.file.Path.of(
                System.getProperty("java.io.tmpdir"), "ledger-guard-serve-aeron-" + ProcessHandle.current().pid()),
                java.time.Duration.ofMillis(clusterUnavailableMs), err);
        }
        catch (final IOException ex)
        {
            err.println("ledger-guard serve: cannot listen: " + ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_FAILURE;
        }
        err.println("serve: no admin server with --cluster: each node serves its status (cluster status)");
        err.flush();
        serveUntilStopped(sidecar::close);
        err.println("serve: stopped; " + sidecar.server().requests() + " requests served; " +
            sidecar.port().resent() + " sent again after a leader change");
        err.flush();
        return LedgerGuardCli.EXIT_OK;
    }

    @Override
    public Integer call() throws InterruptedException
    {
        final PrintWriter err = spec.commandLine().getErr();
        final GatewaySettings settings = new GatewaySettings();
        final InetSocketAddress adminAddress;
        try
        {
            settings.tcp = address("--listen", listen);
            adminAddress = address("--admin-listen", adminListen);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ledger-guard serve: " + ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }
        if (connectionsMax < 1 || inFlightMax < 1 || handshakeTimeoutMs < 1)
        {
            err.println("ledger-guard serve: --connections-max, --in-flight-max and --handshake-timeout-ms must be " +
                "> 0");
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }
        settings.unixSocket = unixSocket;
        settings.unixSocketGroup = unixSocketGroup;
        settings.connectionsMax = connectionsMax;
        settings.inFlightMax = inFlightMax;
        settings.handshakeTimeoutMs = handshakeTimeoutMs;
        final GuardConfig guardConfig;
        final JournalSettings journalSettings;
        final AdminSettings adminSettings;
        try
        {
            guardConfig = ConfigLoader.load(config);
            journalSettings = ConfigLoader.loadJournalSettings(config);
            adminSettings = ConfigLoader.loadAdminSettings(config);
            settings.clients = ConfigLoader.loadClientSettings(config);
            // Before anything is allocated; with a journal, snapshots hold the state a second time. In front of a
            // cluster no guard runs here: the nodes hold the state.
            if (cluster == null)
            {
                MemoryBudget.of(guardConfig).checkFits(journal == null ? 1 : 2);
            }
        }
        catch (final ConfigurationException ex)
        {
            err.println("ledger-guard: configuration error: " + ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }
        if (clusterKey != null && cluster == null)
        {
            err.println("ledger-guard serve: --cluster-key is the gateway's key for a guard cluster: it needs " +
                "--cluster");
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }
        if (cluster != null)
        {
            return serveCluster(err, guardConfig, settings);
        }
        final String openBeyondLoopback = openBeyondLoopback(settings, adminAddress, adminSettings,
            journalNamesClients(journal, guardConfig));
        if (openBeyondLoopback != null)
        {
            err.println("ledger-guard serve: " + openBeyondLoopback);
            err.flush();
            return LedgerGuardCli.EXIT_USAGE;
        }
        final Sidecar sidecar;
        try
        {
            sidecar = Sidecar.start(guardConfig, journalSettings, journal, alerts, settings, adminAddress,
                adminSettings, err);
        }
        catch (final IOException ex)
        {
            err.println("ledger-guard serve: cannot listen: " + ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_FAILURE;
        }
        catch (final JournalFormatException | JournalCorruptException | JournalStoppedException |
            IllegalStateException | java.io.UncheckedIOException ex)
        {
            // An operating error names the file or entry and what to do: a message, not a stack trace.
            err.println("ledger-guard serve: --journal " + journal + ": " + ex.getMessage());
            err.flush();
            return LedgerGuardCli.EXIT_FAILURE;
        }
        serveUntilStopped(sidecar::close);
        err.println("serve: stopped; " + sidecar.server().requests() + " requests served");
        err.flush();
        return LedgerGuardCli.EXIT_OK;
    }
}
