package io.ledgerguard.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.core.GuardEngine;

/**
 * Measures one lookup in the off-heap position table holding 1,000,000 positions (the book of
 * {@link ExchangeWorkload}), through {@link GuardEngine#available(long, int)}, for keys spread over the whole book:
 * mostly a cache miss (the keys span the table), which is what a lookup for a long-tail account costs inside
 * {@code apply}.
 * <p>
 * Not {@code final}: JMH generates subclasses of state classes.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TableBenchmark
{
    /** More keys than fit in cache, so that lookups reach the whole table as a long tail would. */
    private static final int KEYS = 1 << 22;

    private GuardEngine engine;
    private final long[] accountIds = new long[KEYS];
    private final int[] assetIndexes = new int[KEYS];
    private int cursor;

    /**
     * Fund the book once (lookups record no txId) and choose the keys.
     */
    @Setup(Level.Trial)
    public void setUp()
    {
        engine = new GuardEngine(ExchangeWorkload.config(2_000_000));
        new ExchangeWorkload(ApplyBenchmark.SEED, 8).fund(engine);
        final SplittableRandom random = new SplittableRandom(ApplyBenchmark.SEED);
        for (int i = 0; i < KEYS; i++)
        {
            accountIds[i] = 1 + random.nextInt(ExchangeWorkload.ACCOUNTS);
            assetIndexes[i] = random.nextInt(ExchangeWorkload.ASSET_COUNT);
        }
    }

    /**
     * @return the available balance of the next position, for JMH to consume.
     */
    @Benchmark
    public long findPosition()
    {
        final int i = cursor++ & (KEYS - 1);
        return engine.available(accountIds[i], assetIndexes[i]);
    }
}
