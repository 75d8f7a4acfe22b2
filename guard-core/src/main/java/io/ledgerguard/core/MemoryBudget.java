package io.ledgerguard.core;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

import io.ledgerguard.core.engine.AssetDescriptor;
import io.ledgerguard.core.engine.GlobalDescriptor;
import io.ledgerguard.core.engine.WalletDescriptor;
import io.ledgerguard.core.engine.WindowDescriptor;
import io.ledgerguard.core.internal.Descriptors;
import io.ledgerguard.core.internal.ExpiryQueue;
import io.ledgerguard.core.internal.OffHeapTable;

/**
 * The off-heap memory a configuration's engine allocates, computed before it is allocated, and compared with what the
 * JVM's direct-memory limit leaves, so that limits which each pass validation but together do not fit are refused at
 * start-up naming the limits and the total, not met half-way through allocating the tables
 * ({@code Cannot reserve ... bytes of direct buffer memory}, naming no key).
 * <p>
 * An engine holds one off-heap buffer per table, sized as the table sizes it ({@link GuardConfig#capacityFor(long)}
 * slots, for the limit and any reserve ({@link GuardConfig.Limits#entriesMax(TableKind)}), of
 * {@link Descriptors#slotBytes(TableKind)} bytes after an {@link OffHeapTable#HEADER_BYTES} header), an expiry queue
 * each for the txIds, the credits and the inflows ({@link ExpiryQueue}, counted with their tables), and one buffer
 * each for the
 * assets, wallets, windows, globals and the per-asset counters; each buffer is allocated
 * {@value #ALIGNMENT_BYTES} bytes larger to be aligned. A guard that takes snapshots holds the state twice (the
 * snapshotter copies it into a second engine), and the demo a third time when it recovers to compare: the caller says
 * how many engines are alive at once.
 */
public final class MemoryBudget
{
    /** Sleeps, doubling from 1 ms, while buffers the collector found are returned, before a refusal. */
    static final int RECLAIM_SLEEPS = 9;

    /** What Agrona's {@code BufferUtil.allocateDirectAligned} adds to each buffer to align it. */
    static final int ALIGNMENT_BYTES = 64;

    private final long[] tableBytes = new long[TableKind.values().length];
    private final long[] tableLimits = new long[TableKind.values().length];
    private final long recordBytes;

    private MemoryBudget(final GuardConfig config)
    {
        for (final TableKind table : TableKind.values())
        {
            final long entriesMax = config.limits().entriesMax(table);
            final int capacity = GuardConfig.capacityFor(entriesMax);
            tableLimits[table.ordinal()] = config.limits().limitOf(table);
            // A limit too large for one table is refused by validation; counted as impossible here all the same.
            tableBytes[table.ordinal()] = capacity <= 0 ? Long.MAX_VALUE / (2 * TableKind.values().length) :
                OffHeapTable.HEADER_BYTES + (long)capacity * Descriptors.slotBytes(table) + ALIGNMENT_BYTES;
        }
        // The txIds, credits and inflows are forgotten in the order they were recorded, from a queue of their own.
        tableBytes[TableKind.TX_IDS.ordinal()] +=
            ExpiryQueue.bytesFor(config.limits().entriesMax(TableKind.TX_IDS)) + ALIGNMENT_BYTES;
        tableBytes[TableKind.CREDITS.ordinal()] +=
            ExpiryQueue.bytesFor(config.limits().entriesMax(TableKind.CREDITS)) + ALIGNMENT_BYTES;
        tableBytes[TableKind.INFLOWS.ordinal()] +=
            ExpiryQueue.bytesFor(config.limits().entriesMax(TableKind.INFLOWS)) + ALIGNMENT_BYTES;
        // Laid out for the most assets and wallets there can be, so that a rule change lists more without allocating.
        final int assets = GuardConfig.ASSETS_MAX;
        final int wallets = GuardConfig.WALLETS_MAX;
        recordBytes = (long)assets * AssetDescriptor.WORDS * Long.BYTES + ALIGNMENT_BYTES +
            (long)wallets * WalletDescriptor.WORDS * Long.BYTES + ALIGNMENT_BYTES +
            WindowDescriptor.offset(WindowDescriptor.count(assets, wallets)) + ALIGNMENT_BYTES +
            GlobalDescriptor.BYTES + ALIGNMENT_BYTES +
            (long)assets * AssetCounters.RECORD_BYTES + ALIGNMENT_BYTES;
    }

    /**
     * @param config a configuration.
     * @return what an engine built from it allocates off-heap.
     */
    public static MemoryBudget of(final GuardConfig config)
    {
        return new MemoryBudget(config);
    }

    /**
     * @return bytes one engine allocates off-heap.
     */
    public long engineBytes()
    {
        long total = recordBytes;
        for (final long bytes : tableBytes)
        {
            total += bytes;
        }
        return total;
    }

    /**
     * @param table a table.
     * @return bytes its buffer takes, and its expiry queue's for the txIds and the credits.
     */
    public long tableBytes(final TableKind table)
    {
        return tableBytes[table.ordinal()];
    }

    /**
     * @return bytes the assets, wallets, windows, globals and per-asset counters take.
     */
    public long recordBytes()
    {
        return recordBytes;
    }

    /**
     * Refuse a configuration whose engines do not fit in the direct memory the JVM has left.
     *
     * @param engines        engines alive at once: 1, 2 with snapshots.
     * @param availableBytes direct memory left: {@link #directMemoryMaxBytes()} less what is reserved already.
     * @throws ConfigurationException naming every table's limit and bytes, the total and what is available.
     */
    public void check(final int engines, final long availableBytes)
    {
        assert engines >= 1 : "engines=" + engines;
        final long total = totalBytes(engines);
        if (total <= availableBytes)
        {
            return;
        }
        final StringBuilder parts = new StringBuilder();
        for (final TableKind table : TableKind.values())
        {
            parts.append("limits.").append(table.limitKey()).append('=').append(tableLimits[table.ordinal()])
                .append(": ").append(tableBytes[table.ordinal()]).append(" bytes, ");
        }
        parts.append("assets, wallets, windows, globals and counters: ").append(recordBytes).append(" bytes");
        throw new ConfigurationException("limits", "the guard's off-heap state needs " + total + " bytes (" +
            (engines == 1 ? "" : engines + " engines of ") + engineBytes() + " bytes: " + parts + "), more than the " +
            availableBytes + " bytes of direct memory the JVM has left (its limit is " + directMemoryMaxBytes() +
            " bytes: -XX:MaxDirectMemorySize, which defaults to -Xmx): lower the limits, or raise the JVM's limit, " +
            "e.g. JAVA_OPTS=-XX:MaxDirectMemorySize=" + roundUpToMiB(saturatedSum(total, directMemoryReservedBytes())));
    }

    /** The engines' bytes, saturating: engines too large for any limit must not wrap around to fit. */
    private long totalBytes(final int engines)
    {
        final long perEngine = engineBytes();
        return perEngine > Long.MAX_VALUE / engines ? Long.MAX_VALUE : perEngine * engines;
    }

    /**
     * As {@link #check(int, long)}, against this JVM's direct-memory limit less what it has reserved already. When
     * they fit the limit but not what is left, it first asks for a collection ({@code System.gc()}) and waits up to
     * 511 ms for buffers no one holds to be returned: a start-up check, never for the apply path.
     *
     * @param engines engines alive at once: 1, 2 with snapshots.
     * @throws ConfigurationException when they do not fit.
     */
    public void checkFits(final int engines)
    {
        checkFits(engines, MemoryBudget::directMemoryReservedBytes, System::gc);
    }

    /**
     * As {@link #checkFits(int)}, with what is reserved and how to have unreachable buffers collected given. A direct
     * buffer no one holds any longer is returned to the JVM only when the collector finds it (engines of a guard
     * stopped and started again in one process, of tests run one after another in one JVM). Before refusing engines
     * that would fit the JVM's limit, this asks for a collection and waits for the buffers' cleaners with a back-off
     * of at most {@value #RECLAIM_SLEEPS} sleeps from 1 ms (511 ms in all), much as the JDK does before it fails an
     * allocation of direct memory ({@code java.nio.Bits.reserveMemory}, which also waits through interrupts: this
     * stops waiting at one, keeping the thread's interrupt, and decides on what was returned by then). Engines larger
     * than the limit itself are refused at once.
     *
     * @param engines  engines alive at once.
     * @param reserved direct memory reserved now.
     * @param collect  asks for a collection: {@code System::gc}.
     * @throws ConfigurationException when they do not fit even after the collection.
     */
    void checkFits(final int engines, final LongSupplier reserved, final Runnable collect)
    {
        final long max = directMemoryMaxBytes();
        final long needed = totalBytes(engines);
        long available = max - reserved.getAsLong();
        if (needed <= available || needed > max)
        {
            check(engines, available); // fits, or no collection could make it fit
            return;
        }
        collect.run();
        available = max - reserved.getAsLong();
        long sleepMs = 1;
        for (int sleeps = 0; sleeps < RECLAIM_SLEEPS && needed > available; sleeps++)
        {
            try
            {
                Thread.sleep(sleepMs);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt(); // stop waiting: decide on what has been returned so far
                break;
            }
            sleepMs <<= 1;
            available = max - reserved.getAsLong();
        }
        check(engines, available);
    }

    /**
     * @return the JVM's limit on direct buffer memory: {@code jdk.internal.misc.VM.maxDirectMemory()} (exported to
     *         the application by the flags in {@code jvm.properties}, as Agrona needs), else
     *         {@code -XX:MaxDirectMemorySize} from the command line, else the heap's maximum, its default.
     */
    public static long directMemoryMaxBytes()
    {
        try
        {
            return (long)Class.forName("jdk.internal.misc.VM").getMethod("maxDirectMemory").invoke(null);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            // Not exported to this code: read what the command line set, as the JVM would.
            for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
            {
                if (argument.startsWith("-XX:MaxDirectMemorySize="))
                {
                    return parseSize(argument.substring("-XX:MaxDirectMemorySize=".length()));
                }
            }
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * @return direct buffer memory this JVM has reserved already.
     */
    public static long directMemoryReservedBytes()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if (pool.getName().equals("direct"))
            {
                return pool.getTotalCapacity();
            }
        }
        return 0;
    }

    /**
     * @param size a HotSpot size: digits with an optional k, m, g or t suffix (either case).
     * @return bytes.
     */
    static long parseSize(final String size)
    {
        final char unit = Character.toLowerCase(size.charAt(size.length() - 1));
        final int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : unit == 't' ? 40 : 0;
        final String digits = shift == 0 ? size : size.substring(0, size.length() - 1);
        return Long.parseLong(digits) << shift;
    }

    private static String roundUpToMiB(final long bytes)
    {
        return (saturatedSum(bytes, (1 << 20) - 1) >> 20) + "m";
    }

    private static long saturatedSum(final long a, final long b)
    {
        final long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
