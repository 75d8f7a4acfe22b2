package io.ledgerguard.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.CloseHelper;

import io.ledgerguard.cluster.ClusterClients;
import io.ledgerguard.cluster.ClusterGuardClient;
import io.ledgerguard.cluster.ClusterMembers;
import io.ledgerguard.cluster.ClusterNode;
import io.ledgerguard.cluster.NodeStatus;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.pipeline.AlertDispatcher;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.JournalReader;

/**
 * The demo's cluster (issue 16, {@code demo --cluster}): three guard nodes on loopback in this process, each with its
 * own directory, evidence journal and alert dispatcher, and a client per simulated service. Halfway through trading the
 * leader is stopped without warning to anyone (its node closed: no snapshot, no hand-over; a process of its own would
 * be killed, as the tests do with SIGKILL); the clients' requests are answered by the new leader, those whose outcome
 * was unknown sent again with their txId. Afterwards the stopped node is started again and catches up, and the nodes'
 * evidence is compared with what the clients were told.
 */
final class DemoCluster implements AutoCloseable
{
    static final int NODES = 3;
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int ALERT_RING = 65_536;

    private final GuardConfig config;
    private final Path dir;
    private final ClusterMembers members;
    private final List<AlertListener> alertSinks;
    private final ClusterNode[] nodes = new ClusterNode[NODES];
    private final AlertDispatcher[] dispatchers = new AlertDispatcher[NODES];
    private final ClusterClients clientDriver;
    private final List<ClusterGuardClient> clients = new ArrayList<>();
    /** Every decision a client was told: txId to reason. */
    private final Map<Long, Reason> acknowledged = new ConcurrentHashMap<>();
    private final AtomicLong firstAnswerAfterKillNs = new AtomicLong();
    private volatile long killedAtNs;
    /** The last seq the stopped leader applied: a decision after it was made by its successor. */
    private volatile long killedSeq = Long.MAX_VALUE;
    private volatile long termBefore = -1;
    private int killed = -1;
    private Thread killer;
    private volatile Throwable killerFailure;
    private final JournalDurability durability;
    /** Who published the alerts: complete once the nodes' dispatchers have closed. */
    private final DemoReport.AlertTally tally = new DemoReport.AlertTally();

    private DemoCluster(final GuardConfig config, final Path dir, final ClusterMembers members,
        final List<AlertListener> alertSinks, final JournalDurability durability)
    {
        this.durability = durability;
        this.config = config;
        this.dir = dir;
        this.members = members;
        this.alertSinks = alertSinks;
        this.clientDriver = ClusterClients.launch(dir.resolve("client-aeron"), members);
    }

    /**
     * Start three nodes and wait for a leader.
     *
     * @param config     the guard's rules.
     * @param dir        the nodes' directories go under it.
     * @param portBase   the base port of node 0; each node takes {@value ClusterMembers#PORTS_PER_NODE}.
     * @param alertSinks hear the leader's alerts, one node's dispatcher at a time.
     * @param durability the nodes' journals' durability.
     * @return the running cluster.
     */
    static DemoCluster start(final GuardConfig config, final Path dir, final int portBase,
        final List<AlertListener> alertSinks, final JournalDurability durability)
    {
        final DemoCluster cluster = new DemoCluster(config, dir, ClusterMembers.loopback(NODES, portBase), alertSinks,
            durability);
        try
        {
            for (int id = 0; id < NODES; id++)
            {
                cluster.launch(id);
            }
            cluster.leader();
            return cluster;
        }
        catch (final RuntimeException | InterruptedException ex)
        {
            cluster.close();
            if (ex instanceof InterruptedException)
            {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the demo's cluster did not start: " + ex.getMessage(), ex);
        }
    }

    private void launch(final int id)
    {
        final List<AlertListener> sinks = new ArrayList<>(alertSinks);
        sinks.add(alert -> tally.published(id, alert));
        dispatchers[id] = new AlertDispatcher(ALERT_RING, sinks);
        nodes[id] = ClusterNode.launch(id, members, dir.resolve("node-" + id), config, durability, dispatchers[id]);
    }

    /**
     * @return a new client of the cluster, for one simulated service's thread.
     */
    ClusterGuardClient client()
    {
        final ClusterGuardClient client = clientDriver.connect(PATIENCE);
        synchronized (clients)
        {
            clients.add(client);
        }
        return client;
    }

    /**
     * @return the engine of a node that is not stopped halfway (a follower now): for the operator console's view of
     *     the counters and the report, read once the log is quiet.
     */
    GuardEngine observer() throws InterruptedException
    {
        final int leader = leader();
        return nodes[(leader + 1) % NODES].service().engine();
    }

    /**
     * @return the engine of a node that was never stopped, for the report once the log is quiet ({@link #finish()}).
     */
    GuardEngine survivor()
    {
        return nodes[(Math.max(killed, 0) + 1) % NODES].service().engine();
    }

    private int leader() throws InterruptedException
    {
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true)
        {
            for (int id = 0; id < NODES; id++)
            {
                if (nodes[id] != null && nodes[id].isLeader())
                {
                    return id;
                }
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("no leader among the demo's nodes in " + PATIENCE.toSeconds() + " s");
            }
            Thread.sleep(10);
        }
    }

    /**
     * Stop the leader once {@code halfway} opens, on a thread of its own.
     *
     * @param halfway opened when the first order gateway is halfway through its commands.
     * @param live    where to say so.
     */
    void stopLeaderAt(final CountDownLatch halfway, final PrintWriter live)
    {
        killer = new Thread(() ->
        {
            try
            {
                halfway.await();
                final int leader = leader();
                termBefore = nodes[leader].service().leadershipTermId();
                killedAtNs = System.nanoTime();
                nodes[leader].close();
                killedSeq = nodes[leader].service().applied();
                dispatchers[leader].close();
                killed = leader;
                live.printf("demo: node %d, the leader in term %d, stopped halfway through trading at seq %,d%n",
                    leader, termBefore, killedSeq);
                live.flush();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            catch (final RuntimeException ex)
            {
                killerFailure = ex;
            }
        }, "demo-stop-leader");
        killer.start();
    }

    /**
     * A client was told a decision.
     *
     * @param command  what it sent.
     * @param decision what it was told.
     */
    void acknowledged(final Command command, final Decision decision)
    {
        acknowledged.put(command.txId, decision.reason);
        if (decision.seq > killedSeq && firstAnswerAfterKillNs.get() == 0)
        {
            firstAnswerAfterKillNs.compareAndSet(0, System.nanoTime());
        }
    }

    /**
     * After trading: start the stopped node again, wait until every node stands at the same sequence, and compare
     * their state hashes and chain heads, and their evidence with what the clients were told.
     *
     * @return the figures for the report.
     */
    DemoReport.ClusterOutcome finish() throws InterruptedException
    {
        killer.join();
        if (killerFailure != null)
        {
            throw new IllegalStateException("the demo could not stop its leader halfway: " + killerFailure.getMessage(),
                killerFailure);
        }
        long resubmitted = 0;
        for (final ClusterGuardClient client : clients)
        {
            resubmitted += client.resubmitted();
        }
        final int failovers = killed >= 0 ? 1 : 0;
        if (killed >= 0)
        {
            launch(killed);
        }
        final NodeStatus[] statuses = awaitSameSeq();
        boolean hashesEqual = true;
        boolean chainsEqual = true;
        for (final NodeStatus status : statuses)
        {
            hashesEqual &= status.stateHashHex().equals(statuses[0].stateHashHex());
            chainsEqual &= status.chainHeadHex() != null && status.chainHeadHex().equals(statuses[0].chainHeadHex());
        }
        final long[] evidence = compareEvidence(dir.resolve("node-" + (killed >= 0 ? killed : 0)).resolve("journal"));
        // -1 when no decision came after the stop: no failover was seen, and the run is not healthy.
        final long failoverMs = killed >= 0 && firstAnswerAfterKillNs.get() != 0 ?
            TimeUnit.NANOSECONDS.toMillis(firstAnswerAfterKillNs.get() - killedAtNs) : -1;
        final List<String> lines = new ArrayList<>();
        for (final NodeStatus status : statuses)
        {
            lines.add(String.format("node %d %-8s term %d seq %,d state hash %s chain head %s", status.memberId(),
                status.role(), status.leadershipTermId(), status.seq(), status.stateHashHex().substring(0, 16),
                status.chainHeadHex() == null ? "-" : status.chainHeadHex().substring(0, 16)));
        }
        return new DemoReport.ClusterOutcome(failovers, failoverMs, resubmitted,
            acknowledged.size(), evidence[0], evidence[1], hashesEqual, chainsEqual, statuses[0].seq(), lines,
            tally);
    }

    private NodeStatus[] awaitSameSeq() throws InterruptedException
    {
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        final NodeStatus[] statuses = new NodeStatus[NODES];
        while (true)
        {
            boolean same = true;
            for (int id = 0; id < NODES; id++)
            {
                statuses[id] = nodes[id].status();
                same &= statuses[id] != null && statuses[0] != null && statuses[id].seq() == statuses[0].seq() &&
                    nodes[id].service().applied() == statuses[id].seq();
            }
            if (same && statuses[0].seq() > 0)
            {
                return statuses;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("the demo's nodes did not come to one sequence in " +
                    PATIENCE.toSeconds() + " s");
            }
            Thread.sleep(20);
        }
    }

    /**
     * Read a node's evidence journal (the restarted one's: it holds what it replayed after starting again): every
     * txId a client was told must be there with the same reason, applied once.
     *
     * @return {acknowledged decisions missing or different, txIds applied twice}.
     */
    private long[] compareEvidence(final Path journal)
    {
        final Map<Long, Reason> applied = new HashMap<>();
        long twice = 0;
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalReader reader = JournalReader.open(journal))
        {
            while (reader.next(command, decision))
            {
                if (!decision.duplicate && applied.put(command.txId, decision.reason) != null)
                {
                    twice++;
                }
            }
        }
        long lost = 0;
        for (final Map.Entry<Long, Reason> ack : acknowledged.entrySet())
        {
            if (applied.get(ack.getKey()) != ack.getValue())
            {
                lost++;
            }
        }
        return new long[] {lost, twice};
    }

    @Override
    public void close()
    {
        synchronized (clients)
        {
            clients.forEach(ClusterGuardClient::close);
        }
        for (int id = 0; id < NODES; id++)
        {
            CloseHelper.quietCloseAll(nodes[id], dispatchers[id]);
        }
        CloseHelper.quietClose(clientDriver);
    }

    /**
     * @param dir a directory the demo made for its nodes.
     */
    static void delete(final Path dir)
    {
        try (var files = Files.walk(dir))
        {
            for (final Path file : files.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot delete the demo's cluster directory " + dir, ex);
        }
    }
}
