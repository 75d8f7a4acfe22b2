package io.ledgerguard.gateway;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.JournalSettings;
import io.ledgerguard.config.RulesProposal;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;
import io.ledgerguard.core.approval.ApprovalVerifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §12, §13, end to end: the gateway's roles and clients are rules of the journal. A rule change sets a client's
 * role, adds a client or revokes one, and the gateway follows it from the change on, on connections already open;
 * after a restart the journal's clients hold, whatever the file says.
 */
class ClientRulesTest
{
    @TempDir
    Path temp;

    private KeyPair custody;
    private KeyPair desk;
    private KeyPair newcomer;
    private KeyPair opsA;
    private KeyPair opsB;
    private String yaml;
    private GuardConfig config;

    @BeforeEach
    void keys() throws Exception
    {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        custody = generator.generateKeyPair();
        desk = generator.generateKeyPair();
        newcomer = generator.generateKeyPair();
        opsA = generator.generateKeyPair();
        opsB = generator.generateKeyPair();
        yaml = Files.readString(Path.of("..", "examples", "config.yaml")) + "\n" +
            "keys:\n" +
            "  - { id: ops-a, publicKey: \"" + base64(opsA) + "\" }\n" +
            "  - { id: ops-b, publicKey: \"" + base64(opsB) + "\" }\n" +
            "approvals:\n  CONFIGURE: { required: 2, keys: [ops-a, ops-b] }\n" +
            "roles:\n" +
            "  - { name: custody-feed, commands: [ATTEST, INFLOW] }\n" +
            "  - { name: operator, commands: [HALT, CONFIGURE] }\n" +
            "clients:\n" +
            "  - { id: custody-1, role: custody-feed, publicKey: \"" + base64(custody) + "\" }\n" +
            "  - { id: ops-desk, role: operator, publicKey: \"" + base64(desk) + "\" }\n";
        config = ConfigLoader.parse(yaml);
    }

    private Sidecar start(final Path journal, final StringWriter log) throws IOException
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        settings.clients = ConfigLoader.parseClientSettings(yaml);
        return Sidecar.start(config, new JournalSettings(), journal, null, settings, null, new PrintWriter(log));
    }

    private Command configure(final long txId, final String settings)
    {
        final Command c = new Command();
        c.type = CommandType.CONFIGURE;
        c.txId = txId;
        c.settings(settings);
        c.expiresAtMs = System.currentTimeMillis() + 60_000;
        c.addApproval("ops-a", ApprovalVerifier.sign(c, config, opsA.getPrivate()));
        c.addApproval("ops-b", ApprovalVerifier.sign(c, config, opsB.getPrivate()));
        return c;
    }

    private static Command halt(final long txId)
    {
        final Command halt = new Command();
        halt.type = CommandType.HALT;
        halt.txId = txId;
        halt.assetId = 2;
        return halt;
    }

    @Test
    void shouldFollowRoleChangesNewClientsAndRevocationsFromTheChangeOnAndAfterARestart() throws Exception
    {
        final Path journal = temp.resolve("journal");
        final StringWriter log = new StringWriter();
        try (Sidecar sidecar = start(journal, log);
             GatewayClient feed = new GatewayClient(sidecar.server().tcpAddress(), "custody-1", custody.getPrivate());
             GatewayClient ops = new GatewayClient(sidecar.server().tcpAddress(), "ops-desk", desk.getPrivate()))
        {
            assertEquals(Reason.NOT_IN_ROLE, feed.submit(halt(1)).reason);
            // The feed's role now allows HALT too, and a client is added: on the connection already open.
            assertEquals(Reason.OK, ops.submit(configure(2, "roles=+watch\nroles.watch.commands=HALT\n" +
                "roles.custody-feed.commands=ATTEST,INFLOW,HALT\nclients=+watcher\n" +
                "clients.watcher.publicKey=" + base64(newcomer) + "\nclients.watcher.role=watch\n" +
                "clients.watcher.connectionsMax=1\n")).reason);
            assertEquals(Reason.OK, feed.submit(halt(3)).reason);
            try (GatewayClient watcher =
                new GatewayClient(sidecar.server().tcpAddress(), "watcher", newcomer.getPrivate()))
            {
                assertEquals(Reason.OK, watcher.submit(halt(4)).reason);
            }
            // A suspected client is revoked: its open connection sends nothing more, and it cannot connect again.
            assertEquals(Reason.OK, ops.submit(configure(5, "clients.custody-1.revoked=true\n")).reason);
            assertEquals(Reason.NOT_IN_ROLE, feed.submit(halt(6)).reason);
            assertThrows(IOException.class, () ->
            {
                try (GatewayClient again =
                    new GatewayClient(sidecar.server().tcpAddress(), "custody-1", custody.getPrivate()))
                {
                    again.submit(halt(7));
                }
            });
            // A key names its client for good: a new key takes a new id (named by the gateway before sequencing).
            final IOException named = assertThrows(IOException.class, () -> ops.submit(configure(8,
                "clients.ops-desk.publicKey=" + base64(newcomer) + "\n")));
            assertTrue(named.getMessage().contains("clients.ops-desk.publicKey: a client id names one key for good"),
                named.getMessage());
        }

        // Restarted with the file unchanged: the journal's clients hold, and the file's difference is reported.
        final StringWriter restartLog = new StringWriter();
        try (Sidecar sidecar = start(journal, restartLog))
        {
            assertTrue(restartLog.toString().contains("clients.custody-1.revoked: true -> (none)"),
                restartLog.toString());
            assertTrue(sidecar.server().clients().find("custody-1").revoked());
            assertEquals("watch", sidecar.server().clients().find("watcher").role());
            try (GatewayClient watcher =
                new GatewayClient(sidecar.server().tcpAddress(), "watcher", newcomer.getPrivate()))
            {
                assertEquals(Reason.OK, watcher.submit(halt(9)).reason);
            }
        }
    }

    @Test
    void shouldKeepRolesAndClientsInTheRulesTextAndRefuseWhatNoChangeMayDo()
    {
        final String text = Rules.text(config);
        assertTrue(text.contains("clients=custody-1,ops-desk\n"), text);
        assertTrue(text.contains("roles.operator.commands=HALT,CONFIGURE\n"), text);
        final GuardConfig rebuilt = Rules.build(Rules.parse(text), config.limits());
        assertEquals(Rules.settings(config), Rules.settings(rebuilt));
        for (final String refused : new String[] {
            "clients=ops-desk,custody-1\n",
            "clients.ops-desk.role=nobody\n",
            "clients.ops-desk.revoked=false\n",
            "clients=+x\nclients.x.publicKey=" + base64(newcomer) + "\nclients.x.role=operator\n" +
                "clients.x.connectionsMax=1\nclients.x.revoked=true\n",
            "roles.operator.commands=LAUNCH\n",
            "roles=custody-feed\n"})
        {
            assertNotEquals(null, Rules.problem(config, refused), refused);
        }
        assertEquals(null, Rules.problem(config, "clients.ops-desk.role=custody-feed\n"));
    }

    @Test
    void shouldProposeARoleChangeAndANewClientAsCommandsThatMakeTheFilesRules()
    {
        final GuardConfig file = ConfigLoader.parse(yaml.replace("id: custody-1, role: custody-feed",
            "id: custody-1, role: operator") + "  - { id: watcher, role: custody-feed, publicKey: \"" +
            base64(newcomer) + "\" }\n");
        final List<RulesProposal.Change> changes = new RulesProposal(config, file).changes();
        assertEquals(List.of("client custody-1", "client watcher"),
            changes.stream().map(RulesProposal.Change::group).toList());
        assertEquals("operator", changes.get(0).settings().get("clients.custody-1.role"));
        assertEquals("+watcher", changes.get(1).settings().get("clients"));
        GuardConfig rules = config;
        for (final RulesProposal.Change change : changes)
        {
            rules = Rules.change(rules, change.settings());
        }
        assertEquals(List.of(), Rules.diff(Rules.settings(rules), Rules.settings(file)));
    }

    @Test
    void shouldTellAClientIdWithDotsFromItsSettingAndNeverSwapItsKey()
    {
        final GuardConfig withDots = ConfigLoader.parse(yaml + "  - { id: svc.a, role: operator, publicKey: \"" +
            base64(newcomer) + "\" }\n");
        assertEquals("svc.a", Rules.clientOf("clients.svc.a.publicKey"));
        assertEquals(null, Rules.clientOf("clients.svc"));
        final String swapped = Rules.problem(withDots, "clients.svc.a.publicKey=" + base64(desk) + "\n");
        assertTrue(swapped != null && swapped.contains("names one key for good"), swapped);
        assertEquals(null, Rules.problem(withDots, "clients.svc.a.role=custody-feed\n"));
        assertEquals(null, Rules.problem(withDots, "clients.svc.a.revoked=true\n"));
    }

    @Test
    void shouldLeaveTheClientsOfAJournalBegunBeforeTheyWereRulesToTheFile()
    {
        final GuardConfig legacy = Rules.withoutClients(config);
        assertTrue(!legacy.clientsInRules() && legacy.clients().isEmpty());
        assertTrue(!Rules.text(legacy).contains("clients="), Rules.text(legacy));
        final String refused = Rules.problem(legacy, "clients.ops-desk.role=operator\n");
        assertTrue(refused != null && refused.contains("begun before the gateway's clients and roles were rules"),
            refused);
        // Neither a difference nor a proposal: the gateway of such a journal takes the file's.
        assertEquals(List.of(), new RulesProposal(legacy, config).differences());
        assertEquals(List.of(), io.ledgerguard.journal.Genesis.differences(legacy, config));
    }

    private static String base64(final KeyPair pair)
    {
        return Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }
}
