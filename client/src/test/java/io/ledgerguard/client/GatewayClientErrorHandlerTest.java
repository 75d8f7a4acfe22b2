package io.ledgerguard.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * Proves that a listener's exception reaches the client's error handler, not standard error, and that the connection
 * and the next request go on.
 */
class GatewayClientErrorHandlerTest
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
    void shouldHandAListenersExceptionToTheErrorHandlerAndGoOn() throws Exception
    {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
        final Thread server = new Thread(this::answerTwoRequests);
        server.start();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final CountDownLatch secondAnswered = new CountDownLatch(1);
        try (GatewayClient client = new GatewayClient(listener.getLocalAddress(), "handled").errorHandler(errors::add))
        {
            client.submitAsync(transfer(1), new GatewayClient.Listener()
            {
                @Override
                public void onDecision(final GatewayDecision decision)
                {
                    throw new IllegalStateException("listener failed on purpose");
                }

                @Override
                public void onError(final int code, final String message)
                {
                }
            });
            client.submitAsync(transfer(2), new GatewayClient.Listener()
            {
                @Override
                public void onDecision(final GatewayDecision decision)
                {
                    secondAnswered.countDown();
                }

                @Override
                public void onError(final int code, final String message)
                {
                }
            });
            assertTrue(secondAnswered.await(10, TimeUnit.SECONDS), "the request after the failed listener answered");
            assertEquals(1, errors.size());
            assertEquals("listener failed on purpose", errors.get(0).getMessage());
        }
        server.join(10_000);
    }

    @Test
    void shouldRefuseNoErrorHandler()
    {
        final GatewayClient client = new GatewayClient(new InetSocketAddress("127.0.0.1", 1), "none");
        assertThrows(IllegalArgumentException.class, () -> client.errorHandler(null));
    }

    private void answerTwoRequests()
    {
        try (SocketChannel channel = listener.accept())
        {
            final ControlMessages control = new ControlMessages();
            final DecisionMessages decisions = new DecisionMessages();
            final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
            readFrame(channel);
            write(channel, out, control.encodeWelcome(65_536, 64, ControlMessages.AUTHENTICATION_NONE,
                new byte[ControlMessages.NONCE_LENGTH], "scripted", out, 4));
            final Decision decision = new Decision();
            for (long correlationId = 1; correlationId <= 2; correlationId++)
            {
                readFrame(channel);
                decision.reset(correlationId, correlationId, 1);
                decision.reason = Reason.OK;
                write(channel, out, decisions.encode(correlationId, decision, out, 4));
            }
            readFrame(channel); // until the client closes
        }
        catch (final IOException ignored)
        {
            // The client closed.
        }
    }

    private static Command transfer(final long txId)
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
