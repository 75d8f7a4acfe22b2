package io.ledgerguard.core;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The memory budget counts every off-heap buffer an engine allocates, never less than the JVM reserves for one, and
 * refuses a configuration whose engines do not fit, naming every table's limit and bytes and the total.
 */
class MemoryBudgetTest
{
    @Test
    void shouldCountEveryBufferAnEngineAllocates()
    {
        final GuardConfig config = config(10_000);
        final GuardEngine engine = new GuardEngine(config);
        // The published figures are laid out for the most assets there can be, as the assets part is.
        long expected = (long)GuardConfig.ASSETS_MAX * AssetCounters.RECORD_BYTES + MemoryBudget.ALIGNMENT_BYTES;
        for (int i = 0; i < engine.statePartCount(); i++)
        {
            if (GuardEngine.RULES_PART_NAME.equals(engine.statePartName(i)))
            {
                // The rules in force: a few kilobytes on the heap, not an off-heap table.
                continue;
            }
            // Every part of the state is one aligned buffer: what a snapshot copies and what the budget counts.
            expected += engine.statePart(i).capacity() + MemoryBudget.ALIGNMENT_BYTES;
        }

        assertEquals(expected, MemoryBudget.of(config).engineBytes());
    }

    @Test
    void shouldNeverCountLessThanTheJvmReservesForAnEngine()
    {
        final GuardConfig config = config(100_000);
        // Buffers that earlier tests left to the collector may be freed while the engine is built, and only make the
        // difference smaller: it is always at most what the budget counts, and is tried again until no such free hid
        // the tables' own allocation.
        long reserved = 0;
        for (int attempt = 0; attempt < 10 && reserved <= MemoryBudget.of(config).tableBytes(TableKind.TX_IDS);
            attempt++)
        {
            final long before = reserved();
            final GuardEngine engine = new GuardEngine(config);
            reserved = reserved() - before;
            assertTrue(engine.statePartCount() > 0);
            assertTrue(reserved <= MemoryBudget.of(config).engineBytes(), "reserved " + reserved + " bytes, counted " +
                MemoryBudget.of(config).engineBytes());
        }
        assertTrue(reserved > MemoryBudget.of(config).tableBytes(TableKind.TX_IDS), "the tables were allocated");
    }

    @Test
    void shouldRefuseEnginesThatDoNotFitNamingTheLimitsAndTheTotal()
    {
        final MemoryBudget budget = MemoryBudget.of(config(100_000));
        final long engine = budget.engineBytes();
        budget.check(2, 2 * engine);

        final ConfigurationException refused = assertThrows(ConfigurationException.class,
            () -> budget.check(2, 2 * engine - 1));

        assertEquals("limits", refused.key());
        assertTrue(refused.getMessage().startsWith("limits: the guard's off-heap state needs " + 2 * engine +
            " bytes (2 engines of " + engine + " bytes: limits.accountsMax=100000: " +
            budget.tableBytes(TableKind.ACCOUNTS) + " bytes, "), refused.getMessage());
        assertTrue(refused.getMessage().contains("limits.txIdsMax=1600000: " + budget.tableBytes(TableKind.TX_IDS) +
            " bytes"), refused.getMessage());
        assertTrue(refused.getMessage().contains("more than the " + (2 * engine - 1) + " bytes of direct memory"),
            refused.getMessage());
        assertTrue(refused.getMessage().contains("-XX:MaxDirectMemorySize"), refused.getMessage());
    }

    @Test
    void shouldHaveBuffersNoOneHoldsCollectedBeforeRefusing()
    {
        final MemoryBudget budget = MemoryBudget.of(config(100_000));
        final long oneByteShort = MemoryBudget.directMemoryMaxBytes() - budget.engineBytes() + 1;
        final int[] collections = new int[1];

        // Fits: no collection is asked for.
        budget.checkFits(1, () -> 0, () -> collections[0]++);
        assertEquals(0, collections[0]);

        // The buffers of engines no one holds are returned a few reads after the collection, as cleaners run.
        final int[] reads = new int[1];
        budget.checkFits(1, () -> collections[0] == 0 || ++reads[0] < 4 ? oneByteShort : 0, () -> collections[0]++);
        assertEquals(1, collections[0]);
        assertEquals(4, reads[0]);

        // What is held stays held: refused after one collection and the back-off, naming the limits.
        collections[0] = 0;
        final ConfigurationException refused = assertThrows(ConfigurationException.class,
            () -> budget.checkFits(1, () -> oneByteShort, () -> collections[0]++));
        assertEquals(1, collections[0]);
        assertEquals("limits", refused.key());
        assertTrue(refused.getMessage().contains("more than the " + (budget.engineBytes() - 1) + " bytes of direct " +
            "memory"), refused.getMessage());

        // More than the JVM's limit itself: no collection could help, refused at once.
        collections[0] = 0;
        final int tooMany = (int)(MemoryBudget.directMemoryMaxBytes() / budget.engineBytes()) + 1;
        assertThrows(ConfigurationException.class, () -> budget.checkFits(tooMany, () -> 0, () -> collections[0]++));
        assertEquals(0, collections[0]);
    }

    @Test
    void shouldReadTheJvmsLimitAndSizesAsHotSpotWritesThem()
    {
        assertTrue(MemoryBudget.directMemoryMaxBytes() > 0);
        assertEquals(64L << 20, MemoryBudget.parseSize("64m"));
        assertEquals(3L << 30, MemoryBudget.parseSize("3G"));
        assertEquals(12_345, MemoryBudget.parseSize("12345"));
    }

    private static GuardConfig config(final long accounts)
    {
        final GuardConfig config = new GuardConfig()
            .asset(new GuardConfig.AssetConfig("BTC", 1, 8))
            .asset(new GuardConfig.AssetConfig("USD", 2, 2))
            .wallet(new GuardConfig.WalletConfig(1, "BTC", WalletKind.HOT))
            .wallet(new GuardConfig.WalletConfig(2, "BTC", WalletKind.COLD))
            .wallet(new GuardConfig.WalletConfig(3, "USD", WalletKind.BANK));
        final GuardConfig.Limits limits = config.limits();
        limits.accountsMax = accounts;
        limits.positionsMax = 4 * accounts;
        limits.holdsMax = accounts;
        limits.txIdsMax = 16 * accounts;
        limits.inflowsMax = accounts;
        limits.creditsMax = accounts;
        return config;
    }

    private static long reserved()
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if (pool.getName().equals("direct"))
            {
                return pool.getTotalCapacity();
            }
        }
        throw new AssertionError("no direct buffer pool");
    }
}
