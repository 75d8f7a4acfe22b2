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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that requests submitted by several threads while the server reads nothing wait for room to be encoded
 * (socket and write buffers full), then reach the server whole, each frame as it was submitted and in the order of
 * their correlation ids, and are each answered once, in order; and that answers arriving cut at any byte are each read
 * once, whole and in order.
 */
class GatewayClientPipeliningTest
{
    private static final int THREADS = 4;
    private static final int FRAMES_PER_THREAD = 100;
    /** Of about 8 KiB each: the 1,000 requests are twice what loopback's socket buffers (4 MiB by default) hold. */
    private static final int INNER_COMMANDS = 16;
    /** Requests whose answers come cut at any byte. */
    private static final int REQUESTS = 1_000;
    /** Bytes a write of those answers: not a divisor of an answer's length, so that reads end inside frames. */
    private static final int CHUNK_BYTES = 13;
    /** Synchronous frames of two answered by an error, each followed by a synchronous request of one. */
    private static final int SYNC_ROUNDS = 5_000;

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
    void shouldWriteEveryFrameWholeAndInOrderWhenSubmittersWaitedForTheWriteBuffer() throws Exception
    {
        listener = ServerSocketChannel.open();
        // Inherited by the accepted socket: the server's window stays small, so the client's buffers fill.
        listener.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        final CountDownLatch read = new CountDownLatch(1);
        final AtomicReference<String> serverProblem = new AtomicReference<>();
        final Map<Long, Long> sentTxIds = new ConcurrentHashMap<>();
        final AtomicLong framesRead = new AtomicLong();
        final Thread server = new Thread(() -> serve(read, sentTxIds, framesRead, serverProblem), "scripted-server");
        server.start();

        final Map<Long, Long> answeredTxIds = new ConcurrentHashMap<>();
        final AtomicLong lastAnswered = new AtomicLong();
        final AtomicReference<String> clientProblem = new AtomicReference<>();
        final Map<Long, Long> submittedTxIds = new ConcurrentHashMap<>();
        final GatewayClient.Listener record = new GatewayClient.Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                if (decision.correlationId != lastAnswered.get() + 1)
                {
                    clientProblem.compareAndSet(null, "answer " + decision.correlationId + " after " +
                        lastAnswered.get());
                }
                lastAnswered.set(decision.correlationId);
                if (answeredTxIds.putIfAbsent(decision.correlationId, decision.txId) != null)
                {
                    clientProblem.compareAndSet(null, "request " + decision.correlationId + " answered twice");
                }
            }

            @Override
            public void onError(final int code, final String message)
            {
                clientProblem.compareAndSet(null, "error " + code + ": " + message);
            }
        };
        try (GatewayClient client = new GatewayClient(listener.getLocalAddress(), "pipelining"))
        {
            client.connect();
            final List<Thread> submitters = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final int thread = t;
                submitters.add(new Thread(() -> submit(client, thread, record, submittedTxIds, clientProblem),
                    "submitter-" + t));
            }
            submitters.forEach(Thread::start);
            // The server reads nothing until every submitter is done, or waits in Object.wait: room in flight is
            // ample, so that is a wait for room in the write buffer.
            final long settleDeadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            boolean anyWaited = false;
            while (true)
            {
                assertTrue(System.nanoTime() < settleDeadlineNs, "the submitters neither finished nor waited");
                int settled = 0;
                anyWaited = false;
                for (final Thread submitter : submitters)
                {
                    final Thread.State state = submitter.getState();
                    anyWaited |= state == Thread.State.WAITING;
                    settled += state == Thread.State.WAITING || state == Thread.State.TERMINATED ? 1 : 0;
                }
                if (settled == submitters.size())
                {
                    break;
                }
                Thread.sleep(5);
            }
            assertTrue(anyWaited, "a submitter waited for room in the write buffer (loopback socket buffers of at " +
                "most a few MiB assumed)");
            read.countDown();
            for (final Thread submitter : submitters)
            {
                submitter.join(60_000);
            }
            final long requests = (long)THREADS * FRAMES_PER_THREAD * 5 / 2;
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answeredTxIds.size() < requests && clientProblem.get() == null && System.nanoTime() < deadlineNs)
            {
                Thread.sleep(5);
            }
            assertNull(serverProblem.get());
            assertNull(clientProblem.get());
            assertEquals(requests, answeredTxIds.size());
            assertEquals(submittedTxIds, sentTxIds, "every request reached the server as it was submitted");
            assertEquals(submittedTxIds, answeredTxIds, "every request was answered once");
            assertEquals((long)THREADS * FRAMES_PER_THREAD, framesRead.get(), "every frame arrived as submitted");
            assertEquals(0, client.inFlight());
        }
        server.join(10_000);
    }

    /**
     * The client reads a burst of answers in place, one frame after another, and moves only a frame begun but not
     * whole before it reads again (issue 15): answers cut at any byte, many to a read or a few bytes to one, each reach
     * their listener once, whole and in order.
     */
    @Test
    void shouldAnswerEveryRequestInOrderWhenAnswersArriveCutAtAnyByte() throws Exception
    {
        final AtomicReference<String> serverProblem = new AtomicReference<>();
        final Thread server = startScripted(this::serveCut, serverProblem);

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
            final Command command = GatewayClientTest.transfer(0);
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
     * A synchronous caller whose frame of several requests is answered by one error, read on the reader thread while
     * another thread pipelines, submits again at once: its next call is answered by its own answer, never by the rest
     * of the error that answered its last frame (each request of that frame gets the error, one after another).
     */
    @Test
    void shouldAnswerASynchronousCallerOnlyWithItsOwnAnswersAfterAnErrorAnsweredItsFrame() throws Exception
    {
        final AtomicReference<String> serverProblem = new AtomicReference<>();
        final Thread server = startScripted(this::serveErrorsForFramesOfSeveral, serverProblem);
        final AtomicReference<String> pipelinedProblem = new AtomicReference<>();
        final AtomicLong pipelinedAnswers = new AtomicLong();
        final GatewayClient.Listener count = new GatewayClient.Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                pipelinedAnswers.incrementAndGet();
            }

            @Override
            public void onError(final int code, final String message)
            {
                pipelinedProblem.compareAndSet(null, "error " + code + ": " + message);
            }
        };
        try (GatewayClient client = new GatewayClient(listener.getLocalAddress(), "sync-after-error"))
        {
            client.connect();
            final AtomicBoolean stop = new AtomicBoolean();
            // Keeps requests in flight, so that the reader thread, not the synchronous caller, reads the answers.
            final Thread pipelining = new Thread(() ->
            {
                final Command command = GatewayClientTest.transfer(1);
                try
                {
                    for (long txId = 1_000_000; !stop.get(); txId++)
                    {
                        while (client.inFlight() > 16 && !stop.get())
                        {
                            Thread.yield();
                        }
                        command.txId = txId;
                        client.submitAsync(command, count);
                    }
                }
                catch (final IOException | RuntimeException ex)
                {
                    pipelinedProblem.compareAndSet(null, ex.toString());
                }
            }, "pipelining");
            pipelining.start();
            final GatewayDecision into = new GatewayDecision();
            try
            {
                for (int round = 0; round < SYNC_ROUNDS; round++)
                {
                    final List<Command> two = List.of(GatewayClientTest.transfer(10L * round + 1),
                        GatewayClientTest.transfer(10L * round + 2));
                    final IOException refused = assertThrows(IOException.class,
                        () -> client.submitAll(two), "round " + round);
                    assertTrue(refused.getMessage().contains("frames of several"), refused.getMessage());
                    final long txId = 10L * round + 3;
                    assertEquals(txId, client.submit(GatewayClientTest.transfer(txId), into).txId, "round " + round);
                }
            }
            finally
            {
                stop.set(true);
                pipelining.join(10_000);
            }
            assertNull(pipelinedProblem.get());
            assertNull(serverProblem.get());
            assertTrue(pipelinedAnswers.get() > 0, "requests were pipelined meanwhile");
        }
        server.join(10_000);
    }

    /**
     * Frames of one and of four big commands, alternately: 2.5 requests a frame on average.
     */
    private static void submit(final GatewayClient client, final int thread, final GatewayClient.Listener record,
        final Map<Long, Long> submittedTxIds, final AtomicReference<String> problem)
    {
        try
        {
            final List<Command> four = new ArrayList<>();
            for (int f = 0; f < FRAMES_PER_THREAD; f++)
            {
                final long txIdBase = 1_000_000L * (thread + 1) + 10L * f;
                if (f % 2 == 0)
                {
                    final long id = client.submitAsync(batch(txIdBase), record);
                    submittedTxIds.put(id, txIdBase);
                }
                else
                {
                    four.clear();
                    for (int i = 0; i < 4; i++)
                    {
                        four.add(batch(txIdBase + i));
                    }
                    final long first = client.submitAllAsync(four, record);
                    for (int i = 0; i < 4; i++)
                    {
                        submittedTxIds.put(first + i, txIdBase + i);
                    }
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            problem.compareAndSet(null, ex.toString());
        }
    }

    /**
     * A batch of transfers whose every chain reference and memo is as long as the protocol allows.
     */
    private static Command batch(final long txId)
    {
        final Command batch = new Command();
        batch.type = CommandType.BATCH;
        batch.txId = txId;
        for (int i = 0; i < INNER_COMMANDS; i++)
        {
            final Command transfer = batch.addInner();
            transfer.type = CommandType.TRANSFER;
            transfer.txId = txId * 100 + i;
            transfer.debitAccountId = 1;
            transfer.creditAccountId = 2;
            transfer.assetId = 1;
            transfer.amount = 1;
            transfer.chainRef("c".repeat(Command.CHAIN_REF_LENGTH_MAX));
            transfer.memo("m".repeat(Command.MEMO_LENGTH_MAX));
        }
        return batch;
    }

    /**
     * One scripted connection: the client's Hello read and welcomed (no key asked for), a buffer of what it sent and
     * one of the answers, and the codecs for both.
     */
    private static final class Scripted implements AutoCloseable
    {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer inView = new UnsafeBuffer(in);
        final UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(1 << 20));
        final CommandMessages messages = new CommandMessages();
        final DecisionMessages decisions = new DecisionMessages();
        final Command command = new Command();
        private final Decision decision = new Decision();
        /** Where the next frame in {@link #in} begins. */
        int position;

        Scripted(final ServerSocketChannel listener) throws IOException
        {
            channel = listener.accept();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            readFrame(channel, in);
            final int length = new ControlMessages().encodeWelcome(65_536, 1 << 14,
                ControlMessages.AUTHENTICATION_NONE, new byte[ControlMessages.NONCE_LENGTH], "scripted", out, 4);
            out.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            write(channel, out, 4 + length);
            in.clear();
        }

        /**
         * @return false when the client closed the connection.
         */
        boolean read() throws IOException
        {
            return channel.read(in) >= 0;
        }

        /**
         * @return the length of the frame at {@link #position} (its prefix excluded) when it is whole in the buffer;
         *     -1 otherwise.
         */
        int wholeFrame()
        {
            final int available = in.position() - position;
            if (available < 4)
            {
                return -1;
            }
            final int frame = inView.getInt(position, ByteOrder.LITTLE_ENDIAN);
            return available >= 4 + frame ? frame : -1;
        }

        /**
         * Done with the frame at {@link #position}, of this length: the next begins after it.
         */
        void next(final int frame)
        {
            position += 4 + frame;
        }

        /**
         * Move a frame begun but not whole to the start of the buffer.
         */
        void compact()
        {
            in.limit(in.position()).position(position);
            in.compact();
            position = 0;
        }

        /**
         * Encode at {@code at} a frame of one answer, accepted, to the request with this correlation id and txId.
         *
         * @return the frame's bytes, prefix included.
         */
        int answer(final long correlationId, final long txId, final int at)
        {
            decision.reset(correlationId, txId, 1);
            decision.reason = Reason.OK;
            final int length = decisions.encode(correlationId, decision, out, at + 4);
            out.putInt(at, length, ByteOrder.LITTLE_ENDIAN);
            return 4 + length;
        }

        @Override
        public void close() throws IOException
        {
            channel.close();
        }
    }

    /**
     * Listen on loopback and start a scripted server there, on a thread of its own.
     */
    private Thread startScripted(final java.util.function.Consumer<AtomicReference<String>> serve,
        final AtomicReference<String> problem) throws IOException
    {
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", 0));
        final Thread server = new Thread(() -> serve.accept(problem), "scripted-server");
        server.start();
        return server;
    }

    /**
     * A problem of a scripted server's, other than the client closing.
     */
    private static void note(final Exception ex, final AtomicReference<String> problem)
    {
        if (!(ex instanceof IOException))
        {
            problem.compareAndSet(null, ex.toString());
        }
    }

    /**
     * Welcome the client, read nothing until told to, then answer every request of every frame, in order, with
     * its own txId.
     */
    private void serve(final CountDownLatch read, final Map<Long, Long> sentTxIds, final AtomicLong framesRead,
        final AtomicReference<String> problem)
    {
        try (Scripted c = new Scripted(listener))
        {
            read.await();
            long expectedCorrelationId = 1;
            while (c.read())
            {
                int answers = 0;
                for (int frame = c.wholeFrame(); frame >= 0; c.next(frame), frame = c.wholeFrame())
                {
                    int taken = 0;
                    while (taken < frame)
                    {
                        final long correlationId = c.messages.decodeNext(c.inView, c.position + 4 + taken,
                            frame - taken, c.command);
                        if (correlationId != expectedCorrelationId++)
                        {
                            throw new IllegalStateException("request " + correlationId + " when " +
                                (expectedCorrelationId - 1) + " was next");
                        }
                        sentTxIds.put(correlationId, c.command.txId);
                        answers += c.answer(correlationId, c.command.txId, answers);
                        taken += c.messages.lastLength();
                    }
                    framesRead.incrementAndGet();
                }
                write(c.channel, c.out, answers);
                c.compact();
            }
        }
        catch (final IOException | InterruptedException | ProtocolException | RuntimeException ex)
        {
            note(ex, problem);
        }
    }

    /**
     * Welcome the client, read every request, then write all the answers as one stream, {@link #CHUNK_BYTES} bytes a
     * write, pausing now and then so that the client reads what came so far.
     */
    private void serveCut(final AtomicReference<String> problem)
    {
        try (Scripted c = new Scripted(listener))
        {
            int answers = 0;
            int answered = 0;
            while (answered < REQUESTS && c.read())
            {
                for (int frame = c.wholeFrame(); frame >= 0; c.next(frame), frame = c.wholeFrame())
                {
                    int taken = 0;
                    while (taken < frame)
                    {
                        final long correlationId = c.messages.decodeNext(c.inView, c.position + 4 + taken,
                            frame - taken, c.command);
                        answers += c.answer(correlationId, c.command.txId, answers);
                        answered++;
                        taken += c.messages.lastLength();
                    }
                }
            }
            for (int at = 0, chunks = 0; at < answers; at += CHUNK_BYTES, chunks++)
            {
                write(c.channel, c.out, at, Math.min(CHUNK_BYTES, answers - at));
                if (chunks % 64 == 63)
                {
                    Thread.sleep(1);
                }
            }
            // Read until the client closes: closing first could reset what it has not read yet.
            c.in.clear();
            while (c.read())
            {
                c.in.clear();
            }
        }
        catch (final IOException | InterruptedException | ProtocolException | RuntimeException ex)
        {
            note(ex, problem);
        }
    }

    /**
     * Welcome the client, then answer each frame as it comes: a frame of one request with a decision on its txId, a
     * frame of several with one error, which answers all of them.
     */
    private void serveErrorsForFramesOfSeveral(final AtomicReference<String> problem)
    {
        try (Scripted c = new Scripted(listener))
        {
            final ControlMessages control = new ControlMessages();
            while (c.read())
            {
                int answers = 0;
                for (int frame = c.wholeFrame(); frame >= 0; c.next(frame), frame = c.wholeFrame())
                {
                    final long first = c.messages.decodeNext(c.inView, c.position + 4, frame, c.command);
                    if (c.messages.lastLength() < frame)
                    {
                        final int length = control.encodeError(first, 3, "frames of several are refused here", c.out,
                            answers + 4);
                        c.out.putInt(answers, length, ByteOrder.LITTLE_ENDIAN);
                        answers += 4 + length;
                    }
                    else
                    {
                        answers += c.answer(first, c.command.txId, answers);
                    }
                }
                write(c.channel, c.out, answers);
                c.compact();
            }
        }
        catch (final IOException | ProtocolException | RuntimeException ex)
        {
            note(ex, problem);
        }
    }

    private static void readFrame(final SocketChannel channel, final ByteBuffer in) throws IOException
    {
        while (in.position() < 4 || in.position() < 4 + in.getInt(0))
        {
            if (channel.read(in) < 0)
            {
                throw new IOException("closed");
            }
        }
    }

    private static void write(final SocketChannel channel, final UnsafeBuffer out, final int length)
        throws IOException
    {
        write(channel, out, 0, length);
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
