package io.ledgerguard.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.ControlMessages;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.protocol.sbe.AuthenticatedDecoder;
import io.ledgerguard.protocol.sbe.ErrorResponseDecoder;
import io.ledgerguard.protocol.sbe.WelcomeDecoder;

import static io.ledgerguard.gateway.ExampleCommands.transfer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14, over real sockets: each way an attacker on the host could use the gateway, refused. Clients prove their
 * keys by signing the Welcome's challenge; a command outside a client's role is refused before sequencing, counted and
 * alerted; failed attempts are counted, delayed and alerted; no number of hostile connections locks a client out.
 */
@org.junit.jupiter.api.Timeout(120)
class GatewayAuthenticationTest
{
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final int BTC = 1;

    private final Map<String, KeyPair> keys = new HashMap<>();
    private final List<String> alerts = new CopyOnWriteArrayList<>();
    private final List<GatewayClient> opened = new ArrayList<>();
    private ClientSettings clients;
    private InMemoryJournal journal;
    private LedgerGuard guard;
    private GatewayServer server;

    @BeforeEach
    void start() throws Exception
    {
        for (final String id : new String[] {"custody", "orders", "wallets", "mallory"})
        {
            keys.put(id, KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        }
        final GatewaySettings settings = new GatewaySettings();
        settings.authFailureDelayMs = 20;
        settings.authFailureDelayMaxMs = 200;
        settings.authFailuresAlertThreshold = 3;
        start(settings);
    }

    private void start(final GatewaySettings settings) throws Exception
    {
        stop();
        final String yaml = Files.readString(EXAMPLES.resolve("config.yaml")) + "\n" +
            "roles:\n" +
            "  - { name: custody-feed, commands: [ATTEST, INFLOW, OPEN_ACCOUNT, DEPOSIT] }\n" +
            "  - { name: order-gateway, commands: [HOLD, RELEASE, TRANSFER, BATCH] }\n" +
            "  - { name: wallet-service, commands: [WITHDRAW, WITHDRAW_CANCEL] }\n" +
            "clients:\n" +
            "  - { id: custody, role: custody-feed, publicKey: \"" + publicKey("custody") + "\" }\n" +
            "  - { id: orders, role: order-gateway, connectionsMax: 2, publicKey: \"" + publicKey("orders") + "\" }\n" +
            "  - { id: wallets, role: wallet-service, publicKey: \"" + publicKey("wallets") + "\" }\n";
        final GuardConfig config = ConfigLoader.parse(yaml);
        clients = ConfigLoader.parseClientSettings(yaml);
        journal = new InMemoryJournal(64 << 20);
        guard = new LedgerGuard(new GuardEngine(config),
            new PipelineContext().journal(journal).backPressure(BackPressure.REJECT));
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        settings.clients = clients;
        server = GatewayServer.start(guard, new ApprovalVerifier(config), settings,
            alert -> alerts.add(alert.type + " " + alert.figure(0) + " " + alert.figure(1)));
    }

    @AfterEach
    void stop()
    {
        for (final GatewayClient client : opened)
        {
            client.close();
        }
        opened.clear();
        if (server != null)
        {
            server.close();
            server = null;
        }
        if (guard != null)
        {
            guard.close();
            guard = null;
        }
    }

    @Test
    void shouldServeAClientThatProvesItsKeyAndJournalWhoSentEachCommand() throws Exception
    {
        fund();
        final GatewayClient orders = client("orders", "orders");
        assertEquals(Reason.OK, orders.submit(transfer(1, 2, 1_000)).reason);
        assertEquals(2, server.authentications(), "custody and orders");
        assertEquals(0, server.authenticationFailures());

        guard.close();
        guard = null;
        final List<String> senders = new ArrayList<>();
        journal.forEach(command -> senders.add(command.type + " by " + command.clientIdString()));
        assertEquals("TRANSFER by orders", senders.get(senders.size() - 1));
        assertEquals("ATTEST by custody", senders.get(0));
    }

    @Test
    void shouldRefuseACommandFromAClientThatProvesNoKey() throws Exception
    {
        // The library client without a key: it is told why.
        final GatewayClient keyless = new GatewayClient(server.tcpAddress(), "orders");
        opened.add(keyless);
        final IOException refused = assertThrows(IOException.class, keyless::connect);
        assertEquals("the server names its clients: client 'orders' needs its private key to connect",
            refused.getMessage());

        // A raw client that sends a command where the Authenticate belongs: refused, and the guard never sees it.
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            final UnsafeBuffer frame = buffer();
            final int length = new CommandMessages().encode(7, transfer(1, 2, 2_000), 0, frame, 4);
            assertEquals("0 " + ControlMessages.AUTHENTICATION_FAILED + " authentication failed",
                send(raw, handshake, frame, length));
            assertEquals(-1, readUntilClosed(raw, handshake), "closed after the error");
        }
        assertEquals(0, server.requests(), "no command was read");
        assertEquals(0, journal.count(), "nothing reached the guard");
        assertEquals(1, server.authenticationFailures());
    }

    @Test
    void shouldRefuseAWrongKeyAnUnknownIdAndAReplayedSignature() throws Exception
    {
        // Mallory signs with her own key, claiming to be the order gateway.
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            assertEquals("0 " + ControlMessages.AUTHENTICATION_FAILED + " authentication failed",
                authenticate(raw, handshake, sign("mallory", "orders", handshake.nonce)));
        }
        // An id the configuration does not name: challenged all the same, and refused alike.
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "mallory");
            assertEquals("0 " + ControlMessages.AUTHENTICATION_FAILED + " authentication failed",
                authenticate(raw, handshake, sign("mallory", "mallory", handshake.nonce)));
        }
        // A signature seen on the wire, good for its own handshake, replayed on another: its nonce is not this one's.
        final byte[] seen;
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            seen = sign("orders", "orders", handshake.nonce);
            assertEquals("authenticated", authenticate(raw, handshake, seen));
        }
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            assertEquals("0 " + ControlMessages.AUTHENTICATION_FAILED + " authentication failed",
                authenticate(raw, handshake, seen));
        }
        assertEquals(3, server.authenticationFailures());
        assertEquals(1, server.authentications());
        // The third failure within the window reached the threshold: one alert, not one per failure.
        assertEquals(List.of("AUTHENTICATION_FAILURES 3 60000"), alerts);
    }

    @Test
    void shouldReadNoCommandPipelinedBehindAnAuthenticateUntilItVerifies() throws Exception
    {
        fund();
        final long journaled = journal.count();
        // A forged signature with a command right behind it, in one write: the command is never taken.
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            writeAuthenticateAndTransfer(raw, handshake, new byte[ControlMessages.SIGNATURE_LENGTH], 5_000);
            assertEquals("0 " + ControlMessages.AUTHENTICATION_FAILED + " authentication failed",
                read(raw, handshake));
            assertEquals(-1, readUntilClosed(raw, handshake), "closed after the error");
        }
        // The right signature with a command right behind it: taken once the signature verified, and decided.
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            writeAuthenticateAndTransfer(raw, handshake, sign("orders", "orders", handshake.nonce), 5_001);
            assertEquals("authenticated", read(raw, handshake));
            assertEquals("decision OK", read(raw, handshake));
        }
        guard.close();
        guard = null;
        assertEquals(journaled + 1, journal.count(), "only the command behind the verified signature");
    }

    @Test
    void shouldRejectACommandOutsideTheClientsRoleBeforeSequencingAndAlert() throws Exception
    {
        fund();
        final long journaled = journal.count();
        final GatewayClient orders = client("orders", "orders");
        final Command withdraw = new Command();
        withdraw.type = CommandType.WITHDRAW;
        withdraw.txId = 3_000;
        withdraw.accountId = 1;
        withdraw.assetId = BTC;
        withdraw.walletId = 2;
        withdraw.amount = 1;
        assertEquals(Reason.NOT_IN_ROLE, orders.submit(withdraw).reason);
        // Hidden in a batch, it is refused all the same.
        final Command batch = new Command();
        batch.type = CommandType.BATCH;
        batch.txId = 3_001;
        batch.addInner().copyFrom(transfer(1, 2, 3_002));
        final Command inner = batch.addInner();
        inner.copyFrom(withdraw);
        inner.txId = 3_003;
        assertEquals(Reason.NOT_IN_ROLE, orders.submit(batch).reason);
        // What the role allows still goes through on the same connection.
        assertEquals(Reason.OK, orders.submit(transfer(1, 2, 3_004)).reason);

        final ClientSettings.Client client = clients.find("orders");
        assertEquals(2, server.roleRefusals(client));
        assertEquals(0, server.roleRefusals(clients.find("custody")));
        assertEquals(List.of("CLIENT_FORBIDDEN 2 " + CommandType.WITHDRAW.code(),
            "CLIENT_FORBIDDEN 2 " + CommandType.WITHDRAW.code()), alerts);
        guard.close();
        guard = null;
        assertEquals(journaled + 1, journal.count(), "only the allowed transfer was sequenced");
    }

    @Test
    void shouldHoldAClientToItsConnectionLimit() throws Exception
    {
        final GatewaySettings settings = new GatewaySettings();
        // Long, so that a refused connection left open would be seen: it must close at once, not time out.
        settings.handshakeTimeoutMs = 600_000;
        start(settings);
        final GatewayClient first = client("orders", "orders");
        first.connect();
        client("orders", "orders").connect();
        final GatewayClient third = client("orders", "orders");
        final IOException refused = assertThrows(IOException.class, third::connect);
        assertEquals("authentication refused: client 'orders' holds 2 connections, the most its configuration " +
            "allows", refused.getMessage());
        // Over a raw socket: the refusal, then the connection closed by the server.
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            assertEquals("0 " + ControlMessages.AUTHENTICATION_FAILED + " client 'orders' holds 2 connections, the " +
                "most its configuration allows", authenticate(raw, handshake, sign("orders", "orders",
                handshake.nonce)));
            assertEquals(-1, readUntilClosed(raw, handshake), "closed after the refusal");
        }
        // Another client is not held to the order gateway's limit.
        client("wallets", "wallets").connect();
        assertEquals(0, server.authenticationFailures(), "a limit reached is not a failed attempt");
        // A connection closed gives its slot back.
        first.close();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        GatewayClient again = null;
        while (again == null && System.nanoTime() < deadline)
        {
            final GatewayClient attempt = client("orders", "orders");
            try
            {
                attempt.connect();
                again = attempt;
            }
            catch (final IOException ex)
            {
                // The server has not seen the close yet.
                Thread.sleep(20);
            }
        }
        assertTrue(again != null, "a slot came back");
    }

    @Test
    void shouldHoldBackTheAnswerToAFailedAttempt() throws Exception
    {
        final GatewaySettings settings = new GatewaySettings();
        // A delay no test run reaches: the answer must not come while it lasts.
        settings.authFailureDelayMs = 600_000;
        settings.authFailureDelayMaxMs = 600_000;
        settings.handshakeTimeoutMs = 600_000;
        start(settings);
        try (SocketChannel raw = SocketChannel.open(server.tcpAddress()))
        {
            final Handshake handshake = hello(raw, "orders");
            final UnsafeBuffer frame = buffer();
            final int length = handshake.control.encodeAuthenticate(new byte[ControlMessages.SIGNATURE_LENGTH],
                frame, 4);
            frame.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            final ByteBuffer out = frame.byteBuffer().duplicate();
            out.limit(4 + length).position(0);
            raw.write(out);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.authenticationFailures() == 0 && System.nanoTime() < deadline)
            {
                Thread.sleep(10);
            }
            assertEquals(1, server.authenticationFailures(), "counted at once");
            // Held back: nothing to read, and the connection still open, a second after it was counted.
            raw.configureBlocking(false);
            Thread.sleep(1_000);
            assertEquals(0, raw.read(handshake.in), "no answer yet, and not closed");
            assertEquals(1, server.connectionsOpen());
        }
    }

    @Test
    void shouldAuthenticateAClientDuringAFloodOfForgedSignatures() throws Exception
    {
        final GatewaySettings settings = new GatewaySettings();
        // 128 handshakes at most: the oldest evicted and their verifications skipped, so a client behind the flood
        // never waits for more than 128 verifications (tens of milliseconds), well inside its handshake's second.
        // (Here the gateway accepts connections more slowly than it verifies, so no backlog builds either way.)
        settings.handshakingMax = 128;
        settings.handshakeTimeoutMs = 1_000;
        start(settings);
        fund();
        // Each hostile connection says Hello, sends a forged Authenticate and a command behind it, and closes: a
        // verification is queued for each, and each closed connection's is skipped.
        final UnsafeBuffer frame = buffer();
        final ControlMessages control = new ControlMessages();
        final int hello = control.encodeHello("orders", frame, 4);
        frame.putInt(0, hello, ByteOrder.LITTLE_ENDIAN);
        final int authenticate = control.encodeAuthenticate(new byte[ControlMessages.SIGNATURE_LENGTH], frame,
            4 + hello + 4);
        frame.putInt(4 + hello, authenticate, ByteOrder.LITTLE_ENDIAN);
        final int bytes = 4 + hello + 4 + authenticate;
        for (int i = 0; i < 1_000; i++)
        {
            try (SocketChannel hostile = SocketChannel.open(server.tcpAddress()))
            {
                final ByteBuffer out = frame.byteBuffer().duplicate();
                out.limit(bytes).position(0);
                hostile.write(out);
            }
        }
        final GatewayClient late = client("orders", "orders");
        assertEquals(Reason.OK, late.submit(transfer(1, 2, 6_000)).reason, "authenticated and served");
    }

    @Test
    void shouldServeAnAuthenticatedClientWhile2000HostileConnectionsAreOpen() throws Exception
    {
        final GatewaySettings settings = new GatewaySettings();
        settings.handshakeTimeoutMs = 600_000;
        start(settings);
        fund();
        final List<SocketChannel> hostile = new ArrayList<>();
        try
        {
            // Half never say Hello; half say it and never answer the challenge.
            final UnsafeBuffer hello = buffer();
            final int length = new ControlMessages().encodeHello("orders", hello, 4);
            hello.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 2_000; i++)
            {
                final SocketChannel channel = SocketChannel.open(server.tcpAddress());
                hostile.add(channel);
                if (i % 2 == 1)
                {
                    final ByteBuffer out = hello.byteBuffer().duplicate();
                    out.limit(4 + length).position(0);
                    channel.write(out);
                }
            }
            final GatewayClient late = client("orders", "orders");
            assertEquals(Reason.OK, late.submit(transfer(1, 2, 4_000)).reason, "served among 2,000 hostile");
        }
        finally
        {
            for (final SocketChannel channel : hostile)
            {
                channel.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private String publicKey(final String id)
    {
        return Base64.getEncoder().encodeToString(keys.get(id).getPublic().getEncoded());
    }

    private GatewayClient client(final String id, final String keyOf)
    {
        final GatewayClient client = new GatewayClient(server.tcpAddress(), id, keys.get(keyOf).getPrivate());
        opened.add(client);
        return client;
    }

    private byte[] sign(final String keyOf, final String id, final byte[] nonce) throws Exception
    {
        final Signature ed25519 = Signature.getInstance("Ed25519");
        ed25519.initSign(keys.get(keyOf).getPrivate());
        ed25519.update(ControlMessages.challenge(ControlMessages.PROTOCOL_VERSION, id, nonce));
        return ed25519.sign();
    }

    private void fund() throws IOException
    {
        final GatewayClient custody = client("custody", "custody");
        long txId = 1;
        for (final long wallet : new long[] {1, 2, 3})
        {
            final Command attest = new Command();
            attest.type = CommandType.ATTEST;
            attest.txId = txId++;
            attest.walletId = wallet;
            attest.assetId = wallet == 3 ? 2 : BTC;
            assertTrue(custody.submit(attest).accepted());
        }
        final Command inflow = new Command();
        inflow.type = CommandType.INFLOW;
        inflow.txId = txId++;
        inflow.walletId = 2;
        inflow.assetId = BTC;
        inflow.amount = 1_000_000_000L;
        inflow.chainRef("fund");
        assertTrue(custody.submit(inflow).accepted());
        for (int a = 1; a <= 2; a++)
        {
            final Command open = new Command();
            open.type = CommandType.OPEN_ACCOUNT;
            open.txId = txId++;
            open.accountId = a;
            open.accountKind = AccountKind.CUSTOMER;
            assertTrue(custody.submit(open).accepted());
            final Command deposit = new Command();
            deposit.type = CommandType.DEPOSIT;
            deposit.txId = txId++;
            deposit.accountId = a;
            deposit.assetId = BTC;
            deposit.amount = 1_000_000;
            deposit.chainRef("fund");
            final GatewayDecision decision = custody.submit(deposit);
            assertTrue(decision.accepted(), () -> "deposit " + decision.reason);
        }
    }

    private static UnsafeBuffer buffer()
    {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * What a raw client keeps of its handshake: the challenge, and what it has read.
     */
    private static final class Handshake
    {
        final ByteBuffer in = ByteBuffer.allocateDirect(8192).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer view = new UnsafeBuffer(in);
        final ControlMessages control = new ControlMessages();
        byte[] nonce;
    }

    /**
     * Say Hello as {@code id} and read the Welcome, which must ask for a signature.
     */
    private static Handshake hello(final SocketChannel raw, final String id) throws Exception
    {
        final Handshake handshake = new Handshake();
        final UnsafeBuffer frame = buffer();
        final int length = handshake.control.encodeHello(id, frame, 4);
        final int answer = exchange(raw, handshake, frame, length);
        assertEquals(WelcomeDecoder.TEMPLATE_ID, handshake.control.templateId(handshake.view, 4, answer));
        handshake.control.decodeWelcomeMaxInFlight(handshake.view, 4, answer);
        assertEquals(ControlMessages.AUTHENTICATION_ED25519, handshake.control.welcomeAuthentication());
        handshake.nonce = handshake.control.welcomeNonce().clone();
        consume(handshake, answer);
        return handshake;
    }

    /**
     * @return "authenticated", or the error frame as "correlationId code message".
     */
    private static String authenticate(final SocketChannel raw, final Handshake handshake, final byte[] signature)
        throws IOException
    {
        final UnsafeBuffer frame = buffer();
        final int length = handshake.control.encodeAuthenticate(signature, frame, 4);
        return send(raw, handshake, frame, length);
    }

    private static void writeAuthenticateAndTransfer(final SocketChannel raw, final Handshake handshake,
        final byte[] signature, final long txId) throws IOException
    {
        final UnsafeBuffer frames = buffer();
        final int first = handshake.control.encodeAuthenticate(signature, frames, 4);
        frames.putInt(0, first, ByteOrder.LITTLE_ENDIAN);
        final int second = new CommandMessages().encode(9, transfer(1, 2, txId), 0, frames, 4 + first + 4);
        frames.putInt(4 + first, second, ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out = frames.byteBuffer().duplicate();
        out.limit(4 + first + 4 + second).position(0);
        while (out.hasRemaining())
        {
            raw.write(out);
        }
    }

    /**
     * @return the next answer: "authenticated", "decision REASON", or the error frame as "correlationId code
     * message".
     */
    private static String read(final SocketChannel raw, final Handshake handshake) throws IOException
    {
        final ByteBuffer in = handshake.in;
        while (in.position() < 4 || in.position() < 4 + in.getInt(0))
        {
            assertTrue(raw.read(in) >= 0, "closed before answering");
        }
        final int answer = in.getInt(0);
        final String result = answer(handshake, answer);
        consume(handshake, answer);
        return result;
    }

    private static String send(final SocketChannel raw, final Handshake handshake, final UnsafeBuffer frame,
        final int length) throws IOException
    {
        final int answer = exchange(raw, handshake, frame, length);
        final String result = answer(handshake, answer);
        consume(handshake, answer);
        return result;
    }

    private static String answer(final Handshake handshake, final int answer) throws IOException
    {
        final int template = handshake.control.templateId(handshake.view, 4, answer);
        final String result;
        if (template == AuthenticatedDecoder.TEMPLATE_ID)
        {
            result = "authenticated";
        }
        else if (template == io.ledgerguard.protocol.sbe.DecisionResponseDecoder.TEMPLATE_ID)
        {
            final GatewayDecision decision = new GatewayDecision();
            try
            {
                new io.ledgerguard.protocol.DecisionMessages().decode(handshake.view, 4, answer, decision);
            }
            catch (final io.ledgerguard.protocol.ProtocolException ex)
            {
                throw new IOException(ex);
            }
            result = "decision " + decision.reason;
        }
        else
        {
            assertEquals(ErrorResponseDecoder.TEMPLATE_ID, template);
            final long correlationId = handshake.control.decodeError(handshake.view, 4, answer);
            result = correlationId + " " + handshake.control.errorCode() + " " + handshake.control.errorMessage();
        }
        return result;
    }

    private static int exchange(final SocketChannel raw, final Handshake handshake, final UnsafeBuffer frame,
        final int length) throws IOException
    {
        frame.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out = frame.byteBuffer().duplicate();
        out.limit(4 + length).position(0);
        while (out.hasRemaining())
        {
            raw.write(out);
        }
        final ByteBuffer in = handshake.in;
        while (in.position() < 4 || in.position() < 4 + in.getInt(0))
        {
            assertTrue(raw.read(in) >= 0, "closed before answering");
        }
        return in.getInt(0);
    }

    private static void consume(final Handshake handshake, final int answer)
    {
        final ByteBuffer in = handshake.in;
        in.flip().position(4 + answer);
        in.compact();
    }

    /**
     * @return -1 once the server closed the connection, having sent nothing more.
     */
    private static int readUntilClosed(final SocketChannel raw, final Handshake handshake) throws IOException
    {
        final int read = raw.read(handshake.in);
        assertNull(read > 0 ? "more bytes: " + read : null);
        return read;
    }
}
