package io.ledgerguard.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.client.GatewayClient;
import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.gateway.GatewayServer;
import io.ledgerguard.gateway.GatewaySettings;

/**
 * What a connection costs to open, over loopback TCP: connect, {@code Hello}, {@code Welcome}, and with
 * {@code authentication=ed25519} the signed challenge ({@code Authenticate}, verified by the gateway, then
 * {@code Authenticated}); then close. The two are measured side by side, so their ratio is the challenge's cost on
 * this machine. A client pays it once per connection, not per command.
 * <p>
 * Not {@code final}: JMH generates subclasses of state classes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HandshakeBenchmark
{
    /** {@code none}: an open gateway; {@code ed25519}: clients named, each proving its key. */
    @Param({"none", "ed25519"})
    public String authentication;

    private LedgerGuard guard;
    private GatewayServer server;
    private KeyPair key;

    /**
     * Start the pipeline and the gateway, with one client named when authentication is asked for.
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        final GuardConfig config = ExchangeWorkload.config(1_000);
        guard = new LedgerGuard(new GuardEngine(config), new PipelineContext()
            .journal(new InMemoryJournal(1 << 20)).backPressure(BackPressure.REJECT));
        key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final GatewaySettings settings = new GatewaySettings();
        settings.tcp = new InetSocketAddress("127.0.0.1", 0);
        settings.connectionsMax = 4096;
        if ("ed25519".equals(authentication))
        {
            settings.clients = new ClientSettings(List.of(new ClientSettings.Client(1, "bench", key.getPublic(),
                "order-gateway", 1L << CommandType.TRANSFER.code(), 4096)));
        }
        server = GatewayServer.start(guard, new ApprovalVerifier(config), settings);
    }

    /**
     * Stop the gateway and the pipeline.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        System.out.printf("  %d authentications, %d failed%n", server.authentications(),
            server.authenticationFailures());
        server.close();
        guard.close();
    }

    /**
     * Open a connection through the whole handshake, then close it.
     *
     * @return connections the gateway has accepted, so that nothing is optimised away.
     * @throws IOException when the handshake fails.
     */
    @Benchmark
    public long connect() throws IOException
    {
        try (GatewayClient client = new GatewayClient(server.tcpAddress(), "bench", key.getPrivate()))
        {
            client.connect();
        }
        return server.connectionsAccepted();
    }
}
