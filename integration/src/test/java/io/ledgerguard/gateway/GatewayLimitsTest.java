package io.ledgerguard.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.AccountKind;
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
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.protocol.ProtocolException;
import io.ledgerguard.protocol.sbe.CommandRequestDecoder;
import io.ledgerguard.protocol.sbe.DecisionResponseDecoder;
import io.ledgerguard.protocol.sbe.ErrorResponseDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderEncoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame length limits of docs/protocol.md over a real socket, with the server's defaults: a frame of 8 bytes and
 * one of {@code maxFrameLength} (65,536) bytes are taken, one of 7 or 65,537 is refused with {@code BAD_FRAME_LENGTH}
 * once what is in flight is answered, and the connection closes. (The frame's count of requests against
 * {@code maxInFlight} and the {@code Hello}'s {@code clientName} are tested in {@link GatewayTest}.)
 */
class GatewayLimitsTest
{
    private static final int FRAME_BYTES_MAX = 65_536;
    private static final int REQUEST_BYTES = 256;
    /**
     * An OPEN_ACCOUNT request but its memo: header, fixed block, three empty groups, empty chainRef, memo length,
     * empty settings.
     */
    private static final int REQUEST_BYTES_BUT_MEMO = MessageHeaderEncoder.ENCODED_LENGTH +
        CommandRequestDecoder.BLOCK_LENGTH + 3 * 4 + 2 + 2 + 2;

    private LedgerGuard guard;
    private GatewayServer server;
    private final ControlMessages control = new ControlMessages();
    private final CommandMessages commands = new CommandMessages();
    private final DecisionMessages decisions = new DecisionMessages();
    private final GatewayDecision decision = new GatewayDecision();
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * FRAME_BYTES_MAX));
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    private final UnsafeBuffer inView = new UnsafeBuffer(in);
    private long nextAccountId = 1;

    @BeforeEach
    void start() throws IOException
    {
        final GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));
        guard = new LedgerGuard(new GuardEngine(config),
            new PipelineContext().journal(new InMemoryJournal(64 << 20)).backPressure(BackPressure.REJECT));
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        server = GatewayServer.start(guard, new ApprovalVerifier(config), settings);
    }

    @AfterEach
    void stop()
    {
        server.close();
        guard.close();
    }

    @Test
    void shouldNameTheSettingOfARuleChangeItCannotMakeBeforeSequencingIt() throws Exception
    {
        // SPEC §13: a change is checked as the file would be, and a mistake named, setting and all.
        try (SocketChannel raw = handshake())
        {
            final Command change = new Command();
            change.type = CommandType.CONFIGURE;
            change.txId = 77;
            change.settings("assets.BTC.outflow.windowMs=5\n");
            final long requests = server.requests();
            write(raw, commands.encode(1, change, 0, frame, ControlMessages.LENGTH_PREFIX));
            assertEquals("1 " + ProtocolException.INVALID_FIELD + " field 'settings': assets.BTC.outflow.windowMs: " +
                "fixed when the asset was listed: it identifies the asset or sizes its windows", readAnswer(raw));
            assertEquals(requests, server.requests(), "not sequenced");

            // A valid change reaches the guard, which refuses it: this configuration names no CONFIGURE approvers.
            change.settings("assets.BTC.outflow.minorUnitsMax=5\n");
            write(raw, commands.encode(2, change, 0, frame, ControlMessages.LENGTH_PREFIX));
            assertEquals("2 " + Reason.UNAUTHORIZED, readAnswer(raw));
        }
    }

    @Test
    void shouldTakeAFrameOfEightBytesAndOneOfMaxFrameLength() throws Exception
    {
        try (SocketChannel raw = handshake())
        {
            // Eight bytes: a length the stream can go on from; the header alone is not a request, and says so.
            commands.encode(1, openAccount(), 0, frame, ControlMessages.LENGTH_PREFIX);
            write(raw, MessageHeaderEncoder.ENCODED_LENGTH);
            assertEquals("0 " + ProtocolException.TRUNCATED + " frame of 8 bytes ends inside the message (its counts " +
                "or lengths point past it)", readAnswer(raw));

            // 65,536 bytes: 256 requests of 256 bytes, each decided.
            final int count = FRAME_BYTES_MAX / REQUEST_BYTES;
            int length = 0;
            for (int i = 0; i < count; i++)
            {
                final Command open = openAccount();
                open.memo("m".repeat(REQUEST_BYTES - REQUEST_BYTES_BUT_MEMO));
                final int written = commands.encode(100 + i, open, 0, frame, ControlMessages.LENGTH_PREFIX + length);
                assertEquals(REQUEST_BYTES, written);
                length += written;
            }
            assertEquals(FRAME_BYTES_MAX, length);
            write(raw, length);
            for (int i = 0; i < count; i++)
            {
                assertEquals((100 + i) + " " + Reason.OK, readAnswer(raw), "request " + i);
            }

            // The connection goes on.
            write(raw, commands.encode(999, openAccount(), 0, frame, ControlMessages.LENGTH_PREFIX));
            assertEquals("999 " + Reason.OK, readAnswer(raw));
        }
    }

    @Test
    void shouldRefuseAFrameOfSevenBytesAndCloseTheConnection() throws Exception
    {
        try (SocketChannel raw = handshake())
        {
            // The length alone: the server refuses it without waiting for the bytes it announces.
            writeLength(raw, 7);
            assertEquals("0 " + ControlMessages.BAD_FRAME_LENGTH + " frame length 7 outside 8..65536: the connection " +
                "closes", readAnswer(raw));
            assertClosed(raw);
        }
    }

    @Test
    void shouldAnswerWhatIsInFlightThenRefuseAFrameOfMaxFrameLengthAndOneAndClose() throws Exception
    {
        try (SocketChannel raw = handshake())
        {
            // One request, then the length of a frame one byte too long, in one write: the request is answered first.
            final int request = commands.encode(5, openAccount(), 0, frame, ControlMessages.LENGTH_PREFIX);
            frame.putInt(0, request, ByteOrder.LITTLE_ENDIAN);
            frame.putInt(ControlMessages.LENGTH_PREFIX + request, FRAME_BYTES_MAX + 1, ByteOrder.LITTLE_ENDIAN);
            final ByteBuffer out = frame.byteBuffer().duplicate();
            out.limit(2 * ControlMessages.LENGTH_PREFIX + request).position(0);
            while (out.hasRemaining())
            {
                raw.write(out);
            }
            assertEquals("5 " + Reason.OK, readAnswer(raw));
            assertEquals("0 " + ControlMessages.BAD_FRAME_LENGTH + " frame length 65537 outside 8..65536: the " +
                "connection closes", readAnswer(raw));
            assertClosed(raw);
        }
    }

    private Command openAccount()
    {
        final Command open = new Command();
        open.type = CommandType.OPEN_ACCOUNT;
        open.txId = nextAccountId;
        open.accountId = nextAccountId++;
        open.accountKind = AccountKind.CUSTOMER;
        return open;
    }

    private SocketChannel handshake() throws IOException, ProtocolException
    {
        final SocketChannel raw = SocketChannel.open(server.tcpAddress());
        write(raw, control.encodeHello("limits", frame, ControlMessages.LENGTH_PREFIX));
        final int length = readFrame(raw);
        control.decodeWelcomeMaxInFlight(inView, ControlMessages.LENGTH_PREFIX, length);
        assertEquals(FRAME_BYTES_MAX, control.welcomeMaxFrameLength(), "the maxFrameLength docs/protocol.md gives");
        consume(length);
        return raw;
    }

    /**
     * Send the {@code length} bytes at {@link ControlMessages#LENGTH_PREFIX} of {@link #frame} as one frame.
     */
    private void write(final SocketChannel raw, final int length) throws IOException
    {
        frame.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer out = frame.byteBuffer().duplicate();
        out.limit(ControlMessages.LENGTH_PREFIX + length).position(0);
        while (out.hasRemaining())
        {
            raw.write(out);
        }
    }

    private static void writeLength(final SocketChannel raw, final int length) throws IOException
    {
        final ByteBuffer out = ByteBuffer.allocate(ControlMessages.LENGTH_PREFIX).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(length).flip();
        while (out.hasRemaining())
        {
            raw.write(out);
        }
    }

    /**
     * @return the next answer: "correlationId reason" for a decision, "correlationId code message" for an error.
     */
    private String readAnswer(final SocketChannel raw) throws IOException, ProtocolException
    {
        final int length = readFrame(raw);
        final int template = control.templateId(inView, ControlMessages.LENGTH_PREFIX, length);
        final String answer;
        if (template == DecisionResponseDecoder.TEMPLATE_ID)
        {
            decisions.decode(inView, ControlMessages.LENGTH_PREFIX, length, decision);
            answer = decision.correlationId + " " + decision.reason;
        }
        else
        {
            assertEquals(ErrorResponseDecoder.TEMPLATE_ID, template, "a decision or an error");
            final long correlationId = control.decodeError(inView, ControlMessages.LENGTH_PREFIX, length);
            answer = correlationId + " " + control.errorCode() + " " + control.errorMessage();
        }
        consume(length);
        return answer;
    }

    /**
     * @return the length of the whole frame now at the start of {@link #in}.
     */
    private int readFrame(final SocketChannel raw) throws IOException
    {
        while (in.position() < ControlMessages.LENGTH_PREFIX ||
            in.position() < ControlMessages.LENGTH_PREFIX + inView.getInt(0, ByteOrder.LITTLE_ENDIAN))
        {
            assertTrue(raw.read(in) >= 0, "closed before answering");
        }
        return inView.getInt(0, ByteOrder.LITTLE_ENDIAN);
    }

    private void consume(final int length)
    {
        final int end = in.position();
        in.limit(end).position(ControlMessages.LENGTH_PREFIX + length);
        in.compact();
    }

    private void assertClosed(final SocketChannel raw) throws IOException
    {
        assertEquals(0, in.position(), "nothing after the error");
        assertEquals(-1, raw.read(in), "the server closed the connection");
    }
}
