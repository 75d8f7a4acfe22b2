package io.ledgerguard.client;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.locks.LockSupport;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.ControlMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.GatewayDecision;
import io.ledgerguard.protocol.ProtocolException;
import io.ledgerguard.protocol.sbe.DecisionResponseDecoder;
import io.ledgerguard.protocol.sbe.ErrorResponseDecoder;

/**
 * A Java client of the gateway: a synchronous {@link #submit(Command)} and an asynchronous
 * {@link #submitAsync(Command, Listener)}, and their batched forms {@link #submitAll(List)} and
 * {@link #submitAllAsync(List, Listener)}, which send several independent commands in one frame. Many requests in
 * flight on one connection, back-pressure at the server's in-flight limit (a submit waits for room), and reconnection:
 * when the connection drops, the requests in flight fail with {@link Listener#onError} (their outcome is unknown:
 * resubmit them with the same txId, which idempotency answers), and the next submit connects again. Connecting and
 * the handshake together give up after {@link #connectTimeoutMs(int)} (a Unix domain socket connects at once or not
 * at all). Every request registered gets exactly one answer, decision or error, through its listener. Thread-safe.
 * <p>
 * The server answers in request order, so an answer belongs to the oldest request unanswered: the client checks its
 * correlation id against that one, and takes an error frame as the answer to every request of the oldest frame.
 * <p>
 * Pipelining costs no more than the bytes: {@link #submitAsync} allocates nothing in steady state, nor does
 * {@link #submit(Command, GatewayDecision)}, and the requests submitted while the connection is being written to go
 * out together in the next write, by the connection's writer thread (a request alone in flight is written at once by
 * its caller). Answers are read, and listeners called, by whoever reads the connection: a synchronous caller
 * ({@link #submit}, {@link #submitAll}) with nothing else in flight reads its own answer, so that no thread hands it
 * over (issue 15); every other answer is read, and its listener called, on the connection's reader thread. When the
 * connection is lost, the requests still in flight are answered with an error on the thread that found the loss: a
 * reader, the writer thread, a caller whose write failed, or {@link #close()}.
 * <p>
 * A listener that throws fails only itself: the exception goes to the {@link #errorHandler(ErrorHandler) error
 * handler} (Agrona's), which by default logs it to the JDK's platform log ({@link System.Logger}): the client
 * depends on no logging library, and an application routes that log to its own or sets a handler.
 */
public final class GatewayClient implements AutoCloseable
{
    /** Error code given to requests in flight when the connection drops. */
    public static final int CONNECTION_LOST = 100;
    /** More than any one encoded {@code CommandRequest}: every group and variable field at its maximum is ~9 KiB. */
    private static final int MESSAGE_BYTES_MAX = 16 * 1024;
    /** Each of a connection's two write buffers: the one being filled and the one being written. */
    private static final int WRITE_BUFFER_BYTES = 256 * 1024;
    /** Slots the ring of requests in flight starts with, at most; it grows when more are in flight. */
    private static final int INITIAL_RING_MAX = 1024;
    private static final System.Logger LOGGER = System.getLogger(GatewayClient.class.getName());
    /** How long a synchronous submit waits for its answers. */
    private static final long ANSWER_TIMEOUT_SECONDS = 60;
    /** A full socket buffer is looked at again at least this often. */
    private static final long WRITE_WAIT_MS = 100;
    /** {@link Session#readFrame} ran out of time. */
    private static final int TIMED_OUT = -2;
    /** {@link Session#readFrame} on the reader thread found no whole frame and nothing in flight. */
    private static final int NOTHING_IN_FLIGHT = -3;
    /** No deadline. */
    private static final long NO_DEADLINE = Long.MAX_VALUE;
    private static final java.util.function.Consumer<java.nio.channels.SelectionKey> NO_KEY = key -> { };

    /**
     * Receives the answer to one request, on the client's reader thread (or, when the connection is lost, on the thread
     * that found the loss): keep it short.
     */
    public interface Listener
    {
        /**
         * @param decision the guard's decision; overwritten after the call returns.
         */
        void onDecision(GatewayDecision decision);

        /**
         * @param code    the error code (an error frame's, or {@link #CONNECTION_LOST}).
         * @param message what went wrong.
         */
        void onError(int code, String message);
    }

    private final SocketAddress address;
    private final String name;
    /** Signs the server's challenge when it names its clients (SPEC §12); {@code null} for an open gateway. */
    private final java.security.PrivateKey key;
    private final Object writeLock = new Object();
    /** Under {@link #writeLock}, so that the wire order is the order of the ids. */
    private long nextCorrelationId = 1;
    /** Under {@link #writeLock}: the frame of each request, so that an error frame answers all of its requests. */
    private long nextFrame = 1;
    /** Under {@link #writeLock}. */
    private final CommandMessages commandMessages = new CommandMessages();
    private volatile int connectTimeoutMs = 10_000;
    private volatile ErrorHandler errorHandler;
    private volatile Session session;
    private volatile boolean closed;
    /** Each synchronous caller's {@link Call}, reused. */
    private final ThreadLocal<Call> calls = ThreadLocal.withInitial(Call::new);

    /**
     * @param address an {@link java.net.InetSocketAddress} or a {@link UnixDomainSocketAddress}.
     * @param name    this client's name, sent in the handshake.
     */
    public GatewayClient(final SocketAddress address, final String name)
    {
        this(address, name, null);
    }

    /**
     * A client that proves who it is: when the server's {@code Welcome} asks, it signs the challenge with its key.
     *
     * @param address an {@link java.net.InetSocketAddress} or a {@link UnixDomainSocketAddress}.
     * @param id      this client's id, as the server's configuration names it under {@code clients:}.
     * @param key     its Ed25519 private key (the one {@code keys generate} wrote), or {@code null} for an open
     *                gateway.
     */
    public GatewayClient(final SocketAddress address, final String id, final java.security.PrivateKey key)
    {
        this.address = address;
        this.name = id;
        this.key = key;
        this.errorHandler = ex -> LOGGER.log(System.Logger.Level.WARNING, "gateway client " + name +
            ": a listener failed: " + ex, ex);
    }

    /**
     * @param handler told of every exception a {@link Listener} throws, on the client's reader thread; the
     *                connection and the other requests go on. By default the exception is logged.
     * @return this client.
     */
    public GatewayClient errorHandler(final ErrorHandler handler)
    {
        if (handler == null)
        {
            throw new IllegalArgumentException("an error handler is required");
        }
        this.errorHandler = handler;
        return this;
    }

    /**
     * @param timeoutMs how long connecting, and then the handshake, may take before the attempt fails (10 s unless
     *                  set).
     * @return this client.
     */
    public GatewayClient connectTimeoutMs(final int timeoutMs)
    {
        if (timeoutMs < 1)
        {
            throw new IllegalArgumentException("connect timeout must be > 0 ms, was " + timeoutMs);
        }
        this.connectTimeoutMs = timeoutMs;
        return this;
    }

    /**
     * Connect now, rather than on the first submit.
     *
     * @throws IOException when the server cannot be reached or refuses the handshake.
     */
    public void connect() throws IOException
    {
        session();
    }

    /**
     * Submit and wait for the decision. The copy it returns is a new {@link GatewayDecision} (896 bytes) each call:
     * {@link #submit(Command, GatewayDecision)} reuses one.
     *
     * @param command the command.
     * @return a copy of the decision.
     * @throws IOException when the request failed: the connection dropped (outcome unknown) or an error frame.
     */
    public GatewayDecision submit(final Command command) throws IOException
    {
        return submit(command, new GatewayDecision());
    }

    /**
     * Submit and wait for the decision, which is copied into one of the caller's: with one reused, a synchronous
     * round trip allocates nothing in steady state.
     *
     * @param command the command; encoded before this returns, so it may be reused.
     * @param into    receives the decision.
     * @return {@code into}.
     * @throws IOException as {@link #submit(Command)}; {@code into} is then as it was, or partly overwritten.
     */
    public GatewayDecision submit(final Command command, final GatewayDecision into) throws IOException
    {
        if (into == null)
        {
            throw new IllegalArgumentException("a decision to copy the answer into is required");
        }
        final Call call = call();
        call.begin(command, null, into, null);
        await(call);
        return into;
    }

    /**
     * Submit several independent commands in one frame and wait for their decisions. Each is decided on its own (a
     * {@code BATCH} command is what links commands); the server takes the frame whole or, if one message cannot be
     * decoded, none of it.
     *
     * @param commands at most the server's in-flight limit, and what fits one frame.
     * @return a copy of each decision, in the order of the commands.
     * @throws IOException when the requests failed: the connection dropped (outcomes unknown) or an error frame (none
     *                     was taken).
     */
    public List<GatewayDecision> submitAll(final List<Command> commands) throws IOException
    {
        final Call call = call();
        final GatewayDecision[] answers = new GatewayDecision[commands.size()];
        call.begin(null, commands, null, answers);
        await(call);
        return List.of(answers);
    }

    /**
     * This thread's {@link Call}, or a new one when it is in use: a listener that this thread runs while it waits
     * (for another request lost with the connection) may submit again.
     */
    private Call call()
    {
        final Call call = calls.get();
        return call.busy ? new Call() : call;
    }

    /**
     * Send the call's frame and wait for its answers: read them itself when it took the connection's reading,
     * otherwise wait to be woken by whoever reads them.
     */
    private void await(final Call call) throws IOException
    {
        call.busy = true;
        try
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_TIMEOUT_SECONDS);
            send(call.command, call.commands, call, call);
            if (call.reading != null)
            {
                // This caller holds the connection's reading: it reads its own answer, no reader thread hands it over.
                call.reading.readUntil(call, deadlineNs);
            }
            while (!call.done())
            {
                if (Thread.currentThread().isInterrupted())
                {
                    if (call.abandon())
                    {
                        throw new IOException("interrupted waiting for a decision");
                    }
                    continue;
                }
                final long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0)
                {
                    for (int i = 0; i < call.count; i++)
                    {
                        call.sentOn.forget(call.firstId + i);
                    }
                    if (call.abandon())
                    {
                        throw new IOException("no decision within " + ANSWER_TIMEOUT_SECONDS + " s: the outcome is " +
                            "unknown; resubmit with the same txId");
                    }
                    continue;
                }
                LockSupport.parkNanos(call, leftNs);
            }
            if (call.error() != null)
            {
                throw new IOException("error " + call.errorCode + ": " + call.error());
            }
        }
        finally
        {
            // Left without every answer (timed out, interrupted, or the send failed): answers that may still come
            // find nobody waiting, and this thread's next submit gets a call of its own.
            if (!call.done() && call.abandon() && calls.get() == call)
            {
                calls.remove();
            }
            call.command = null;
            call.commands = null;
            call.single = null;
            call.answers = null;
            call.sentOn = null;
            call.reading = null;
            call.busy = false;
        }
    }

    /**
     * Submit without waiting; waits only for room when the server's in-flight limit is reached. In steady state it
     * allocates nothing, and requests submitted while the connection is being written to go out together in the next
     * write.
     *
     * @param command  the command; encoded before this returns, so it may be reused.
     * @param listener receives the answer.
     * @return the request's correlation id.
     * @throws IOException when the server cannot be reached.
     */
    public long submitAsync(final Command command, final Listener listener) throws IOException
    {
        return send(command, null, listener, null);
    }

    /**
     * Submit several independent commands in one frame without waiting; waits only for room when the server's
     * in-flight limit is reached. Each gets its own answer; an error frame fails every one of them (none was taken).
     *
     * @param commands at most the server's in-flight limit, and what fits one frame; encoded before this returns.
     * @param listener receives each answer, in the order of the commands.
     * @return the correlation id of the first command; the others follow it, one apart.
     * @throws IOException when the server cannot be reached.
     */
    public long submitAllAsync(final List<Command> commands, final Listener listener) throws IOException
    {
        return send(null, commands, listener, null);
    }

    /**
     * @return requests sent and not yet answered.
     */
    public int inFlight()
    {
        final Session s = session;
        return s == null ? 0 : s.inFlightCount();
    }

    /**
     * One frame of {@code single} or {@code commands}: checked, room waited for, then encoded and registered by
     * {@link Session#append}, which sees that it is written.
     *
     * @param call {@code null}, or the synchronous caller's wait: it gets the first correlation id, and the session
     *             when the caller took the connection's reading (it must then read until answered).
     */
    private long send(final Command single, final List<Command> commands, final Listener listener,
        final Call call) throws IOException
    {
        final int n = single != null ? 1 : commands.size();
        if (n == 0)
        {
            throw new IllegalArgumentException("no command to send");
        }
        for (int i = 0; i < n; i++)
        {
            final Command command = single != null ? single : commands.get(i);
            final io.ledgerguard.core.Reason shape = command.type == null ?
                io.ledgerguard.core.Reason.MALFORMED_COMMAND : command.checkShape();
            if (shape != null || command.chainRefLength > Command.CHAIN_REF_LENGTH_MAX ||
                command.memoLength > Command.MEMO_LENGTH_MAX || !CommandMessages.representable(command))
            {
                throw new IllegalArgumentException("the command cannot be sent: " + (shape != null ? shape :
                    "a chain reference or memo longer than its maximum, or credit limits on an inner command") + ": " +
                    command);
            }
        }
        final Session s = session();
        if (n > s.maxInFlight)
        {
            throw new IllegalArgumentException(n + " commands in one frame; the server allows " + s.maxInFlight +
                " in flight");
        }
        try
        {
            s.acquireRoom(n);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for room in flight", ex);
        }
        boolean registered = false;
        try
        {
            final long first = s.append(single, commands, n, listener, call);
            registered = true;
            if (call != null)
            {
                call.sentOn = s;
                call.reading = s.reading == Thread.currentThread() ? s : null;
            }
            return first;
        }
        finally
        {
            if (!registered)
            {
                s.releaseRoom(n);
            }
        }
    }

    private Session session() throws IOException
    {
        Session s = session;
        if (s != null && s.alive && s.stillOpen())
        {
            return s;
        }
        synchronized (this)
        {
            s = session;
            if (s != null && s.alive)
            {
                return s;
            }
            if (closed)
            {
                throw new IOException("client closed");
            }
            final int timeoutMs = connectTimeoutMs;
            final long startNs = System.nanoTime();
            final SocketChannel channel = open(timeoutMs);
            // The handshake's reads block: a server that accepts and never answers must not hold the caller forever.
            // One deadline for both: the handshake gets what connecting left of it.
            final long leftMs = Math.max(1, timeoutMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
            final AtomicBoolean done = new AtomicBoolean();
            final AtomicBoolean timedOut = new AtomicBoolean();
            CompletableFuture.delayedExecutor(leftMs, TimeUnit.MILLISECONDS, Runnable::run).execute(() ->
            {
                if (done.compareAndSet(false, true))
                {
                    timedOut.set(true);
                    closeQuietly(channel);
                }
            });
            try
            {
                s = new Session(channel);
                if (!done.compareAndSet(false, true))
                {
                    // Built just as the time ran out: its selectors go with it.
                    s.lost("timed out");
                    throw new IOException("timed out");
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                done.set(true);
                closeQuietly(channel);
                if (timedOut.get())
                {
                    throw new IOException("no handshake from " + address + " within " + timeoutMs + " ms", ex);
                }
                throw ex;
            }
            // Published only once the handshake is done and answers are read: no one can use it before.
            s.start();
            session = s;
            return s;
        }
    }

    private SocketChannel open(final int timeoutMs) throws IOException
    {
        if (address instanceof UnixDomainSocketAddress)
        {
            final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try
            {
                channel.connect(address);
            }
            catch (final IOException | RuntimeException ex)
            {
                closeQuietly(channel);
                throw ex;
            }
            return channel;
        }
        final SocketChannel channel = SocketChannel.open();
        try
        {
            channel.socket().connect(address, timeoutMs);
            channel.socket().setTcpNoDelay(true);
        }
        catch (final IOException | RuntimeException ex)
        {
            closeQuietly(channel);
            throw ex;
        }
        return channel;
    }

    private static void closeQuietly(final java.io.Closeable channel)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ignored)
        {
            // Closing.
        }
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            closed = true;
        }
        final Session s = session;
        if (s != null)
        {
            s.lost("client closed");
        }
    }

    /**
     * A synchronous caller's wait for the answers to one frame: one per thread and client, reused from submit to
     * submit, so that a synchronous round trip allocates nothing but what it returns. It is the frame's listener.
     * <p>
     * The caller writes its fields before the frame is registered, under the lock of the requests in flight, which
     * publishes them to whoever reads the answers. Every request of the frame is answered, by a decision or an error,
     * and the call is {@link #DONE} only when all are: an answer to it never reaches the caller's next call. An answer
     * claims the call ({@link #WAITING} to {@link #ANSWERING}) before it writes into it, and a caller that stops
     * waiting (timed out, interrupted) claims it too ({@link #ABANDONED}): so nothing is ever written into the caller's
     * decision after the caller returned. An abandoned call is not used again: answers still to come for it find
     * nobody waiting.
     */
    static final class Call implements Listener
    {
        private static final int WAITING = 0;
        private static final int ANSWERING = 1;
        private static final int DONE = 2;
        private static final int ABANDONED = 3;
        private static final AtomicIntegerFieldUpdater<Call> STATE =
            AtomicIntegerFieldUpdater.newUpdater(Call.class, "state");

        private final Thread caller = Thread.currentThread();
        /** The caller's: in use, from sending until the wait ends. */
        private boolean busy;
        /** A submit's command, or a submitAll's, until sent. */
        private Command command;
        private List<Command> commands;
        /** Where a submit's one decision goes, or {@code null} for a submitAll's. */
        private GatewayDecision single;
        private GatewayDecision[] answers;
        private int count;
        private int remaining;
        private long firstId;
        /** The session the frame went out on. */
        private Session sentOn;
        /** {@link #sentOn} when the caller took its reading, or {@code null}. */
        private Session reading;
        private int errorCode;
        private String errorMessage;
        private volatile int state;

        void begin(final Command command, final List<Command> commands, final GatewayDecision into,
            final GatewayDecision[] answers)
        {
            assert !busy : "a call is used by one submit at a time";
            assert state != ABANDONED && state != ANSWERING : "an abandoned call is not used again";
            this.command = command;
            this.commands = commands;
            this.single = into;
            this.answers = answers;
            this.count = into != null ? 1 : answers.length;
            this.remaining = count;
            this.firstId = -1;
            this.errorMessage = null;
            this.state = WAITING;
        }

        boolean done()
        {
            return state == DONE;
        }

        /**
         * @return the first error that answered a request of the frame, once done; or {@code null}.
         */
        String error()
        {
            return errorMessage;
        }

        /**
         * The caller stops waiting, unless the last answer came meanwhile: one being written is waited for.
         *
         * @return false when every answer came, and the caller has them after all.
         */
        boolean abandon()
        {
            for (int spins = 0; ; spins++)
            {
                final int now = state;
                if (now == DONE)
                {
                    return false;
                }
                if (now == ABANDONED || now == WAITING && STATE.compareAndSet(this, WAITING, ABANDONED))
                {
                    return true;
                }
                // An answer is being copied, a few hundred bytes, unless its thread was put aside.
                pause(spins);
            }
        }

        /**
         * An answer claims the call before it writes into it: it waits while another thread writes an answer to
         * another request of the frame (the connection lost on one thread while the reader answers on another).
         *
         * @return false when the caller stopped waiting: the answer goes nowhere.
         */
        boolean claim()
        {
            for (int spins = 0; ; spins++)
            {
                final int now = state;
                if (now == ABANDONED || now == DONE)
                {
                    assert now != DONE : "every request of the frame is answered once";
                    return false;
                }
                if (now == WAITING && STATE.compareAndSet(this, WAITING, ANSWERING))
                {
                    return true;
                }
                pause(spins);
            }
        }

        private static void pause(final int spins)
        {
            if (spins < 100)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }

        @Override
        public void onDecision(final GatewayDecision decision)
        {
            if (!claim())
            {
                return;
            }
            try
            {
                final long index = decision.correlationId - firstId;
                if (index < 0 || index >= count)
                {
                    throw new IllegalStateException("the answer to request " + decision.correlationId + " reached " +
                        "the call of requests " + firstId + " to " + (firstId + count - 1));
                }
                if (errorMessage != null)
                {
                    // An error answered another request of the frame: the caller hears of that.
                    return;
                }
                if (single != null)
                {
                    single.copyFrom(decision);
                }
                else
                {
                    answers[(int)index] = new GatewayDecision().copyFrom(decision);
                }
            }
            catch (final RuntimeException | Error ex)
            {
                if (errorMessage == null)
                {
                    errorCode = 0;
                    errorMessage = "the client failed to take its answer: " + ex;
                }
                throw ex;
            }
            finally
            {
                answered();
            }
        }

        @Override
        public void onError(final int code, final String message)
        {
            if (!claim())
            {
                return;
            }
            if (errorMessage == null)
            {
                errorCode = code;
                errorMessage = message;
            }
            answered();
        }

        /**
         * One more of the frame's requests is answered: the call is done when all are, and only then, so that no
         * answer to this frame can reach the caller's next call (an error frame, or a lost connection, answers every
         * request of a frame, one after another).
         */
        void answered()
        {
            final boolean last = --remaining == 0;
            state = last ? DONE : WAITING;
            if (last && Thread.currentThread() != caller)
            {
                LockSupport.unpark(caller);
            }
        }
    }

    /**
     * One connection: its channel, the requests in flight on it, the room the server allows, the bytes waiting to be
     * written, and the threads that write its requests and read its answers.
     * <p>
     * Writes are coalesced, as Aeron's and Kafka's producers batch: a submit encodes its frame into the pending
     * buffer under {@link #writeLock} and returns; whoever writes takes the whole pending buffer at once (the two
     * buffers swap) and writes it outside the lock, so the requests submitted meanwhile go out together in the next
     * write. A request with nothing else in flight is written by its own caller, at once, since no answer is coming
     * that a batch could wait for; otherwise the connection's writer thread is woken, only when it sleeps, and writes
     * until nothing is pending. The wire order is the order of the correlation ids and of {@link #inFlight}: all three
     * are assigned under the write lock.
     * <p>
     * Nothing is allocated per request: requests in flight are a ring of parallel arrays, room is a counter, and the
     * reader wakes callers waiting for room once per {@link #roomSignalBatch} answers, or when no answer is left to
     * come, not once per answer.
     */
    private final class Session
    {
        private static final int IDLE = 0;
        private static final int DIRECT = 1;
        private static final int THREAD = 2;

        private final SocketChannel channel;
        private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final UnsafeBuffer inView = new UnsafeBuffer(in);
        /** Where the next frame in {@link #in} begins: those before it are consumed. Read under the reading. */
        private int frameStart;
        private final ControlMessages control = new ControlMessages();
        private final DecisionMessages decisionMessages = new DecisionMessages();
        private final GatewayDecision decision = new GatewayDecision();
        private final Thread reader = new Thread(this::readLoop, "gateway-client-" + name);
        private final Thread writer = new Thread(this::writeLoop, "gateway-client-writer-" + name);
        private final int maxInFlight;
        private final int maxFrameLength;
        private volatile boolean alive = true;
        /**
         * Who reads the connection now, under the lock of {@link #inFlight}: the reader thread, a synchronous caller
         * that had nothing else in flight reading its own answer (which comes first), or nobody. Only that thread reads
         * the channel. A caller stops at its own answers and leaves what it read after them to the reader thread.
         */
        private volatile Thread reading;
        /** Where the reading thread waits for bytes, and the writing one for room: the channel does not block. */
        private java.nio.channels.Selector readSelector;
        private java.nio.channels.Selector writeSelector;
        /** Where a synchronous caller holding the reading waits: never the reader thread's, which it may be in. */
        private java.nio.channels.Selector callerSelector;

        // Under writeLock: the bytes encoded and not yet written, and who writes them.
        private UnsafeBuffer pending = new UnsafeBuffer(ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES)
            .order(ByteOrder.LITTLE_ENDIAN));
        private UnsafeBuffer spare = new UnsafeBuffer(ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES)
            .order(ByteOrder.LITTLE_ENDIAN));
        private int pendingLength;
        /** {@link #IDLE}, {@link #DIRECT} (a caller writes) or {@link #THREAD} (the writer thread writes). */
        private int writing = IDLE;
        /** Callers waiting for the pending buffer to be taken, so that their frame fits. */
        private int spaceWaiters;
        /** Started on the first hand-over: a client that never pipelines, or only connects, costs no second thread. */
        private boolean writerStarted;

        /**
         * This connection's requests in flight, in wire order, a ring guarded by its own lock: a dropped connection
         * fails these, and only these. A listener is taken from it exactly once, by the answer, a lost connection or
         * a caller that stopped waiting ({@link #forget}); it holds more than {@link #maxInFlight} only when forgotten
         * requests, whose room came back, are still unanswered, and then it grows.
         */
        private final Object inFlight = new Object();
        private long[] correlationIds;
        private long[] frames;
        private Listener[] listeners;
        private int head;
        private int size;

        /** Room in flight: requests the server still takes. Callers that find too little wait on {@link #roomLock}. */
        private final AtomicInteger room;
        private final Object roomLock = new Object();
        private volatile int roomWaiters;
        /**
         * The thread reading only (handed on with the reading, under its lock): room given back by answers since
         * waiting callers were last woken.
         */
        private int roomUnsignalled;
        private final int roomSignalBatch;
        /** The thread reading only: the listeners of an error frame's requests. */
        private final List<Listener> failing = new ArrayList<>();

        Session(final SocketChannel channel) throws IOException
        {
            this.channel = channel;
            reader.setDaemon(true);
            writer.setDaemon(true);
            maxInFlight = handshake();
            maxFrameLength = control.welcomeMaxFrameLength();
            // From here on the channel does not block: a caller reading its own answer waits with a deadline, and
            // the thread reading and the one writing each wait on a selector of their own.
            channel.configureBlocking(false);
            try
            {
                readSelector = java.nio.channels.Selector.open();
                channel.register(readSelector, java.nio.channels.SelectionKey.OP_READ);
                writeSelector = java.nio.channels.Selector.open();
                channel.register(writeSelector, java.nio.channels.SelectionKey.OP_WRITE);
                callerSelector = java.nio.channels.Selector.open();
                channel.register(callerSelector, java.nio.channels.SelectionKey.OP_READ);
            }
            catch (final IOException | RuntimeException ex)
            {
                closeQuietly(readSelector);
                closeQuietly(writeSelector);
                closeQuietly(callerSelector);
                throw ex;
            }
            room = new AtomicInteger(maxInFlight);
            roomSignalBatch = Math.max(1, maxInFlight / 4);
            // Grown when forgotten requests overfill it; a server's large limit costs nothing until it is used.
            final int capacity = Integer.highestOneBit(Math.min(maxInFlight, INITIAL_RING_MAX) * 2 - 1);
            correlationIds = new long[capacity];
            frames = new long[capacity];
            listeners = new Listener[capacity];
        }

        void start()
        {
            reader.start();
        }

        void acquireRoom(final int count) throws InterruptedException
        {
            while (true)
            {
                final int free = room.get();
                if (free >= count)
                {
                    if (room.compareAndSet(free, free - count))
                    {
                        return;
                    }
                    continue;
                }
                synchronized (roomLock)
                {
                    // Counted before the room is read again: a releaser that misses this count gave its room first.
                    roomWaiters++;
                    try
                    {
                        while (room.get() < count)
                        {
                            roomLock.wait();
                        }
                    }
                    finally
                    {
                        roomWaiters--;
                    }
                }
            }
        }

        void releaseRoom(final int count)
        {
            room.addAndGet(count);
            signalRoom();
        }

        private void signalRoom()
        {
            if (roomWaiters > 0)
            {
                synchronized (roomLock)
                {
                    roomLock.notifyAll();
                }
            }
        }

        /**
         * Encode a frame into the pending buffer, register its requests and see that it is written.
         *
         * @return the correlation id of its first request.
         * @throws IOException when the connection is lost already: then nothing was registered.
         */
        long append(final Command single, final List<Command> commands, final int n, final Listener listener,
            final Call call) throws IOException
        {
            final UnsafeBuffer taken;
            final int takenLength;
            final long first;
            synchronized (writeLock)
            {
                int frameAt;
                int length;
                while (true)
                {
                    if (!alive)
                    {
                        throw new IOException("connection lost: nothing was sent; submit again");
                    }
                    frameAt = pendingLength;
                    length = encode(single, commands, n, frameAt);
                    if (length >= 0)
                    {
                        break;
                    }
                    // Behind other frames it does not fit: it waits for them to be taken.
                    awaitSpace();
                }
                if (length > maxFrameLength)
                {
                    throw new IllegalArgumentException("the " + n + " commands take " + length + " bytes; the " +
                        "server takes frames of at most " + maxFrameLength);
                }
                first = nextCorrelationId;
                if (call != null)
                {
                    // Before it is registered, which publishes it to whoever reads the answers.
                    call.firstId = first;
                }
                // Throws when the connection is lost already: then nothing was registered, and only the caller hears.
                final boolean alone = expect(first, n, nextFrame, listener, call != null);
                nextFrame++;
                nextCorrelationId = first + n;
                pending.putInt(frameAt, length, ByteOrder.LITTLE_ENDIAN);
                pendingLength = frameAt + ControlMessages.LENGTH_PREFIX + length;
                if (writing != IDLE)
                {
                    // The write in progress, or the writer thread, takes these bytes next.
                    return first;
                }
                if (!alone)
                {
                    handOver();
                    return first;
                }
                assert frameAt == 0 : "nobody writes, so nothing was pending";
                writing = DIRECT;
                taken = take();
                takenLength = ControlMessages.LENGTH_PREFIX + length;
            }
            // Registered: if the write fails, the listener hears of it (connection lost, outcome unknown), once, and
            // not the caller.
            if (write(taken, takenLength))
            {
                synchronized (writeLock)
                {
                    if (pendingLength > 0)
                    {
                        handOver();
                    }
                    else
                    {
                        writing = IDLE;
                    }
                }
            }
            return first;
        }

        /**
         * @return the frame's length (prefix excluded), encoded at {@code frameAt} with the next correlation ids; -1
         *         when it may not fit behind the bytes pending.
         * @throws IllegalArgumentException when it does not fit even alone.
         */
        private int encode(final Command single, final List<Command> commands, final int n, final int frameAt)
        {
            final long first = nextCorrelationId;
            int length = 0;
            for (int i = 0; i < n; i++)
            {
                if (frameAt + ControlMessages.LENGTH_PREFIX + length + MESSAGE_BYTES_MAX > pending.capacity())
                {
                    if (frameAt > 0)
                    {
                        return -1;
                    }
                    throw new IllegalArgumentException("the " + n + " commands do not fit one frame: the " +
                        (i + 1) + "th starts at byte " + length);
                }
                length += commandMessages.encode(first + i, single != null ? single : commands.get(i), 0, pending,
                    frameAt + ControlMessages.LENGTH_PREFIX + length);
            }
            return length;
        }

        /**
         * Under the write lock: the writer thread writes what is pending, from now until nothing is.
         */
        private void handOver()
        {
            assert Thread.holdsLock(writeLock) : "the writer is handed over to under the write lock";
            writing = THREAD;
            if (!writerStarted)
            {
                writerStarted = true;
                writer.start();
            }
            writeLock.notifyAll();
        }

        private void awaitSpace() throws IOException
        {
            assert writing != IDLE : "bytes are pending, so someone is to write them";
            spaceWaiters++;
            try
            {
                writeLock.wait();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting to write", ex);
            }
            finally
            {
                spaceWaiters--;
            }
        }

        /**
         * Under the write lock: take every pending byte for writing, and give the writer's buffer back for encoding.
         */
        private UnsafeBuffer take()
        {
            assert Thread.holdsLock(writeLock) : "the pending buffer is taken under the write lock";
            final UnsafeBuffer taken = pending;
            pending = spare;
            spare = taken;
            pendingLength = 0;
            if (spaceWaiters > 0)
            {
                writeLock.notifyAll();
            }
            return taken;
        }

        /**
         * Write taken bytes whole, outside the lock: only one thread writes at a time ({@link #writing}).
         *
         * @return false when the write failed and the connection is lost.
         */
        private boolean write(final UnsafeBuffer taken, final int length)
        {
            final ByteBuffer bytes = taken.byteBuffer();
            bytes.limit(length).position(0);
            try
            {
                while (bytes.hasRemaining())
                {
                    if (channel.write(bytes) == 0)
                    {
                        if (Thread.currentThread().isInterrupted())
                        {
                            // A blocking write would have closed the channel: so does this one.
                            throw new IOException("interrupted while writing");
                        }
                        // The socket's buffer is full: wait for the server to read, and look at the connection again.
                        writeSelector.select(NO_KEY, WRITE_WAIT_MS);
                        if (!alive)
                        {
                            throw new IOException("the connection was closed");
                        }
                    }
                }
                return true;
            }
            catch (final IOException | java.nio.channels.ClosedSelectorException ex)
            {
                lost("write failed: " + ex.getMessage());
                return false;
            }
        }

        /**
         * @return true when no bytes are pending.
         */
        private boolean drained()
        {
            synchronized (writeLock)
            {
                return pendingLength == 0;
            }
        }

        /**
         * The writer thread: sleeps until a caller hands it pending bytes, then writes until none are left.
         */
        private void writeLoop()
        {
            try
            {
                while (true)
                {
                    final UnsafeBuffer taken;
                    final int length;
                    if (drained())
                    {
                        // Drained: give the core up once before sleeping. A pipelining caller that this thread's last
                        // write or wake-up put aside appends its next requests meanwhile, and they are taken without
                        // this thread sleeping and being woken again. On two cores this thread was woken 56,000 times
                        // a second (about 9 requests a write), and the caller preempted 53,000 times; after, 3,200 and
                        // 30, and the pipelined sidecar went from about 480,000 to 550,000 requests/s (issue 15).
                        Thread.yield();
                    }
                    synchronized (writeLock)
                    {
                        while (alive && (writing != THREAD || pendingLength == 0))
                        {
                            if (writing == THREAD)
                            {
                                // Drained: the next caller writes at once, or wakes this thread again.
                                writing = IDLE;
                            }
                            writeLock.wait();
                        }
                        if (!alive)
                        {
                            return;
                        }
                        length = pendingLength;
                        taken = take();
                    }
                    if (!write(taken, length))
                    {
                        return;
                    }
                }
            }
            catch (final InterruptedException ex)
            {
                lost("the writer thread was interrupted");
            }
        }

        /**
         * @return true when nothing else was in flight: no answer is coming that a batch could wait for.
         */
        private boolean expect(final long firstCorrelationId, final int count, final long frame,
            final Listener listener, final boolean read) throws IOException
        {
            synchronized (inFlight)
            {
                if (!alive)
                {
                    throw new IOException("connection lost: nothing was sent; submit again");
                }
                if (read && reading == Thread.currentThread())
                {
                    // A listener, on the thread reading: it would wait for an answer only it can read.
                    throw new IllegalStateException("submit() called from a listener; use submitAsync");
                }
                final boolean alone = size == 0;
                while (size + count > listeners.length)
                {
                    grow();
                }
                final int mask = listeners.length - 1;
                for (int i = 0; i < count; i++)
                {
                    final int slot = (head + size) & mask;
                    correlationIds[slot] = firstCorrelationId + i;
                    frames[slot] = frame;
                    listeners[slot] = listener;
                    size++;
                }
                if (reading == null)
                {
                    if (read && alone)
                    {
                        // Taken before the request is written: no other thread is woken to read its answer. Only
                        // alone: its answer then comes first, and it never runs another request's listener.
                        reading = Thread.currentThread();
                    }
                    else
                    {
                        inFlight.notifyAll();
                    }
                }
                return alone;
            }
        }

        private void grow()
        {
            final int capacity = listeners.length;
            final long[] ids = new long[capacity * 2];
            final long[] frameIds = new long[capacity * 2];
            final Listener[] calls = new Listener[capacity * 2];
            for (int i = 0; i < size; i++)
            {
                final int slot = (head + i) & (capacity - 1);
                ids[i] = correlationIds[slot];
                frameIds[i] = frames[slot];
                calls[i] = listeners[slot];
            }
            correlationIds = ids;
            frames = frameIds;
            listeners = calls;
            head = 0;
        }

        int inFlightCount()
        {
            synchronized (inFlight)
            {
                return size;
            }
        }

        void forget(final long correlationId)
        {
            synchronized (inFlight)
            {
                final int mask = listeners.length - 1;
                for (int i = 0; i < size; i++)
                {
                    final int slot = (head + i) & mask;
                    if (correlationIds[slot] == correlationId && listeners[slot] != null)
                    {
                        listeners[slot] = null;
                        releaseRoom(1);
                    }
                }
            }
        }

        /**
         * @return the requests the server lets this connection have in flight.
         */
        private int handshake() throws IOException
        {
            final UnsafeBuffer hello = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
            final int length = control.encodeHello(name, hello, ControlMessages.LENGTH_PREFIX);
            hello.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            final ByteBuffer bytes = hello.byteBuffer().duplicate();
            bytes.limit(ControlMessages.LENGTH_PREFIX + length).position(0);
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
            final int frame = readFrame();
            if (frame < 0)
            {
                throw new IOException("the server closed the connection during the handshake");
            }
            final int template = control.templateId(inView, body(), frame);
            if (template == ErrorResponseDecoder.TEMPLATE_ID)
            {
                control.decodeError(inView, body(), frame);
                throw new IOException("handshake refused: " + control.errorMessage());
            }
            final int maxInFlight;
            try
            {
                maxInFlight = control.decodeWelcomeMaxInFlight(inView, body(), frame);
            }
            catch (final ProtocolException | IndexOutOfBoundsException ex)
            {
                throw new IOException("handshake: " + ex.getMessage(), ex);
            }
            if (maxInFlight < 1 || control.welcomeMaxFrameLength() < 8)
            {
                throw new IOException("handshake: the server allows " + maxInFlight + " requests in flight and " +
                    "frames of " + control.welcomeMaxFrameLength() + " bytes");
            }
            consume(frame);
            if (control.welcomeAuthentication() == ControlMessages.AUTHENTICATION_ED25519)
            {
                authenticate(hello);
            }
            else if (control.welcomeAuthentication() != ControlMessages.AUTHENTICATION_NONE)
            {
                throw new IOException("handshake: the server asks for authentication " +
                    control.welcomeAuthentication() + ", which this client does not know");
            }
            return maxInFlight;
        }

        /**
         * Prove the client's key: sign the Welcome's challenge, send it, and wait for {@code Authenticated}.
         */
        private void authenticate(final UnsafeBuffer buffer) throws IOException
        {
            if (key == null)
            {
                throw new IOException("the server names its clients: client '" + name + "' needs its private key " +
                    "to connect");
            }
            final byte[] signature;
            try
            {
                final java.security.Signature ed25519 = java.security.Signature.getInstance("Ed25519");
                ed25519.initSign(key);
                ed25519.update(ControlMessages.challenge(ControlMessages.PROTOCOL_VERSION, name,
                    control.welcomeNonce()));
                signature = ed25519.sign();
            }
            catch (final java.security.GeneralSecurityException | IllegalArgumentException ex)
            {
                throw new IOException("cannot sign the server's challenge with the key of client '" + name + "': " +
                    ex.getMessage(), ex);
            }
            final int length = control.encodeAuthenticate(signature, buffer, ControlMessages.LENGTH_PREFIX);
            buffer.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            final ByteBuffer bytes = buffer.byteBuffer().duplicate();
            bytes.limit(ControlMessages.LENGTH_PREFIX + length).position(0);
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
            final int frame = readFrame();
            if (frame < 0)
            {
                throw new IOException("the server closed the connection during authentication");
            }
            if (control.templateId(inView, body(), frame) == ErrorResponseDecoder.TEMPLATE_ID)
            {
                control.decodeError(inView, body(), frame);
                throw new IOException("authentication refused: " + control.errorMessage());
            }
            try
            {
                control.decodeAuthenticated(inView, body(), frame);
            }
            catch (final ProtocolException ex)
            {
                throw new IOException("handshake: " + ex.getMessage(), ex);
            }
            consume(frame);
        }

        /**
         * Read until one whole frame is at {@link #frameStart} in the buffer (its body at {@link #body()}).
         *
         * @return its length (prefix excluded), or -1 when the server closed the connection.
         */
        private int readFrame() throws IOException
        {
            return readFrame(NO_DEADLINE);
        }

        /**
         * @return as {@link #readFrame()}, or {@link #TIMED_OUT} when the deadline passed first.
         */
        private int readFrame(final long deadlineNs) throws IOException
        {
            while (true)
            {
                final int available = in.position() - frameStart;
                if (available >= ControlMessages.LENGTH_PREFIX)
                {
                    final int length = inView.getInt(frameStart, ByteOrder.LITTLE_ENDIAN);
                    if (length < 0 || length > in.capacity() - ControlMessages.LENGTH_PREFIX)
                    {
                        throw new IOException("the server sent a frame of " + length + " bytes");
                    }
                    if (available >= ControlMessages.LENGTH_PREFIX + length)
                    {
                        return length;
                    }
                }
                if (roomUnsignalled > 0 && reading == Thread.currentThread() && inFlightCount() == 0)
                {
                    // Before the reader may block with no answer to come: whoever waits for room hears of all that
                    // came back. While answers are still to come, it hears once a batch of them came back: a caller
                    // woken for every few answers would write a few requests at a time.
                    roomUnsignalled = 0;
                    signalRoom();
                }
                final int read = fill();
                if (read < 0)
                {
                    return -1;
                }
                if (read == 0 && reading == reader && Thread.currentThread() == reader && inFlightCount() == 0)
                {
                    // Nothing to wait for: the reader thread gives the reading up rather than hold it while it waits.
                    return NOTHING_IN_FLIGHT;
                }
                if (read == 0 && !channel.isBlocking())
                {
                    final long leftNs = deadlineNs == NO_DEADLINE ? 0 : deadlineNs - System.nanoTime();
                    if (deadlineNs != NO_DEADLINE && leftNs <= 0)
                    {
                        return TIMED_OUT;
                    }
                    (Thread.currentThread() == reader ? readSelector : callerSelector)
                        .select(NO_KEY, leftNs == 0 ? 0 : Math.max(1, TimeUnit.NANOSECONDS.toMillis(leftNs)));
                }
            }
        }

        /**
         * Done with the frame at {@link #frameStart}: the next begins after it. Nothing is moved here; a burst of
         * answers is read in place, one after the other.
         */
        private void consume(final int frame)
        {
            frameStart += ControlMessages.LENGTH_PREFIX + frame;
            if (frameStart == in.position())
            {
                frameStart = 0;
                in.clear();
            }
        }

        /**
         * @return where the body of the frame {@link #readFrame} found begins in {@link #inView}.
         */
        private int body()
        {
            return frameStart + ControlMessages.LENGTH_PREFIX;
        }

        /**
         * Read what the socket holds after what is buffered, first moving a frame begun but not whole to the start:
         * a frame always fits from there, and only that part of a frame is ever moved.
         *
         * @return as {@link SocketChannel#read(ByteBuffer)}.
         */
        private int fill() throws IOException
        {
            if (frameStart > 0)
            {
                final int end = in.position();
                in.limit(end).position(frameStart);
                in.compact();
                frameStart = 0;
            }
            return channel.read(in);
        }

        /**
         * The reader thread. Idle, it waits for bytes without holding the reading, so that a synchronous caller may
         * take it; bytes then are answers to requests submitted asynchronously, or the server closing. When it finds
         * a caller reading, it sleeps until requests are in flight that nobody reads, and does not wake for the
         * callers' answers after that.
         */
        private void readLoop()
        {
            String why = "the server closed the connection";
            try
            {
                while (true)
                {
                    readSelector.select(NO_KEY, 0);
                    if (Thread.interrupted())
                    {
                        // A selector does not sleep while the flag is set: end the connection, as a blocking read did.
                        throw new InterruptedException();
                    }
                    synchronized (inFlight)
                    {
                        if (reading != null)
                        {
                            while (alive && (reading != null || size == 0))
                            {
                                inFlight.wait();
                            }
                        }
                        if (!alive)
                        {
                            return;
                        }
                        reading = reader;
                    }
                    if (!readWhileInFlight())
                    {
                        break;
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                why = String.valueOf(ex.getMessage());
            }
            catch (final InterruptedException ex)
            {
                why = "the reader thread was interrupted";
            }
            finally
            {
                lost(why);
            }
        }

        /**
         * The reader thread, reading: answers until none is in flight, then gives the reading up.
         *
         * @return false when the server closed the connection.
         */
        private boolean readWhileInFlight() throws IOException
        {
            while (true)
            {
                final int frame = readFrame(NO_DEADLINE);
                if (frame == NOTHING_IN_FLIGHT)
                {
                    releaseReading(true);
                    return true;
                }
                if (frame < 0)
                {
                    return false;
                }
                dispatch(frame);
                consume(frame);
                if (inFlightCount() == 0 && releaseReading(false))
                {
                    return true;
                }
            }
        }

        /**
         * A synchronous caller that holds the reading: read until its own answers came (the first to come, as it was
         * alone when it took the reading), the connection is lost, the deadline passes or the caller is interrupted;
         * then give the reading up, to the reader thread if others were submitted meanwhile.
         */
        void readUntil(final Call call, final long deadlineNs)
        {
            String why = null;
            try
            {
                // An interrupted caller stops reading: its wait then throws.
                while (!call.done() && alive && !Thread.currentThread().isInterrupted())
                {
                    final int frame = readFrame(deadlineNs);
                    if (frame == TIMED_OUT)
                    {
                        break;
                    }
                    if (frame < 0)
                    {
                        why = "the server closed the connection";
                        break;
                    }
                    dispatch(frame);
                    consume(frame);
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                why = String.valueOf(ex.getMessage());
            }
            finally
            {
                if (why != null)
                {
                    lost(why);
                }
                releaseReading(true);
            }
        }

        /**
         * Give the reading up: the callers waiting for room hear of all that came back; with {@code force} false, only
         * when nothing is in flight (checked under the lock).
         *
         * @return true when given up.
         */
        private boolean releaseReading(final boolean force)
        {
            if (roomUnsignalled > 0)
            {
                roomUnsignalled = 0;
                signalRoom();
            }
            synchronized (inFlight)
            {
                if (!force && size > 0)
                {
                    return false;
                }
                reading = null;
                if (size > 0)
                {
                    // Others' answers are still to come: the reader thread reads them, whether it sleeps on the lock
                    // or in its selector (where the answers may already be read into the buffer, not on the socket).
                    inFlight.notifyAll();
                    readSelector.wakeup();
                }
                return true;
            }
        }

        /**
         * Before a submit on a connection nobody reads: has the server closed it? Read what waits, without waiting,
         * so that a connection the server closed while idle is found now and the submit connects again.
         *
         * @return false when the connection is lost.
         */
        boolean stillOpen()
        {
            if (reading != null || !alive)
            {
                // Someone reads, and finds a close: no lock on the path of a pipelining caller.
                return alive;
            }
            synchronized (inFlight)
            {
                if (reading != null || size > 0 || !alive)
                {
                    return alive;
                }
                reading = Thread.currentThread();
            }
            try
            {
                if (fill() < 0)
                {
                    lost("the server closed the connection");
                }
            }
            catch (final IOException ex)
            {
                lost(String.valueOf(ex.getMessage()));
            }
            finally
            {
                releaseReading(true);
            }
            return alive;
        }

        private void dispatch(final int frame)
        {
            final int offset = body();
            final int template = control.templateId(inView, offset, frame);
            if (template == DecisionResponseDecoder.TEMPLATE_ID)
            {
                try
                {
                    decisionMessages.decode(inView, offset, frame, decision);
                }
                catch (final ProtocolException ex)
                {
                    // An answer this client cannot read: which request it belongs to is not known either.
                    throw new IllegalStateException("an answer this client cannot read: " + ex.getMessage());
                }
                final boolean none;
                final long correlationId;
                final Listener listener;
                synchronized (inFlight)
                {
                    none = size == 0;
                    correlationId = none ? 0 : correlationIds[head];
                    listener = none ? null : pollFirst();
                }
                if (none || correlationId != decision.correlationId)
                {
                    final String why = "an answer to request " + decision.correlationId + " when " +
                        (none ? "none was" : correlationId + " was") + " next";
                    answerError(listener, CONNECTION_LOST, "connection dropped (" + why +
                        "): the outcome is unknown; resubmit with the same txId");
                    throw new IllegalStateException(why);
                }
                answerDecision(listener);
            }
            else if (template == ErrorResponseDecoder.TEMPLATE_ID)
            {
                final long correlationId = control.decodeError(inView, offset, frame);
                final int code = control.errorCode();
                final String message = control.errorMessage();
                // An error answers the whole of the oldest frame unanswered.
                failing.clear();
                final boolean none;
                final long firstId;
                synchronized (inFlight)
                {
                    none = size == 0;
                    firstId = none ? 0 : correlationIds[head];
                    if (!none)
                    {
                        final long first = frames[head];
                        failing.add(pollFirst());
                        while (size > 0 && frames[head] == first)
                        {
                            failing.add(pollFirst());
                        }
                    }
                }
                if (none || correlationId != 0 && firstId != correlationId)
                {
                    final String why = "an error frame for request " + correlationId + " (" + message + ") when " +
                        (none ? "none was" : firstId + " was") + " next";
                    for (int i = 0; i < failing.size(); i++)
                    {
                        answerError(failing.get(i), CONNECTION_LOST, "connection dropped (" + why +
                            "): the outcome is unknown; resubmit with the same txId");
                    }
                    failing.clear();
                    throw new IllegalStateException(why);
                }
                for (int i = 0; i < failing.size(); i++)
                {
                    answerError(failing.get(i), code, message);
                }
                failing.clear();
            }
        }

        /**
         * Under the lock of {@link #inFlight}: take the oldest request off the ring.
         *
         * @return its listener, or {@code null} when a caller that stopped waiting took it already.
         */
        private Listener pollFirst()
        {
            assert Thread.holdsLock(inFlight) : "the ring is read under its lock";
            assert size > 0 : "nothing in flight to take";
            final Listener listener = listeners[head];
            listeners[head] = null;
            head = (head + 1) & (listeners.length - 1);
            size--;
            return listener;
        }

        /**
         * Reader thread: the room of an answered request comes back before its listener is called, so a listener may
         * submit again; callers waiting for room are woken once per {@link #roomSignalBatch} answers, or when the
         * reader would block with nothing left in flight.
         */
        private void roomAnswered()
        {
            room.incrementAndGet();
            if (++roomUnsignalled >= roomSignalBatch)
            {
                roomUnsignalled = 0;
                signalRoom();
            }
        }

        private void answerDecision(final Listener listener)
        {
            if (listener == null)
            {
                return;
            }
            roomAnswered();
            try
            {
                listener.onDecision(decision);
            }
            catch (final RuntimeException | Error ex)
            {
                // A listener's failure is its own: the connection and the other requests go on.
                errorHandler.onError(ex);
            }
        }

        private void answerError(final Listener listener, final int code, final String message)
        {
            if (listener == null)
            {
                return;
            }
            if (reading == Thread.currentThread())
            {
                roomAnswered();
            }
            else
            {
                releaseRoom(1);
            }
            try
            {
                listener.onError(code, message);
            }
            catch (final RuntimeException | Error ex)
            {
                errorHandler.onError(ex);
            }
        }

        void lost(final String why)
        {
            synchronized (inFlight)
            {
                // Under the queue's lock: a request registered after this would never be answered.
                if (!alive)
                {
                    return;
                }
                alive = false;
                // The reader thread, asleep while nobody reads, ends.
                inFlight.notifyAll();
            }
            closeQuietly(channel);
            // Ends a wait for bytes or for room in the socket's buffer.
            closeQuietly(readSelector);
            closeQuietly(writeSelector);
            closeQuietly(callerSelector);
            synchronized (writeLock)
            {
                // The writer thread and callers waiting for space see that the connection is gone.
                writeLock.notifyAll();
            }
            final String message = "connection lost (" + why + "): the outcome is unknown; resubmit with the same txId";
            while (true)
            {
                final Listener listener;
                synchronized (inFlight)
                {
                    if (size == 0)
                    {
                        break;
                    }
                    listener = pollFirst();
                }
                answerError(listener, CONNECTION_LOST, message);
            }
            signalRoom();
        }
    }
}
