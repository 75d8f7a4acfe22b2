package io.ledgerguard.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.pipeline.WaitStrategyKind;
import io.ledgerguard.demo.DemoReport;
import io.ledgerguard.demo.ExchangeSimulation;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.JournalFormatException;

/**
 * {@code ledger-guard demo}: the main job (SPEC §9) on the embedded default configuration.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
        "Runs a seeded simulated exchange (accounts, deposits with custody inflows, orders, linked trades with fees,",
        "withdrawals and settlements, attestations) through the guard's pipeline from several producer threads,",
        "injects the phantom-payout incident of SPEC section 1, and prints what the guard did and its latency."})
public final class DemoCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    private boolean json;

    @Option(names = "--seed", description = "Seed of the simulation (default: ${DEFAULT-VALUE}).", defaultValue = "42")
    private long seed;

    @Option(names = "--accounts", description = "Customers (default: 10000; 1000 with --cluster).")
    private Integer accounts;

    @Option(names = "--gateways", description = "Order-gateway threads (default: ${DEFAULT-VALUE}).",
        defaultValue = "3")
    private int gateways;

    @Option(names = "--commands-per-gateway", description = "Commands each gateway submits (default: 100000; " +
        "3000 with --cluster, where each takes a round of consensus).")
    private Integer commandsPerGateway;

    @Option(names = "--wait-strategy", description = "BLOCKING, TIMEOUT_BLOCKING, SLEEPING, YIELDING or BUSY_SPIN " +
        "(default: ${DEFAULT-VALUE}; spinning strategies need a core per stage).", defaultValue = "BLOCKING")
    private WaitStrategyKind waitStrategy;

    @Option(names = "--ring-size", description = "Ring slots, a power of two (default: ${DEFAULT-VALUE}).",
        defaultValue = "1024")
    private int ringSize;

    @Option(names = "--journal", paramLabel = "DIR", description = "With --cluster: keep the nodes' directories " +
        "(each node-N with its evidence journal) here rather than in a temporary one. Otherwise: journal to a " +
        "Chronicle Queue in this new or " +
        "empty directory, with snapshots, instead of in memory; after the run, recover from it and compare.")
    private Path journal;

    @Option(names = "--journal-durability", paramLabel = "MODE", defaultValue = "process",
        description = "process or os, with --journal (default: ${DEFAULT-VALUE}).")
    private String journalDurability;

    @Option(names = "--alerts", paramLabel = "FILE", description = "Also append every alert to this file as JSON " +
        "Lines (SPEC section 9), through the alert dispatcher.")
    private Path alerts;

    @Option(names = "--gateway", description = "Run the guard as the sidecar: the gateway on loopback, every " +
        "simulated service (order gateways, custody feed and wallet service, operator console) its client over the " +
        "binary protocol; a line of live figures every second.")
    private boolean gateway;

    @Option(names = "--cluster", description = "Run the guard as a three-node Aeron Cluster on loopback, every " +
        "simulated service its client; stop the leader halfway through trading, start it again after, and compare " +
        "the nodes' state and evidence with what the clients were told.")
    private boolean cluster;

    @Option(names = "--cluster-ports", paramLabel = "BASE", defaultValue = "29300",
        description = "With --cluster: the first of the 30 loopback ports the nodes take (default: ${DEFAULT-VALUE}).")
    private int clusterPorts;

    @Option(names = "--dashboard", description = "With --gateway: keep the admin server and its dashboard up during " +
        "the demo on loopback, and print its address; trading starts after --dashboard-pause and the dashboard " +
        "stays up --dashboard-hold after the last command.")
    private boolean dashboard;

    @Option(names = "--dashboard-port", paramLabel = "PORT", defaultValue = "0",
        description = "The dashboard's loopback port; 0 for any free one (default: ${DEFAULT-VALUE}).")
    private int dashboardPort;

    @Option(names = "--dashboard-pause", paramLabel = "SECONDS", defaultValue = "10",
        description = "Seconds to wait, customers set up, before trading starts (default: ${DEFAULT-VALUE}).")
    private int dashboardPause;

    @Option(names = "--dashboard-hold", paramLabel = "SECONDS", defaultValue = "60",
        description = "Seconds the dashboard stays up after the last command (default: ${DEFAULT-VALUE}).")
    private int dashboardHold;

    @Override
    public Integer call() throws Exception
    {
        final PrintWriter err = spec.commandLine().getErr();
        if (accounts == null)
        {
            accounts = cluster ? 1_000 : 10_000;
        }
        if (commandsPerGateway == null)
        {
            commandsPerGateway = cluster ? 3_000 : 100_000;
        }
        final String usage = usageError();
        if (usage != null)
        {
            err.println("ledger-guard demo: " + usage);
            return LedgerGuardCli.EXIT_USAGE;
        }
        final String dashboardError = dashboardError();
        if (dashboardError != null)
        {
            err.println("ledger-guard demo: " + dashboardError);
            return LedgerGuardCli.EXIT_USAGE;
        }
        if (!json)
        {
            err.printf("ledger-guard demo: simulating %,d customers, %d gateways x %,d commands...%n",
                accounts, gateways, commandsPerGateway);
        }
        final ExchangeSimulation simulation =
            new ExchangeSimulation(seed, accounts, gateways, commandsPerGateway, waitStrategy, ringSize);
        if (alerts != null)
        {
            simulation.alerts(alerts);
        }
        if (cluster)
        {
            // Progress lines go to standard error: standard output stays the report (or JSON).
            simulation.viaCluster(err, clusterPorts, journal);
            try
            {
                simulation.journalDurability(JournalDurability.fromName(journalDurability));
            }
            catch (final ConfigurationException ex)
            {
                err.println("ledger-guard demo: --journal-durability: " + ex.getMessage());
                return LedgerGuardCli.EXIT_USAGE;
            }
        }
        if (gateway)
        {
            // Live lines go to standard error, like the progress line: standard output stays the report (or JSON).
            simulation.viaGateway(err);
        }
        if (dashboard)
        {
            simulation.dashboard(new InetSocketAddress(InetAddress.getLoopbackAddress(), dashboardPort),
                TimeUnit.SECONDS.toMillis(dashboardPause), TimeUnit.SECONDS.toMillis(dashboardHold));
        }
        if (journal != null && !cluster)
        {
            try
            {
                simulation.journal(journal, JournalDurability.fromName(journalDurability));
            }
            catch (final ConfigurationException ex)
            {
                err.println("ledger-guard demo: --journal-durability: " + ex.getMessage());
                return LedgerGuardCli.EXIT_USAGE;
            }
        }
        final DemoReport report;
        try
        {
            report = simulation.run();
        }
        catch (final IllegalArgumentException | JournalFormatException | UncheckedIOException ex)
        {
            err.println("ledger-guard demo: " + ex.getMessage());
            return LedgerGuardCli.EXIT_USAGE;
        }
        catch (final ConfigurationException ex)
        {
            System.err.println("ledger-guard demo: configuration error: " + ex.getMessage());
            return LedgerGuardCli.EXIT_USAGE;
        }
        if (json)
        {
            report.printJson(System.out);
        }
        else
        {
            report.printText(System.out);
        }
        System.out.flush();
        return report.healthy() ? LedgerGuardCli.EXIT_OK : LedgerGuardCli.EXIT_FAILURE;
    }

    private String usageError()
    {
        if (cluster && (gateway || dashboard))
        {
            return "--cluster runs without --gateway and --dashboard: its simulated services are the cluster's " +
                "clients themselves (the demo does not put serve --cluster's gateway in between)";
        }
        if (clusterPorts < 1 || clusterPorts > 65_535 - 30)
        {
            return "--cluster-ports must be 1.." + (65_535 - 30) + ", was " + clusterPorts;
        }
        if (cluster && journal != null && !emptyOrMissing(journal))
        {
            return "--journal " + journal + ": with --cluster it must be a new or empty directory (the nodes' " +
                "directories go there; an earlier run's would be started again)";
        }
        if (accounts < 1_000 || accounts > 1_000_000)
        {
            return "--accounts must be 1000..1000000, was " + accounts;
        }
        if (gateways < 1 || gateways > 64)
        {
            return "--gateways must be 1..64, was " + gateways;
        }
        if (commandsPerGateway < 100)
        {
            return "--commands-per-gateway must be >= 100, was " + commandsPerGateway;
        }
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1)
        {
            return "--ring-size must be a power of two, was " + ringSize;
        }
        return null;
    }

    private static boolean emptyOrMissing(final Path dir)
    {
        if (!java.nio.file.Files.exists(dir))
        {
            return true;
        }
        try (java.util.stream.Stream<Path> entries = java.nio.file.Files.list(dir))
        {
            return entries.findAny().isEmpty();
        }
        catch (final java.io.IOException ex)
        {
            return false;
        }
    }

    private String dashboardError()
    {
        if (dashboard && !gateway)
        {
            return "--dashboard needs --gateway: the admin server watches the gateway";
        }
        if (dashboardPort < 0 || dashboardPort > 65_535)
        {
            return "--dashboard-port must be 0..65535, was " + dashboardPort;
        }
        // The demo's wallets are attested once before trading and must be again within a minute (attestationAgeMsMax):
        // a longer pause would restrict every asset before the first trade.
        if (dashboardPause < 0 || dashboardPause > 45)
        {
            return "--dashboard-pause must be 0..45 seconds (the demo's attestations go stale after 60), was " +
                dashboardPause;
        }
        if (dashboardHold < 0 || dashboardHold > 86_400)
        {
            return "--dashboard-hold must be 0..86400 seconds, was " + dashboardHold;
        }
        return null;
    }
}
