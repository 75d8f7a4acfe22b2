package io.ledgerguard.cli;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.cluster.NodeStatus;
import io.ledgerguard.config.AdminSettings;
import io.ledgerguard.gateway.ClusterStatusServer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code cluster status --token-file} sends the bearer token the file holds to nodes whose configuration has
 * {@code admin.tokens}, and refuses a file that is not one token, naming it.
 */
class ClusterStatusCommandTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSendTheTokenFromTheFileItIsGiven() throws Exception
    {
        final NodeStatus leader = new NodeStatus(0, "LEADER", 3, 42, "ab".repeat(32), "cd".repeat(32), 1, 0, 0, 0, 0,
            0, 0);
        final AdminSettings tokens = new AdminSettings(List.of(
            new AdminSettings.Token("operator", AdminSettings.Role.VIEWER, AdminSettings.sha256("viewer-secret"))));
        try (ClusterStatusServer server =
            ClusterStatusServer.start(new InetSocketAddress("127.0.0.1", 0), () -> leader, tokens))
        {
            // One member whose status port (its base + 6) is the server's.
            final String members = "127.0.0.1:" + (server.address().getPort() - 6);
            final Path token = Files.writeString(dir.resolve("token"), "viewer-secret\n");

            final CliRun with = CliRun.execute("cluster", "status", "--members", members, "--token-file",
                token.toString());
            assertEquals(0, with.code, with.text());
            assertTrue(with.out.contains("LEADER") && with.out.contains("a leader is up"), with.text());

            final CliRun without = CliRun.execute("cluster", "status", "--members", members);
            assertEquals(1, without.code, without.text());
            assertTrue(without.out.contains("/status needs a bearer token from admin.tokens"), without.text());

            final Path absent = dir.resolve("absent");
            final CliRun missing = CliRun.execute("cluster", "status", "--members", members, "--token-file",
                absent.toString());
            assertEquals(2, missing.code, missing.text());
            assertTrue(missing.err.contains("--token-file " + absent + ": cannot read it"), missing.text());

            final Path twoLines = Files.writeString(dir.resolve("two-lines"), "viewer-secret\nauditor-secret\n");
            final CliRun notOne = CliRun.execute("cluster", "status", "--members", members, "--token-file",
                twoLines.toString());
            assertEquals(2, notOne.code, notOne.text());
            assertTrue(notOne.err.contains("--token-file " + twoLines + ": not one token"), notOne.text());
        }
    }
}
