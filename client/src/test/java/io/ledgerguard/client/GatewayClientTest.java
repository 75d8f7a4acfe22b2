package io.ledgerguard.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.protocol.ControlMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.GatewayDecision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client against a scripted server: what it does with an error frame for a frame of several requests, and with a
 * server that accepts and never answers the handshake.
 */
class GatewayClientTest
{
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
    void shouldFailEveryRequestOfAFrameAnsweredByAnErrorAndOnlyThose() throws Exception
    {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        final Thread server = new Thread(() ->
        {
            try (SocketChannel channel = listener.accept())
            {
                final ControlMessages control = new ControlMessages();
                final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
                readFrame(channel);
                write(channel, out, control.encodeWelcome(65_536, 64, ControlMessages.AUTHENTICATION_NONE,
                new byte[ControlMessages.NONCE_LENGTH], "scripted", out, 4));
                readFrame(channel); // three requests, correlation ids 1..3
                readFrame(channel); // one request, correlation id 4
                write(channel, out, control.encodeError(1, 3, "message 2 of the frame: field 'kind': bad", out, 4));
                final Decision decision = new Decision();
                decision.reset(9, 104, 1);
                decision.reason = Reason.OK;
                write(channel, out, new DecisionMessages().encode(4, decision, out, 4));
                readFrame(channel); // until the client closes
            }
            catch (final IOException ignored)
            {
                // The client closed.
            }
        });
        server.start();
        final List<String> answers = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch four = new CountDownLatch(4);
        final GatewayClient.Listener record = new GatewayClient.Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                answers.add(decision.correlationId + " " + decision.reason);
                four.countDown();
            }

            @Override
            public void onError(final int code, final String message)
            {
                answers.add("error " + code + ": " + message);
                four.countDown();
            }
        };
        try (GatewayClient client = new GatewayClient(listener.getLocalAddress(), "scripted-test"))
        {
            assertEquals(1, client.submitAllAsync(List.of(transfer(101), transfer(102), transfer(103)), record));
            assertEquals(4, client.submitAsync(transfer(104), record));
            assertTrue(four.await(10, TimeUnit.SECONDS), "answers: " + answers);
            final String error = "error 3: message 2 of the frame: field 'kind': bad";
            assertEquals(List.of(error, error, error, "4 OK"), answers);
            assertEquals(0, client.inFlight());
        }
        server.join(10_000);
    }

    @Test
    void shouldGiveUpOnAServerThatNeverAnswersTheHandshake() throws Exception
    {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        try (GatewayClient client = new GatewayClient(listener.getLocalAddress(), "impatient").connectTimeoutMs(300))
        {
            final IOException failed = assertThrows(IOException.class, client::connect);
            assertEquals("no handshake from " + listener.getLocalAddress() + " within 300 ms", failed.getMessage());
        }
    }

    /**
     * @return a transfer of one minor unit between accounts 1 and 2.
     */
    static Command transfer(final long txId)
    {
        final Command c = new Command();
        c.type = CommandType.TRANSFER;
        c.txId = txId;
        c.debitAccountId = 1;
        c.creditAccountId = 2;
        c.assetId = 1;
        c.amount = 1;
        return c;
    }

    private static void readFrame(final SocketChannel channel) throws IOException
    {
        final ByteBuffer prefix = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        while (prefix.hasRemaining())
        {
            if (channel.read(prefix) < 0)
            {
                throw new IOException("closed");
            }
        }
        final ByteBuffer body = ByteBuffer.allocate(prefix.getInt(0));
        while (body.hasRemaining())
        {
            if (channel.read(body) < 0)
            {
                throw new IOException("closed");
            }
        }
    }

    private static void write(final SocketChannel channel, final UnsafeBuffer out, final int length)
        throws IOException
    {
        out.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer bytes = out.byteBuffer().duplicate();
        bytes.limit(4 + length).position(0);
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }
}
