package io.ledgerguard.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.audit.JournalVerifier;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.journal.JournalReader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16: three {@code ledger-guard cluster node} processes on loopback, several clients in this JVM. The leader is
 * killed with SIGKILL under load, round after round (10 here, 100 with {@code -Pslow}): every decision acknowledged to
 * a client is in the nodes' evidence with the same outcome, no txId is applied twice, and after each round every
 * node's state hash and chain head are equal at the same seq and equal a replay of its journal, the invariants
 * holding. A follower killed and restarted catches up; one whose directory was wiped is seeded from the cluster's
 * snapshot ({@code cluster seed}) and catches up from there; with two of three down the survivor accepts nothing, and
 * goes on when one returns.
 */
class ClusterProcessesTest
{
    private static final int NODES = 3;
    private static final int CLIENTS = 3;
    private static final long PROGRESS = 30;

    @TempDir
    Path dir;

    private NodeProcesses nodes;
    private MediaDriver clientDriver;
    private ClusterLoad load;
    private ClusterGuardClient setup;
    /** The sequence of setup's last command. */
    private long setupSeq;
    private Path config;
    private ClusterMembers members;

    @AfterEach
    void stop() throws Exception
    {
        if (load != null)
        {
            load.close();
        }
        CloseHelper.quietClose(setup);
        if (nodes != null)
        {
            nodes.close();
        }
        CloseHelper.quietClose(clientDriver);
    }

    @Test
    void shouldKeepEveryAcknowledgedDecisionWhenTheLeaderIsKilled() throws Exception
    {
        startCluster(0);
        load = new ClusterLoad(clientDriver.aeronDirectoryName(), members, CLIENTS);
        load.start();
        final int rounds = Boolean.getBoolean("guard.slow") ? 100 : 10;
        long failoverNs = 0;
        for (int round = 1; round <= rounds; round++)
        {
            load.awaitProgress(PROGRESS);
            final int leader = nodes.awaitLeader();
            final long term = nodes.awaitStatus(leader).path("leadershipTermId").asLong();
            final long killedAt = System.nanoTime();
            nodes.kill(leader);
            load.awaitProgress(PROGRESS);
            failoverNs += System.nanoTime() - killedAt;
            final int successor = nodes.awaitLeader();
            assertNotEquals(leader, successor, "round " + round + ": a new leader");
            assertTrue(nodes.awaitStatus(successor).path("leadershipTermId").asLong() > term,
                "round " + round + ": in a later term than " + term);
            nodes.start(leader);
            load.pause();
            final JsonNode[] statuses = assertNodesAgree();
            assertEquals(NODES, java.util.Arrays.stream(statuses).filter(java.util.Objects::nonNull).count(),
                "round " + round + ": the killed node is back and caught up");
            load.resume();
        }
        load.pause();
        final JsonNode[] statuses = assertNodesAgree();
        assertEveryAcknowledgedDecisionIsInTheEvidence(statuses);
        System.out.printf("cluster: %d leaders killed; %d decisions acknowledged; %d requests resubmitted, %d timed " +
            "out; mean kill-to-progress %d ms%n", rounds, load.acknowledgements.get(), load.resubmitted.get(),
            load.timeouts.get(), failoverNs / rounds / 1_000_000);
    }

    @Test
    void shouldCatchUpAFollowerRestartedAndOneRestartedWiped() throws Exception
    {
        startCluster(1);
        load = new ClusterLoad(clientDriver.aeronDirectoryName(), members, CLIENTS);
        load.start();
        load.awaitProgress(PROGRESS);
        final int leader = nodes.awaitLeader();
        final String metrics = nodes.metrics(leader);
        assertNotNull(metrics, "the leader's /metrics");
        assertTrue(metrics.contains("ledger_guard_cluster_leader{member=\"" + leader + "\"} 1"), metrics);
        assertTrue(metrics.contains("ledger_guard_cluster_divergences_total{member=\"" + leader + "\"} 0"), metrics);
        // The cluster's alerting rules (promtool tests them) watch only what a node's /metrics serves.
        final int names = io.ledgerguard.gateway.MetricNames.assertServed(
            Files.readString(Path.of("..", "ops", "prometheus", "ledger-guard-cluster-rules.yml")), metrics);
        assertTrue(names >= 4, "names found in the cluster's rules: " + names);
        final int follower = (leader + 1) % NODES;
        nodes.kill(follower);
        load.awaitProgress(PROGRESS);
        nodes.start(follower);
        load.pause();
        assertNodesAgree();
        load.resume();

        load.awaitProgress(PROGRESS);
        // A snapshot under load, then a node's disk wiped: seeded from that snapshot and the log after it.
        final String[] snapshot = cli("cluster", "snapshot", "--dir", nodes.nodeDir(nodes.awaitLeader()).toString());
        assertEquals("0", snapshot[0], snapshot[1] + snapshot[2]);
        NodeProcesses.await("a snapshot on every node", () ->
            java.util.stream.IntStream.range(0, NODES).allMatch(id -> snapshotsTaken(id) == 1));
        load.awaitProgress(PROGRESS);
        final int wiped = (nodes.awaitLeader() + 2) % NODES;
        nodes.kill(wiped);
        nodes.wipe(wiped);
        load.awaitProgress(PROGRESS);
        final String[] seed = cli("cluster", "seed", "--id", Integer.toString(wiped), "--members",
            members.toString(), "--dir", nodes.nodeDir(wiped).toString());
        assertEquals("0", seed[0], seed[1] + seed[2]);
        assertTrue(seed[2].contains("the snapshot at log position"), seed[2]);
        nodes.start(wiped);
        load.pause();
        final JsonNode[] statuses = assertNodesAgree();
        assertEquals(1, statuses[wiped].path("snapshotsLoaded").asLong(), "the wiped node started from the " +
            "cluster's snapshot: " + statuses[wiped]);
        assertEveryAcknowledgedDecisionIsInTheEvidence(statuses);
        assertAnchoredOnTheOthersChain(wiped);
    }

    /**
     * The seeded node's journal begins at an anchor whose chain value is the one another node's journal has at the
     * anchor's sequence: with the chain heads equal at the end, its evidence after the anchor is theirs.
     */
    private void assertAnchoredOnTheOthersChain(final int seeded) throws java.io.IOException
    {
        final JournalReader.Anchor anchor;
        try (JournalReader reader = JournalReader.open(nodes.nodeDir(seeded).resolve("journal")).allowingAnchor())
        {
            reader.verifyAll();
            anchor = reader.anchor();
        }
        assertNotNull(anchor, "the seeded node's journal begins at an anchor");
        final String[] verify = cli("audit", "verify", nodes.nodeDir(seeded).resolve("journal").toString(),
            "--config", config.toString());
        assertEquals("0", verify[0], verify[1] + verify[2]);
        assertTrue(verify[1].contains("begins after seq=" + anchor.seq()) && verify[1].contains("replay        from " +
            "snapshots"), verify[1]);
        final String[] dump = cli("audit", "dump", nodes.nodeDir(seeded).resolve("journal").toString(), "--limit", "4");
        assertEquals("0", dump[0], dump[1] + dump[2]);
        assertTrue(dump[1].contains("ANCHOR") && dump[1].contains("seq=" + anchor.seq()), dump[1]);
        // A tool that replays from the first command refuses, and says which one replays it.
        final String[] report = cli("audit", "report", nodes.nodeDir(seeded).resolve("journal").toString());
        assertEquals("1", report[0], "a journal it cannot use, not a usage error: " + report[1] + report[2]);
        assertTrue(report[2].contains("begins at an anchor after seq=" + anchor.seq()), report[2]);
        final String[] incidents = cli("audit", "incidents", nodes.nodeDir(seeded).resolve("journal").toString());
        assertEquals("1", incidents[0], incidents[1] + incidents[2]);
        assertTrue(incidents[2].contains("audit incidents: journal") && incidents[2].contains("begins at an anchor"),
            incidents[2]);
        // Without the snapshot it begins from, its decisions cannot be checked: verify fails, saying so.
        final Path bare = dir.resolve("seeded-journal-without-its-snapshot");
        copyTree(nodes.nodeDir(seeded).resolve("journal"), bare, "snapshots");
        final String[] unchecked = cli("audit", "verify", bare.toString(), "--config", config.toString());
        assertEquals("1", unchecked[0], unchecked[1] + unchecked[2]);
        assertTrue(unchecked[1].contains("holds no snapshot at that seq"), unchecked[1]);
        System.out.printf("cluster: node %d seeded from the snapshot at seq %d; audit verify of its journal:%n%s",
            seeded, anchor.seq(), verify[1]);
        final Command command = new Command();
        try (JournalReader other = JournalReader.open(nodes.nodeDir((seeded + 1) % NODES).resolve("journal")))
        {
            while (other.next(command) && command.seq < anchor.seq())
            {
                // Up to the anchor's sequence.
            }
            assertEquals(anchor.seq(), command.seq, "the other journal reaches the anchor's seq");
            assertEquals(anchor.chainHeadHex(), other.chainHeadHex(), "the chain value at seq " + anchor.seq());
        }
    }

    @Test
    void shouldAcceptNothingWithoutAMajorityAndGoOnWhenOneReturns() throws Exception
    {
        startCluster(2);
        final int leader = nodes.awaitLeader();
        final int survivor = (leader + 1) % NODES;
        // At the end of setup: a node publishes its status once its log is quiet, so an earlier one may still show.
        final long before = nodes.awaitSameSeq(setupSeq)[survivor].path("seq").asLong();
        try (ClusterGuardClient client = ClusterGuardClient.connect(clientDriver.aeronDirectoryName(), members,
            Duration.ofSeconds(30)))
        {
            nodes.kill(leader);
            nodes.kill((leader + 2) % NODES);
            final Command deposit = deposit(9_000_001, ClusterLoad.FIRST_ACCOUNT, 1_000);
            final ClusterUnavailableException refused = assertThrows(ClusterUnavailableException.class,
                () -> client.submit(deposit), "a single node of three accepts nothing");
            assertTrue(refused.getMessage().contains("outcome is unknown"), refused.getMessage());
            final JsonNode alone = nodes.awaitStatus(survivor);
            assertEquals(before, alone.path("seq").asLong(), "nothing applied by the minority");
            assertNotEquals("LEADER", alone.path("role").asText(), "the survivor does not lead");

            nodes.start(leader);
            nodes.awaitLeader();
            final var decision = client.submit(deposit);
            assertEquals(Reason.OK, decision.reason, "the same txId accepted once a majority is back");
        }
        final JsonNode[] statuses = nodes.awaitSameSeq(before + 1);
        assertEquals(statuses[survivor].path("stateHash"), statuses[leader].path("stateHash"));
        final Map<Long, Reason> applied = appliedOnce(nodes.nodeDir(survivor).resolve("journal"));
        assertEquals(Reason.OK, applied.get(9_000_001L), "applied once");
    }

    /**
     * The operator's commands against three running nodes: {@code cluster status} finds a leader and no divergence,
     * {@code cluster snapshot} run elsewhere than on the leader says so, on the leader has every node take one, and
     * {@code cluster stop} on the leader stops every node cleanly: each process exits 0, saying so.
     */
    @Test
    void shouldShowStatusSnapshotAndStopTheClusterCleanly() throws Exception
    {
        startCluster(3);
        final int leader = nodes.awaitLeader();
        // Above the credit cap, within the inflow: a SANITY_CAP alert on every node, in the leader's file alone.
        final Command aboveCap = new Command();
        aboveCap.type = CommandType.DEPOSIT;
        aboveCap.txId = 9_000_000_000L;
        aboveCap.accountId = ClusterLoad.accounts(CLIENTS).get(0);
        aboveCap.assetId = ClusterLoad.BTC;
        aboveCap.amount = 20_000_000_000_000L;
        aboveCap.chainRef("btc:1");
        assertEquals(Reason.CREDIT_CAP_EXCEEDED, setup.submit(aboveCap).reason);
        NodeProcesses.await("the leader's alert in its file", () -> sanityCapAlerts(leader).size() == 1);
        final JsonNode alert = sanityCapAlerts(leader).get(0);
        assertEquals(leader, alert.path("node").asInt(), "the node that published it: " + alert);
        assertEquals(nodes.status(leader).path("leadershipTermId").asLong(), alert.path("term").asLong(),
            "its term: " + alert);
        setup.close();
        setup = null;
        final String[] status = cli("cluster", "status", "--members", members.toString());
        assertEquals("0", status[0], status[1] + status[2]);
        assertTrue(status[1].contains("a leader is up") && status[1].contains("no divergence"), status[1]);

        final int follower = (leader + 1) % NODES;
        final String[] refused = cli("cluster", "snapshot", "--dir", nodes.nodeDir(follower).toString());
        assertEquals("1", refused[0], refused[1] + refused[2]);
        assertTrue(refused[2].contains("is not the leader"), refused[2]);
        final String[] snapshot = cli("cluster", "snapshot", "--dir", nodes.nodeDir(leader).toString());
        assertEquals("0", snapshot[0], snapshot[1] + snapshot[2]);
        NodeProcesses.await("a snapshot on every node", () ->
            java.util.stream.IntStream.range(0, NODES).allMatch(id -> snapshotsTaken(id) == 1));

        final String[] stop = cli("cluster", "stop", "--dir", nodes.nodeDir(leader).toString());
        assertEquals("0", stop[0], stop[1] + stop[2]);
        for (int id = 0; id < NODES; id++)
        {
            assertEquals(0, nodes.awaitExit(id), "node " + id + " exits 0: " + nodes.output(id));
            assertTrue(nodes.output(id).contains("stopped by the cluster"), nodes.output(id));
            assertEquals(id == leader ? 1 : 0, sanityCapAlerts(id).size(), "published once, by the leader alone: " +
                "node " + id + ": " + lines(nodes.alertsFile(id)));
        }
    }

    /** The SANITY_CAP alerts in a node's alert file. */
    private List<JsonNode> sanityCapAlerts(final int id)
    {
        final ObjectMapper json = new ObjectMapper();
        final List<JsonNode> alerts = new java.util.ArrayList<>();
        for (final String line : lines(nodes.alertsFile(id)))
        {
            try
            {
                final JsonNode alert = json.readTree(line);
                if ("SANITY_CAP".equals(alert.path("type").asText()))
                {
                    alerts.add(alert);
                }
            }
            catch (final java.io.IOException ex)
            {
                throw new java.io.UncheckedIOException("node " + id + "'s alert file: " + line, ex);
            }
        }
        return alerts;
    }

    /** The whole lines of a file (not one the node is still writing), none when it is not there. */
    private static List<String> lines(final Path file)
    {
        try
        {
            if (!Files.exists(file))
            {
                return List.of();
            }
            final byte[] bytes = Files.readAllBytes(file);
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n')
            {
                end--;
            }
            return end == 0 ? List.of() :
                List.of(new String(bytes, 0, end - 1, java.nio.charset.StandardCharsets.UTF_8).split("\n"));
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private long snapshotsTaken(final int id)
    {
        final JsonNode status = nodes.status(id);
        return status == null ? -1 : status.path("snapshotsTaken").asLong();
    }

    /** A command line of the launcher, in this process: {exit code, standard output, standard error}. */
    private static String[] cli(final String... args)
    {
        final java.io.StringWriter out = new java.io.StringWriter();
        final java.io.StringWriter err = new java.io.StringWriter();
        final picocli.CommandLine line = new picocli.CommandLine(new io.ledgerguard.cli.LedgerGuardCli());
        line.setOut(new java.io.PrintWriter(out, true));
        line.setErr(new java.io.PrintWriter(err, true));
        final int code = line.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    /** Three node processes, a client driver, and the book the load needs: wallets attested, an inflow, accounts. */
    private void startCluster(final int test) throws Exception
    {
        config = Files.writeString(dir.resolve("cluster.yaml"), String.join("\n",
            "assets:",
            "  - { code: BTC, id: 1, scale: 8, creditCapMinorUnits: 10000000000000, attestationAgeMsMax: 86400000 }",
            "wallets:",
            "  - { id: 1, asset: BTC, kind: HOT }",
            "  - { id: 2, asset: BTC, kind: COLD }",
            "limits: { accountsMax: 1000, positionsMax: 4000, holdsMax: 1000, txIdsMax: 200000, inflowsMax: 1000, " +
                "creditsMax: 200000 }",
            ""));
        members = ClusterMembers.loopback(NODES, NodeProcesses.portBase(test));
        nodes = new NodeProcesses(dir, members, config);
        nodes.startAll();
        nodes.awaitLeader();
        clientDriver = ClusterGuardClient.launchDriver(dir.resolve("client-aeron"));
        setup = ClusterGuardClient.connect(clientDriver.aeronDirectoryName(), members, NodeProcesses.PATIENCE);
        long txId = 8_000_000_000L;
        for (final long wallet : new long[] {1, 2})
        {
            final Command attest = new Command();
            attest.type = CommandType.ATTEST;
            attest.txId = txId++;
            attest.walletId = wallet;
            attest.assetId = ClusterLoad.BTC;
            assertEquals(Reason.OK, setup.submit(attest).reason);
        }
        final Command inflow = new Command();
        inflow.type = CommandType.INFLOW;
        inflow.txId = txId++;
        inflow.walletId = 1;
        inflow.assetId = ClusterLoad.BTC;
        inflow.amount = 100_000_000_000_000L;
        inflow.chainRef("btc:1");
        assertEquals(Reason.OK, setup.submit(inflow).reason);
        for (final long account : ClusterLoad.accounts(CLIENTS))
        {
            final Command open = new Command();
            open.type = CommandType.OPEN_ACCOUNT;
            open.txId = txId++;
            open.accountId = account;
            open.accountKind = AccountKind.CUSTOMER;
            final GatewayDecision opened = setup.submit(open);
            assertEquals(Reason.OK, opened.reason);
            setupSeq = opened.seq;
        }
    }

    /**
     * The log is quiet: every running node at one seq has the same state hash and chain head, equal to a
     * from-scratch replay of its journal (each decision replayed equal to the recorded one), the invariants holding.
     */
    private JsonNode[] assertNodesAgree() throws Exception
    {
        final JsonNode[] statuses = nodes.awaitSameSeq(load != null ? load.highestSeq.get() : 0);
        JsonNode first = null;
        for (int id = 0; id < NODES; id++)
        {
            if (statuses[id] == null)
            {
                continue;
            }
            if (first == null)
            {
                first = statuses[id];
            }
            assertEquals(first.path("stateHash"), statuses[id].path("stateHash"), "node " + id + "'s state hash");
            assertEquals(first.path("chainHead"), statuses[id].path("chainHead"), "node " + id + "'s chain head");
            assertEquals(0, statuses[id].path("divergences").asLong(), "node " + id + " found no divergence");
            // What audit verify does: the chain, and a replay from the genesis (or from the snapshot a seeded node's
            // journal begins at) deciding every command as recorded, with the invariants holding at the end.
            final Path journal = nodes.nodeDir(id).resolve("journal");
            final JournalVerifier.Result result = new JournalVerifier(journal).config(ConfigLoader.load(config),
                config.toString()).verify();
            assertTrue(result.ok(), "node " + id + "'s journal: " + result.problem());
            assertEquals(statuses[id].path("seq").asLong(), result.lastSeq(), "node " + id + "'s journal's end");
            assertEquals(statuses[id].path("stateHash").asText(), result.stateHashHex(),
                "node " + id + ": a replay of its journal");
        }
        assertNotNull(first, "a node up");
        return statuses;
    }

    /** Every acknowledged txId applied exactly once, on every node, with the outcome the client heard. */
    private void assertEveryAcknowledgedDecisionIsInTheEvidence(final JsonNode[] statuses)
    {
        // Where each acknowledged txId was applied, from a journal that begins at the first command.
        Map<Long, Long> appliedAt = null;
        for (int id = 0; id < NODES && appliedAt == null; id++)
        {
            if (statuses[id] != null && anchorSeq(nodes.nodeDir(id).resolve("journal")) == 0)
            {
                appliedAt = appliedAt(nodes.nodeDir(id).resolve("journal"));
            }
        }
        assertNotNull(appliedAt, "a node whose journal begins at the first command");
        for (int id = 0; id < NODES; id++)
        {
            if (statuses[id] == null)
            {
                continue;
            }
            final Path journal = nodes.nodeDir(id).resolve("journal");
            final Map<Long, Reason> applied = appliedOnce(journal);
            // A seeded node's evidence begins at the snapshot it started from: what came before is in the others'.
            final long anchor = anchorSeq(journal);
            int checked = 0;
            for (final Map.Entry<Long, Reason> ack : load.acknowledged.entrySet())
            {
                if (appliedAt.getOrDefault(ack.getKey(), Long.MAX_VALUE) > anchor)
                {
                    assertEquals(ack.getValue(), applied.get(ack.getKey()), "node " + id + ": txId " + ack.getKey() +
                        " as acknowledged");
                    checked++;
                }
            }
            assertTrue(checked > 0, "node " + id + ": acknowledged decisions in its evidence");
        }
        assertTrue(load.acknowledged.size() > 0, "decisions acknowledged");
    }

    /** txId to the seq of its one non-duplicate decision. */
    private static Map<Long, Long> appliedAt(final Path journal)
    {
        final Map<Long, Long> at = new HashMap<>();
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalReader reader = JournalReader.open(journal))
        {
            while (reader.next(command, decision))
            {
                if (!decision.duplicate)
                {
                    at.put(command.txId, command.seq);
                }
            }
        }
        return at;
    }

    /** A directory copied, but for its subdirectory {@code left}. */
    private static void copyTree(final Path from, final Path to, final String left) throws java.io.IOException
    {
        try (java.util.stream.Stream<Path> files = Files.walk(from))
        {
            for (final Path file : files.toList())
            {
                final Path relative = from.relativize(file);
                if (!relative.startsWith(left))
                {
                    Files.copy(file, to.resolve(relative.toString()));
                }
            }
        }
    }

    /** The seq a journal's anchor begins its evidence after; 0 for one that begins at the first command. */
    private static long anchorSeq(final Path journal)
    {
        try (JournalReader reader = JournalReader.open(journal).allowingAnchor())
        {
            reader.verifyAll();
            return reader.anchor() == null ? 0 : reader.anchor().seq();
        }
    }

    /** txId to the reason of its one non-duplicate decision; fails on a txId applied twice. */
    static Map<Long, Reason> appliedOnce(final Path journal)
    {
        final Map<Long, Reason> applied = new HashMap<>();
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalReader reader = JournalReader.open(journal).allowingAnchor())
        {
            while (reader.next(command, decision))
            {
                if (!decision.duplicate)
                {
                    final Reason before = applied.put(command.txId, decision.reason);
                    assertNull(before, journal + ": txId " + command.txId + " applied twice");
                }
            }
        }
        return applied;
    }

    private static Command deposit(final long txId, final long account, final long amount)
    {
        final Command command = new Command();
        command.type = CommandType.DEPOSIT;
        command.txId = txId;
        command.accountId = account;
        command.assetId = ClusterLoad.BTC;
        command.amount = amount;
        command.chainRef("btc:1");
        return command;
    }
}
