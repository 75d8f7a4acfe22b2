package io.ledgerguard.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.JournalReader;
import io.ledgerguard.protocol.GatewayDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may send what to a guard cluster (SPEC §12): once the rules name clients, the leader admits a session only for a
 * client that signs its challenge with the key the rules name, and every node refuses what the client's role does not
 * allow, before the guard. Three nodes in this process, on loopback.
 */
class ClusterIngressTest
{
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final int NODES = 3;
    private static final int BTC = 1;

    @TempDir
    Path dir;

    private final List<ClusterNode> nodes = new ArrayList<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private MediaDriver clientDriver;

    @AfterEach
    void stop()
    {
        clients.forEach(CloseHelper::quietClose);
        CloseHelper.quietClose(clientDriver);
        nodes.forEach(CloseHelper::quietClose);
    }

    @Test
    void shouldAdmitOnlyTheRulesClientsByTheirKeysAndEachToItsRole() throws Exception
    {
        final KeyPair feedKey = ed25519();
        final KeyPair engineKey = ed25519();
        final GuardConfig config = config();
        config.role("custody", bit(CommandType.ATTEST) | bit(CommandType.INFLOW));
        config.role("engine", bit(CommandType.OPEN_ACCOUNT) | bit(CommandType.BATCH));
        config.client(new GuardConfig.ClientConfig("feed", feedKey.getPublic(), "custody"));
        config.client(new GuardConfig.ClientConfig("engine", engineKey.getPublic(), "engine"));
        final ClusterMembers members = ClusterMembers.loopback(NODES, portBase());
        launchNodes(members, config);
        clientDriver = ClusterGuardClient.launchDriver(dir.resolve("client-aeron"));
        final String aeronDir = clientDriver.aeronDirectoryName();

        // The first connection waits for a leader: it is the one that must get in.
        final ClusterGuardClient feed = connect(aeronDir, members, new ClusterCredentials("feed",
            feedKey.getPrivate()));
        final ClusterRefusedException anonymous = assertThrows(ClusterRefusedException.class,
            () -> connect(aeronDir, members, null));
        assertTrue(anonymous.getMessage().contains("without credentials"), anonymous.getMessage());
        assertThrows(ClusterRefusedException.class,
            () -> connect(aeronDir, members, new ClusterCredentials("feed", engineKey.getPrivate())),
            "the feed's id with another client's key");
        assertThrows(ClusterRefusedException.class,
            () -> connect(aeronDir, members, new ClusterCredentials("stranger", ed25519().getPrivate())),
            "an id the rules do not name");

        final ClusterNode leader = nodes.stream().filter(ClusterNode::isLeader).findFirst().orElseThrow();
        assertEquals(3, leader.status().sessionsRefused(), "each refusal counted by the leader");
        assertEquals(Reason.OK, feed.submit(attest(1, 1)).reason);
        assertEquals(Reason.OK, feed.submit(attest(2, 2)).reason);
        final GatewayDecision refused = feed.submit(open(3));
        assertEquals(Reason.NOT_IN_ROLE, refused.reason, "custody may not open accounts");
        assertEquals(0, refused.seq, "not sequenced");

        final ClusterGuardClient engine = connect(aeronDir, members, new ClusterCredentials("engine",
            engineKey.getPrivate()));
        assertEquals(Reason.OK, engine.submit(open(4)).reason);
        final Command batch = new Command();
        batch.type = CommandType.BATCH;
        batch.txId = 5;
        final Command inner = batch.addInner();
        inner.type = CommandType.ATTEST;
        inner.txId = 6;
        inner.walletId = 1;
        inner.assetId = BTC;
        inner.amount = 0;
        assertEquals(Reason.NOT_IN_ROLE, engine.submit(batch).reason, "an inner command's type counts too");

        awaitCondition("every node applied 3 and refused 2", () -> nodes.stream().allMatch(node ->
            node.service().applied() == 3 && node.service().refusedByRole() == 2));
        // Each node's evidence names the client that sent each command.
        nodes.forEach(ClusterNode::close);
        for (int id = 0; id < NODES; id++)
        {
            final List<String> senders = new ArrayList<>();
            try (JournalReader journal = JournalReader.open(dir.resolve("node-" + id).resolve("journal")))
            {
                final Command command = new Command();
                while (journal.next(command))
                {
                    senders.add(command.type + " " + command.clientIdString());
                }
            }
            assertEquals(List.of("ATTEST feed", "ATTEST feed", "OPEN_ACCOUNT engine"), senders, "node " + id);
        }
    }

    @Test
    void shouldAdmitEveryoneWhileTheRulesNameNoClients() throws Exception
    {
        final ClusterMembers members = ClusterMembers.loopback(NODES, portBase() + 50);
        launchNodes(members, config());
        clientDriver = ClusterGuardClient.launchDriver(dir.resolve("client-aeron"));
        final ClusterGuardClient anyone = connect(clientDriver.aeronDirectoryName(), members, null);
        assertEquals(Reason.OK, anyone.submit(attest(1, 1)).reason);
        final ClusterGuardClient named = connect(clientDriver.aeronDirectoryName(), members,
            new ClusterCredentials("feed", ed25519().getPrivate()));
        assertEquals(Reason.OK, named.submit(open(2)).reason, "credentials are not asked for, and do no harm");
    }

    /**
     * Copying the cluster's state to seed a node is an operator's: once the rules name clients, a backup query by a
     * client whose role may not send CONFIGURE is refused (and counted), an operator's admitted.
     */
    @Test
    void shouldLetOnlyAnOperatorSeedANode() throws Exception
    {
        final KeyPair feedKey = ed25519();
        final KeyPair operatorKey = ed25519();
        final GuardConfig config = config();
        config.role("custody", bit(CommandType.ATTEST) | bit(CommandType.INFLOW));
        config.role("operator", bit(CommandType.CONFIGURE));
        config.client(new GuardConfig.ClientConfig("feed", feedKey.getPublic(), "custody"));
        config.client(new GuardConfig.ClientConfig("ops", operatorKey.getPublic(), "operator"));
        final ClusterMembers members = ClusterMembers.loopback(NODES, portBase() + 100);
        launchNodes(members, config);
        clientDriver = ClusterGuardClient.launchDriver(dir.resolve("client-aeron"));
        final ClusterGuardClient feed = connect(clientDriver.aeronDirectoryName(), members,
            new ClusterCredentials("feed", feedKey.getPrivate()));
        assertEquals(Reason.OK, feed.submit(attest(1, 1)).reason);
        final ClusterNode leader = nodes.stream().filter(ClusterNode::isLeader).findFirst().orElseThrow();
        assertTrue(leader.requestSnapshot(), "the snapshot toggle taken");
        awaitCondition("a snapshot on every node", () ->
            nodes.stream().allMatch(node -> node.snapshotsRecorded() == 1));
        final ClusterNode follower = nodes.stream().filter(node -> !node.isLeader()).findFirst().orElseThrow();
        final Path nodeDir = dir.resolve("node-" + follower.id());
        follower.close();
        nodes.remove(follower);
        final Path wiped = Files.move(nodeDir, dir.resolve("node-" + follower.id() + "-old"));
        assertTrue(Files.isDirectory(wiped));

        final IllegalStateException byFeed = assertThrows(IllegalStateException.class, () -> ClusterSeed.seed(
            follower.id(), members, nodeDir, new ClusterCredentials("feed", feedKey.getPrivate()), PATIENCE));
        assertTrue(byFeed.getMessage().contains("the cluster refused the seed") &&
            byFeed.getMessage().contains("Not authorised for BackupQuery"), byFeed.getMessage());
        assertTrue(nodes.stream().mapToLong(node -> node.status().sessionsRefused()).sum() >= 1,
            "the feed's backup query refused by a node");
        ThreeNodeClusterTest.deleteTree(nodeDir);
        ClusterSeed.seed(follower.id(), members, nodeDir, new ClusterCredentials("ops", operatorKey.getPrivate()),
            PATIENCE);
        final ClusterNode rejoined = ClusterNode.launch(follower.id(), members, nodeDir, config, JournalDurability.OS,
            alert -> { });
        nodes.add(rejoined);
        assertEquals(Reason.OK, feed.submit(attest(2, 2)).reason);
        awaitCondition("every node applied 2, the rejoined one from the snapshot", () ->
            nodes.stream().allMatch(node -> node.service().applied() == 2) &&
            rejoined.service().snapshotsLoaded() == 1);
    }

    /** Every node, each with its evidence journal in its own directory under the test's. */
    private void launchNodes(final ClusterMembers members, final GuardConfig config)
    {
        for (int id = 0; id < NODES; id++)
        {
            nodes.add(ClusterNode.launch(id, members, dir.resolve("node-" + id), config, JournalDurability.OS,
                alert -> { }));
        }
    }

    private ClusterGuardClient connect(final String aeronDir, final ClusterMembers members,
        final ClusterCredentials credentials)
    {
        final ClusterGuardClient client = ClusterGuardClient.connect(aeronDir, members, credentials, PATIENCE);
        clients.add(client);
        return client;
    }

    private static long bit(final CommandType type)
    {
        return 1L << type.code();
    }

    private static KeyPair ed25519() throws Exception
    {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    private static Command attest(final long txId, final long wallet)
    {
        final Command command = new Command();
        command.type = CommandType.ATTEST;
        command.txId = txId;
        command.walletId = wallet;
        command.assetId = BTC;
        command.amount = 0;
        return command;
    }

    private static Command open(final long txId)
    {
        final Command command = new Command();
        command.type = CommandType.OPEN_ACCOUNT;
        command.txId = txId;
        command.accountId = 100 + txId;
        command.accountKind = AccountKind.CUSTOMER;
        return command;
    }

    private static GuardConfig config()
    {
        final GuardConfig config = new GuardConfig();
        final GuardConfig.AssetConfig btc = new GuardConfig.AssetConfig("BTC", BTC, 8);
        config.asset(btc);
        config.wallet(new GuardConfig.WalletConfig(1, "BTC", WalletKind.HOT));
        config.wallet(new GuardConfig.WalletConfig(2, "BTC", WalletKind.COLD));
        config.limits().accountsMax = 1_000;
        config.limits().positionsMax = 1_000;
        config.limits().holdsMax = 1_000;
        config.limits().txIdsMax = 10_000;
        return config;
    }

    private static int portBase()
    {
        // Beside ThreeNodeClusterTest's range (10,000..24,900): 25,000..26,900 is free in this module.
        return 25_000 + (int)(ProcessHandle.current().pid() % 13) * 150;
    }

    private static void awaitCondition(final String what, final java.util.function.BooleanSupplier condition)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
