package io.ledgerguard.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.ledgerguard.alerts.JsonLinesAlertSink;
import io.ledgerguard.cluster.ClusterMembers;
import io.ledgerguard.cluster.ClusterNode;
import io.ledgerguard.cluster.ClusterOperations;
import io.ledgerguard.config.AdminSettings;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.JournalSettings;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.MemoryBudget;
import io.ledgerguard.core.pipeline.AlertDispatcher;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.gateway.ClusterStatusServer;

/**
 * {@code ledger-guard cluster}: the guard as a three-node (or larger) Aeron Cluster (issue 16, docs/cluster.md).
 */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Run and operate a guard cluster: the same guard on several nodes, replicated by Aeron Cluster.",
    subcommands = {
        ClusterCommand.Node.class,
        ClusterCommand.Seed.class,
        ClusterCommand.Status.class,
        ClusterCommand.Snapshot.class,
        ClusterCommand.Stop.class
    })
public final class ClusterCommand implements java.util.concurrent.Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_USAGE;
    }

    /** {@code cluster node}: one node, until the cluster stops it or the process is told to stop. */
    @Command(name = "node", mixinStandardHelpOptions = true,
        description = "Run one node of a guard cluster: its Aeron media driver, archive and consensus module, the " +
            "guard, its evidence journal (DIR/journal) and its status on http://HOST:BASE+6/status.")
    static final class Node implements java.util.concurrent.Callable<Integer>
    {
        private static final Logger ALERTS = LoggerFactory.getLogger("io.ledgerguard.alerts");
        private static final int ALERT_RING = 1024;
        /** The alerts this node publishes, on the log: each names the node and its leadership term. */
        private static final AlertListener ALERT_LOG = alert -> ALERTS.warn("alert {}", alert);

        @Spec
        private CommandSpec spec;

        @Option(names = "--id", required = true, paramLabel = "N", description = "This node's member id: its " +
            "position in --members, from 0.")
        private int id;

        @Option(names = "--members", required = true, paramLabel = "HOST:PORT,...", description = "Every member, " +
            "in member id order: a host and a base port; each member takes 10 ports from its base.")
        private String members;

        @Option(names = "--config", required = true, paramLabel = "FILE", description = "The configuration " +
            "(YAML): the same rules on every node.")
        private Path config;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "This node's directory: its " +
            "cluster log, snapshots and evidence journal. Kept across restarts.")
        private Path dir;

        @Option(names = "--alerts", paramLabel = "FILE", description = "Also append the alerts this node publishes " +
            "(while it leads, and its own divergence) to this JSON Lines file, each with its node and term.")
        private Path alertsFile;

        @Option(names = "--for-seconds", paramLabel = "S", hidden = true, description = "Stop after S seconds.")
        private long forSeconds;

        private volatile ClusterNode running;
        private JsonLinesAlertSink alertFile;

        @Override
        public Integer call() throws InterruptedException
        {
            final PrintWriter err = spec.commandLine().getErr();
            final ClusterMembers cluster;
            final GuardConfig guardConfig;
            final JournalSettings journalSettings;
            final AdminSettings adminSettings;
            try
            {
                cluster = membersWith(id, members);
                guardConfig = ConfigLoader.load(config);
                journalSettings = ConfigLoader.loadJournalSettings(config);
                adminSettings = ConfigLoader.loadAdminSettings(config);
                // One engine: a node's snapshots are written from it and read back into it, never a copy.
                MemoryBudget.of(guardConfig).checkFits(1);
            }
            catch (final IllegalArgumentException ex)
            {
                return usage(err, ex.getMessage());
            }
            catch (final ConfigurationException ex)
            {
                return usage(err, "configuration error: " + ex.getMessage());
            }
            final List<AlertListener> sinks = new ArrayList<>();
            sinks.add(ALERT_LOG);
            if (alertsFile != null)
            {
                try
                {
                    // Asset codes from the rules in force on this node: those a rule change listed too.
                    alertFile = new JsonLinesAlertSink(alertsFile, () ->
                        running != null ? running.service().engine().config() : guardConfig);
                }
                catch (final UncheckedIOException ex)
                {
                    err.println("ledger-guard cluster node: --alerts " + alertsFile + ": " + ex.getMessage());
                    err.flush();
                    return LedgerGuardCli.EXIT_FAILURE;
                }
                sinks.add(alertFile);
            }
            final AlertDispatcher alerts = new AlertDispatcher(ALERT_RING, sinks);
            final ClusterNode node;
            try
            {
                Files.createDirectories(dir);
                node = ClusterNode.launch(id, cluster, dir, guardConfig, journalSettings.durability(), alerts);
            }
            catch (final IOException | RuntimeException ex)
            {
                // The journal's damage, the directory's lock, a port in use: each says what, with where.
                close(alerts);
                err.println("ledger-guard cluster node: --dir " + dir + " (member " + id + " of " + members + "): " +
                    ex.getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_FAILURE;
            }
            running = node;
            final String beyond = beyondLoopback(cluster);
            if (beyond != null)
            {
                // Aeron takes an ingress message for an open session by its id, whichever host sent it; the archive,
                // consensus and log ports take no key at all (docs/cluster.md, "Who may reach the ports").
                err.println("cluster node: members beyond loopback (" + beyond + "): every node's ports must be " +
                    "reachable only by the other nodes and the gateways (serve --cluster), on a private network");
                err.flush();
            }
            return serve(err, cluster, node, alerts, adminSettings);
        }

        /**
         * @return the first member beyond loopback, or {@code null} when every member is on loopback (or cannot be
         *     resolved, which launching reports).
         */
        private static String beyondLoopback(final ClusterMembers cluster)
        {
            for (int member = 0; member < cluster.size(); member++)
            {
                final String host = cluster.host(member);
                try
                {
                    if (!java.net.InetAddress.getByName(host).isLoopbackAddress())
                    {
                        return host;
                    }
                }
                catch (final java.net.UnknownHostException ex)
                {
                    return null;
                }
            }
            return null;
        }

        /** Closes the alerts' dispatcher, then the file it writes to: once, from the shutdown hook or the end. */
        private synchronized void close(final AlertDispatcher alerts)
        {
            alerts.close();
            final JsonLinesAlertSink file = alertFile;
            alertFile = null;
            if (file != null)
            {
                file.close();
            }
        }

        private Integer serve(final PrintWriter err, final ClusterMembers cluster, final ClusterNode node,
            final AlertDispatcher alerts, final AdminSettings adminSettings) throws InterruptedException
        {
            final ClusterStatusServer status;
            try
            {
                status = ClusterStatusServer.start(
                    new InetSocketAddress(cluster.host(id), cluster.statusPort(id)), node::status, adminSettings);
            }
            catch (final IOException ex)
            {
                node.close();
                close(alerts);
                err.println("ledger-guard cluster node: cannot listen for status on " + cluster.host(id) + ":" +
                    cluster.statusPort(id) + ": " + ex.getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_FAILURE;
            }
            if (adminSettings.tokens().isEmpty() && !status.address().getAddress().isLoopbackAddress())
            {
                err.println("cluster node: the status on " + cluster.host(id) + ":" + cluster.statusPort(id) +
                    " is open to whoever reaches it (the configuration has no admin.tokens); it names no balance, " +
                    "but configure tokens (admin: tokens: [{name, role: viewer|auditor, sha256}]) to close it");
            }
            err.println("cluster node " + id + ": member of " + cluster + "; journal " + dir.resolve("journal") +
                "; status on http://" + cluster.host(id) + ":" + cluster.statusPort(id) + "/status");
            err.flush();
            // SIGTERM: the node is closed by the hook, and the JVM ends once it returns.
            final Thread hook = new Thread(() ->
            {
                status.close();
                node.close();
                close(alerts);
            }, "cluster-node-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            final boolean stoppedByCluster = node.awaitTermination(
                forSeconds > 0 ? Duration.ofSeconds(forSeconds) : Duration.ofDays(36_500));
            Runtime.getRuntime().removeShutdownHook(hook);
            status.close();
            node.close();
            close(alerts);
            if (node.failure() != null)
            {
                err.println("ledger-guard cluster node: --dir " + dir + ": the guard stopped: " +
                    node.failure().getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_FAILURE;
            }
            err.println("cluster node " + id + ": " + (stoppedByCluster ? "stopped by the cluster" : "stopped") +
                " at seq " + (node.status() != null ? node.status().seq() : 0));
            err.flush();
            return LedgerGuardCli.EXIT_OK;
        }
    }

    /** {@code cluster status}: every member's status, and whether they agree. */
    @Command(name = "status", mixinStandardHelpOptions = true,
        description = "Ask every member for its status and compare: the nodes at the same seq must have the same " +
            "state hash and chain head. Exit 0 with a leader and no divergence, 1 otherwise.")
    static final class Status implements java.util.concurrent.Callable<Integer>
    {
        private static final ObjectMapper JSON = new ObjectMapper();
        /** A bearer token is a line of text; a larger file is the wrong file. */
        private static final int TOKEN_FILE_BYTES_MAX = 4096;

        @Spec
        private CommandSpec spec;

        @Option(names = "--members", required = true, paramLabel = "HOST:PORT,...",
            description = "Every member, as given to cluster node.")
        private String members;

        @Option(names = "--json", description = "Print the statuses as one JSON object.")
        private boolean json;

        @Option(names = "--token-file", paramLabel = "FILE", description = "A file holding a viewer's (or an " +
            "auditor's) bearer token, for nodes whose configuration has admin.tokens.")
        private Path tokenFile;

        @Override
        public Integer call() throws IOException, InterruptedException
        {
            final PrintWriter out = spec.commandLine().getOut();
            final PrintWriter err = spec.commandLine().getErr();
            final ClusterMembers cluster;
            try
            {
                cluster = ClusterMembers.parse(members);
            }
            catch (final IllegalArgumentException ex)
            {
                return usage(err, ex.getMessage());
            }
            final String token;
            try
            {
                token = tokenFile == null ? null : readToken(tokenFile);
            }
            catch (final IllegalArgumentException ex)
            {
                return usage(err, ex.getMessage());
            }
            final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            final List<JsonNode> statuses = new ArrayList<>();
            final Map<String, Object> report = new LinkedHashMap<>();
            final List<Object> nodes = new ArrayList<>();
            for (int member = 0; member < cluster.size(); member++)
            {
                final String url = "http://" + cluster.host(member) + ":" + cluster.statusPort(member) + "/status";
                JsonNode status = null;
                String error = null;
                try
                {
                    final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(2)).GET();
                    if (token != null)
                    {
                        request.header("Authorization", "Bearer " + token);
                    }
                    final HttpResponse<String> response = http.send(request.build(),
                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                    status = JSON.readTree(response.body());
                    if (response.statusCode() != 200)
                    {
                        error = status.path("error").asText("HTTP " + response.statusCode());
                        status = null;
                    }
                }
                catch (final IOException ex)
                {
                    error = "unreachable: " + ex.getMessage();
                }
                statuses.add(status);
                final Map<String, Object> node = new LinkedHashMap<>();
                node.put("memberId", member);
                node.put("url", url);
                if (status != null)
                {
                    node.put("status", status);
                }
                else
                {
                    node.put("error", error);
                }
                nodes.add(node);
            }
            final List<String> divergences = divergences(statuses);
            final boolean leader = statuses.stream().anyMatch(s -> s != null && "LEADER".equals(s.path("role")
                .asText()));
            report.put("nodes", nodes);
            report.put("leader", leader);
            report.put("divergences", divergences);
            if (json)
            {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
            }
            else
            {
                printTable(out, cluster, statuses, nodes);
                out.println(leader ? "a leader is up" : "no leader: the nodes up are a minority or are electing; " +
                    "the cluster accepts nothing until a majority is up");
                out.println(divergences.isEmpty() ? "no divergence among the nodes at the same seq" :
                    "DIVERGENCE: " + String.join("; ", divergences));
            }
            out.flush();
            return leader && divergences.isEmpty() ? LedgerGuardCli.EXIT_OK : LedgerGuardCli.EXIT_FAILURE;
        }

        /**
         * @return the one bearer token the file holds, without the line's end.
         * @throws IllegalArgumentException naming the file: unreadable, over {@value #TOKEN_FILE_BYTES_MAX} bytes, or
         *                                  not one printable token.
         */
        private static String readToken(final Path file)
        {
            final String token;
            try
            {
                if (Files.size(file) > TOKEN_FILE_BYTES_MAX)
                {
                    throw new IllegalArgumentException("--token-file " + file + ": larger than " +
                        TOKEN_FILE_BYTES_MAX + " bytes: not one token");
                }
                token = Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("--token-file " + file + ": cannot read it: " + ex.getMessage(), ex);
            }
            if (token.isEmpty() || !token.chars().allMatch(c -> c >= 0x21 && c <= 0x7E))
            {
                throw new IllegalArgumentException("--token-file " + file + ": not one token (printable ASCII " +
                    "without spaces, on one line)");
            }
            return token;
        }

        private static void printTable(final PrintWriter out, final ClusterMembers cluster,
            final List<JsonNode> statuses, final List<Object> nodes)
        {
            out.printf("%-6s %-22s %-9s %-6s %-10s %-18s %-18s%n", "member", "host:base", "role", "term", "seq",
                "stateHash", "chainHead");
            for (int member = 0; member < statuses.size(); member++)
            {
                final JsonNode s = statuses.get(member);
                final String where = cluster.host(member) + ":" + cluster.basePort(member);
                if (s == null)
                {
                    @SuppressWarnings("unchecked")
                    final Map<String, Object> node = (Map<String, Object>)nodes.get(member);
                    out.printf("%-6d %-22s %s%n", member, where, node.get("error"));
                    continue;
                }
                out.printf("%-6d %-22s %-9s %-6d %-10d %-18s %-18s%n", member, where, s.path("role").asText(),
                    s.path("leadershipTermId").asLong(), s.path("seq").asLong(), shortHex(s.path("stateHash")),
                    shortHex(s.path("chainHead")));
            }
        }

        private static String shortHex(final JsonNode hex)
        {
            return hex.isTextual() ? hex.asText().substring(0, 16) : "-";
        }

        /** Nodes at the same seq whose state hash or chain head differ, and nodes that found they differ. */
        static List<String> divergences(final List<JsonNode> statuses)
        {
            final List<String> found = new ArrayList<>();
            for (int member = 0; member < statuses.size(); member++)
            {
                final JsonNode status = statuses.get(member);
                if (status != null && status.path("divergences").asLong() > 0)
                {
                    found.add("member " + member + " differed from the leader at " +
                        status.path("divergences").asLong() + " evidence checks (its log says where)");
                }
            }
            for (int a = 0; a < statuses.size(); a++)
            {
                for (int b = a + 1; b < statuses.size(); b++)
                {
                    final JsonNode x = statuses.get(a);
                    final JsonNode y = statuses.get(b);
                    if (x == null || y == null || x.path("seq").asLong() != y.path("seq").asLong())
                    {
                        continue;
                    }
                    if (!x.path("stateHash").equals(y.path("stateHash")))
                    {
                        found.add("members " + a + " and " + b + " differ in state hash at seq " +
                            x.path("seq").asLong());
                    }
                    if (x.path("chainHead").isTextual() && y.path("chainHead").isTextual() &&
                        !x.path("chainHead").equals(y.path("chainHead")))
                    {
                        found.add("members " + a + " and " + b + " differ in chain head at seq " +
                            x.path("seq").asLong());
                    }
                }
            }
            return found;
        }
    }

    /** {@code cluster seed}: an empty node directory filled from the cluster's latest snapshot and the log after it. */
    @Command(name = "seed", mixinStandardHelpOptions = true,
        description = "Fill an empty node directory from the running cluster's latest snapshot and the log after " +
            "it (Aeron's cluster backup), so that the node started on it next (cluster node, same --id, --members " +
            "and --dir) loads that snapshot instead of replaying the whole log; its evidence journal begins there. " +
            "Run it where the node runs, while the node does not: it uses the node's own ports.")
    static final class Seed implements java.util.concurrent.Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Option(names = "--id", required = true, paramLabel = "N", description = "The member id of the node to seed.")
        private int id;

        @Option(names = "--members", required = true, paramLabel = "HOST:PORT,...", description = "Every member, " +
            "as cluster node takes them.")
        private String members;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The node's directory: absent " +
            "or empty (move a wiped node's old directory aside first).")
        private Path dir;

        @Option(names = "--cluster-key", paramLabel = "FILE", description = "Once the rules name clients: the key " +
            "file (keys generate) of a client the rules name with a role that may send CONFIGURE, the only clients " +
            "the nodes let copy their state.")
        private Path clusterKey;

        @Option(names = "--timeout-seconds", paramLabel = "S", defaultValue = "120", description = "How long to " +
            "wait for the copy (default ${DEFAULT-VALUE}).")
        private long timeoutSeconds;

        @Override
        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            final ClusterMembers cluster;
            final io.ledgerguard.cluster.ClusterCredentials credentials;
            try
            {
                cluster = membersWith(id, members);
                if (timeoutSeconds < 1)
                {
                    throw new IllegalArgumentException("--timeout-seconds must be >= 1, was " + timeoutSeconds);
                }
                credentials = clusterKey == null ? null : ServeCommand.credentials(clusterKey);
            }
            catch (final IllegalArgumentException ex)
            {
                return usage(err, ex.getMessage());
            }
            final io.ledgerguard.cluster.ClusterSeed.Seeded seeded;
            try
            {
                seeded = io.ledgerguard.cluster.ClusterSeed.seed(id, cluster, dir, credentials,
                    Duration.ofSeconds(timeoutSeconds));
            }
            catch (final RuntimeException ex)
            {
                err.println("ledger-guard cluster seed: --dir " + dir + " (member " + id + " of " + members + "): " +
                    ex.getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_FAILURE;
            }
            err.println("cluster seed: node " + id + " in " + dir + ": " + (seeded.snapshotLogPosition() < 0 ?
                "the cluster has no snapshot yet: the log copied from the start" : "the snapshot at log position " +
                seeded.snapshotLogPosition() + " (" + seeded.snapshots() + " parts)") + ", the log copied to " +
                "position " + seeded.logPosition() + "; start the node now: cluster node --id " + id + " --dir " + dir);
            err.flush();
            return LedgerGuardCli.EXIT_OK;
        }
    }

    /**
     * @return the members {@code --members} names, of which {@code --id} must be one.
     * @throws IllegalArgumentException naming the option that is wrong.
     */
    private static ClusterMembers membersWith(final int id, final String members)
    {
        final ClusterMembers cluster = ClusterMembers.parse(members);
        if (id < 0 || id >= cluster.size())
        {
            throw new IllegalArgumentException("--id " + id + " is not a member: --members names " + cluster.size() +
                " (ids 0.." + (cluster.size() - 1) + ")");
        }
        return cluster;
    }

    /** What {@code cluster snapshot} and {@code cluster stop} take: the leader's directory on this machine. */
    abstract static class LeaderAction implements java.util.concurrent.Callable<Integer>
    {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The leader's node directory.")
        Path dir;
    }

    /** {@code cluster snapshot}: a snapshot on every node, asked of the leader. */
    @Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Have every node take a snapshot, into its archive, at the same place in the log. Run on the " +
            "leader's machine with the leader's --dir.")
    static final class Snapshot extends LeaderAction
    {
        @Override
        public Integer call()
        {
            return toggle(spec, dir, "snapshot", true);
        }
    }

    /** {@code cluster stop}: every node takes a snapshot and stops. */
    @Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stop the whole cluster cleanly: every node takes a snapshot and its process exits. Run on " +
            "the leader's machine with the leader's --dir.")
    static final class Stop extends LeaderAction
    {
        @Override
        public Integer call()
        {
            return toggle(spec, dir, "stop", false);
        }
    }

    /** Set the leader's control toggle, as Aeron's ClusterTool does, after checking that DIR is the leader's. */
    private static int toggle(final CommandSpec spec, final Path dir, final String what, final boolean snapshot)
    {
        final PrintWriter err = spec.commandLine().getErr();
        if (!ClusterOperations.nodeRunsIn(dir))
        {
            return usage(err, "--dir " + dir + ": no cluster node runs there (no cluster/cluster-mark.dat)");
        }
        final java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(said, true, StandardCharsets.UTF_8))
        {
            if (!ClusterOperations.isLeader(dir, out))
            {
                err.println("ledger-guard cluster " + what + ": the node in " + dir + " is not the leader; run it " +
                    "with the leader's --dir (cluster status names the leader)");
                err.flush();
                return LedgerGuardCli.EXIT_FAILURE;
            }
            final boolean done = snapshot ? ClusterOperations.snapshot(dir, out) : ClusterOperations.stop(dir, out);
            final PrintWriter stdout = spec.commandLine().getOut();
            stdout.print(said.toString(StandardCharsets.UTF_8));
            stdout.flush();
            return done ? LedgerGuardCli.EXIT_OK : LedgerGuardCli.EXIT_FAILURE;
        }
    }

    private static int usage(final PrintWriter err, final String message)
    {
        err.println("ledger-guard cluster: " + message);
        err.flush();
        return LedgerGuardCli.EXIT_USAGE;
    }
}
