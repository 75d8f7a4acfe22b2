package io.ledgerguard.cluster;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.ledgerguard.cli.LedgerGuardCli;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Cluster nodes as real processes for tests: each {@code ledger-guard cluster node} in its own JVM (this JVM's flags
 * and class path), its output in {@code node-N.log}, killed with SIGKILL ({@link Process#destroyForcibly()} on
 * Linux), its status read over HTTP as an operator's {@code cluster status} reads it. Tests wait for conditions,
 * never a fixed time.
 */
final class NodeProcesses implements AutoCloseable
{
    static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final ClusterMembers members;
    private final Path config;
    private final Process[] processes;
    private final Path[] logs;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private int starts;

    NodeProcesses(final Path dir, final ClusterMembers members, final Path config)
    {
        this.dir = dir;
        this.members = members;
        this.config = config;
        this.processes = new Process[members.size()];
        this.logs = new Path[members.size()];
    }

    /**
     * A base port per test and process, below the kernel's ephemeral range (32768 and up), where the nodes' and
     * clients' endpoints on port 0 land, and below the demo's (29300) and the bench's (29400).
     */
    static int portBase(final int test)
    {
        return 20_000 + (int)((ProcessHandle.current().pid() * 9 + test) % 90) * 100;
    }

    Path nodeDir(final int id)
    {
        return dir.resolve("node-" + id);
    }

    /** The JSON Lines file of the alerts node {@code id} publishes: beside its directory, which a test may wipe. */
    Path alertsFile(final int id)
    {
        return dir.resolve("node-" + id + "-alerts.jsonl");
    }

    void startAll() throws IOException
    {
        for (int id = 0; id < members.size(); id++)
        {
            start(id);
        }
    }

    void start(final int id) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!argument.startsWith("-agentlib") && !argument.startsWith("-javaagent") &&
                !argument.startsWith("-Xmx"))
            {
                command.add(argument);
            }
        }
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LedgerGuardCli.class.getName());
        command.addAll(List.of("cluster", "node", "--id", Integer.toString(id), "--members", members.toString(),
            "--config", config.toString(), "--dir", nodeDir(id).toString(), "--alerts", alertsFile(id).toString()));
        final Path log = dir.resolve("node-" + id + "-" + (++starts) + ".log");
        logs[id] = log;
        processes[id] = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** SIGKILL: nothing of the node's is closed, flushed or said. */
    void kill(final int id)
    {
        final Process process = processes[id];
        process.destroyForcibly();
        try
        {
            process.waitFor();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        processes[id] = null;
    }

    /**
     * Wait for a node to exit on its own (a clean {@code cluster stop}).
     *
     * @return its exit code.
     */
    int awaitExit(final int id) throws InterruptedException
    {
        final Process process = processes[id];
        if (!process.waitFor(PATIENCE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS))
        {
            fail("node " + id + " did not exit in " + PATIENCE.toSeconds() + " s");
        }
        processes[id] = null;
        return process.exitValue();
    }

    /**
     * @return what the node printed since it was last started.
     */
    String output(final int id) throws IOException
    {
        return Files.readString(logs[id]);
    }

    void wipe(final int id) throws IOException
    {
        try (Stream<Path> files = Files.walk(nodeDir(id)))
        {
            for (final Path file : files.sorted(Comparator.reverseOrder()).toList())
            {
                Files.delete(file);
            }
        }
    }

    /**
     * @return whether the node was started and not killed; fails the test, with the node's output, when it exited on
     *     its own.
     */
    boolean running(final int id)
    {
        if (processes[id] == null)
        {
            return false;
        }
        if (!processes[id].isAlive())
        {
            String output;
            try
            {
                output = Files.readString(logs[id]);
            }
            catch (final IOException ex)
            {
                output = "(its log " + logs[id] + " unreadable: " + ex + ")";
            }
            fail("node " + id + " exited with " + processes[id].exitValue() + ":\n" + output);
        }
        return true;
    }

    /**
     * @return the node's status, or null when it does not answer (down, or starting).
     */
    JsonNode status(final int id)
    {
        try
        {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" +
                members.host(id) + ":" + members.statusPort(id) + "/status")).timeout(Duration.ofSeconds(2)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * @return the node's status, waiting while it does not answer (an HTTP request that timed out on a busy machine).
     */
    JsonNode awaitStatus(final int id) throws InterruptedException
    {
        final JsonNode[] status = new JsonNode[1];
        await("node " + id + "'s status", () -> (status[0] = status(id)) != null);
        return status[0];
    }

    /**
     * @return the node's {@code /metrics}, or null when it does not answer.
     */
    String metrics(final int id)
    {
        try
        {
            final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" +
                members.host(id) + ":" + members.statusPort(id) + "/metrics")).timeout(Duration.ofSeconds(2)).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : null;
        }
        catch (final IOException ex)
        {
            return null;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * @return the member that says it leads, -1 when none does.
     */
    int leader()
    {
        for (int id = 0; id < members.size(); id++)
        {
            if (running(id))
            {
                final JsonNode status = status(id);
                if (status != null && "LEADER".equals(status.path("role").asText()))
                {
                    return id;
                }
            }
        }
        return -1;
    }

    int awaitLeader() throws InterruptedException
    {
        final int[] leader = {-1};
        await("a leader", () -> (leader[0] = leader()) >= 0);
        return leader[0];
    }

    /**
     * Wait until every running node published its status at one and the same sequence, at least {@code seq}: the
     * log is quiet (nothing is sent meanwhile), so every node stands there.
     *
     * @return the statuses, by member id; null for a node not running.
     */
    JsonNode[] awaitSameSeq(final long seq) throws InterruptedException
    {
        final JsonNode[] statuses = new JsonNode[members.size()];
        await("every running node at one seq, at least " + seq, () ->
        {
            long common = -1;
            for (int id = 0; id < members.size(); id++)
            {
                statuses[id] = null;
                if (!running(id))
                {
                    continue;
                }
                final JsonNode status = status(id);
                if (status == null || status.path("seq").asLong() < seq)
                {
                    return false;
                }
                if (common >= 0 && status.path("seq").asLong() != common)
                {
                    return false;
                }
                common = status.path("seq").asLong();
                statuses[id] = status;
            }
            return common >= 0;
        });
        return statuses;
    }

    static void await(final String what, final BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("waited " + PATIENCE.toSeconds() + " s for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close()
    {
        for (int id = 0; id < processes.length; id++)
        {
            if (processes[id] != null)
            {
                kill(id);
            }
        }
    }
}
