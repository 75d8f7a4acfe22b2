package io.ledgerguard.gateway;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.audit.DecisionExplainer;
import io.ledgerguard.audit.IncidentReport;
import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.JournalSettings;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §12, end to end: a sidecar with a journal and named clients; the journal records who sent each command, so that
 * {@code audit explain} and {@code audit incidents} say it; and the sidecar warns when it names no clients.
 */
class SidecarClientsTest
{
    @TempDir
    Path temp;

    @Test
    void shouldLetTheAuditSayWhichClientSentEachCommand() throws Exception
    {
        final KeyPair custody = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final KeyPair operator = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final String yaml = Files.readString(Path.of("..", "examples", "config.yaml")) + "\n" +
            "roles:\n" +
            "  - { name: custody-feed, commands: [ATTEST, INFLOW] }\n" +
            "  - { name: operator, commands: [HALT, FREEZE] }\n" +
            "clients:\n" +
            "  - { id: custody-1, role: custody-feed, publicKey: \"" + base64(custody) + "\" }\n" +
            "  - { id: ops-desk, role: operator, publicKey: \"" + base64(operator) + "\" }\n";
        final GuardConfig config = ConfigLoader.parse(yaml);
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        settings.clients = ConfigLoader.parseClientSettings(yaml);
        final Path journal = temp.resolve("journal");
        final StringWriter log = new StringWriter();
        try (Sidecar sidecar = Sidecar.start(config, new JournalSettings(), journal, null, settings, null,
            new PrintWriter(log));
             GatewayClient feed = new GatewayClient(sidecar.server().tcpAddress(), "custody-1", custody.getPrivate());
             GatewayClient desk = new GatewayClient(sidecar.server().tcpAddress(), "ops-desk", operator.getPrivate()))
        {
            final Command attest = new Command();
            attest.type = CommandType.ATTEST;
            attest.txId = 1;
            attest.walletId = 1;
            attest.assetId = 1;
            assertEquals(Reason.OK, feed.submit(attest).reason);
            final Command halt = new Command();
            halt.type = CommandType.HALT;
            halt.txId = 2;
            halt.assetId = 1;
            assertEquals(Reason.OK, desk.submit(halt).reason);
            // The feed may not halt: refused before sequencing, so the journal never holds txId 3.
            halt.txId = 3;
            assertEquals(Reason.NOT_IN_ROLE, feed.submit(halt).reason);
        }
        assertTrue(!log.toString().contains("names no clients"), log.toString());

        final StringWriter text = new StringWriter();
        DecisionExplainer.explain(journal, config, 1).printText(new PrintWriter(text, true));
        assertTrue(text.toString().contains("  sent by       client 'custody-1'"), text.toString());

        final List<ObjectNode> incidents = new IncidentReport(journal, config).incidents();
        assertEquals(1, incidents.size());
        final JsonNode engaged = incidents.get(0).get("engaged").get("command");
        assertEquals("HALT", engaged.get("type").asText());
        assertEquals("ops-desk", engaged.get("client").asText());
        final StringWriter refused = new StringWriter();
        assertEquals(2, countEntries(journal, config, refused), refused.toString());
    }

    @Test
    void shouldWarnWhenNoClientIsNamed() throws Exception
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        final StringWriter log = new StringWriter();
        try (Sidecar sidecar = Sidecar.start(ConfigLoader.load(Path.of("..", "examples", "config.yaml")),
            new JournalSettings(), null, null, settings, null, new PrintWriter(log)))
        {
            assertEquals(0, sidecar.server().authentications());
            assertTrue(log.toString().contains("serve: warning: the configuration names no clients: any process that " +
                "reaches the gateway may send any command that needs no approval"), log.toString());
        }
    }

    private static long countEntries(final Path journal, final GuardConfig config, final StringWriter out)
        throws Exception
    {
        long commands = 0;
        for (long txId = 1; txId <= 3; txId++)
        {
            try
            {
                DecisionExplainer.explain(journal, config, txId);
                commands++;
            }
            catch (final io.ledgerguard.audit.AuditException ex)
            {
                out.write(ex.getMessage() + "\n");
            }
        }
        return commands;
    }

    private static String base64(final KeyPair pair)
    {
        return Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }
}
