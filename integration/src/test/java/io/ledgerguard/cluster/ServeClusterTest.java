package io.ledgerguard.cluster;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.aeron.driver.MediaDriver;
import org.agrona.CloseHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.gateway.ClusterSidecar;
import io.ledgerguard.gateway.GatewaySettings;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.JournalReader;
import io.ledgerguard.protocol.GatewayDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, "clients unchanged": the sidecar's gateway in front of a three-node guard cluster. A {@code GatewayClient}
 * pipelines requests through it while the leader stops: every request is answered with its decision (those in flight
 * at the stop sent again by the gateway with their txId, and answered as the old leader decided them or by the new
 * one), none applied twice. With every node down, a request is answered {@code GUARD_FAILED}: its outcome unknown.
 */
class ServeClusterTest
{
    private static final int NODES = 3;
    private static final int BTC = 1;
    private static final int PIPELINED = 400;

    @TempDir
    Path dir;

    private final List<ClusterNode> nodes = new ArrayList<>();
    private ClusterSidecar sidecar;
    private GatewayClient client;

    @AfterEach
    void stop()
    {
        CloseHelper.quietCloseAll(client, sidecar);
        nodes.forEach(CloseHelper::quietClose);
    }

    @Test
    void shouldAnswerEveryRequestThroughALeaderChange() throws Exception
    {
        final ClusterMembers members = ClusterMembers.loopback(NODES, NodeProcesses.portBase(7));
        for (int id = 0; id < NODES; id++)
        {
            nodes.add(ClusterNode.launch(id, members, dir.resolve("node-" + id), config(), JournalDurability.PROCESS,
                alert -> { }));
        }
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        final StringWriter said = new StringWriter();
        sidecar = ClusterSidecar.start(config(), members, null, settings, dir.resolve("gateway-aeron"),
            Duration.ofSeconds(3), new PrintWriter(said));
        NodeProcesses.await("the gateway's cluster session", sidecar.port()::available);
        client = new GatewayClient(sidecar.server().tcpAddress(), "serve-cluster-test");

        long txId = 1;
        assertEquals(Reason.OK, client.submit(attest(txId++, 1)).reason);
        assertEquals(Reason.OK, client.submit(attest(txId++, 2)).reason);
        final Command inflow = command(CommandType.INFLOW, txId++);
        inflow.walletId = 1;
        inflow.amount = 1_000_000_000_000L;
        inflow.chainRef("btc:1");
        assertEquals(Reason.OK, client.submit(inflow).reason);
        final Command open = command(CommandType.OPEN_ACCOUNT, txId++);
        open.accountId = 1001;
        open.accountKind = AccountKind.CUSTOMER;
        assertEquals(Reason.OK, client.submit(open).reason);

        // Pipelined deposits; the leader stops halfway through sending them.
        final Map<Long, Reason> answers = new ConcurrentHashMap<>();
        final Map<Long, String> errors = new ConcurrentHashMap<>();
        final CountDownLatch answered = new CountDownLatch(PIPELINED);
        final long first = txId;
        for (int i = 0; i < PIPELINED; i++)
        {
            if (i == PIPELINED / 2)
            {
                final ClusterNode leader = nodes.stream().filter(ClusterNode::isLeader).findFirst().orElseThrow();
                leader.close();
                nodes.remove(leader);
            }
            final Command deposit = command(CommandType.DEPOSIT, txId++);
            deposit.accountId = 1001;
            deposit.amount = 1_000;
            deposit.chainRef("btc:1");
            final long id = deposit.txId;
            client.submitAsync(deposit, new GatewayClient.Listener()
            {
                @Override
                public void onDecision(final GatewayDecision decision)
                {
                    answers.put(id, decision.reason);
                    answered.countDown();
                }

                @Override
                public void onError(final int code, final String message)
                {
                    errors.put(id, code + " " + message);
                    answered.countDown();
                }
            });
        }
        assertTrue(answered.await(60, TimeUnit.SECONDS), "every request answered");
        assertEquals(Map.of(), errors);
        for (long id = first; id < txId; id++)
        {
            assertEquals(Reason.OK, answers.get(id), "txId " + id);
        }
        assertTrue(sidecar.port().sessions() >= 2, "a new leader announced to the gateway's session");
        System.out.printf("serve --cluster: %d requests sent again after the leader stopped%n",
            sidecar.port().resent());

        // Every node's evidence: each txId applied once, the deposits all there.
        awaitSameApplied();
        for (final ClusterNode node : nodes)
        {
            final Map<Long, Reason> applied =
                ClusterProcessesTest.appliedOnce(dir.resolve("node-" + node.id()).resolve("journal"));
            for (long id = first; id < txId; id++)
            {
                assertEquals(Reason.OK, applied.get(id), "node " + node.id() + ": txId " + id);
            }
        }

        // No leader at all: the gateway answers GUARD_FAILED, outcome unknown.
        nodes.forEach(ClusterNode::close);
        nodes.clear();
        final Command late = command(CommandType.DEPOSIT, txId++);
        late.accountId = 1001;
        late.amount = 1_000;
        late.chainRef("btc:1");
        assertEquals(Reason.GUARD_FAILED, org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            Duration.ofSeconds(60), () -> client.submit(late)).reason, "no leader: fail closed");
    }

    /**
     * A cluster whose rules name clients admits the gateway only by its own key
     * ({@code serve --cluster --cluster-key}); the gateway admits its clients by theirs and checks their roles as it
     * does in front of one guard. Each node's journal names the gateway as the sender. A gateway without a key is
     * refused, and says so.
     */
    @Test
    void shouldReachANamedClusterByTheGatewaysOwnKey() throws Exception
    {
        final KeyPair feedKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final KeyPair gatewayKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final GuardConfig config = config();
        nameClients(config, feedKey, gatewayKey);
        final ClusterMembers members = launchNodes(config, NodeProcesses.portBase(8));
        final GatewaySettings settings = gatewaySettings(config);
        final StringWriter said = new StringWriter();
        sidecar = ClusterSidecar.start(config, members, new ClusterCredentials("gw", gatewayKey.getPrivate()),
            settings, dir.resolve("gateway-aeron"), Duration.ofSeconds(3), new PrintWriter(said));
        assertTrue(said.toString().contains("as client 'gw'"), said.toString());
        NodeProcesses.await("the gateway's cluster session", sidecar.port()::available);
        client = new GatewayClient(sidecar.server().tcpAddress(), "feed", feedKey.getPrivate());
        assertEquals(Reason.OK, client.submit(attest(1, 1)).reason);
        assertEquals(Reason.NOT_IN_ROLE, client.submit(command(CommandType.OPEN_ACCOUNT, 2)).reason,
            "the gateway checks its client's role");
        assertEquals(0, sidecar.port().refusals());

        try (ClusterSidecar keyless = ClusterSidecar.start(config, members, null, settings,
            dir.resolve("keyless-aeron"), Duration.ofSeconds(3), new PrintWriter(new StringWriter())))
        {
            NodeProcesses.await("the keyless gateway refused", () -> keyless.port().refusals() > 0);
            assertTrue(!keyless.port().available(), "no session, so nothing is taken");
        }

        awaitSameApplied();
        nodes.forEach(ClusterNode::close);
        try (JournalReader journal = JournalReader.open(dir.resolve("node-0").resolve("journal")))
        {
            final Command read = new Command();
            assertTrue(journal.next(read));
            assertEquals(CommandType.ATTEST, read.type);
            assertEquals("gw", read.clientIdString(), "the node's evidence names the cluster client that sent it");
            assertTrue(!journal.next(read), "the refused command was not journaled");
        }
    }

    /**
     * The gateway in front of a cluster follows the rules in force as the leader tells them: an approved
     * {@code CONFIGURE} that revokes a client (sent to the cluster by another of its clients) takes effect at the
     * gateway too, on the connection already open and at the next handshake. Before, the gateway kept the file's
     * clients and let the revoked one through under its own key.
     */
    @Test
    void shouldFollowARuleChangeThatRevokesAClient() throws Exception
    {
        final KeyPair feedKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final KeyPair gatewayKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final KeyPair ops1 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final KeyPair ops2 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final GuardConfig config = config()
            .key(new GuardConfig.KeyConfig("ops-1", ops1.getPublic()))
            .key(new GuardConfig.KeyConfig("ops-2", ops2.getPublic()))
            .approvalValidityMsMax(600_000)
            .approvals(io.ledgerguard.core.ApprovalClass.CONFIGURE,
                new GuardConfig.ApprovalRule(2, List.of("ops-1", "ops-2")));
        nameClients(config, feedKey, gatewayKey);
        final ClusterMembers members = launchNodes(config, NodeProcesses.portBase(9));
        final GatewaySettings settings = gatewaySettings(config);
        final ClusterCredentials gw = new ClusterCredentials("gw", gatewayKey.getPrivate());
        sidecar = ClusterSidecar.start(config, members, gw, settings, dir.resolve("gateway-aeron"),
            Duration.ofSeconds(3), new PrintWriter(new StringWriter()));
        NodeProcesses.await("the gateway told the rules in force", () -> sidecar.port().rulesTold() > 0);
        client = new GatewayClient(sidecar.server().tcpAddress(), "feed", feedKey.getPrivate());
        assertEquals(Reason.OK, client.submit(attest(1, 1)).reason);

        final GuardConfig concluded = config.conclude();
        final Command revoke = command(CommandType.CONFIGURE, 2);
        revoke.settings("clients.feed.revoked=true\n");
        revoke.expiresAtMs = System.currentTimeMillis() + 300_000;
        assertTrue(revoke.addApproval("ops-1", io.ledgerguard.core.approval.ApprovalVerifier.sign(revoke, concluded,
            ops1.getPrivate())));
        assertTrue(revoke.addApproval("ops-2", io.ledgerguard.core.approval.ApprovalVerifier.sign(revoke, concluded,
            ops2.getPrivate())));
        try (MediaDriver driver = ClusterGuardClient.launchDriver(dir.resolve("operator-aeron"));
            ClusterGuardClient operator = ClusterGuardClient.connect(driver.aeronDirectoryName(), members, gw,
                Duration.ofSeconds(30)))
        {
            assertEquals(Reason.OK, operator.submit(revoke).reason, "the revocation, approved, applied");
        }
        NodeProcesses.await("the gateway following the change", () -> sidecar.port().rulesInForce().changes == 1);
        assertEquals(Reason.NOT_IN_ROLE, client.submit(attest(3, 1)).reason, "revoked: the open connection");
        final GatewayClient again = new GatewayClient(sidecar.server().tcpAddress(), "feed", feedKey.getPrivate());
        try
        {
            final long failuresBefore = sidecar.server().authenticationFailures();
            org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> again.submit(attest(4, 1)),
                "revoked: refused at the handshake");
            assertEquals(failuresBefore + 1, sidecar.server().authenticationFailures(),
                "refused by the gateway's authentication, not by a timeout");
        }
        finally
        {
            CloseHelper.quietClose(again);
        }
        assertEquals(0, sidecar.port().rulesPassedOver());
    }

    /**
     * Nodes whose rules name no clients, behind a gateway whose file names some: the gateway keeps the file's rather
     * than follow rules that would open it, and says so.
     */
    @Test
    void shouldKeepTheFilesClientsWhenTheClustersNameNone() throws Exception
    {
        final KeyPair feedKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final KeyPair gatewayKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final ClusterMembers members = launchNodes(config(), NodeProcesses.portBase(10));
        final GuardConfig file = config();
        nameClients(file, feedKey, gatewayKey);
        sidecar = ClusterSidecar.start(file, members, null, gatewaySettings(file), dir.resolve("gateway-aeron"),
            Duration.ofSeconds(3), new PrintWriter(new StringWriter()));
        NodeProcesses.await("the gateway's cluster session", sidecar.port()::available);
        assertEquals(1, sidecar.port().rulesPassedOver(), "the cluster's open rules passed over");
        assertTrue(sidecar.server().clients().required(), "the gateway still asks for keys");
        client = new GatewayClient(sidecar.server().tcpAddress(), "feed", feedKey.getPrivate());
        assertEquals(Reason.OK, client.submit(attest(1, 1)).reason);
    }

    /** A custody client 'feed' (attest, inflow) and the gateway's own 'gw', whose role allows every command type. */
    private static void nameClients(final GuardConfig config, final KeyPair feedKey, final KeyPair gatewayKey)
    {
        config.role("custody", (1L << CommandType.ATTEST.code()) | (1L << CommandType.INFLOW.code()));
        long every = 0;
        for (final CommandType type : CommandType.values())
        {
            every |= 1L << type.code();
        }
        config.role("gateway", every);
        config.client(new GuardConfig.ClientConfig("feed", feedKey.getPublic(), "custody"));
        config.client(new GuardConfig.ClientConfig("gw", gatewayKey.getPublic(), "gateway"));
    }

    private ClusterMembers launchNodes(final GuardConfig config, final int portBase)
    {
        final ClusterMembers members = ClusterMembers.loopback(NODES, portBase);
        for (int id = 0; id < NODES; id++)
        {
            nodes.add(ClusterNode.launch(id, members, dir.resolve("node-" + id), config, JournalDurability.OS,
                alert -> { }));
        }
        return members;
    }

    private static GatewaySettings gatewaySettings(final GuardConfig config)
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        settings.clients = ClientSettings.of(config);
        return settings;
    }

    private void awaitSameApplied() throws InterruptedException
    {
        NodeProcesses.await("the surviving nodes at one seq", () ->
            nodes.stream().mapToLong(node -> node.service().applied()).distinct().count() == 1);
    }

    private static Command attest(final long txId, final long wallet)
    {
        final Command command = command(CommandType.ATTEST, txId);
        command.walletId = wallet;
        return command;
    }

    private static Command command(final CommandType type, final long txId)
    {
        final Command command = new Command();
        command.type = type;
        command.txId = txId;
        command.assetId = BTC;
        return command;
    }

    private static GuardConfig config()
    {
        final GuardConfig config = new GuardConfig();
        final GuardConfig.AssetConfig btc = new GuardConfig.AssetConfig("BTC", BTC, 8);
        btc.creditCapMinorUnits = 10_000_000_000L;
        config.asset(btc);
        config.wallet(new GuardConfig.WalletConfig(1, "BTC", WalletKind.HOT));
        config.wallet(new GuardConfig.WalletConfig(2, "BTC", WalletKind.COLD));
        config.limits().accountsMax = 1_000;
        config.limits().positionsMax = 1_000;
        config.limits().holdsMax = 1_000;
        config.limits().txIdsMax = 10_000;
        config.limits().creditsMax = 10_000;
        return config;
    }
}
