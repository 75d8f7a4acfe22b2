package io.ledgerguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Reason;
import io.ledgerguard.protocol.GatewayDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve} journals what it decides and recovers it when started again: a resubmitted command gets its original
 * decision, sequencing goes on where it stopped, and the open approval classes are warned about.
 */
class ServeCommandTest
{
    private static final Path CONFIG = Path.of("..", "examples", "config.yaml");

    @TempDir
    Path temp;

    @Test
    void shouldRecoverWhatItServedWhenStartedAgain() throws Exception
    {
        final Path journal = temp.resolve("journal");
        final int port = freePort();

        final Served first = serve(journal, port, client ->
        {
            assertTrue(client.submit(open(1, 1001)).accepted());
            assertTrue(client.submit(open(2, 1002)).accepted());
            assertEquals(Reason.ACCOUNT_ALREADY_EXISTS, client.submit(open(3, 1001)).reason);
        });
        assertEquals(0, first.exitCode, first.err);
        assertTrue(first.err.contains("serve: warning: approvals.ADJUST names no keys"), first.err);
        assertTrue(first.err.contains("serve: listening on 127.0.0.1:" + port), first.err);

        final GatewayDecision[] again = new GatewayDecision[2];
        final Served second = serve(journal, port, client ->
        {
            again[0] = client.submit(open(2, 1002));
            again[1] = client.submit(open(4, 1003));
        });
        assertEquals(0, second.exitCode, second.err);
        assertTrue(second.err.contains("next seq 4"), second.err);
        assertTrue(again[0].accepted() && again[0].duplicate, "answered from the recovered state: " + again[0]);
        assertEquals(4, again[0].seq, "a resubmission is sequenced (and journaled) in its own right");
        assertEquals(5, again[1].seq);
        assertTrue(again[1].accepted());
    }

    @Test
    void shouldKeepTheJournalsRulesAndReportAFileThatDiffers() throws Exception
    {
        // SPEC §13: the first start records the file's rules as the journal's genesis; a restart with an edited file
        // keeps deciding under the journal's rules and names every setting the file would change.
        final Path journal = temp.resolve("journal");
        final int port = freePort();
        final Served first = serve(CONFIG, journal, port, client ->
            assertTrue(client.submit(open(1, 1001)).accepted()));
        assertEquals(0, first.exitCode, first.err);
        assertTrue(first.err.contains("serve: rules in force: version 0 (the journal's genesis)"), first.err);
        assertTrue(!first.err.contains("differs"), first.err);

        final Path edited = temp.resolve("edited.yaml");
        java.nio.file.Files.writeString(edited, java.nio.file.Files.readString(CONFIG)
            .replace("creditCapMinorUnits: 10000000000", "creditCapMinorUnits: 5")
            .replace("limits: { accountsMax: 10000,", "limits: { accountsMax: 20000,"));
        final GatewayDecision[] decided = new GatewayDecision[3];
        final Served second = serve(edited, journal, port, client ->
        {
            assertTrue(client.submit(command(CommandType.ATTEST, 5, c -> { c.walletId = 2; c.assetId = 1; }))
                .accepted());
            decided[0] = client.submit(command(CommandType.ATTEST, 2, c -> { c.walletId = 1; c.assetId = 1; }));
            decided[1] = client.submit(command(CommandType.INFLOW, 3, c ->
            {
                c.walletId = 1;
                c.assetId = 1;
                c.amount = 1_000;
                c.chainRef("tx-rules");
            }));
            decided[2] = client.submit(command(CommandType.DEPOSIT, 4, c ->
            {
                c.accountId = 1001;
                c.assetId = 1;
                c.amount = 500;
                c.chainRef("tx-rules");
            }));
        });
        assertEquals(0, second.exitCode, second.err);
        assertTrue(second.err.contains("serve: warning: the configuration file differs from the rules in force in 1 " +
            "setting(s); the journal is the authority and the file's are NOT applied"), second.err);
        assertTrue(second.err.contains("serve:   assets.BTC.creditCapMinorUnits: 10000000000 -> 5"), second.err);
        assertTrue(!second.err.contains("limits."), "table sizes are start-up settings, not rules: " + second.err);
        assertTrue(decided[0].accepted() && decided[1].accepted(), decided[0] + " " + decided[1]);
        assertTrue(decided[2].accepted(), "a credit of 500 under the journal's cap, not the file's 5: " + decided[2]);
    }

    private static Command command(final CommandType type, final long txId,
        final java.util.function.Consumer<Command> fields)
    {
        final Command command = new Command();
        command.type = type;
        command.txId = txId;
        fields.accept(command);
        return command;
    }

    private interface Session
    {
        void run(GatewayClient client) throws Exception;
    }

    private static final class Served
    {
        int exitCode;
        String err;
    }

    @Test
    void shouldRefuseAnAdminAddressBeyondLoopbackWithoutTokens()
    {
        // Issue 14: --admin-listen 0.0.0.0 was accepted without a word, every balance open to the network.
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(new LedgerGuardCli());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        final int exit = cli.execute("serve", "--config", CONFIG.toString(), "--listen", "127.0.0.1:0",
            "--admin-listen", "0.0.0.0:0", "--for-seconds", "1");
        assertEquals(LedgerGuardCli.EXIT_USAGE, exit, err.toString());
        assertTrue(err.toString().contains("is not a loopback address and the configuration has no admin.tokens"),
            err.toString());
    }

    @Test
    void shouldRefuseAGatewayAddressBeyondLoopback()
    {
        // Issue 14: --listen 0.0.0.0 was accepted without a word, though no client proves who it is.
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(new LedgerGuardCli());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        final int exit = cli.execute("serve", "--config", CONFIG.toString(), "--listen", "0.0.0.0:0",
            "--for-seconds", "1");
        assertEquals(LedgerGuardCli.EXIT_USAGE, exit, err.toString());
        assertTrue(err.toString().contains("--listen 0.0.0.0:0 is not a loopback address"), err.toString());
    }

    @Test
    void shouldListenBeyondLoopbackOnceClientsAreNamed(@org.junit.jupiter.api.io.TempDir final Path dir)
        throws Exception
    {
        // With every client proving its key, a gateway on another address is no longer open to whoever reaches it.
        final Outcome served = execute("serve", "--config", namingAClient(dir).toString(), "--listen", "0.0.0.0:0",
            "--admin-listen", "127.0.0.1:0", "--for-seconds", "1");
        assertEquals(0, served.exit, served.err);
        assertTrue(served.err.contains("serve: listening on "), served.err);
        assertTrue(!served.err.contains("names no clients"), served.err);
    }

    @Test
    void shouldRefuseAClusterGatewayWithoutTheKeyItsNodesNeed(@org.junit.jupiter.api.io.TempDir final Path dir)
        throws Exception
    {
        // Once the rules name clients, each node admits only those: the gateway in front is one, by its own key.
        final Path named = namingAClient(dir);
        final Outcome keyless = execute("serve", "--config", named.toString(), "--listen", "127.0.0.1:0",
            "--cluster", "127.0.0.1:9000,127.0.0.1:9010,127.0.0.1:9020", "--for-seconds", "1");
        assertEquals(LedgerGuardCli.EXIT_USAGE, keyless.exit, keyless.err);
        assertTrue(keyless.err.contains("the gateway needs its own, --cluster-key FILE"), keyless.err);

        final Outcome unreadable = execute("serve", "--config", named.toString(), "--listen", "127.0.0.1:0",
            "--cluster", "127.0.0.1:9000,127.0.0.1:9010,127.0.0.1:9020", "--cluster-key",
            dir.resolve("missing.key").toString(), "--for-seconds", "1");
        assertEquals(LedgerGuardCli.EXIT_USAGE, unreadable.exit, unreadable.err);
        assertTrue(unreadable.err.contains("--cluster-key " + dir.resolve("missing.key")), unreadable.err);

        final Outcome alone = execute("serve", "--config", CONFIG.toString(), "--listen", "127.0.0.1:0",
            "--cluster-key", dir.resolve("gw.key").toString(), "--for-seconds", "1");
        assertEquals(LedgerGuardCli.EXIT_USAGE, alone.exit, alone.err);
        assertTrue(alone.err.contains("it needs --cluster"), alone.err);
    }

    /** The example configuration, naming one client (an order gateway) with a fresh key. */
    private static Path namingAClient(final Path dir) throws Exception
    {
        final String publicKey = java.util.Base64.getEncoder().encodeToString(
            java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
        final Path config = dir.resolve("named.yaml");
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(CONFIG) + "\n" +
            "roles:\n  - { name: order-gateway, commands: [HOLD, RELEASE, TRANSFER, BATCH] }\n" +
            "clients:\n  - { id: orders-1, role: order-gateway, publicKey: \"" + publicKey + "\" }\n");
        return config;
    }

    private record Outcome(int exit, String err)
    {
    }

    private static Outcome execute(final String... args)
    {
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(new LedgerGuardCli());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        final int exit = cli.execute(args);
        return new Outcome(exit, err.toString());
    }

    private Served serve(final Path journal, final int port, final Session session) throws Exception
    {
        return serve(CONFIG, journal, port, session);
    }

    private Served serve(final Path config, final Path journal, final int port, final Session session)
        throws Exception
    {
        final StringWriter err = new StringWriter();
        final Served served = new Served();
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread server = new Thread(() ->
        {
            final CommandLine cli = new CommandLine(new LedgerGuardCli());
            cli.setErr(new PrintWriter(err, true));
            cli.setOut(new PrintWriter(new StringWriter(), true));
            exit.set(cli.execute("serve", "--config", config.toString(), "--journal", journal.toString(),
                "--listen", "127.0.0.1:" + port, "--admin-listen", "127.0.0.1:0", "--for-seconds", "6"));
        });
        server.start();
        try (GatewayClient client = new GatewayClient(new InetSocketAddress("127.0.0.1", port), "test"))
        {
            connectWhenUp(client);
            session.run(client);
        }
        server.join(30_000);
        served.exitCode = exit.get();
        served.err = err.toString();
        return served;
    }

    private static void connectWhenUp(final GatewayClient client) throws Exception
    {
        IOException last = null;
        for (int i = 0; i < 100; i++)
        {
            try
            {
                client.connect();
                return;
            }
            catch (final IOException ex)
            {
                last = ex;
                Thread.sleep(50);
            }
        }
        throw last;
    }

    private static Command open(final long txId, final long accountId)
    {
        final Command command = new Command();
        command.type = CommandType.OPEN_ACCOUNT;
        command.txId = txId;
        command.accountId = accountId;
        command.accountKind = AccountKind.CUSTOMER;
        return command;
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
