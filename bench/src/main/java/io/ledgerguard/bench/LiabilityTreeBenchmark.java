package io.ledgerguard.bench;

import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.audit.Liabilities;
import io.ledgerguard.audit.LiabilityTree;

/**
 * Issue 18: building the proof-of-liabilities tree (salts, leaves, the sort by hash, every level) for an exchange's
 * customers, one build per iteration; at the end, the size of one account's proof file and the time to verify it.
 * <pre>
 *   ./ledger-guard bench jmh LiabilityTreeBenchmark                      (10,000,000 accounts of 4 assets)
 *   ./ledger-guard bench jmh LiabilityTreeBenchmark -p accounts=100000
 * </pre>
 * About 3 GB of heap at 10,000,000 accounts: the fork runs with {@code -Xmx8g}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgs = {"-Xmx8g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class LiabilityTreeBenchmark
{
    private static final int ASSETS = 4;

    @Param("10000000")
    public int accounts;

    private final byte[] secret = new byte[LiabilityTree.SECRET_LENGTH];
    private long[] ids;
    private long[] amounts;
    private LiabilityTree built;

    @Setup
    public void setUp()
    {
        final SplittableRandom random = new SplittableRandom(42);
        ids = new long[accounts];
        amounts = new long[accounts * ASSETS];
        for (int a = 0; a < accounts; a++)
        {
            ids[a] = 1_000_000L + a;
            for (int i = 0; i < ASSETS; i++)
            {
                amounts[a * ASSETS + i] = random.nextLong(1L << 40);
            }
        }
        random.nextBytes(secret);
    }

    @Benchmark
    public LiabilityTree build()
    {
        built = LiabilityTree.build(secret, ASSETS, ids, amounts);
        return built;
    }

    /**
     * What a customer receives and checks: printed with the results.
     */
    @TearDown
    public void proofSize() throws IOException
    {
        final LiabilityTree.Proof proof = built.proof(ids[accounts / 2]);
        final byte[] file = Liabilities.proofFile(proof, 1, "00".repeat(32), List.of("BTC", "ETH", "USDT", "KRW"));
        final long start = System.nanoTime();
        final String failure = LiabilityTree.verify(proof, built.rootHash(), built.rootSums());
        final long verifyNs = System.nanoTime() - start;
        System.out.printf("%nliabilities: %,d accounts, %,d leaves, %d levels; one proof file %,d bytes; " +
            "verified (%s) in %,d us%n", accounts, built.leaves(), built.depth(), file.length,
            failure == null ? "included" : failure, TimeUnit.NANOSECONDS.toMicros(verifyNs));
    }
}
