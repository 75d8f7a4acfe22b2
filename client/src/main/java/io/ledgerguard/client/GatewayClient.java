package io.ledgerguard.client;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

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
    private static final int WRITE_BUFFER_BYTES = 256 * 1024;
    private static final System.Logger LOGGER = System.getLogger(GatewayClient.class.getName());

    /**
     * Receives the answer to one request, on the client's reader thread: keep it short.
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
    private final AtomicLong nextCorrelationId = new AtomicLong(1);
    private final AtomicLong nextFrame = new AtomicLong(1);
    private final CommandMessages commandMessages = new CommandMessages();
    private final UnsafeBuffer writeBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES)
        .order(ByteOrder.LITTLE_ENDIAN));
    private volatile int connectTimeoutMs = 10_000;
    private volatile ErrorHandler errorHandler;
    private volatile Session session;
    private volatile boolean closed;

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
     * Submit and wait for the decision.
     *
     * @param command the command.
     * @return a copy of the decision.
     * @throws IOException when the request failed: the connection dropped (outcome unknown) or an error frame.
     */
    public GatewayDecision submit(final Command command) throws IOException
    {
        return submitAll(List.of(command)).get(0);
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
        final int n = commands.size();
        final GatewayDecision[] answers = new GatewayDecision[n];
        final CompletableFuture<List<GatewayDecision>> all = new CompletableFuture<>();
        final AtomicLong firstId = new AtomicLong(-1);
        final int[] remaining = {n};
        final Listener listener = new Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                // Answers come in order, on the reader thread: the first id is set before the frame is written.
                answers[(int)(decision.correlationId - firstId.get())] = copy(decision);
                if (--remaining[0] == 0)
                {
                    all.complete(List.of(answers));
                }
            }

            @Override
            public void onError(final int code, final String message)
            {
                all.completeExceptionally(new IOException("error " + code + ": " + message));
            }
        };
        firstId.set(send(commands, listener, firstId));
        try
        {
            return all.get(60, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            throw ex.getCause() instanceof IOException ? (IOException)ex.getCause() : new IOException(ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for a decision", ex);
        }
        catch (final TimeoutException ex)
        {
            final Session s = session;
            if (s != null)
            {
                for (int i = 0; i < n; i++)
                {
                    s.forget(firstId.get() + i);
                }
            }
            throw new IOException("no decision within 60 s: the outcome is unknown; resubmit with the same txId", ex);
        }
    }

    /**
     * Submit without waiting; waits only for room when the server's in-flight limit is reached.
     *
     * @param command  the command; encoded before this returns, so it may be reused.
     * @param listener receives the answer.
     * @return the request's correlation id.
     * @throws IOException when the server cannot be reached.
     */
    public long submitAsync(final Command command, final Listener listener) throws IOException
    {
        return send(List.of(command), listener, null);
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
        return send(commands, listener, null);
    }

    /**
     * @return requests sent and not yet answered.
     */
    public int inFlight()
    {
        final Session s = session;
        return s == null ? 0 : s.inFlightCount();
    }

    private long send(final List<Command> commands, final Listener listener, final AtomicLong firstIdOut)
        throws IOException
    {
        final int n = commands.size();
        if (n == 0)
        {
            throw new IllegalArgumentException("no command to send");
        }
        for (final Command command : commands)
        {
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
            s.room.acquire(n);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for room in flight", ex);
        }
        boolean sent = false;
        try
        {
            synchronized (writeLock)
            {
                // Assigned under the lock, so that the wire order is the order of the ids.
                final long first = nextCorrelationId.get();
                int length = 0;
                for (int i = 0; i < n; i++)
                {
                    if (ControlMessages.LENGTH_PREFIX + length + MESSAGE_BYTES_MAX > writeBuffer.capacity())
                    {
                        throw new IllegalArgumentException("the " + n + " commands do not fit one frame: the " +
                            (i + 1) + "th starts at byte " + length);
                    }
                    length += commandMessages.encode(first + i, commands.get(i), 0, writeBuffer,
                        ControlMessages.LENGTH_PREFIX + length);
                }
                if (length > s.maxFrameLength)
                {
                    throw new IllegalArgumentException("the " + n + " commands take " + length + " bytes; the " +
                        "server takes frames of at most " + s.maxFrameLength);
                }
                if (firstIdOut != null)
                {
                    firstIdOut.set(first);
                }
                // Throws when the connection is lost already: then nothing was registered, and only the caller hears.
                s.expect(first, n, nextFrame.getAndIncrement(), listener);
                nextCorrelationId.set(first + n);
                sent = true;
                writeBuffer.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
                final ByteBuffer bytes = writeBuffer.byteBuffer().duplicate();
                bytes.limit(ControlMessages.LENGTH_PREFIX + length).position(0);
                try
                {
                    while (bytes.hasRemaining())
                    {
                        s.channel.write(bytes);
                    }
                }
                catch (final IOException ex)
                {
                    // Registered: the listener hears of it (connection lost, outcome unknown), once, and not the
                    // caller.
                    s.lost("write failed: " + ex.getMessage());
                }
                return first;
            }
        }
        finally
        {
            if (!sent)
            {
                s.room.release(n);
            }
        }
    }

    private Session session() throws IOException
    {
        Session s = session;
        if (s != null && s.alive)
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
            s.reader.start();
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

    private static void closeQuietly(final SocketChannel channel)
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

    static GatewayDecision copy(final GatewayDecision source)
    {
        final GatewayDecision copy = new GatewayDecision();
        copy.correlationId = source.correlationId;
        copy.seq = source.seq;
        copy.txId = source.txId;
        copy.reason = source.reason;
        copy.timestampNs = source.timestampNs;
        copy.duplicate = source.duplicate;
        copy.linkedCount = source.linkedCount;
        System.arraycopy(source.linkedTxIds, 0, copy.linkedTxIds, 0, source.linkedCount);
        System.arraycopy(source.linkedReasons, 0, copy.linkedReasons, 0, source.linkedCount);
        copy.alertCount = source.alertCount;
        System.arraycopy(source.alertTypes, 0, copy.alertTypes, 0, source.alertCount);
        System.arraycopy(source.alertScopes, 0, copy.alertScopes, 0, source.alertCount);
        System.arraycopy(source.alertAssetIds, 0, copy.alertAssetIds, 0, source.alertCount);
        System.arraycopy(source.alertWalletIds, 0, copy.alertWalletIds, 0, source.alertCount);
        System.arraycopy(source.alertAccountIds, 0, copy.alertAccountIds, 0, source.alertCount);
        System.arraycopy(source.alertFigures, 0, copy.alertFigures, 0, source.alertFigures.length);
        return copy;
    }

    /**
     * One request sent and not answered: its listener is taken exactly once, by its answer, a lost connection or a
     * caller that stopped waiting.
     */
    private static final class Request
    {
        private final long correlationId;
        private final long frame;
        private final AtomicReference<Listener> listener;

        Request(final long correlationId, final long frame, final Listener listener)
        {
            this.correlationId = correlationId;
            this.frame = frame;
            this.listener = new AtomicReference<>(listener);
        }
    }

    /**
     * One connection: its channel, the room the server allows in flight, and the thread that reads its answers.
     */
    private final class Session
    {
        private final SocketChannel channel;
        private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private final UnsafeBuffer inView = new UnsafeBuffer(in);
        private final ControlMessages control = new ControlMessages();
        private final DecisionMessages decisionMessages = new DecisionMessages();
        private final GatewayDecision decision = new GatewayDecision();
        private final Thread reader = new Thread(this::readLoop, "gateway-client-" + name);
        /** This connection's requests in flight, in wire order: a dropped connection fails these, and only these. */
        private final ArrayDeque<Request> inFlight = new ArrayDeque<>();
        private final List<Request> failing = new ArrayList<>();
        private final Semaphore room;
        private final int maxInFlight;
        private final int maxFrameLength;
        private volatile boolean alive = true;

        Session(final SocketChannel channel) throws IOException
        {
            this.channel = channel;
            reader.setDaemon(true);
            maxInFlight = handshake();
            maxFrameLength = control.welcomeMaxFrameLength();
            room = new Semaphore(maxInFlight);
        }

        void expect(final long firstCorrelationId, final int count, final long frame, final Listener listener)
            throws IOException
        {
            synchronized (inFlight)
            {
                if (!alive)
                {
                    throw new IOException("connection lost: nothing was sent; submit again");
                }
                for (int i = 0; i < count; i++)
                {
                    inFlight.addLast(new Request(firstCorrelationId + i, frame, listener));
                }
            }
        }

        int inFlightCount()
        {
            synchronized (inFlight)
            {
                return inFlight.size();
            }
        }

        void forget(final long correlationId)
        {
            synchronized (inFlight)
            {
                for (final Request request : inFlight)
                {
                    if (request.correlationId == correlationId && request.listener.getAndSet(null) != null)
                    {
                        room.release();
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
            final int template = control.templateId(inView, ControlMessages.LENGTH_PREFIX, frame);
            if (template == ErrorResponseDecoder.TEMPLATE_ID)
            {
                control.decodeError(inView, ControlMessages.LENGTH_PREFIX, frame);
                throw new IOException("handshake refused: " + control.errorMessage());
            }
            final int maxInFlight;
            try
            {
                maxInFlight = control.decodeWelcomeMaxInFlight(inView, ControlMessages.LENGTH_PREFIX, frame);
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
            if (control.templateId(inView, ControlMessages.LENGTH_PREFIX, frame) == ErrorResponseDecoder.TEMPLATE_ID)
            {
                control.decodeError(inView, ControlMessages.LENGTH_PREFIX, frame);
                throw new IOException("authentication refused: " + control.errorMessage());
            }
            try
            {
                control.decodeAuthenticated(inView, ControlMessages.LENGTH_PREFIX, frame);
            }
            catch (final ProtocolException ex)
            {
                throw new IOException("handshake: " + ex.getMessage(), ex);
            }
            consume(frame);
        }

        /**
         * Read until one whole frame is at the start of the buffer.
         *
         * @return its length (prefix excluded), or -1 when the server closed the connection.
         */
        private int readFrame() throws IOException
        {
            while (true)
            {
                if (in.position() >= ControlMessages.LENGTH_PREFIX)
                {
                    final int length = inView.getInt(0, ByteOrder.LITTLE_ENDIAN);
                    if (length < 0 || length > in.capacity() - ControlMessages.LENGTH_PREFIX)
                    {
                        throw new IOException("the server sent a frame of " + length + " bytes");
                    }
                    if (in.position() >= ControlMessages.LENGTH_PREFIX + length)
                    {
                        return length;
                    }
                }
                if (channel.read(in) < 0)
                {
                    return -1;
                }
            }
        }

        private void consume(final int frame)
        {
            final int end = in.position();
            in.limit(end).position(ControlMessages.LENGTH_PREFIX + frame);
            in.compact();
        }

        private void readLoop()
        {
            String why = "the server closed the connection";
            try
            {
                while (alive)
                {
                    final int frame = readFrame();
                    if (frame < 0)
                    {
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
                lost(why);
            }
        }

        private void dispatch(final int frame)
        {
            final int offset = ControlMessages.LENGTH_PREFIX;
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
                final Request request;
                synchronized (inFlight)
                {
                    request = inFlight.pollFirst();
                }
                if (request == null || request.correlationId != decision.correlationId)
                {
                    final String why = "an answer to request " + decision.correlationId + " when " +
                        (request == null ? "none was" : request.correlationId + " was") + " next";
                    if (request != null)
                    {
                        answer(request, listener -> listener.onError(CONNECTION_LOST, "connection dropped (" + why +
                            "): the outcome is unknown; resubmit with the same txId"));
                    }
                    throw new IllegalStateException(why);
                }
                answer(request, listener -> listener.onDecision(decision));
            }
            else if (template == ErrorResponseDecoder.TEMPLATE_ID)
            {
                final long correlationId = control.decodeError(inView, offset, frame);
                final int code = control.errorCode();
                final String message = control.errorMessage();
                // An error answers the whole of the oldest frame unanswered.
                failing.clear();
                synchronized (inFlight)
                {
                    final Request first = inFlight.pollFirst();
                    if (first != null)
                    {
                        failing.add(first);
                        while (!inFlight.isEmpty() && inFlight.peekFirst().frame == first.frame)
                        {
                            failing.add(inFlight.pollFirst());
                        }
                    }
                }
                if (failing.isEmpty() || correlationId != 0 && failing.get(0).correlationId != correlationId)
                {
                    final String why = "an error frame for request " + correlationId + " (" + message + ") when " +
                        (failing.isEmpty() ? "none was" : failing.get(0).correlationId + " was") + " next";
                    for (final Request request : failing)
                    {
                        answer(request, listener -> listener.onError(CONNECTION_LOST, "connection dropped (" + why +
                            "): the outcome is unknown; resubmit with the same txId"));
                    }
                    failing.clear();
                    throw new IllegalStateException(why);
                }
                for (final Request request : failing)
                {
                    answer(request, listener -> listener.onError(code, message));
                }
                failing.clear();
            }
        }

        private void answer(final Request request, final java.util.function.Consumer<Listener> call)
        {
            final Listener listener = request.listener.getAndSet(null);
            if (listener == null)
            {
                return;
            }
            room.release();
            try
            {
                call.accept(listener);
            }
            catch (final RuntimeException | Error ex)
            {
                // A listener's failure is its own: the connection and the other requests go on.
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
            }
            closeQuietly(channel);
            final String message = "connection lost (" + why + "): the outcome is unknown; resubmit with the same txId";
            while (true)
            {
                final Request request;
                synchronized (inFlight)
                {
                    request = inFlight.pollFirst();
                }
                if (request == null)
                {
                    break;
                }
                answer(request, listener -> listener.onError(CONNECTION_LOST, message));
            }
        }
    }
}
