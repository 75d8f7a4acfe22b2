package io.ledgerguard.gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.BitUtil;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.DecisionListener;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.ControlMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.ProtocolException;
import io.ledgerguard.protocol.sbe.CommandRequestDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;

/**
 * The sidecar gateway's transfer path: one I/O thread with a selector over TCP (loopback by default) and, when
 * configured, a Unix domain socket. Each connection opens with a handshake ({@code Hello}, answered {@code Welcome} or
 * refused with an error frame and closed), then sends {@code CommandRequest} frames, many in flight, each answered by
 * one {@code DecisionResponse} with its correlation id, in the order the guard decided them. Approvals are verified
 * here, before sequencing; the command then goes into the guard's ring without waiting, and the decision comes back on
 * the pipeline's release thread, which queues the answer for the connection.
 * <p>
 * Bad input never reaches the guard and never stops the gateway: an undecodable frame is answered with an error
 * frame; a frame length below a header or above the maximum cannot be resynchronised, so it gets an error frame and
 * the connection is closed. A connection with {@link GatewaySettings#inFlightMax} requests in flight is not read
 * until answers come back; one whose queue of answers fills (it stopped reading) is closed, so that it never delays
 * the others.
 */
public final class GatewayServer implements AutoCloseable
{
    private static final int OUT_BUFFER_BYTES = 256 * 1024;
    private static final int DECISION_BYTES_MAX = 16 * 1024;
    private static final int MESSAGE_TYPE = 1;

    private final LedgerGuard guard;
    private final ApprovalVerifier verifier;
    private final GatewaySettings settings;
    private final Selector selector;
    private final ServerSocketChannel tcp;
    private final ServerSocketChannel unix;
    private final Thread ioThread;
    private final ConcurrentLinkedQueue<Connection> flushRequests = new ConcurrentLinkedQueue<>();
    private final List<Connection> connections = new ArrayList<>();
    private volatile boolean running = true;

    // I/O thread only.
    private final CommandMessages commandMessages = new CommandMessages();
    private final ControlMessages control = new ControlMessages();
    private final Command command = new Command();
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(DECISION_BYTES_MAX));
    private final DecisionMessages ioDecisions = new DecisionMessages();
    private final Decision refusal = new Decision();
    // Release thread only: it is the one thread that answers decisions.
    private final DecisionMessages decisionMessages = new DecisionMessages();
    private final UnsafeBuffer releaseScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(DECISION_BYTES_MAX));

    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong connectionsRefused = new AtomicLong();
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong errorFrames = new AtomicLong();
    private final AtomicLong slowDisconnects = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();

    private GatewayServer(final LedgerGuard guard, final ApprovalVerifier verifier, final GatewaySettings settings)
        throws IOException
    {
        this.guard = guard;
        this.verifier = verifier;
        this.settings = settings;
        if (!BitUtil.isPowerOfTwo(settings.outboundBytesMax))
        {
            throw new IllegalArgumentException("outboundBytesMax must be a power of two, was " +
                settings.outboundBytesMax);
        }
        selector = Selector.open();
        tcp = ServerSocketChannel.open();
        tcp.bind(settings.tcp);
        tcp.configureBlocking(false);
        tcp.register(selector, SelectionKey.OP_ACCEPT);
        if (settings.unixSocket != null)
        {
            // A socket file left by a previous run would make the bind fail.
            Files.deleteIfExists(settings.unixSocket);
            unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            unix.bind(UnixDomainSocketAddress.of(settings.unixSocket));
            unix.configureBlocking(false);
            unix.register(selector, SelectionKey.OP_ACCEPT);
        }
        else
        {
            unix = null;
        }
        ioThread = new Thread(this::run, "gateway-io");
        ioThread.setDaemon(true);
    }

    /**
     * Listen and serve.
     *
     * @param guard    the running pipeline, with {@code BackPressure.BLOCK}: when its ring is full the I/O thread waits
     *                 for room, which is the back-pressure every client then feels, and answers stay in order. (With
     *                 {@code REJECT} a full ring is answered {@code RING_FULL} at once, ahead of answers in flight.)
     * @param verifier counts each command's valid approvals before it is sequenced.
     * @param settings where to listen, and the limits.
     * @return the running server.
     * @throws IOException when an address cannot be bound.
     */
    public static GatewayServer start(final LedgerGuard guard, final ApprovalVerifier verifier,
        final GatewaySettings settings) throws IOException
    {
        final GatewayServer server = new GatewayServer(guard, verifier, settings);
        server.ioThread.start();
        return server;
    }

    /**
     * @return the TCP address it listens on (with the port chosen when port 0 was asked for).
     */
    public InetSocketAddress tcpAddress()
    {
        try
        {
            return (InetSocketAddress)tcp.getLocalAddress();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public long connectionsAccepted()
    {
        return connectionsAccepted.get();
    }

    public long connectionsRefused()
    {
        return connectionsRefused.get();
    }

    public long framesIn()
    {
        return framesIn.get();
    }

    public long errorFrames()
    {
        return errorFrames.get();
    }

    public long slowDisconnects()
    {
        return slowDisconnects.get();
    }

    public long requests()
    {
        return requests.get();
    }

    private void run()
    {
        try
        {
            while (running)
            {
                selector.select(100);
                final Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
                while (keys.hasNext())
                {
                    final SelectionKey key = keys.next();
                    keys.remove();
                    if (!key.isValid())
                    {
                        continue;
                    }
                    if (key.isAcceptable())
                    {
                        accept((ServerSocketChannel)key.channel());
                        continue;
                    }
                    final Connection connection = (Connection)key.attachment();
                    if (key.isReadable())
                    {
                        connection.read();
                    }
                    if (key.isValid() && key.isWritable())
                    {
                        connection.flush();
                    }
                }
                Connection connection;
                while ((connection = flushRequests.poll()) != null)
                {
                    connection.flushRequested.set(false);
                    connection.flush();
                }
            }
        }
        catch (final IOException | ClosedSelectorException ex)
        {
            if (running)
            {
                System.err.println("gateway: the I/O loop failed: " + ex);
            }
        }
        finally
        {
            for (final Connection connection : new ArrayList<>(connections))
            {
                connection.close(null);
            }
        }
    }

    private void accept(final ServerSocketChannel server) throws IOException
    {
        final SocketChannel channel = server.accept();
        if (channel == null)
        {
            return;
        }
        if (connections.size() >= settings.connectionsMax)
        {
            connectionsRefused.incrementAndGet();
            channel.close();
            return;
        }
        channel.configureBlocking(false);
        final Connection connection = new Connection(channel);
        connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
        connections.add(connection);
        connectionsAccepted.incrementAndGet();
    }

    @Override
    public void close()
    {
        running = false;
        selector.wakeup();
        try
        {
            ioThread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        closeQuietly(tcp);
        closeQuietly(unix);
        closeQuietly(selector);
        if (settings.unixSocket != null)
        {
            try
            {
                Files.deleteIfExists(settings.unixSocket);
            }
            catch (final IOException ignored)
            {
                // Left behind; the next start removes it.
            }
        }
    }

    private static void closeQuietly(final AutoCloseable closeable)
    {
        if (closeable != null)
        {
            try
            {
                closeable.close();
            }
            catch (final Exception ignored)
            {
                // Closing.
            }
        }
    }

    /**
     * One request in flight: it knows its connection and correlation id, and answers on the release thread.
     */
    private final class Pending implements DecisionListener
    {
        private final Connection connection;
        private long correlationId;

        Pending(final Connection connection)
        {
            this.connection = connection;
        }

        @Override
        public void onDecision(final Command decided, final Decision decision)
        {
            final int length = decisionMessages.encode(correlationId, decision, releaseScratch,
                ControlMessages.LENGTH_PREFIX);
            releaseScratch.putInt(0, length, ByteOrder.LITTLE_ENDIAN);
            connection.enqueue(releaseScratch, ControlMessages.LENGTH_PREFIX + length);
            connection.free.offer(this);
            connection.inFlight.decrementAndGet();
            connection.requestFlush();
        }
    }

    private final class Connection
    {
        private final SocketChannel channel;
        private final ByteBuffer in;
        private final UnsafeBuffer inView;
        private final ManyToOneRingBuffer outbound;
        private final ByteBuffer out = ByteBuffer.allocateDirect(OUT_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final UnsafeBuffer outView = new UnsafeBuffer(out);
        /** Pending requests free for use: returned by the release thread, and by this thread on a refusal. */
        private final ManyToOneConcurrentArrayQueue<Pending> free;
        private final Drain drain = new Drain();
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicBoolean flushRequested = new AtomicBoolean();
        private final AtomicBoolean overflowed = new AtomicBoolean();
        private SelectionKey key;
        private boolean welcomed;
        private boolean closeAfterFlush;
        private boolean closed;
        private boolean readPaused;

        Connection(final SocketChannel channel)
        {
            this.channel = channel;
            in = ByteBuffer.allocateDirect(settings.frameBytesMax + ControlMessages.LENGTH_PREFIX)
                .order(ByteOrder.LITTLE_ENDIAN);
            inView = new UnsafeBuffer(in);
            outbound = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
                settings.outboundBytesMax + RingBufferDescriptor.TRAILER_LENGTH)));
            free = new ManyToOneConcurrentArrayQueue<>(settings.inFlightMax);
            for (int i = 0; i < settings.inFlightMax; i++)
            {
                free.offer(new Pending(this));
            }
            out.limit(0);
        }

        void enqueue(final UnsafeBuffer frame, final int length)
        {
            if (!outbound.write(MESSAGE_TYPE, frame, 0, length))
            {
                overflowed.set(true);
            }
        }

        void requestFlush()
        {
            if (flushRequested.compareAndSet(false, true))
            {
                flushRequests.offer(this);
                selector.wakeup();
            }
        }

        void read()
        {
            final int read;
            try
            {
                read = channel.read(in);
            }
            catch (final IOException ex)
            {
                close(null);
                return;
            }
            if (read < 0)
            {
                close(null);
                return;
            }
            process();
            flush();
        }

        /**
         * Take the whole frames read so far, as long as a request can be put in flight; the rest waits in the buffer.
         */
        private void process()
        {
            int position = 0;
            final int end = in.position();
            while (!closeAfterFlush && !free.isEmpty() && end - position >= ControlMessages.LENGTH_PREFIX)
            {
                final int length = inView.getInt(position, ByteOrder.LITTLE_ENDIAN);
                if (length < MessageHeaderDecoder.ENCODED_LENGTH || length > settings.frameBytesMax)
                {
                    error(0, ControlMessages.BAD_FRAME_LENGTH, "frame length " + length + " outside " +
                        MessageHeaderDecoder.ENCODED_LENGTH + ".." + settings.frameBytesMax + ": the connection closes");
                    closeAfterFlush = true;
                    position = end;
                    break;
                }
                if (end - position < ControlMessages.LENGTH_PREFIX + length)
                {
                    break;
                }
                framesIn.incrementAndGet();
                frame(position + ControlMessages.LENGTH_PREFIX, length);
                position += ControlMessages.LENGTH_PREFIX + length;
            }
            in.limit(end).position(position);
            in.compact();
        }

        private void frame(final int offset, final int length)
        {
            if (!welcomed)
            {
                try
                {
                    final int version = control.decodeHello(inView, offset, length);
                    if (version != ControlMessages.PROTOCOL_VERSION)
                    {
                        error(0, ControlMessages.HANDSHAKE_REFUSED, "incompatible protocol version " + version +
                            "; this server speaks " + ControlMessages.PROTOCOL_VERSION);
                        closeAfterFlush = true;
                        return;
                    }
                    welcomed = true;
                    final int welcome = control.encodeWelcome(settings.frameBytesMax, settings.inFlightMax,
                        settings.serverName, scratch, ControlMessages.LENGTH_PREFIX);
                    send(welcome);
                }
                catch (final ProtocolException ex)
                {
                    error(0, ControlMessages.HANDSHAKE_REFUSED, ex.getMessage());
                    closeAfterFlush = true;
                }
                return;
            }
            final int template = control.templateId(inView, offset, length);
            if (template != CommandRequestDecoder.TEMPLATE_ID)
            {
                error(correlationIdOf(offset, length), ProtocolException.UNKNOWN_MESSAGE, "templateId " + template +
                    " is not a CommandRequest (" + CommandRequestDecoder.TEMPLATE_ID + ")");
                return;
            }
            final long correlationId;
            try
            {
                correlationId = commandMessages.decode(inView, offset, length, command);
            }
            catch (final ProtocolException ex)
            {
                error(correlationIdOf(offset, length), ex.code(), ex.getMessage());
                return;
            }
            final Pending pending = free.poll();
            if (pending == null)
            {
                error(correlationId, ControlMessages.TOO_MANY_IN_FLIGHT, "more than " + settings.inFlightMax +
                    " requests in flight");
                return;
            }
            requests.incrementAndGet();
            // Before sequencing, on this thread: the guard only compares the count with the requirement.
            verifier.verify(command);
            pending.correlationId = correlationId;
            inFlight.incrementAndGet();
            final long seq = guard.submitAsync(command, pending);
            if (seq < 0)
            {
                inFlight.decrementAndGet();
                free.offer(pending);
                refuse(correlationId, command.txId, Reason.fromCode((int)-seq));
            }
        }

        private long correlationIdOf(final int offset, final int length)
        {
            // The correlation id is the first field of a request; a frame too short to hold one gets 0.
            final int at = offset + MessageHeaderDecoder.ENCODED_LENGTH;
            return length >= MessageHeaderDecoder.ENCODED_LENGTH + 8 ? inView.getLong(at, ByteOrder.LITTLE_ENDIAN) : 0;
        }

        private void refuse(final long correlationId, final long txId, final Reason reason)
        {
            refusal.reset(0, txId, 0);
            refusal.reason = reason == null ? Reason.GUARD_FAILED : reason;
            // The I/O thread's own encoder: the release thread's is not to be shared.
            send(ioDecisions.encode(correlationId, refusal, scratch, ControlMessages.LENGTH_PREFIX));
        }

        private void error(final long correlationId, final int code, final String message)
        {
            errorFrames.incrementAndGet();
            send(control.encodeError(correlationId, code, message, scratch, ControlMessages.LENGTH_PREFIX));
        }

        private void send(final int messageLength)
        {
            scratch.putInt(0, messageLength, ByteOrder.LITTLE_ENDIAN);
            enqueue(scratch, ControlMessages.LENGTH_PREFIX + messageLength);
        }

        void flush()
        {
            if (closed)
            {
                return;
            }
            if (overflowed.get())
            {
                slowDisconnects.incrementAndGet();
                close("its queue of " + settings.outboundBytesMax + " bytes of answers filled: it is not reading");
                return;
            }
            try
            {
                while (true)
                {
                    if (!out.hasRemaining())
                    {
                        out.clear();
                        drain.filled = 0;
                        // Never more than fits: every queued frame is at most DECISION_BYTES_MAX.
                        outbound.read(drain, OUT_BUFFER_BYTES / DECISION_BYTES_MAX - 1);
                        out.limit(drain.filled).position(0);
                        if (drain.filled == 0)
                        {
                            break;
                        }
                    }
                    channel.write(out);
                    if (out.hasRemaining())
                    {
                        break;
                    }
                }
            }
            catch (final IOException ex)
            {
                close(null);
                return;
            }
            if (out.hasRemaining())
            {
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
            }
            else
            {
                key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
                if (closeAfterFlush && outbound.size() == 0)
                {
                    close(null);
                }
            }
            pauseOrResumeReading();
        }

        private void pauseOrResumeReading()
        {
            if (closed || !key.isValid())
            {
                return;
            }
            final boolean full = free.isEmpty() || closeAfterFlush;
            if (full && !readPaused)
            {
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                readPaused = true;
            }
            else if (!full && readPaused)
            {
                readPaused = false;
                key.interestOps(key.interestOps() | SelectionKey.OP_READ);
                if (in.position() > 0)
                {
                    // Frames that waited for room in flight: take them now, and send what they produced.
                    process();
                    requestFlush();
                }
            }
        }

        /**
         * Copies queued frames into the write buffer.
         */
        private final class Drain implements MessageHandler
        {
            private int filled;

            @Override
            public void onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
                final int length)
            {
                outView.putBytes(filled, buffer, index, length);
                filled += length;
            }
        }

        void close(final String why)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            if (why != null)
            {
                System.err.println("gateway: closed a connection: " + why);
            }
            if (key != null)
            {
                key.cancel();
            }
            closeQuietly(channel);
            connections.remove(this);
        }
    }
}
