package io.ledgerguard.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.ControlMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.protocol.ProtocolException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The client reads a burst of answers in place, one frame after another, and moves only a frame begun but not whole
 * before it reads again (issue 15): answers cut at any byte, many to a read or a few bytes to one, each reach their
 * listener once, whole and in order.
 */
class GatewayClientReadTest
{
    private static final int REQUESTS = 1_000;
    /** Bytes a write: not a divisor of an answer's length, so that reads end in the middle of frames. */
    private static final int CHUNK_BYTES = 13;

    private ServerSocketChannel listener;

    @AfterEach
    void close() throws IOException
    {
        if (listener != null)
        {
            listener.close();
        }
    }

    @Test
    void shouldAnswerEveryRequestInOrderWhenAnswersArriveCutAtAnyByte() throws Exception
    {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        final AtomicReference<String> serverProblem = new AtomicReference<>();
        final Thread server = new Thread(() -> serve(serverProblem), "scripted-server");
        server.start();

        final List<Long> answeredTxIds = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<Long> correlationIds = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicReference<String> clientProblem = new AtomicReference<>();
        final GatewayClient.Listener record = new GatewayClient.Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                correlationIds.add(decision.correlationId);
                answeredTxIds.add(decision.txId);
            }

            @Override
            public void onError(final int code, final String message)
            {
                clientProblem.compareAndSet(null, "error " + code + ": " + message);
            }
        };
        final List<Long> expectedTxIds = new ArrayList<>();
        final List<Long> expectedCorrelationIds = new ArrayList<>();
        try (GatewayClient client = new GatewayClient(listener.getLocalAddress(), "reading"))
        {
            client.connect();
            final Command command = new Command();
            command.type = CommandType.TRANSFER;
            command.debitAccountId = 1;
            command.creditAccountId = 2;
            command.assetId = 1;
            command.amount = 1;
            for (int i = 0; i < REQUESTS; i++)
            {
                command.txId = 5_000 + i;
                // Memos of several lengths: answers echo nothing of them, requests vary in length.
                command.memo("m".repeat(i % 17));
                expectedCorrelationIds.add(client.submitAsync(command, record));
                expectedTxIds.add(command.txId);
            }
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answeredTxIds.size() < REQUESTS && clientProblem.get() == null && serverProblem.get() == null &&
                System.nanoTime() < deadlineNs)
            {
                Thread.sleep(5);
            }
            assertNull(serverProblem.get());
            assertNull(clientProblem.get());
            assertEquals(expectedCorrelationIds, new ArrayList<>(correlationIds), "each answered once, in order");
            assertEquals(expectedTxIds, new ArrayList<>(answeredTxIds), "each answer is the one to its request");
            assertEquals(0, client.inFlight());
        }
        server.join(10_000);
    }

    /**
     * Welcome the client, read every request, then write all the answers as one stream, {@link #CHUNK_BYTES} bytes a
     * write, pausing now and then so that the client reads what came so far.
     */
    private void serve(final AtomicReference<String> problem)
    {
        try (SocketChannel channel = listener.accept())
        {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            final ControlMessages control = new ControlMessages();
            final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            final UnsafeBuffer inView = new UnsafeBuffer(in);
            final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20));
            readWhole(channel, in, inView);
            int length = control.encodeWelcome(65_536, 1 << 14, ControlMessages.AUTHENTICATION_NONE,
                new byte[ControlMessages.NONCE_LENGTH], "scripted", out, 4);
            out.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            write(channel, out, 0, 4 + length);
            in.clear();
            final CommandMessages messages = new CommandMessages();
            final DecisionMessages decisions = new DecisionMessages();
            final Command command = new Command();
            final Decision decision = new Decision();
            int answers = 0;
            int answered = 0;
            int position = 0;
            while (answered < REQUESTS && channel.read(in) >= 0)
            {
                while (in.position() - position >= 4 &&
                    in.position() - position >= 4 + inView.getInt(position, ByteOrder.LITTLE_ENDIAN))
                {
                    final int frame = inView.getInt(position, ByteOrder.LITTLE_ENDIAN);
                    int taken = 0;
                    while (taken < frame)
                    {
                        final long correlationId = messages.decodeNext(inView, position + 4 + taken, frame - taken,
                            command);
                        decision.reset(correlationId, command.txId, 1);
                        decision.reason = Reason.OK;
                        length = decisions.encode(correlationId, decision, out, answers + 4);
                        out.putInt(answers, length, ByteOrder.LITTLE_ENDIAN);
                        answers += 4 + length;
                        answered++;
                        taken += messages.lastLength();
                    }
                    position += 4 + frame;
                }
            }
            for (int at = 0, chunks = 0; at < answers; at += CHUNK_BYTES, chunks++)
            {
                write(channel, out, at, Math.min(CHUNK_BYTES, answers - at));
                if (chunks % 64 == 63)
                {
                    Thread.sleep(1);
                }
            }
            // Read until the client closes: closing first could reset what it has not read yet.
            in.clear();
            while (channel.read(in) >= 0)
            {
                in.clear();
            }
        }
        catch (final IOException | InterruptedException | ProtocolException | RuntimeException ex)
        {
            if (!(ex instanceof IOException))
            {
                problem.compareAndSet(null, ex.toString());
            }
        }
    }

    private static void readWhole(final SocketChannel channel, final ByteBuffer in, final UnsafeBuffer inView)
        throws IOException
    {
        while (in.position() < 4 || in.position() < 4 + inView.getInt(0, ByteOrder.LITTLE_ENDIAN))
        {
            if (channel.read(in) < 0)
            {
                throw new IOException("closed");
            }
        }
    }

    private static void write(final SocketChannel channel, final UnsafeBuffer out, final int offset,
        final int length) throws IOException
    {
        final ByteBuffer bytes = out.byteBuffer().duplicate();
        bytes.limit(offset + length).position(offset);
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }
}
