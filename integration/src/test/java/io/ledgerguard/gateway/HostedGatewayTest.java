package io.ledgerguard.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.ControlMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.protocol.sbe.WelcomeDecoder;

import static io.ledgerguard.gateway.ExampleCommands.transfer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's I/O loop on the guard's own thread (issue 15), as {@code serve} runs it with fused stages, and a
 * synchronous client caller that reads its own answer.
 */
class HostedGatewayTest
{
    private GuardConfig config;
    private LedgerGuard guard;
    private GatewayServer server;
    private final List<GatewayClient> clients = new ArrayList<>();
    /** While gated, the guard's thread waits in the journal's append: nothing is answered. */
    private GatedJournal gated;

    private StageHost start(final boolean fused) throws IOException
    {
        return start(fused, new GatewaySettings().inFlightMax);
    }

    /**
     * @param inFlightMax also sizes the answers' ring: each request in flight may have 64 bytes of answer queued.
     */
    private StageHost start(final boolean fused, final int inFlightMax) throws IOException
    {
        config = ConfigLoader.load(ExampleCommands.EXAMPLES.resolve("config.yaml"));
        final StageHost host = new StageHost();
        gated = new GatedJournal(new InMemoryJournal(64 << 20));
        guard = new LedgerGuard(new GuardEngine(config), new PipelineContext()
            .journal(gated)
            .fuseStages(fused)
            .stageHost(host)
            .backPressure(BackPressure.REJECT));
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        settings.inFlightMax = inFlightMax;
        settings.outboundBytesMax = Math.max(settings.outboundBytesMax, Integer.highestOneBit(inFlightMax * 64) * 2);
        server = GatewayServer.start(guard, new ApprovalVerifier(config), settings, null, host);
        return host;
    }

    private GatewayClient client(final String name)
    {
        final GatewayClient client = new GatewayClient(server.tcpAddress(), name);
        clients.add(client);
        return client;
    }

    @AfterEach
    void stop()
    {
        if (gated != null)
        {
            gated.open();
        }
        clients.forEach(GatewayClient::close);
        if (server != null)
        {
            server.close();
        }
        if (guard != null)
        {
            guard.close();
        }
    }

    @Test
    void shouldDecideTheExampleCommandsAsReplayDoesWithNoThreadOfItsOwn() throws Exception
    {
        final StageHost host = start(true);
        assertTrue(host.hosting(), "fused stages with the blocking wait strategy host the loop");
        assertTrue(server.onGuardThread());
        assertFalse(threadNamed("gateway-io"), "no I/O thread of the gateway's own runs");

        ExampleCommands.assertDecidedAsReplayDoes(client("example"), config);
    }

    @Test
    void shouldAnswerSynchronousAndPipelinedRequestsMixedOnOneConnection() throws Exception
    {
        start(true);
        final GatewayClient client = client("mixed");
        final int each = 2_000;
        final AtomicInteger answered = new AtomicInteger();
        final AtomicReference<String> wrong = new AtomicReference<>();
        final CountDownLatch allAsync = new CountDownLatch(each);
        final GatewayClient.Listener listener = new GatewayClient.Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                answered.incrementAndGet();
                allAsync.countDown();
            }

            @Override
            public void onError(final int code, final String message)
            {
                wrong.compareAndSet(null, "async error " + code + ": " + message);
                allAsync.countDown();
            }
        };
        final Thread pipelined = new Thread(() ->
        {
            try
            {
                for (int i = 0; i < each; i++)
                {
                    client.submitAsync(transfer(1, 2, 1_000_000 + i), listener);
                }
            }
            catch (final IOException ex)
            {
                wrong.compareAndSet(null, "async submit: " + ex);
            }
        });
        pipelined.start();
        // Meanwhile this thread waits for each of its own: it reads when nobody else does, and hands the reading to
        // the reader thread when it leaves with others' answers still to come.
        for (int i = 0; i < each; i++)
        {
            final long txId = 2_000_000 + i;
            final GatewayDecision decision = client.submit(transfer(1, 2, txId));
            if (decision.txId != txId)
            {
                wrong.compareAndSet(null, "the answer to " + txId + " was " + decision.txId + "'s");
            }
        }
        pipelined.join();
        assertTrue(allAsync.await(30, TimeUnit.SECONDS), "every pipelined request answered");
        assertNull(wrong.get());
        assertEquals(each, answered.get());
        assertEquals(0, client.inFlight());
    }

    @Test
    void shouldServeOtherProducersWhileTheGatewaySleepsAndGoOnWhenItCloses() throws Exception
    {
        start(true);
        final GatewayClient client = client("one");
        assertEquals(3_000_001L, client.submit(transfer(1, 2, 3_000_001)).txId);
        // The admin server's path: a submit from another thread wakes the guard's thread out of the gateway's select.
        final Decision decision = guard.submit(transfer(1, 2, 3_000_002));
        assertEquals(3_000_002L, decision.txId);
        assertEquals(3_000_003L, client.submit(transfer(1, 2, 3_000_003)).txId);

        server.close();
        server = null;
        // The guard's thread sleeps its own way again, and still decides.
        assertEquals(3_000_004L, guard.submit(transfer(1, 2, 3_000_004)).txId);
        assertEquals(4L, guard.sequenced());
    }

    @Test
    void shouldRunTheLoopOnItsOwnThreadWhenTheStagesAreNotFused() throws Exception
    {
        final StageHost host = start(false);
        assertFalse(host.hosting());
        assertFalse(server.onGuardThread());
        assertTrue(threadNamed("gateway-io"));
        assertEquals(5_000_001L, client("apart").submit(transfer(1, 2, 5_000_001)).txId);
    }

    @Test
    void shouldAnswerAnotherRequestsListenerOnTheReaderThreadNotOnASynchronousCaller() throws Exception
    {
        start(true);
        final GatewayClient client = client("listeners");
        final AtomicReference<String> answeredOn = new AtomicReference<>();
        final CountDownLatch answered = new CountDownLatch(1);
        // The first request is held in the journal until the second is in flight beside it.
        final CountDownLatch gate = new CountDownLatch(1);
        gated.gate(gate);
        final Thread opener = new Thread(() ->
        {
            while (client.inFlight() < 2)
            {
                Thread.onSpinWait();
            }
            gate.countDown();
        });
        client.submitAsync(transfer(1, 2, 6_000_001), new GatewayClient.Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                answeredOn.set(Thread.currentThread().getName());
                answered.countDown();
            }

            @Override
            public void onError(final int code, final String message)
            {
                answeredOn.set("error " + code);
                answered.countDown();
            }
        });
        opener.start();
        // Submitted while the other is in flight: this caller does not read, and so never runs its listener.
        assertEquals(6_000_002L, client.submit(transfer(1, 2, 6_000_002)).txId);
        opener.join();
        assertTrue(answered.await(10, TimeUnit.SECONDS));
        assertEquals("gateway-client-listeners", answeredOn.get());
    }

    @Test
    void shouldStopWaitingWhenTheCallerIsInterruptedAndServeTheNextSubmit() throws Exception
    {
        start(true);
        final GatewayClient client = client("interrupted");
        assertEquals(7_000_001L, client.submit(transfer(1, 2, 7_000_001)).txId);
        // Held in the journal: no answer can come before the caller gives up.
        gated.gate(new CountDownLatch(1));
        Thread.currentThread().interrupt();
        final GatewayDecision abandoned = new GatewayDecision();
        abandoned.txId = -1;
        final IOException refused = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
            () -> client.submit(transfer(1, 2, 7_000_002), abandoned));
        assertTrue(Thread.interrupted(), "the interrupt is kept for the caller");
        assertTrue(refused.getMessage().contains("interrupted"), refused.getMessage());
        gated.open();
        // The answer it stopped waiting for is read by the reader thread, before the next one; the connection goes on,
        // and the answer is not written into the decision of a caller that returned.
        final GatewayDecision next = new GatewayDecision();
        assertEquals(7_000_003L, client.submit(transfer(1, 2, 7_000_003), next).txId);
        assertEquals(-1L, abandoned.txId, "nothing written into the decision of a caller that stopped waiting");
        assertEquals(7_000_004L, client.submit(transfer(1, 2, 7_000_004), abandoned).txId);
    }

    /**
     * Hosted, answers are encoded into the buffer the socket is written from, and queue in the answers' ring only once
     * that buffer is full. A raw client with a small receive window sends thousands of requests and reads nothing
     * until all are decided, so that their answers fill the sockets, the write buffer and much of the ring; it then
     * reads them all, each once, in order.
     */
    @Test
    void shouldAnswerInOrderWhenAnswersOverflowTheWriteBufferIntoTheQueue() throws Exception
    {
        final int requests = 100_000;
        start(true, requests);
        final AtomicInteger decided = new AtomicInteger();
        server.observer((reason, latencyNs) -> decided.incrementAndGet());
        try (java.nio.channels.SocketChannel raw = java.nio.channels.SocketChannel.open())
        {
            raw.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 4096);
            raw.connect(server.tcpAddress());
            final ControlMessages control = new ControlMessages();
            final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            final UnsafeBuffer inView = new UnsafeBuffer(in);
            final UnsafeBuffer frames = new UnsafeBuffer(ByteBuffer.allocateDirect(1_000 * 512));
            int length = control.encodeHello("raw", frames, 4);
            frames.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            writeAll(raw, frames, 4 + length);
            final int welcome = readFrame(raw, in, inView);
            assertEquals(WelcomeDecoder.TEMPLATE_ID, control.templateId(inView, 4, welcome));
            consumeFrame(in, welcome);

            final CommandMessages messages = new CommandMessages();
            for (int i = 0; i < requests; )
            {
                // A thousand requests a write: the server takes them as fast as the guard decides them.
                int written = 0;
                for (final int end = Math.min(requests, i + 1_000); i < end; i++)
                {
                    length = messages.encode(i + 1, transfer(1, 2, 9_000_000 + i), 0, frames, written + 4);
                    frames.putInt(written, length, ByteOrder.LITTLE_ENDIAN);
                    written += 4 + length;
                }
                writeAll(raw, frames, written);
            }
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (decided.get() < requests && System.nanoTime() < deadlineNs)
            {
                Thread.sleep(5);
            }
            assertEquals(requests, decided.get(), "every request decided while the client read nothing");

            final DecisionMessages decisions = new DecisionMessages();
            final GatewayDecision decision = new GatewayDecision();
            for (int i = 0; i < requests; i++)
            {
                final int answer = readFrame(raw, in, inView);
                decisions.decode(inView, 4, answer, decision);
                assertEquals(i + 1, decision.correlationId, "answers come in the order of their requests");
                assertEquals(9_000_000 + i, decision.txId);
                consumeFrame(in, answer);
            }
            assertEquals(0, in.position(), "nothing after the last answer");
        }
        assertEquals(0, server.slowDisconnects());
    }

    private static void writeAll(final java.nio.channels.SocketChannel channel, final UnsafeBuffer buffer,
        final int length) throws IOException
    {
        final ByteBuffer bytes = buffer.byteBuffer().duplicate();
        bytes.limit(length).position(0);
        while (bytes.hasRemaining())
        {
            channel.write(bytes);
        }
    }

    /**
     * @return the length of the whole frame now at the start of {@code in}.
     */
    private static int readFrame(final java.nio.channels.SocketChannel channel, final ByteBuffer in,
        final UnsafeBuffer view) throws IOException
    {
        while (in.position() < 4 || in.position() < 4 + view.getInt(0, ByteOrder.LITTLE_ENDIAN))
        {
            assertTrue(channel.read(in) >= 0, "closed before answering");
        }
        return view.getInt(0, ByteOrder.LITTLE_ENDIAN);
    }

    private static void consumeFrame(final ByteBuffer in, final int length)
    {
        in.flip().position(4 + length);
        in.compact();
    }

    private static boolean threadNamed(final String name)
    {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(thread -> thread.getName().equals(name));
    }
}
