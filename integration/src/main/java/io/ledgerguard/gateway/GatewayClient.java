package io.ledgerguard.gateway;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

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
 * {@link #submitAsync(Command, Listener)}, many requests in flight on one connection, back-pressure at the server's
 * in-flight limit (a submit waits for room), and reconnection: when the connection drops, the requests in flight fail
 * with {@link Listener#onError} (their outcome is unknown: resubmit them with the same txId, which idempotency
 * answers), and the next submit connects again. Thread-safe.
 */
public final class GatewayClient implements AutoCloseable
{
    /** Error code given to requests in flight when the connection drops. */
    public static final int CONNECTION_LOST = 100;

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
    private final Object writeLock = new Object();
    private final AtomicLong nextCorrelationId = new AtomicLong(1);
    private final CommandMessages commandMessages = new CommandMessages();
    private final UnsafeBuffer writeBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024)
        .order(ByteOrder.LITTLE_ENDIAN));
    private volatile Session session;
    private volatile boolean closed;

    /**
     * @param address an {@link java.net.InetSocketAddress} or a {@link UnixDomainSocketAddress}.
     * @param name    this client's name, sent in the handshake.
     */
    public GatewayClient(final SocketAddress address, final String name)
    {
        this.address = address;
        this.name = name;
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
        final CompletableFuture<GatewayDecision> answer = new CompletableFuture<>();
        final long correlationId = submitAsync(command, new Listener()
        {
            @Override
            public void onDecision(final GatewayDecision decision)
            {
                answer.complete(copy(decision));
            }

            @Override
            public void onError(final int code, final String message)
            {
                answer.completeExceptionally(new IOException("error " + code + ": " + message));
            }
        });
        try
        {
            return answer.get(60, TimeUnit.SECONDS);
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
                s.forget(correlationId);
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
        final io.ledgerguard.core.Reason shape = command.type == null ? io.ledgerguard.core.Reason.MALFORMED_COMMAND :
            command.checkShape();
        if (shape != null || command.chainRefLength > Command.CHAIN_REF_LENGTH_MAX ||
            command.memoLength > Command.MEMO_LENGTH_MAX || !CommandMessages.representable(command))
        {
            throw new IllegalArgumentException("the command cannot be sent: " + (shape != null ? shape :
                "a chain reference or memo longer than its maximum, or credit limits on an inner command") + ": " +
                command);
        }
        final Session s = session();
        try
        {
            s.room.acquire();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for room in flight", ex);
        }
        final long correlationId;
        try
        {
            synchronized (writeLock)
            {
                // Assigned under the lock, so that the wire order is the order of the ids.
                correlationId = nextCorrelationId.getAndIncrement();
                s.inFlight.put(correlationId, listener);
                final int length = commandMessages.encode(correlationId, command, 0, writeBuffer,
                    ControlMessages.LENGTH_PREFIX);
                writeBuffer.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
                final ByteBuffer bytes = writeBuffer.byteBuffer().duplicate();
                bytes.limit(ControlMessages.LENGTH_PREFIX + length).position(0);
                while (bytes.hasRemaining())
                {
                    s.channel.write(bytes);
                }
            }
        }
        catch (final IOException ex)
        {
            s.lost("write failed: " + ex.getMessage());
            throw ex;
        }
        return correlationId;
    }

    /**
     * @return requests sent and not yet answered.
     */
    public int inFlight()
    {
        final Session s = session;
        return s == null ? 0 : s.inFlight.size();
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
            final SocketChannel channel = open();
            try
            {
                s = new Session(channel);
            }
            catch (final IOException | RuntimeException ex)
            {
                channel.close();
                throw ex;
            }
            // Published only once the handshake is done and answers are read: no one can use it before.
            s.reader.start();
            session = s;
            return s;
        }
    }

    private SocketChannel open() throws IOException
    {
        if (address instanceof UnixDomainSocketAddress)
        {
            final SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(address);
            return channel;
        }
        final SocketChannel channel = SocketChannel.open(address);
        channel.socket().setTcpNoDelay(true);
        return channel;
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
        /** This connection's requests in flight: a dropped connection fails these, and only these. */
        private final Map<Long, Listener> inFlight = new ConcurrentHashMap<>();
        private final Semaphore room;
        private volatile boolean alive = true;

        Session(final SocketChannel channel) throws IOException
        {
            this.channel = channel;
            reader.setDaemon(true);
            room = new Semaphore(handshake());
        }

        void forget(final long correlationId)
        {
            if (inFlight.remove(correlationId) != null)
            {
                room.release();
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
            if (maxInFlight < 1)
            {
                throw new IOException("handshake: the server allows " + maxInFlight + " requests in flight");
            }
            consume(frame);
            return maxInFlight;
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
                final Listener listener = inFlight.remove(decision.correlationId);
                if (listener != null)
                {
                    room.release();
                    call(() -> listener.onDecision(decision));
                }
            }
            else if (template == ErrorResponseDecoder.TEMPLATE_ID)
            {
                final long correlationId = control.decodeError(inView, offset, frame);
                final int code = control.errorCode();
                final String message = control.errorMessage();
                final Listener listener = inFlight.remove(correlationId);
                if (listener != null)
                {
                    room.release();
                    call(() -> listener.onError(code, message));
                }
            }
        }

        private void call(final Runnable listenerCall)
        {
            try
            {
                listenerCall.run();
            }
            catch (final RuntimeException | Error ex)
            {
                // A listener's failure is its own: the connection and the other requests go on.
                System.err.println("gateway client " + name + ": a listener failed: " + ex);
            }
        }

        void lost(final String why)
        {
            if (!alive)
            {
                return;
            }
            alive = false;
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // Closing.
            }
            for (final Long correlationId : inFlight.keySet())
            {
                final Listener listener = inFlight.remove(correlationId);
                if (listener != null)
                {
                    room.release();
                    call(() -> listener.onError(CONNECTION_LOST, "connection lost (" + why + "): the outcome is " +
                        "unknown; resubmit with the same txId"));
                }
            }
        }
    }
}
