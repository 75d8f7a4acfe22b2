package io.ledgerguard.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.core.pipeline.WaitStrategyKind;
import io.ledgerguard.gateway.GatewayServer;
import io.ledgerguard.gateway.GatewaySettings;
import io.ledgerguard.protocol.GatewayDecision;

/**
 * The sidecar over loopback TCP, as {@code serve} runs it: the gateway's loop on the guard's thread, and one
 * {@link GatewayClient} connection per producer. Producers take commands in the workload's order under one lock; the
 * sequencing is the gateway's, which reads the connections in its own order, so a command can overtake the one it
 * depends on (a release before its hold), which the accepted share shows. With one in flight a producer waits in
 * {@link GatewayClient#submit}, reading its own answer; with {@code --in-flight N} above 1 ({@code sidecar-xN}) it
 * writes under the lock and keeps up to N unanswered on its connection, its answers recorded on the client's reader
 * thread.
 */
final class SidecarTarget implements LoadTarget
{
    private final long seed;
    private final WaitStrategyKind waitStrategy;
    private final int inFlight;
    private final Object sequencing = new Object();
    private ExchangeWorkload workload;
    private GuardEngine engine;
    private LedgerGuard guard;
    private GatewayServer server;
    private GatewayClient[] clients;
    private Listener[] listeners;
    /** Each producer's command, copied out of the workload's ring under the lock. */
    private Command[] commands;
    /** Each producer's decision, reused: a synchronous round trip allocates nothing. */
    private GatewayDecision[] decisions;
    private final java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();

    SidecarTarget(final long seed, final WaitStrategyKind waitStrategy, final int inFlight)
    {
        assert inFlight > 0 && inFlight <= new GatewaySettings().inFlightMax;
        this.seed = seed;
        this.waitStrategy = waitStrategy;
        this.inFlight = inFlight;
    }

    @Override
    public String name()
    {
        return LoadTarget.name("sidecar", inFlight);
    }

    @Override
    public int inFlight()
    {
        return inFlight;
    }

    @Override
    public String description()
    {
        return "the gateway over loopback TCP: one client connection per producer, each proven by its Ed25519 key " +
            "and role-checked -> gateway -> ring -> guard -> journal (encoding only) -> release -> answer, the " +
            "gateway's loop on the guard's thread, " +
            waitStrategy + " wait strategy" +
            (inFlight == 1 ? "" : "; asynchronous, up to " + inFlight + " in flight per connection");
    }

    @Override
    public int producersMax()
    {
        return 64;
    }

    @Override
    public void start(final int producers, final long txIdsMax)
    {
        workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
        engine = new GuardEngine(LoadHarness.config(txIdsMax));
        workload.fund(engine);
        // The gateway offers a request again when the ring is full: it must never wait for it.
        // As serve runs it: the gateway's I/O loop on the guard's thread when the stages are fused.
        final StageHost host = new StageHost();
        guard = PipelineTarget.pipeline(workload, engine, waitStrategy, BackPressure.REJECT, host);
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        // As a production sidecar runs (SPEC §12): every producer a client with a key of its own, proven by the
        // challenge when it connects, and a role the gateway checks on every command.
        final java.security.PrivateKey[] keys = new java.security.PrivateKey[producers];
        settings.clients = clients(producers, keys);
        try
        {
            server = GatewayServer.start(guard, new ApprovalVerifier(engine.config()), settings, null, host);
            clients = new GatewayClient[producers];
            for (int i = 0; i < producers; i++)
            {
                clients[i] = new GatewayClient(server.tcpAddress(), "bench-" + i, keys[i]);
                clients[i].connect();
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        listeners = new Listener[producers];
        commands = new Command[producers];
        decisions = new GatewayDecision[producers];
        for (int i = 0; i < producers; i++)
        {
            commands[i] = new Command();
            decisions[i] = new GatewayDecision();
        }
    }

    /**
     * @param keys receives each client's private key.
     * @return one client per producer, each with the role of an exchange's services: every command type the workload
     *         sends.
     */
    static ClientSettings clients(final int producers, final java.security.PrivateKey[] keys)
    {
        long kinds = 0;
        for (final CommandType type : new CommandType[] {CommandType.OPEN_ACCOUNT, CommandType.ATTEST,
            CommandType.INFLOW, CommandType.DEPOSIT, CommandType.HOLD, CommandType.RELEASE, CommandType.TRANSFER,
            CommandType.BATCH, CommandType.WITHDRAW, CommandType.WITHDRAW_SETTLE})
        {
            kinds |= 1L << type.code();
        }
        final List<ClientSettings.Client> clients = new ArrayList<>();
        for (int i = 0; i < producers; i++)
        {
            final java.security.KeyPair pair;
            try
            {
                pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            }
            catch (final java.security.GeneralSecurityException ex)
            {
                throw new IllegalStateException("this JDK cannot generate Ed25519 keys", ex);
            }
            keys[i] = pair.getPrivate();
            clients.add(new ClientSettings.Client(i + 1, "bench-" + i, pair.getPublic(), "exchange", kinds, 1));
        }
        return new ClientSettings(clients);
    }

    /**
     * One command, waited for as a synchronous caller waits: {@link GatewayClient#submit} writes it and reads its own
     * answer. It is copied out of the workload under the sequencing lock and written outside it: another producer's
     * write may come first.
     */
    @Override
    public boolean next(final int producer)
    {
        try
        {
            final Command command;
            synchronized (sequencing)
            {
                command = workload.next(engine);
                commands[producer].copyFrom(command);
            }
            return clients[producer].submit(commands[producer], decisions[producer]).accepted();
        }
        catch (final IOException ex)
        {
            errors.incrementAndGet();
            return false;
        }
    }

    @Override
    public void answersTo(final int producer, final Answers to)
    {
        listeners[producer] = new Listener(to, errors);
    }

    @Override
    public boolean submit(final int producer)
    {
        try
        {
            synchronized (sequencing)
            {
                clients[producer].submitAsync(workload.next(engine), listeners[producer]);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return true;
    }

    @Override
    public String problem()
    {
        return PipelineTarget.problem(guard, errors.getAndSet(0),
            "requests answered with an error frame or a lost connection");
    }

    @Override
    public void close()
    {
        if (clients != null)
        {
            for (final GatewayClient client : clients)
            {
                if (client != null)
                {
                    client.close();
                }
            }
        }
        if (server != null)
        {
            server.close();
        }
        if (guard != null)
        {
            guard.close();
        }
        clients = null;
        server = null;
        guard = null;
        engine = null;
        workload = null;
    }

    /**
     * Hands a producer its answers: an error frame is a rejection, and counted.
     */
    private static final class Listener implements GatewayClient.Listener
    {
        private final Answers answers;
        private final java.util.concurrent.atomic.AtomicLong errors;

        Listener(final Answers answers, final java.util.concurrent.atomic.AtomicLong errors)
        {
            this.answers = answers;
            this.errors = errors;
        }

        @Override
        public void onDecision(final GatewayDecision decision)
        {
            answers.answered(decision.accepted());
        }

        @Override
        public void onError(final int code, final String message)
        {
            errors.incrementAndGet();
            answers.answered(false);
        }
    }
}
