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
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.BitUtil;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.OneToOneConcurrentArrayQueue;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.core.pipeline.DecisionListener;
import io.ledgerguard.core.pipeline.GuardPort;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.core.pipeline.StageLoop;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.ControlMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.ProtocolException;
import io.ledgerguard.protocol.sbe.CommandRequestDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;

/**
 * The sidecar gateway's transfer path: one I/O loop with a selector over TCP (loopback by default) and, when
 * configured, a Unix domain socket, on a thread of its own or, when the pipeline hosts it ({@link StageHost}), on the
 * guard's own thread between commands. Each connection opens with a handshake ({@code Hello}, answered {@code Welcome}
 * or refused with an error frame and closed; when the configuration names clients, the Welcome carries a fresh nonce
 * that the client signs with its key in {@code Authenticate}, answered {@code Authenticated} or, after a delay that
 * grows with the failures, an error frame), then sends frames of one or more {@code CommandRequest} messages back to
 * back, many requests in flight, each answered by one {@code DecisionResponse} with its correlation id, in the order
 * they were sent. A frame is checked whole before any of its requests is taken: one undecodable message and the whole
 * frame gets a single error frame instead. Approvals are verified here, before sequencing; the command then goes into
 * the guard's ring without waiting, and the decision comes back on the pipeline's release thread, which queues the
 * answer for the connection.
 * <p>
 * What a pipelining client costs is kept per frame and per turn, not per request: each message is decoded once, by the
 * check, into commands the requests are then taken from; the answers queued for a connection go out together, in one
 * write per turn of the I/O loop; and the release thread wakes the selector only when the I/O thread sleeps in it. In
 * steady state nothing is allocated per request.
 * <p>
 * Bad input never reaches the guard and never stops the gateway: an undecodable frame is answered with an error
 * frame; a frame length below a header or above the maximum cannot be resynchronised, so it gets an error frame and
 * the connection is closed once its requests in flight are answered. Answers keep request order: a frame that is
 * answered at once (an error) waits until the requests before it are answered. A connection with
 * {@link GatewaySettings#inFlightMax} requests in flight, or half a queue of unread answers, is not read until that
 * changes; one that leaves answers unread for {@link GatewaySettings#stallTimeoutMs} is closed, so that it never
 * delays the others. The I/O thread never waits for the guard: when the ring is full, the request waits in its
 * connection's buffer and is offered again.
 * <p>
 * Who may do what (SPEC §12): an authenticated client's commands carry its id into the journal, and a command its role
 * does not allow is answered {@link Reason#NOT_IN_ROLE} here, before sequencing, counted per client and alerted
 * ({@link AlertType#CLIENT_FORBIDDEN}). Failed authentications are logged with the peer, counted, and alerted
 * ({@link AlertType#AUTHENTICATION_FAILURES}) once a window when they reach the threshold.
 */
public final class GatewayServer implements AutoCloseable
{
    private static final Logger LOGGER = LoggerFactory.getLogger(GatewayServer.class);
    private static final int OUT_BUFFER_BYTES = 64 * 1024;
    /** The answers' ring of a connection in its handshake: room for a Welcome or an error frame. */
    private static final int HANDSHAKE_OUTBOUND_BYTES = 8 * 1024;
    private static final long IDLE_SELECT_MS = 100;
    private static final int ACCEPTS_PER_ROUND = 64;
    private static final long STALLED_SELECT_MS = 1;
    private static final int DECISION_BYTES_MAX = 16 * 1024;
    private static final int MESSAGE_TYPE = 1;
    /** For the loop on its own thread: no ring it waits for. */
    private static final java.util.function.BooleanSupplier NO_COMMANDS = () -> false;

    /**
     * Told of every answered request, on the pipeline's release thread: for metrics. Must not block.
     */
    public interface Observer
    {
        /**
         * @param reason    the decision's reason.
         * @param latencyNs from the request's decoding to its decision.
         */
        void onAnswered(Reason reason, long latencyNs);
    }

    private static final Observer NO_OBSERVER = (reason, latencyNs) -> { };

    private final GuardPort guard;
    private final ApprovalVerifier verifier;
    private final AlertListener alerts;
    private volatile Observer observer = NO_OBSERVER;
    private final GatewaySettings settings;
    private final Selector selector;
    private final ServerSocketChannel tcp;
    private final ServerSocketChannel unix;
    private final Thread ioThread;
    /** Where the loop runs on the guard's thread instead of {@link #ioThread}; {@code null} when it runs on its own. */
    private StageHost host;
    /**
     * The guard's thread, once it turned the loop: the only thread that may put answers straight into a connection's
     * write buffer ({@link Connection#appendAt}). Written and compared by that thread; any other reads another value.
     */
    private Thread hostThread;
    private final StageLoop loop = new Loop();
    /**
     * Connections the release thread has answers queued for, each at most once ({@link Connection#flushRequested}).
     * When it is full, which takes more connections than the limits allow open, {@link #flushAll} stands in for it.
     */
    private final ManyToOneConcurrentArrayQueue<Connection> flushRequests;
    /** Set when a flush request did not fit {@link #flushRequests}: the I/O thread services every connection. */
    private final AtomicBoolean flushAll = new AtomicBoolean();
    /**
     * Set by the I/O thread just before it may block in {@code select} and cleared just after, so that the threads
     * that hand it work wake the selector only when it sleeps: a wake-up costs a system call, and one made while the
     * thread is awake costs it another turn of its loop for nothing.
     */
    private final AtomicBoolean sleeping = new AtomicBoolean();
    /**
     * Verifies challenge signatures, about half a millisecond each with the JDK's Ed25519, so that the I/O thread never
     * does: one thread, and at most one verification queued per connection in its handshake. {@code null} when the
     * gateway names no clients.
     */
    private final java.util.concurrent.ExecutorService authenticator;
    /** Verifications done, for the I/O thread to act on. */
    private final ConcurrentLinkedQueue<Verification> verified = new ConcurrentLinkedQueue<>();
    /** Checked in place of an unknown client's key, so that an unknown id takes as long to refuse as a wrong key. */
    private final java.security.PublicKey unknownClientKey;
    private final List<Connection> connections = new ArrayList<>();
    private final List<Connection> stalled = new ArrayList<>();
    private long lastTimeoutCheckNs;
    private volatile boolean running = true;

    // I/O thread only.
    private final CommandMessages commandMessages = new CommandMessages();
    private final ControlMessages control = new ControlMessages();
    private final java.util.function.Consumer<SelectionKey> onSelected = this::onSelected;
    /**
     * The requests of the frame last checked, decoded once by the check and taken from here, with their correlation
     * ids and lengths; grown to the most requests a frame has held (at most {@link GatewaySettings#inFlightMax}). One
     * array for all connections, since a connection's commands are 12 KiB each with their batch: a frame that waits
     * half taken while another connection's frame is checked is decoded again, one request at a time as it is taken.
     */
    private Command[] decoded = {new Command()};
    private long[] decodedCorrelationIds = new long[1];
    private int[] decodedLengths = new int[1];
    /** Whose frame {@link #decoded} holds: its frame checked and not yet taken whole. */
    private Connection decodedFor;
    private final UnsafeBuffer scratch = new UnsafeBuffer(ByteBuffer.allocateDirect(DECISION_BYTES_MAX));
    private final DecisionMessages ioDecisions = new DecisionMessages();
    private final Decision refusal = new Decision();
    private final Alert gatewayAlert = new Alert();
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    private final byte[] openNonce = new byte[ControlMessages.NONCE_LENGTH];
    /** Connections open per client, by {@link ClientSettings.Client#number()}. I/O thread. */
    private final int[] openByClient;
    private long authWindowStartNs;
    private int authWindowFailures;
    private boolean authWindowAlerted;
    // Release thread only: it is the one thread that answers decisions.
    private final DecisionMessages decisionMessages = new DecisionMessages();
    private final UnsafeBuffer releaseScratch = new UnsafeBuffer(ByteBuffer.allocateDirect(DECISION_BYTES_MAX));

    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong connectionsRefused = new AtomicLong();
    private final AtomicLong handshakesEvicted = new AtomicLong();
    private final AtomicLong authentications = new AtomicLong();
    private final AtomicLong authenticationFailures = new AtomicLong();
    /** Commands refused {@link Reason#NOT_IN_ROLE}, by {@link ClientSettings.Client#number()}. */
    private final java.util.concurrent.atomic.AtomicLongArray roleRefusals;
    /**
     * Connections whose handshake is done and that are not closed: the ones {@link GatewaySettings#connectionsMax}
     * counts. I/O thread.
     */
    private int established;
    private final AtomicLong framesIn = new AtomicLong();
    private final AtomicLong errorFrames = new AtomicLong();
    private final AtomicLong slowDisconnects = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger openConnections = new AtomicInteger();
    private volatile ClientsOfRules clientsOfRules;

    private GatewayServer(final GuardPort guard, final ApprovalVerifier verifier, final GatewaySettings settings,
        final AlertListener alerts) throws IOException
    {
        this.guard = guard;
        this.verifier = verifier;
        this.settings = settings;
        this.alerts = alerts == null ? alert -> { } : alerts;
        final int clientCount = ClientSettings.CLIENTS_MAX;
        // Also for a gateway open now that follows the rules: a rule change may name clients (SPEC §13), and the next
        // Hello is challenged then.
        if (settings.rules != null || settings.clients.required())
        {
            try
            {
                unknownClientKey =
                    java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
            }
            catch (final java.security.GeneralSecurityException ex)
            {
                throw new IllegalStateException("this JDK cannot make Ed25519 keys", ex);
            }
            authenticator = java.util.concurrent.Executors.newSingleThreadExecutor(runnable ->
            {
                final Thread thread = new Thread(runnable, "gateway-authentication");
                thread.setDaemon(true);
                return thread;
            });
        }
        else
        {
            unknownClientKey = null;
            authenticator = null;
        }
        openByClient = new int[clientCount + 1];
        roleRefusals = new java.util.concurrent.atomic.AtomicLongArray(clientCount + 1);
        if (settings.authFailureDelayMs < 0 || settings.authFailureDelayMaxMs < settings.authFailureDelayMs ||
            settings.authFailureWindowMs < 1 || settings.authFailuresAlertThreshold < 1)
        {
            throw new IllegalArgumentException("authFailureDelayMs must be >= 0 and at most authFailureDelayMaxMs, " +
                "authFailureWindowMs and authFailuresAlertThreshold > 0");
        }
        if (!BitUtil.isPowerOfTwo(settings.outboundBytesMax) || settings.outboundBytesMax < 8 * DECISION_BYTES_MAX)
        {
            throw new IllegalArgumentException("outboundBytesMax must be a power of two of at least " +
                8 * DECISION_BYTES_MAX + ", was " + settings.outboundBytesMax);
        }
        if (settings.inFlightMax < 1 || settings.connectionsMax < 1 || settings.stallTimeoutMs < 1 ||
            settings.frameBytesMax < 64 || settings.serverName.length() > 200)
        {
            throw new IllegalArgumentException("inFlightMax, connectionsMax and stallTimeoutMs must be > 0, " +
                "frameBytesMax at least 64 and serverName at most 200 characters");
        }
        flushRequests = new ManyToOneConcurrentArrayQueue<>(settings.connectionsMax + settings.handshakingMax);
        selector = Selector.open();
        tcp = ServerSocketChannel.open();
        // A backlog as deep as the handshake slots: a burst of connections waits in it, not in SYN retries.
        tcp.bind(settings.tcp, settings.handshakingMax);
        tcp.configureBlocking(false);
        tcp.register(selector, SelectionKey.OP_ACCEPT);
        ServerSocketChannel opened = null;
        if (settings.unixSocket != null)
        {
            try
            {
                removeStaleSocket(settings.unixSocket);
                opened = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                opened.bind(UnixDomainSocketAddress.of(settings.unixSocket));
                restrict(settings.unixSocket, settings.unixSocketGroup);
                opened.configureBlocking(false);
                opened.register(selector, SelectionKey.OP_ACCEPT);
            }
            catch (final IOException ex)
            {
                closeQuietly(opened);
                closeQuietly(tcp);
                closeQuietly(selector);
                if (opened != null)
                {
                    // Bound but perhaps not restricted: the file must not stay behind, open to everyone.
                    java.nio.file.Files.deleteIfExists(settings.unixSocket);
                }
                throw ex;
            }
        }
        unix = opened;
        ioThread = new Thread(this::run, "gateway-io");
        ioThread.setDaemon(true);
    }

    /**
     * Listen and serve.
     *
     * @param guard    the running pipeline, with {@code BackPressure.REJECT}: a request that meets a full ring waits in
     *                 its connection's buffer and is offered again, so the I/O thread never waits for the guard.
     * @param verifier counts each command's valid approvals before it is sequenced.
     * @param settings where to listen, and the limits.
     * @return the running server.
     * @throws IOException when an address cannot be bound.
     */
    public static GatewayServer start(final GuardPort guard, final ApprovalVerifier verifier,
        final GatewaySettings settings) throws IOException
    {
        return start(guard, verifier, settings, null);
    }

    /**
     * As {@link #start(GuardPort, ApprovalVerifier, GatewaySettings)}, with somewhere for the gateway's own alerts.
     *
     * @param alerts told of the gateway's alerts ({@link AlertType#CLIENT_FORBIDDEN},
     *               {@link AlertType#AUTHENTICATION_FAILURES}) on the I/O thread, its only caller: it must copy what it
     *               keeps and never block (an {@link io.ledgerguard.core.pipeline.AlertDispatcher} of its own does
     *               both); {@code null} for none.
     */
    public static GatewayServer start(final GuardPort guard, final ApprovalVerifier verifier,
        final GatewaySettings settings, final AlertListener alerts) throws IOException
    {
        return start(guard, verifier, settings, alerts, null);
    }

    /**
     * As {@link #start(GuardPort, ApprovalVerifier, GatewaySettings, AlertListener)}, with the I/O loop on the guard's
     * own thread when the pipeline hosts it (issue 15): a request then wakes that one thread, which reads it, applies
     * it, journals it and writes its answer, instead of three threads handing it on. When the host is not
     * {@link StageHost#hosting() hosting} (stages not fused, or another wait strategy), the loop runs on a thread of
     * its own as without one.
     *
     * @param host the host given to the guard's {@code PipelineContext}, or {@code null}.
     */
    public static GatewayServer start(final GuardPort guard, final ApprovalVerifier verifier,
        final GatewaySettings settings, final AlertListener alerts, final StageHost host) throws IOException
    {
        final GatewayServer server = new GatewayServer(guard, verifier, settings, alerts);
        if (host != null && host.hosting())
        {
            // Before the loop is attached: its first turn may fail, and then detaches it from this host.
            server.host = host;
            try
            {
                host.attach(server.loop);
            }
            catch (final RuntimeException ex)
            {
                server.host = null;
                server.close();
                throw ex;
            }
        }
        else
        {
            server.ioThread.start();
        }
        return server;
    }

    /**
     * @return true when the I/O loop runs on the guard's thread.
     */
    public boolean onGuardThread()
    {
        return host != null;
    }

    /**
     * @param observer told of every answered request from now on.
     */
    public void observer(final Observer observer)
    {
        this.observer = observer == null ? NO_OBSERVER : observer;
    }

    /**
     * @return connections open now.
     */
    public int connectionsOpen()
    {
        return openConnections.get();
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

    /**
     * @return connections closed while in their handshake to make room for newer ones.
     */
    public long handshakesEvicted()
    {
        return handshakesEvicted.get();
    }

    public long requests()
    {
        return requests.get();
    }

    /**
     * @return the clients it knows: of the rules in force when it follows them, else as configured. Any thread;
     *     allocates only once after a rule change.
     */
    public ClientSettings clients()
    {
        if (settings.rules == null)
        {
            return settings.clients;
        }
        final ClientsOfRules seen = clientsOfRules;
        final io.ledgerguard.core.GuardConfig now = settings.rules.get();
        if (seen != null && seen.rules == now)
        {
            return seen.clients;
        }
        final ClientsOfRules taken = new ClientsOfRules(now, ClientSettings.of(now));
        clientsOfRules = taken;
        return taken.clients;
    }

    /** The gateway's view of one version of the rules' clients. */
    private record ClientsOfRules(io.ledgerguard.core.GuardConfig rules, ClientSettings clients)
    {
    }

    /**
     * @return handshakes in which a client proved its key.
     */
    public long authentications()
    {
        return authentications.get();
    }

    /**
     * @return handshakes in which a client failed to prove its key.
     */
    public long authenticationFailures()
    {
        return authenticationFailures.get();
    }

    /**
     * @param client a client of the configuration.
     * @return its commands refused {@link Reason#NOT_IN_ROLE}.
     */
    public long roleRefusals(final ClientSettings.Client client)
    {
        return roleRefusals.get(client.number());
    }

    /**
     * @return commands refused {@link Reason#NOT_IN_ROLE} on connections that proved no key, open before the rules
     *     named clients (SPEC §13).
     */
    public long roleRefusalsWithoutKey()
    {
        return roleRefusals.get(0);
    }

    /**
     * A socket file left by a previous run would make the bind fail; anything else at the path, or a socket a live
     * server still answers on, is not ours to remove.
     */
    private static void removeStaleSocket(final java.nio.file.Path path) throws IOException
    {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        if (Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS) ||
            Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            throw new IOException(path + " exists and is not a socket: give a socket path");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException(path + ": another server is listening on it");
        }
        catch (final IOException ex)
        {
            if (ex.getMessage() != null && ex.getMessage().contains("another server"))
            {
                throw ex;
            }
        }
        Files.delete(path);
    }

    private void run()
    {
        try
        {
            while (running)
            {
                turn(NO_COMMANDS);
            }
        }
        catch (final IOException | ClosedSelectorException ex)
        {
            if (running)
            {
                LOGGER.error("the I/O loop failed", ex);
            }
        }
        finally
        {
            closeConnections();
        }
    }

    /**
     * One turn of the I/O loop: wait for sockets (unless work is queued, or {@code commandsWaiting}), then take what
     * is ready.
     */
    private void turn(final java.util.function.BooleanSupplier commandsWaiting) throws IOException
    {
        // Sleeping is announced before the queues are looked at: a thread that queues work after this sees it and
        // wakes the selector; one that queued it before is seen here, and the select does not block.
        sleeping.set(true);
        if (flushRequests.isEmpty() && verified.isEmpty() && !flushAll.get() && !commandsWaiting.getAsBoolean())
        {
            selector.select(onSelected, stalled.isEmpty() ? IDLE_SELECT_MS : STALLED_SELECT_MS);
        }
        else
        {
            selector.selectNow(onSelected);
        }
        sleeping.set(false);
        Verification verification;
        while ((verification = verified.poll()) != null)
        {
            try
            {
                verification.connection.onVerified(verification);
            }
            catch (final RuntimeException | Error ex)
            {
                verification.connection.close("failed: " + ex);
            }
        }
        Connection connection;
        while ((connection = flushRequests.poll()) != null)
        {
            connection.flushRequested.set(false);
            service(connection);
        }
        if (flushAll.compareAndSet(true, false))
        {
            for (int i = connections.size() - 1; i >= 0; i--)
            {
                connection = connections.get(i);
                connection.flushRequested.set(false);
                service(connection);
            }
        }
        for (int i = stalled.size() - 1; i >= 0; i--)
        {
            service(stalled.get(i));
        }
        checkTimeouts();
    }

    private void closeConnections()
    {
        for (final Connection connection : new ArrayList<>(connections))
        {
            connection.close(null);
        }
    }

    /**
     * The I/O loop as the guard's thread runs it, between commands. A failure stops the gateway, never the guard.
     */
    private final class Loop implements StageLoop
    {
        @Override
        public void turn(final java.util.function.BooleanSupplier commandsWaiting)
        {
            if (!running)
            {
                return;
            }
            hostThread = Thread.currentThread();
            try
            {
                GatewayServer.this.turn(commandsWaiting);
            }
            catch (final IOException | RuntimeException | Error ex)
            {
                // Nothing may escape into the guard's stage: its processor would take it for the event's failure.
                if (running)
                {
                    LOGGER.error("the I/O loop failed; the gateway stops, the guard goes on", ex);
                    running = false;
                    host.detach(this, 0);
                }
                closeConnections();
            }
        }

        @Override
        public void wake()
        {
            wakeUp();
        }
    }

    /**
     * A key the selector found ready: handed over one at a time, so that no set of selected keys, and no iterator
     * over it, is allocated on every turn.
     */
    private void onSelected(final SelectionKey key)
    {
        if (!key.isValid())
        {
            return;
        }
        if (key.isAcceptable())
        {
            // Take what the backlog holds, a bounded number at a time, so a burst of connections does not wait one
            // select round each.
            int accepted = 0;
            while (accepted < ACCEPTS_PER_ROUND && accept((ServerSocketChannel)key.channel()))
            {
                accepted++;
            }
            return;
        }
        final Connection connection = (Connection)key.attachment();
        try
        {
            if (key.isReadable())
            {
                connection.read();
            }
            if (key.isValid() && key.isWritable())
            {
                connection.flush();
            }
        }
        catch (final RuntimeException | Error ex)
        {
            connection.close("failed: " + ex);
        }
    }

    /**
     * Another thread queued work for the I/O thread: wake its selector if it sleeps, and only the first to see it
     * asleep does.
     */
    private void wakeUp()
    {
        if (sleeping.get() && sleeping.compareAndSet(true, false))
        {
            selector.wakeup();
        }
    }

    /**
     * Flush what is queued for a connection and take what waited in its buffer (for room, for the ring, for answers);
     * a connection that fails is closed, never the loop.
     */
    private void service(final Connection connection)
    {
        try
        {
            connection.flush();
            if (connection.waiting)
            {
                connection.process();
                connection.flush();
            }
        }
        catch (final RuntimeException | Error ex)
        {
            connection.close("failed: " + ex);
        }
    }

    private void checkTimeouts()
    {
        final long nowNs = System.nanoTime();
        if (nowNs - lastTimeoutCheckNs < 100_000_000L)
        {
            return;
        }
        lastTimeoutCheckNs = nowNs;
        final long limitNs = settings.stallTimeoutMs * 1_000_000L;
        final long handshakeLimitNs = settings.handshakeTimeoutMs * 1_000_000L;
        for (int i = connections.size() - 1; i >= 0; i--)
        {
            final Connection connection = connections.get(i);
            if (connection.state == ConnectionState.AUTHENTICATION_FAILED)
            {
                if (nowNs - connection.refusedAtNs >= 0)
                {
                    connection.answerFailedAuthentication();
                }
            }
            else if (!connection.state.isEstablished() && nowNs - connection.acceptedAtNs > handshakeLimitNs)
            {
                connection.close("no handshake within " + settings.handshakeTimeoutMs + " ms");
            }
            else if (connection.hasUnsent() && nowNs - connection.lastWriteNs > limitNs)
            {
                slowDisconnects.incrementAndGet();
                connection.close("it left its answers unread for " + settings.stallTimeoutMs + " ms");
            }
        }
    }

    /**
     * @return true when a connection was taken, false when the backlog was empty (or accepting failed).
     */
    private boolean accept(final ServerSocketChannel server)
    {
        SocketChannel channel = null;
        try
        {
            channel = server.accept();
            if (channel == null)
            {
                return false;
            }
            // Connections in their handshake have slots of their own: the oldest makes room, so those that never say
            // Hello can neither fill the welcomed clients' slots nor keep a new client from saying Hello.
            if (connections.size() - established >= settings.handshakingMax)
            {
                evictOldestHandshaking();
            }
            channel.configureBlocking(false);
            if (channel.getLocalAddress() instanceof InetSocketAddress)
            {
                channel.socket().setTcpNoDelay(true);
            }
            final Connection connection = new Connection(channel);
            connection.key = channel.register(selector, SelectionKey.OP_READ, connection);
            connections.add(connection);
            openConnections.incrementAndGet();
            connectionsAccepted.incrementAndGet();
            return true;
        }
        catch (final IOException | RuntimeException | OutOfMemoryError ex)
        {
            LOGGER.warn("could not accept a connection: {}", ex.toString());
            closeQuietly(channel);
            return false;
        }
    }

    /**
     * Issue 14: the socket file is the guard's door on this host. Mode 0660, so only its owner and its group may
     * connect, and the group the operator names, so that the exchange's services (and nothing else) are in it.
     */
    private static void restrict(final java.nio.file.Path socket, final String group) throws IOException
    {
        java.nio.file.Files.setPosixFilePermissions(socket,
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
        if (group != null)
        {
            final java.nio.file.attribute.GroupPrincipal principal;
            try
            {
                principal = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            }
            catch (final java.nio.file.attribute.UserPrincipalNotFoundException ex)
            {
                throw new IOException("--unix-socket-group " + group + ": no such group on this host", ex);
            }
            java.nio.file.Files.getFileAttributeView(socket, java.nio.file.attribute.PosixFileAttributeView.class)
                .setGroup(principal);
        }
    }

    /**
     * Hand one of the gateway's alerts to its listener (which copies it). I/O thread.
     */
    private void raise(final long txId, final AlertType type, final long first, final long second, final long third)
    {
        gatewayAlert.set(0, System.currentTimeMillis() * 1_000_000L, txId, type, AlertScope.ALL, 0, 0, 0);
        gatewayAlert.figure(0, first);
        gatewayAlert.figure(1, second);
        if (type.figureCount() > 2)
        {
            gatewayAlert.figure(2, third);
        }
        try
        {
            alerts.onAlert(gatewayAlert);
        }
        catch (final RuntimeException ex)
        {
            LOGGER.warn("an alert listener failed: {}", ex.toString());
        }
    }

    /**
     * @return a client name as the log may show it: printable ASCII, at most 64 characters.
     */
    private static String printable(final String name)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < name.length() && text.length() < 64; i++)
        {
            final char c = name.charAt(i);
            text.append(c >= 0x20 && c < 0x7F && c != '\'' ? c : '?');
        }
        return name.length() > 64 ? text + "..." : text.toString();
    }

    private void evictOldestHandshaking()
    {
        for (int i = 0; i < connections.size(); i++)
        {
            final Connection connection = connections.get(i);
            if (!connection.state.isEstablished())
            {
                handshakesEvicted.incrementAndGet();
                connection.close("evicted: " + settings.handshakingMax + " connections were in their handshake");
                return;
            }
        }
    }

    @Override
    public void close()
    {
        if (host != null)
        {
            // Detached first, so the guard's thread never turns a loop that stopped running; once this returns true
            // it turns the loop no more, and the connections are this thread's to close. Otherwise closing the
            // selector below makes its turn fail, and it closes them.
            final boolean out = host.detach(loop, 5_000);
            running = false;
            if (authenticator != null)
            {
                authenticator.shutdownNow();
            }
            if (out)
            {
                closeConnections();
            }
        }
        else
        {
            running = false;
            selector.wakeup();
            if (authenticator != null)
            {
                authenticator.shutdownNow();
            }
            try
            {
                ioThread.join(5_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
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
     * One signature to verify, on the authentication thread; the result goes back to the I/O thread.
     */
    private final class Verification implements Runnable
    {
        private final Connection connection;
        private final java.security.PublicKey key;
        private final byte[] challenge;
        private final byte[] signature;
        private volatile boolean verifies;
        /** Set by the I/O thread when the connection closed first: nothing to verify. */
        private volatile boolean cancelled;

        Verification(final Connection connection, final java.security.PublicKey key, final byte[] challenge,
            final byte[] signature)
        {
            this.connection = connection;
            this.key = key;
            this.challenge = challenge;
            this.signature = signature;
        }

        @Override
        public void run()
        {
            if (cancelled)
            {
                // An evicted or timed-out connection costs no verification: a flood of them cannot queue work.
                return;
            }
            try
            {
                final java.security.Signature ed25519 = java.security.Signature.getInstance("Ed25519");
                ed25519.initVerify(key);
                ed25519.update(challenge);
                verifies = ed25519.verify(signature);
            }
            catch (final java.security.GeneralSecurityException | RuntimeException ex)
            {
                // A malformed signature is as good as a wrong one.
                verifies = false;
            }
            verified.offer(this);
            wakeUp();
        }
    }

    /**
     * One request in flight: it knows its connection and correlation id, and answers on the release thread.
     */
    private final class Pending implements DecisionListener
    {
        private final Connection connection;
        private long correlationId;
        private long submittedNs;

        Pending(final Connection connection)
        {
            this.connection = connection;
        }

        @Override
        public void onDecision(final Command decided, final Decision decision)
        {
            try
            {
                // Hosted, encoded where it is written from, with no copy and no queue in between; else queued.
                final int at = connection.appendAt(ControlMessages.LENGTH_PREFIX + DECISION_BYTES_MAX);
                final UnsafeBuffer frame = at >= 0 ? connection.outView : releaseScratch;
                final int start = Math.max(at, 0);
                final int length = decisionMessages.encode(correlationId, decision, frame,
                    start + ControlMessages.LENGTH_PREFIX);
                frame.putInt(start, length, ByteOrder.LITTLE_ENDIAN);
                if (at >= 0)
                {
                    connection.out.limit(at + ControlMessages.LENGTH_PREFIX + length);
                }
                else
                {
                    connection.enqueue(releaseScratch, ControlMessages.LENGTH_PREFIX + length);
                }
            }
            finally
            {
                observer.onAnswered(decision.reason, System.nanoTime() - submittedNs);
                // Whatever happened, the request is no longer in flight: its slot must come back. This thread is the
                // only one to count answers, and to return slots: neither takes a locked instruction (issue 15).
                connection.answered.lazySet(connection.answered.get() + 1);
                connection.free.offer(this);
                connection.requestFlush();
            }
        }
    }

    private final class Connection
    {
        private final SocketChannel channel;
        private final ByteBuffer in;
        private final UnsafeBuffer inView;
        /** Small until the connection is welcomed (a Welcome or an error is all it may be sent), then full size. */
        private ManyToOneRingBuffer outbound;
        private final ByteBuffer out = ByteBuffer.allocateDirect(OUT_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final UnsafeBuffer outView = new UnsafeBuffer(out);
        /** Pending requests free for use: returned by the thread that answers, and only by it. */
        private OneToOneConcurrentArrayQueue<Pending> free;
        /** A slot taken for a request the guard refused: kept for the next, as only the release thread returns them. */
        private Pending spare;
        private final Drain drain = new Drain();
        /** Requests submitted to the guard: this connection's I/O thread's count, and only it reads it. */
        private long taken;
        /** Requests answered: the release thread's count. {@link #inFlight()} is the difference. */
        private final AtomicLong answered = new AtomicLong();
        private final AtomicBoolean flushRequested = new AtomicBoolean();
        private final AtomicBoolean overflowed = new AtomicBoolean();
        private final long acceptedAtNs = System.nanoTime();
        /** Counted among the established connections (and its client's). */
        private boolean counted;
        /**
         * The client the Hello named, when the configuration has one of that id; proven only once {@link #state} is
         * {@link ConnectionState#OPEN}.
         */
        private ClientSettings.Client client;
        /** The clients {@link #client} was found among: the rules in force when it was last looked at. */
        private ClientSettings clientsSeen;
        /** Open without proving a key, and the rules in force name clients now: nothing may be sent. */
        private boolean anonymousForbidden;
        /** The Hello's client name, for the log; at most 64 printable characters. */
        private String claimedId = "";
        private final byte[] nonce = new byte[ControlMessages.NONCE_LENGTH];
        /** When a failed authentication is answered. */
        private long refusedAtNs;
        /** Its signature's verification, while one is queued or running. */
        private Verification verification;
        /** In {@link #stalled}: kept here so that the list is never searched. */
        private boolean listed;
        private long lastWriteNs = System.nanoTime();
        private SelectionKey key;
        /**
         * The connection's life. The flags below are not states of it: {@link #waiting} and {@link #frameChecked} say
         * how far the frames in the buffer are taken, and {@link #flushRequested} and {@link #overflowed} are signals
         * from the release thread (atomic because that thread sets them).
         */
        private ConnectionState state = ConnectionState.AWAITING_HELLO;
        /** Frames wait in the buffer: for a free request slot, for the ring, or for answers before an error. */
        private boolean waiting;
        /** Bytes of the frame at the start of the buffer whose requests are taken already (it waits for the rest). */
        private int frameTaken;
        /** Requests of that frame taken already, and how many it holds (once checked). */
        private int frameIndex;
        private int frameCount;
        /** The frame at the start of the buffer was checked whole: it waits for room, not for a check. */
        private boolean frameChecked;
        /** The error code of the last problem {@link #check} found. */
        private int problemCode;

        Connection(final SocketChannel channel)
        {
            this.channel = channel;
            in = ByteBuffer.allocateDirect(settings.frameBytesMax + ControlMessages.LENGTH_PREFIX)
                .order(ByteOrder.LITTLE_ENDIAN);
            inView = new UnsafeBuffer(in);
            // A connection in its handshake holds little: the answers' ring and the request slots come with Welcome,
            // so connections that never say Hello cannot tie up a megabyte each.
            outbound = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
                HANDSHAKE_OUTBOUND_BYTES + RingBufferDescriptor.TRAILER_LENGTH)));
            free = new OneToOneConcurrentArrayQueue<>(1);
            out.limit(0);
        }

        /**
         * On Welcome: the full answers' ring and request slots. Nothing is in the small ring then, and no request of
         * this connection has been submitted, so no other thread holds either yet; the submission of the first request
         * publishes them to the release thread.
         */
        private void grow()
        {
            final ManyToOneRingBuffer small = outbound;
            outbound = new ManyToOneRingBuffer(new UnsafeBuffer(ByteBuffer.allocateDirect(
                settings.outboundBytesMax + RingBufferDescriptor.TRAILER_LENGTH)));
            // A Welcome the client has not read yet moves along, ahead of everything else.
            small.read((type, buffer, index, length) -> outbound.write(type, buffer, index, length));
            free = new OneToOneConcurrentArrayQueue<>(settings.inFlightMax);
            for (int i = 0; i < settings.inFlightMax; i++)
            {
                free.offer(new Pending(this));
            }
        }

        /**
         * @return requests of this connection submitted to the guard and not yet answered; on its I/O thread.
         */
        private long inFlight()
        {
            return taken - answered.get();
        }

        void enqueue(final UnsafeBuffer frame, final int length)
        {
            final int at = appendAt(length);
            if (at >= 0)
            {
                outView.putBytes(at, frame, 0, length);
                out.limit(at + length);
                return;
            }
            if (!outbound.write(MESSAGE_TYPE, frame, 0, length))
            {
                overflowed.set(true);
            }
        }

        /**
         * When the gateway's loop runs on the guard's thread, every answer and error of a connection is queued on that
         * one thread, the one that writes them: it may put them straight into the buffer written to the socket, after
         * what waits there, as long as nothing waits in the answers' ring (which comes after the buffer).
         *
         * @param bytes room needed.
         * @return where in {@link #out} to put them (then set its limit past them), or -1 to queue them in the ring.
         */
        int appendAt(final int bytes)
        {
            if (Thread.currentThread() != hostThread || state == ConnectionState.CLOSED || outbound.size() > 0)
            {
                // Not the thread that writes (with a separate I/O thread, or a guard of another pipeline than the
                // host's), or answers already wait in the ring: behind them.
                return -1;
            }
            if (!out.hasRemaining())
            {
                // All written: start again at the beginning.
                out.limit(0);
            }
            final int at = out.limit();
            return out.capacity() - at >= bytes ? at : -1;
        }

        /**
         * Release thread: answers are queued for this connection. Only the first since the I/O thread last took its
         * request asks, so that one write per wake-up carries every answer queued by then.
         */
        void requestFlush()
        {
            if (!flushRequested.get() && flushRequested.compareAndSet(false, true))
            {
                if (!flushRequests.offer(this))
                {
                    flushAll.set(true);
                }
                wakeUp();
            }
        }

        boolean hasUnsent()
        {
            return out.hasRemaining() || outbound.size() > 0;
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
                // The client will send no more; what it sent is still answered.
                state = state.onReadingStopped();
            }
            process();
            flush();
        }

        /**
         * Take the whole frames in the buffer, in order, until one has to wait.
         */
        void process()
        {
            if (state == ConnectionState.CLOSED)
            {
                return;
            }
            waiting = false;
            int position = 0;
            final int end = in.position();
            while (end - position >= ControlMessages.LENGTH_PREFIX)
            {
                final int length = inView.getInt(position, ByteOrder.LITTLE_ENDIAN);
                if (length < MessageHeaderDecoder.ENCODED_LENGTH || length > settings.frameBytesMax)
                {
                    if (inFlight() > 0)
                    {
                        waiting = true;
                        break;
                    }
                    error(0, ControlMessages.BAD_FRAME_LENGTH, "frame length " + length + " outside " +
                        MessageHeaderDecoder.ENCODED_LENGTH + ".." + settings.frameBytesMax +
                        ": the connection closes");
                    state = state.onReadingStopped();
                    position = end;
                    break;
                }
                if (end - position < ControlMessages.LENGTH_PREFIX + length)
                {
                    break;
                }
                if (!frame(position + ControlMessages.LENGTH_PREFIX, length))
                {
                    waiting = true;
                    break;
                }
                framesIn.lazySet(framesIn.get() + 1);
                position += ControlMessages.LENGTH_PREFIX + length;
            }
            in.limit(end).position(position);
            in.compact();
            updateInterest();
        }

        /**
         * @return false when the frame must wait (it stays in the buffer and is offered again).
         */
        private boolean frame(final int offset, final int length)
        {
            assert state != ConnectionState.CLOSED : "a closed connection takes no frame";
            switch (state)
            {
                case AWAITING_HELLO:
                case HANDSHAKE_FAILED:
                    hello(offset, length);
                    return true;
                case AWAITING_AUTHENTICATE:
                    authenticate(offset, length);
                    return true;
                case VERIFYING:
                    // Read before the Authenticate verified: it waits, untaken, for the result.
                    return false;
                case AUTHENTICATION_FAILED:
                    // Nothing after a failed Authenticate is read: the connection closes once it is answered.
                    return true;
                default:
                    break;
            }
            if (!frameChecked)
            {
                // A frame is taken whole or not at all: every message in it is checked before the first is taken.
                final String problem = check(offset, length);
                if (problem != null)
                {
                    // Answered at once: only once the requests before it are answered, to keep the order.
                    if (inFlight() > 0)
                    {
                        return false;
                    }
                    error(correlationIdOf(offset, length), problemCode, problem);
                    return true;
                }
                frameChecked = true;
            }
            while (frameIndex < frameCount)
            {
                if (overflowRisk())
                {
                    return false;
                }
                if (decodedFor != this)
                {
                    // It waited while another connection's frame was checked: decode the next request again (checked
                    // before), and only that one, since it may have to wait again.
                    decodeAgain(frameIndex, offset + frameTaken, length - frameTaken);
                }
                if (!take(frameIndex, decodedCorrelationIds[frameIndex]))
                {
                    return false;
                }
                requests.lazySet(requests.get() + 1);
                frameTaken += decodedLengths[frameIndex];
                frameIndex++;
            }
            frameTaken = 0;
            frameIndex = 0;
            frameChecked = false;
            decodedFor = null;
            return true;
        }

        /**
         * Take one request of a checked frame: refused for its client's role, or submitted to the guard, which takes
         * the decoded command itself when it can and leaves another in its place in {@link #decoded}.
         *
         * @return false when it must wait, untaken, to be offered again.
         */
        private boolean take(final int index, final long correlationId)
        {
            final Command command = decoded[index];
            final CommandType forbidden = forbidden(command);
            if (forbidden != null)
            {
                if (inFlight() > 0)
                {
                    // Answered at once: only once the requests before it are answered, to keep the order.
                    return false;
                }
                forbid(correlationId, command, forbidden);
                return true;
            }
            final Pending pending = spare != null ? spare : free.poll();
            spare = null;
            if (pending == null)
            {
                return false;
            }
            if (client != null)
            {
                command.clientId(client.idBytes(), client.idBytes().length);
            }
            // Before sequencing, on this thread: the guard only compares the count with the requirement.
            verifier.verify(command);
            pending.correlationId = correlationId;
            pending.submittedNs = System.nanoTime();
            final long seq = guard.submitAsyncTaking(decoded, index, pending);
            if (seq >= 0)
            {
                // Counted after the submit: the answer may be counted first, but only this thread reads the two.
                taken++;
            }
            else
            {
                spare = pending;
                if (seq == -Reason.RING_FULL.code() || inFlight() > 0)
                {
                    // The ring is full, or a refusal would overtake answers still to come: the rest of the frame
                    // waits in the buffer and is offered again.
                    return false;
                }
                refuse(correlationId, command.txId, Reason.fromCode((int)-seq));
            }
            return true;
        }

        /**
         * Check every message of a frame of requests, without taking any, decoding each into {@link #decoded}.
         *
         * @return null when all of them can be taken, with {@link #frameCount} set; otherwise what is wrong, naming
         * the message and the field, with {@link #problemCode} set.
         */
        private String check(final int offset, final int length)
        {
            // Whatever frame the array held, it holds this one's from now on.
            decodedFor = null;
            int position = 0;
            int count = 0;
            while (position < length)
            {
                final int at = offset + position;
                final int remaining = length - position;
                if (remaining < MessageHeaderDecoder.ENCODED_LENGTH)
                {
                    problemCode = ProtocolException.TRAILING_BYTES;
                    return "frame of " + length + " bytes holds " + remaining + " bytes after its last message";
                }
                if (count == settings.inFlightMax)
                {
                    problemCode = ProtocolException.INVALID_FIELD;
                    return "the frame holds more than " + settings.inFlightMax + " requests, the most a frame may " +
                        "hold (maxInFlight)";
                }
                final int template = control.templateId(inView, at, remaining);
                if (template != CommandRequestDecoder.TEMPLATE_ID)
                {
                    problemCode = ProtocolException.UNKNOWN_MESSAGE;
                    return which(count, position) + "templateId " +
                        (inView.getShort(at + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF) + " of schema " + schemaOf(at) +
                        " is not a CommandRequest (templateId " + CommandRequestDecoder.TEMPLATE_ID + ", schemaId " +
                        CommandRequestDecoder.SCHEMA_ID + ")";
                }
                if (count == decoded.length)
                {
                    growDecoded();
                }
                try
                {
                    decodedCorrelationIds[count] = commandMessages.decodeNext(inView, at, remaining, decoded[count]);
                }
                catch (final ProtocolException ex)
                {
                    problemCode = ex.code();
                    return which(count, position) + ex.getMessage();
                }
                final String badSettings = badSettings(decoded[count]);
                if (badSettings != null)
                {
                    problemCode = ProtocolException.INVALID_FIELD;
                    return which(count, position) + badSettings;
                }
                decodedLengths[count] = commandMessages.lastLength();
                position += commandMessages.lastLength();
                count++;
            }
            frameCount = count;
            frameIndex = 0;
            frameTaken = 0;
            decodedFor = this;
            return null;
        }

        /**
         * The role check against the clients of the rules in force: a rule change may have set this client's role or
         * revoked it, or named clients while this connection was open without proving a key (it may then send
         * nothing). Allocates nothing but once after a rule change.
         *
         * @return the first command type the connection may not send, or {@code null}.
         */
        private CommandType forbidden(final Command command)
        {
            final ClientSettings clients = clients();
            if (clients != clientsSeen)
            {
                clientsSeen = clients;
                client = client == null ? null : clients.find(client.id());
                anonymousForbidden = client == null && clients.required();
            }
            if (client == null)
            {
                return anonymousForbidden && state.isEstablished() ? command.type : null;
            }
            return client.forbidden(command);
        }

        /**
         * A rule change is checked against the rules in force as the file would be (SPEC §13), so that a mistake is
         * named here, setting and all; the guard decides it again at its sequence.
         *
         * @return what is wrong with a {@code CONFIGURE} command's settings, or {@code null}.
         */
        private String badSettings(final Command command)
        {
            // A client whose role does not allow it is refused NOT_IN_ROLE anyway, without the work of a check.
            if (command.type != CommandType.CONFIGURE || forbidden(command) != null)
            {
                return null;
            }
            final String problem = Rules.problem(guard.rulesInForce().rules, command.settingsString());
            return problem == null ? null : "field 'settings': " + problem;
        }

        /**
         * Decode again one request of this connection's checked frame, into its slot of {@link #decoded}; the array
         * then holds no one frame whole.
         */
        private void decodeAgain(final int index, final int at, final int remaining)
        {
            try
            {
                decodedCorrelationIds[index] = commandMessages.decodeNext(inView, at, remaining, decoded[index]);
            }
            catch (final ProtocolException ex)
            {
                throw new IllegalStateException("a message checked before failed: " + ex.getMessage(), ex);
            }
            decodedLengths[index] = commandMessages.lastLength();
            decodedFor = null;
        }

        /**
         * Room for one more request in {@link #decoded}: only a frame with more requests than any before it allocates.
         */
        private void growDecoded()
        {
            final int length = decoded.length;
            final int grown = Math.min(settings.inFlightMax, length * 2);
            assert grown > length : "a frame holds at most inFlightMax requests";
            decoded = java.util.Arrays.copyOf(decoded, grown);
            for (int i = length; i < grown; i++)
            {
                decoded[i] = new Command();
            }
            decodedCorrelationIds = java.util.Arrays.copyOf(decodedCorrelationIds, grown);
            decodedLengths = java.util.Arrays.copyOf(decodedLengths, grown);
        }

        /**
         * @return how an error names a message of a frame: nothing for the first, so that a frame of one message reads
         * as before; built only for an error, never for a frame that is taken.
         */
        private static String which(final int index, final int position)
        {
            return index == 0 ? "" : "message " + (index + 1) + " of the frame, at byte " + position + ": ";
        }

        /**
         * @return true when half the answer queue is taken: stop taking requests until the client reads.
         */
        private boolean overflowRisk()
        {
            return outbound.size() > settings.outboundBytesMax / 2;
        }

        private int schemaOf(final int offset)
        {
            return inView.getShort(offset + 4, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        }

        private long correlationIdOf(final int offset, final int length)
        {
            // The correlation id is the first field of a request of this schema; otherwise there is none.
            final int at = offset + MessageHeaderDecoder.ENCODED_LENGTH;
            return length >= MessageHeaderDecoder.ENCODED_LENGTH + 8 &&
                schemaOf(offset) == CommandRequestDecoder.SCHEMA_ID &&
                (inView.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF) == CommandRequestDecoder.TEMPLATE_ID ?
                inView.getLong(at, ByteOrder.LITTLE_ENDIAN) : 0;
        }

        private void refuse(final long correlationId, final long txId, final Reason reason)
        {
            refusal.reset(0, txId, 0);
            refusal.reason = reason == null ? Reason.GUARD_FAILED : reason;
            observer.onAnswered(refusal.reason, 0);
            // The I/O thread's own encoder: the release thread's is not to be shared.
            send(ioDecisions.encode(correlationId, refusal, scratch, ControlMessages.LENGTH_PREFIX));
        }

        /**
         * A {@code Hello}: refused, or answered {@code Welcome} (with a challenge when clients are named).
         */
        private void hello(final int offset, final int length)
        {
            final ClientSettings clients = clients();
            final boolean challenge = clients.required();
            if (state == ConnectionState.HANDSHAKE_FAILED && challenge)
            {
                // A Hello behind a refused one could not be followed by its Authenticate: it is not taken.
                return;
            }
            try
            {
                final int version = control.decodeHello(inView, offset, length);
                if (version != ControlMessages.PROTOCOL_VERSION)
                {
                    error(0, ControlMessages.HANDSHAKE_REFUSED, "incompatible protocol version " + version +
                        "; this server speaks " + ControlMessages.PROTOCOL_VERSION);
                    state = state.onReadingStopped();
                    return;
                }
                if (challenge)
                {
                    // Whether the id is known is not told: an unknown one is challenged too, and fails alike.
                    claimedId = printable(control.helloClientName());
                    client = clients.find(control.helloClientName());
                    clientsSeen = clients;
                    random.nextBytes(nonce);
                    state = state.onWelcome(true);
                    send(control.encodeWelcome(settings.frameBytesMax, settings.inFlightMax,
                        ControlMessages.AUTHENTICATION_ED25519, nonce, settings.serverName, scratch,
                        ControlMessages.LENGTH_PREFIX));
                    return;
                }
                if (established >= settings.connectionsMax)
                {
                    refuseConnection(ControlMessages.HANDSHAKE_REFUSED, "too many connections: " +
                        settings.connectionsMax + " open");
                    return;
                }
                state = state.onWelcome(false);
                establish();
                send(control.encodeWelcome(settings.frameBytesMax, settings.inFlightMax,
                    ControlMessages.AUTHENTICATION_NONE, openNonce, settings.serverName, scratch,
                    ControlMessages.LENGTH_PREFIX));
            }
            catch (final ProtocolException ex)
            {
                error(0, ControlMessages.HANDSHAKE_REFUSED, ex.getMessage());
                state = state.onReadingStopped();
            }
        }

        /**
         * The frame after a challenging Welcome: it must be an {@code Authenticate} whose signature of the challenge
         * verifies with the key of the client the Hello named.
         */
        private void authenticate(final int offset, final int length)
        {
            final byte[] signature = new byte[ControlMessages.SIGNATURE_LENGTH];
            try
            {
                control.decodeAuthenticate(inView, offset, length, signature);
            }
            catch (final ProtocolException ex)
            {
                authenticationFailed(ex.getMessage());
                return;
            }
            state = state.onAuthenticate();
            verification = new Verification(this, client == null ? unknownClientKey : client.publicKey(),
                ControlMessages.challenge(ControlMessages.PROTOCOL_VERSION, client == null ? claimedId : client.id(),
                nonce), signature);
            try
            {
                authenticator.execute(verification);
            }
            catch (final java.util.concurrent.RejectedExecutionException ex)
            {
                // The server is closing.
                close(null);
            }
        }

        /**
         * I/O thread: the signature of this connection's challenge was verified, or not.
         */
        void onVerified(final Verification done)
        {
            if (state != ConnectionState.VERIFYING || done != verification)
            {
                // Closed (evicted, timed out) or refused while it was verified.
                return;
            }
            verification = null;
            if (client == null)
            {
                authenticationFailed("no client of that id in the configuration");
            }
            else if (!done.verifies)
            {
                authenticationFailed("the signature of the challenge does not verify with the client's key");
            }
            else if (client.revoked())
            {
                // Only the holder of the key learns, in the log, that it was revoked.
                authenticationFailed("the client was revoked by a rule change");
            }
            else if (openByClient[client.number()] >= client.connectionsMax())
            {
                refuseConnection(ControlMessages.AUTHENTICATION_FAILED, "client '" + client.id() + "' holds " +
                    client.connectionsMax() + " connections, the most its configuration allows");
            }
            else if (established >= settings.connectionsMax)
            {
                refuseConnection(ControlMessages.HANDSHAKE_REFUSED, "too many connections: " +
                    settings.connectionsMax + " open");
            }
            else
            {
                state = state.onAuthenticated();
                establish();
                openByClient[client.number()]++;
                authentications.incrementAndGet();
                LOGGER.info("client '{}' ({} role) authenticated from {}", client.id(), client.role(), peer());
                send(control.encodeAuthenticated(client.commandKinds(), client.connectionsMax(), scratch,
                    ControlMessages.LENGTH_PREFIX));
            }
            // What waited in the buffer behind the Authenticate is taken now, or dropped with the connection.
            service(this);
        }

        /**
         * Count, log and perhaps alert a failed authentication; its answer waits for the delay.
         */
        private void authenticationFailed(final String why)
        {
            final long nowNs = System.nanoTime();
            if (authWindowFailures == 0 || nowNs - authWindowStartNs > settings.authFailureWindowMs * 1_000_000L)
            {
                authWindowStartNs = nowNs;
                authWindowFailures = 0;
                authWindowAlerted = false;
            }
            authWindowFailures++;
            authenticationFailures.incrementAndGet();
            final long delayMs = Math.min(settings.authFailureDelayMaxMs,
                settings.authFailureDelayMs * authWindowFailures);
            LOGGER.warn("authentication failed from {} claiming client '{}': {}; answered in {} ms ({} failures in " +
                "the last {} ms)", peer(), claimedId, why, delayMs, authWindowFailures, settings.authFailureWindowMs);
            if (authWindowFailures >= settings.authFailuresAlertThreshold && !authWindowAlerted)
            {
                authWindowAlerted = true;
                raise(0, AlertType.AUTHENTICATION_FAILURES, authWindowFailures, settings.authFailureWindowMs,
                    settings.authFailuresAlertThreshold);
            }
            state = state.onAuthenticationFailed();
            refusedAtNs = nowNs + delayMs * 1_000_000L;
        }

        /**
         * The delay of a failed authentication passed: answer it, then close.
         */
        void answerFailedAuthentication()
        {
            error(0, ControlMessages.AUTHENTICATION_FAILED, "authentication failed");
            state = ConnectionState.HANDSHAKE_FAILED;
            // Whatever else the client sent is never read.
            in.clear();
            flush();
        }

        private void refuseConnection(final int code, final String why)
        {
            connectionsRefused.incrementAndGet();
            error(0, code, why);
            state = state.onReadingStopped();
        }

        private void establish()
        {
            established++;
            counted = true;
            grow();
        }

        private void forbid(final long correlationId, final Command command, final CommandType forbidden)
        {
            // 0: a connection that proved no key, open before the rules named clients.
            final int number = client == null ? 0 : client.number();
            roleRefusals.incrementAndGet(number);
            raise(command.txId, AlertType.CLIENT_FORBIDDEN, number, forbidden.code(), 0);
            refuse(correlationId, command.txId, Reason.NOT_IN_ROLE);
        }

        private String peer()
        {
            try
            {
                final java.net.SocketAddress address = channel.getRemoteAddress();
                return address instanceof InetSocketAddress ? address.toString() : "the Unix socket";
            }
            catch (final IOException ex)
            {
                return "a closed socket";
            }
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
            if (state == ConnectionState.CLOSED)
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
                // Every answer queued when the buffer is refilled goes out in one write, up to the buffer's size. What
                // the release thread queues after that waits for the next turn, whose flush it has asked for: refilled
                // again at once, the buffer would be written with the one or two answers queued during the write.
                boolean more = true;
                while (true)
                {
                    if (!out.hasRemaining())
                    {
                        if (!more)
                        {
                            break;
                        }
                        out.clear();
                        drain.filled = 0;
                        drain.full = false;
                        // A read stops at the end of the ring, and one that meets the padding there returns nothing
                        // though more waits at its start: read again, once, while anything is queued.
                        for (int reads = 0; reads < 2 && !drain.full && outbound.size() > 0; reads++)
                        {
                            outbound.controlledRead(drain);
                        }
                        more = drain.full;
                        out.limit(drain.filled).position(0);
                        if (drain.filled == 0)
                        {
                            lastWriteNs = System.nanoTime();
                            break;
                        }
                    }
                    if (channel.write(out) > 0)
                    {
                        lastWriteNs = System.nanoTime();
                    }
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
            if (state.closesWhenFlushed() && inFlight() == 0 && !hasUnsent() && !waiting)
            {
                close(null);
                return;
            }
            updateInterest();
        }

        private void updateInterest()
        {
            if (state == ConnectionState.CLOSED || !key.isValid())
            {
                return;
            }
            final boolean read = state.readsSocket() && !waiting && in.hasRemaining() && !overflowRisk();
            final int ops = (read ? SelectionKey.OP_READ : 0) | (out.hasRemaining() ? SelectionKey.OP_WRITE : 0);
            if (key.interestOps() != ops)
            {
                key.interestOps(ops);
            }
            // A connection whose signature is being verified waits for the result, which services it: not stalled.
            final boolean stall = state != ConnectionState.VERIFYING &&
                (waiting || (overflowRisk() && in.position() > 0));
            if (stall && !listed)
            {
                listed = true;
                stalled.add(this);
            }
            else if (!stall && listed)
            {
                listed = false;
                stalled.remove(this);
            }
        }

        void close(final String why)
        {
            if (state == ConnectionState.CLOSED)
            {
                return;
            }
            if (counted)
            {
                counted = false;
                established--;
                if (client != null && state.isEstablished())
                {
                    openByClient[client.number()]--;
                }
            }
            state = ConnectionState.CLOSED;
            if (why != null)
            {
                LOGGER.warn("closed a connection: {}", why);
            }
            if (key != null)
            {
                key.cancel();
            }
            closeQuietly(channel);
            if (connections.remove(this))
            {
                openConnections.decrementAndGet();
            }
            if (listed)
            {
                listed = false;
                stalled.remove(this);
            }
            if (verification != null)
            {
                // Closed while its signature waits to be verified: the authentication thread skips it.
                verification.cancelled = true;
                verification = null;
            }
        }

        /**
         * Copies queued frames into the write buffer, as many as fit; the first that does not stays queued.
         */
        private final class Drain implements ControlledMessageHandler
        {
            private int filled;
            /** A frame did not fit: the buffer is as full as it gets, and more is queued. */
            private boolean full;

            @Override
            public Action onMessage(final int msgTypeId, final org.agrona.MutableDirectBuffer buffer, final int index,
                final int length)
            {
                if (filled + length > outView.capacity())
                {
                    full = true;
                    return Action.ABORT;
                }
                outView.putBytes(filled, buffer, index, length);
                filled += length;
                return Action.CONTINUE;
            }
        }
    }
}
