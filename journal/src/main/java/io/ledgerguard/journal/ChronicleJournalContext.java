package io.ledgerguard.journal;

import java.nio.file.Path;

import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

import io.ledgerguard.core.ConfigurationException;

/**
 * How a {@link ChronicleJournal} is opened; {@link #conclude()} checks it.
 */
public final class ChronicleJournalContext
{
    /** Roll cycle by default: one file a day, the smallest index spacing Chronicle offers for daily files. */
    public static final String ROLL_CYCLE_DEFAULT = "FAST_DAILY";
    /**
     * Free space the journal leaves on its file system by default: it stops accepting rather than go below, so that
     * a snapshot, the logs and an operator still have room. A snapshot is as large as the tables.
     */
    public static final long DISK_FREE_BYTES_MIN_DEFAULT = 64L << 20;

    private Path directory;
    private JournalDurability durability = JournalDurability.PROCESS;
    private String rollCycleName = ROLL_CYCLE_DEFAULT;
    private RollCycle rollCycle;
    private TimeProvider clock = SystemTimeProvider.INSTANCE;
    private long blockSizeBytes;
    private long diskFreeBytesMin = DISK_FREE_BYTES_MIN_DEFAULT;
    private DiskSpaceProbe diskSpaceProbe = DiskSpaceProbe.FILE_STORE;
    private String genesisRules;

    /**
     * @param directory where the journal's files live; created when missing.
     * @return this for a fluent style.
     */
    public ChronicleJournalContext directory(final Path directory)
    {
        this.directory = directory;
        return this;
    }

    /**
     * @return where the journal's files live.
     */
    public Path directory()
    {
        return directory;
    }

    /**
     * @param durability what the end of a batch promises.
     * @return this for a fluent style.
     */
    public ChronicleJournalContext durability(final JournalDurability durability)
    {
        this.durability = durability;
        return this;
    }

    /**
     * @return what the end of a batch promises.
     */
    public JournalDurability durability()
    {
        return durability;
    }

    /**
     * @param rollCycleName a Chronicle Queue roll cycle by name, as {@code FAST_DAILY} or {@code FAST_HOURLY}.
     * @return this for a fluent style.
     */
    public ChronicleJournalContext rollCycle(final String rollCycleName)
    {
        this.rollCycleName = rollCycleName;
        return this;
    }

    /**
     * @param blockSizeBytes size of each memory-mapped chunk of a queue file, 0 for Chronicle Queue's default
     *                       (64 MiB on 64-bit Linux); tests use small chunks to cross chunk boundaries.
     * @return this for a fluent style.
     */
    public ChronicleJournalContext blockSizeBytes(final long blockSizeBytes)
    {
        this.blockSizeBytes = blockSizeBytes;
        return this;
    }

    /**
     * @return size of each memory-mapped chunk, 0 for Chronicle Queue's default.
     */
    public long blockSizeBytes()
    {
        return blockSizeBytes;
    }

    /**
     * @param diskFreeBytesMin free space, in bytes, the journal leaves on its file system: it refuses to open, and
     *                         stops accepting, rather than go below ({@link DiskRunway}).
     * @return this for a fluent style.
     */
    public ChronicleJournalContext diskFreeBytesMin(final long diskFreeBytesMin)
    {
        this.diskFreeBytesMin = diskFreeBytesMin;
        return this;
    }

    /**
     * @return free space the journal leaves on its file system.
     */
    public long diskFreeBytesMin()
    {
        return diskFreeBytesMin;
    }

    /**
     * @param rules the rules a new journal records as its genesis, right after its header (SPEC §13): the text form of
     *              {@link io.ledgerguard.core.Rules}; {@code null} records none. An existing journal keeps its own.
     * @return this for a fluent style.
     */
    public ChronicleJournalContext genesisRules(final String rules)
    {
        this.genesisRules = rules;
        return this;
    }

    /**
     * @return the genesis a new journal records; {@code null} for none.
     */
    public String genesisRules()
    {
        return genesisRules;
    }

    /**
     * @param diskSpaceProbe how the journal asks its file system for free space; tests run out of space with it.
     * @return this for a fluent style.
     */
    public ChronicleJournalContext diskSpaceProbe(final DiskSpaceProbe diskSpaceProbe)
    {
        this.diskSpaceProbe = diskSpaceProbe;
        return this;
    }

    /**
     * @return how the journal asks its file system for free space.
     */
    public DiskSpaceProbe diskSpaceProbe()
    {
        return diskSpaceProbe;
    }

    /**
     * @param clock the wall clock Chronicle Queue reads to pick each entry's cycle file: for tests, which move it.
     * @return this.
     */
    ChronicleJournalContext clock(final TimeProvider clock)
    {
        this.clock = clock;
        return this;
    }

    /**
     * @return the wall clock the queue reads, before the journal keeps it from going back.
     */
    TimeProvider clock()
    {
        return clock;
    }

    /**
     * @return the roll cycle, once {@link #conclude()}d.
     */
    public RollCycle rollCycle()
    {
        return rollCycle;
    }

    /**
     * Check every setting and resolve the roll cycle's name.
     *
     * @return this.
     * @throws ConfigurationException naming the setting at fault.
     */
    public ChronicleJournalContext conclude()
    {
        if (directory == null)
        {
            throw new ConfigurationException("journal.directory", "is required");
        }
        if (durability == null)
        {
            throw new ConfigurationException("journal.durability", "is required (process or os)");
        }
        if (blockSizeBytes < 0)
        {
            throw new ConfigurationException("journal.blockSizeBytes", "must be >= 0, was " + blockSizeBytes);
        }
        if (diskFreeBytesMin < 0)
        {
            throw new ConfigurationException("journal.diskFreeBytesMin", "must be >= 0, was " + diskFreeBytesMin);
        }
        if (diskSpaceProbe == null)
        {
            throw new ConfigurationException("journal.diskSpaceProbe", "is required");
        }
        rollCycle = rollCycleByName(rollCycleName);
        return this;
    }

    /**
     * @param name a roll cycle's name, among every cycle {@link RollCycles#all()} lists.
     * @return the roll cycle.
     * @throws ConfigurationException when no roll cycle has that name.
     */
    public static RollCycle rollCycleByName(final String name)
    {
        final StringBuilder known = new StringBuilder();
        for (final RollCycle cycle : RollCycles.all())
        {
            // Every roll cycle Chronicle Queue lists is an enum constant (RollCycles and the rollcycles package).
            final String cycleName = ((Enum<?>)cycle).name();
            if (cycleName.equals(name))
            {
                return cycle;
            }
            known.append(known.length() == 0 ? "" : ", ").append(cycleName);
        }
        throw new ConfigurationException("journal.rollCycle", "unknown roll cycle " + name + ", known: " + known);
    }
}
