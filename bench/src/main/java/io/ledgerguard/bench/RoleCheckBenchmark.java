package io.ledgerguard.bench;

import java.security.KeyPairGenerator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.config.ClientSettings;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;

/**
 * The gateway's role check (SPEC §12), {@link ClientSettings.Client#forbidden(Command)}, alone: what every command of
 * an authenticated client costs on the gateway's I/O thread before it is sequenced. Issue 14 asks that it cost well
 * under a microsecond; run with {@code -prof gc} to see that it allocates nothing. The worst case is a {@code BATCH}
 * of the most inner commands, each of whose types is checked.
 * <p>
 * Not {@code final}: JMH generates subclasses of state classes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RoleCheckBenchmark
{
    private ClientSettings.Client client;
    private final Command transfer = new Command();
    private final Command batch = new Command();
    private final Command forbidden = new Command();

    /**
     * An order gateway's role, a transfer, a batch of sixteen transfers, and a withdrawal the role does not allow.
     */
    @Setup
    public void setUp() throws Exception
    {
        final long kinds = 1L << CommandType.HOLD.code() | 1L << CommandType.RELEASE.code() |
            1L << CommandType.TRANSFER.code() | 1L << CommandType.BATCH.code();
        client = new ClientSettings(List.of(new ClientSettings.Client(1, "orders",
            KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic(), "order-gateway", kinds, 16)))
            .find("orders");
        transfer.type = CommandType.TRANSFER;
        batch.type = CommandType.BATCH;
        for (int i = 0; i < Command.BATCH_COMMANDS_MAX; i++)
        {
            batch.addInner().type = CommandType.TRANSFER;
        }
        forbidden.type = CommandType.WITHDRAW;
    }

    @Benchmark
    public CommandType transfer()
    {
        return client.forbidden(transfer);
    }

    @Benchmark
    public CommandType batchOfSixteen()
    {
        return client.forbidden(batch);
    }

    @Benchmark
    public CommandType forbidden()
    {
        return client.forbidden(forbidden);
    }
}
