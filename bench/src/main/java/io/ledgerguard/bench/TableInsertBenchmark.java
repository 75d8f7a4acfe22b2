package io.ledgerguard.bench;

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

import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.UndoLog;

/**
 * Inserting into an off-heap table, as recording a txId does (I6): batches of {@value #BATCH} inserts of sequential
 * keys (the hash spreads them over the whole table) into a fresh table sized for 10,000,000 entries, four words a
 * slot like the txId table. One operation is one insert; JMH reports the time of a batch divided by its size.
 * <p>
 * Not {@code final}: JMH generates subclasses of state classes.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 2, batchSize = TableInsertBenchmark.BATCH)
@Measurement(iterations = 5, batchSize = TableInsertBenchmark.BATCH)
public class TableInsertBenchmark
{
    static final int BATCH = 2_000_000;
    private static final long SIZE_MAX = 10_000_000;

    private OffHeapTable table;
    private long nextKey;

    /**
     * A fresh table for every batch: its memory is allocated and touched here, not measured.
     */
    @Setup(Level.Iteration)
    public void setUp()
    {
        table = new OffHeapTable(SIZE_MAX, 4, 1, new UndoLog());
        table.buffer().setMemory(0, table.buffer().capacity(), (byte)0);
        nextKey = 1;
    }

    /**
     * @return the new entry's slot offset.
     */
    @Benchmark
    public int insert()
    {
        return table.insert(nextKey++, 0);
    }
}
