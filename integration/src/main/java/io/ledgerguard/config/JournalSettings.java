package io.ledgerguard.config;

import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalDurability;

/**
 * The {@code journal:} section of the configuration file: how the journal is written and when snapshots are taken.
 * Every key is optional. The directory is given on the command line ({@code --journal DIR}), so that one
 * configuration serves several guards.
 * <pre>
 * journal:
 *   durability: process          # process (memory-mapped; survives the process) or os (msync per batch; the machine)
 *   rollCycle: FAST_DAILY        # any Chronicle Queue roll cycle name
 *   snapshotEveryCommands: 1000000   # 0: none by count
 *   snapshotIntervalMs: 600000       # 0: none by time
 *   snapshotsKept: 3                 # older snapshot files are deleted; journal files never are
 *   diskFreeBytesMin: 67108864       # free space left on the journal's file system: it stops accepting below
 * </pre>
 */
public final class JournalSettings
{
    public static final long SNAPSHOT_EVERY_COMMANDS_DEFAULT = 1_000_000;
    public static final long SNAPSHOT_INTERVAL_MS_DEFAULT = 600_000;
    public static final int SNAPSHOTS_KEPT_DEFAULT = 3;

    private JournalDurability durability = JournalDurability.PROCESS;
    private String rollCycle = ChronicleJournalContext.ROLL_CYCLE_DEFAULT;
    private long snapshotEveryCommands = SNAPSHOT_EVERY_COMMANDS_DEFAULT;
    private long snapshotIntervalMs = SNAPSHOT_INTERVAL_MS_DEFAULT;
    private int snapshotsKept = SNAPSHOTS_KEPT_DEFAULT;
    private long diskFreeBytesMin = ChronicleJournalContext.DISK_FREE_BYTES_MIN_DEFAULT;

    JournalSettings durability(final JournalDurability durability)
    {
        this.durability = durability;
        return this;
    }

    JournalSettings rollCycle(final String rollCycle)
    {
        this.rollCycle = rollCycle;
        return this;
    }

    JournalSettings snapshotEveryCommands(final long snapshotEveryCommands)
    {
        this.snapshotEveryCommands = snapshotEveryCommands;
        return this;
    }

    JournalSettings snapshotIntervalMs(final long snapshotIntervalMs)
    {
        this.snapshotIntervalMs = snapshotIntervalMs;
        return this;
    }

    JournalSettings snapshotsKept(final int snapshotsKept)
    {
        this.snapshotsKept = snapshotsKept;
        return this;
    }

    JournalSettings diskFreeBytesMin(final long diskFreeBytesMin)
    {
        this.diskFreeBytesMin = diskFreeBytesMin;
        return this;
    }

    /**
     * @return free space, in bytes, the journal leaves on its file system: below it, it refuses to open and stops
     *         accepting.
     */
    public long diskFreeBytesMin()
    {
        return diskFreeBytesMin;
    }

    /**
     * @return what a flush makes durable.
     */
    public JournalDurability durability()
    {
        return durability;
    }

    /**
     * @return the Chronicle Queue roll cycle's name.
     */
    public String rollCycle()
    {
        return rollCycle;
    }

    /**
     * @return take a snapshot every this many commands; 0 for none by count.
     */
    public long snapshotEveryCommands()
    {
        return snapshotEveryCommands;
    }

    /**
     * @return take a snapshot every this many milliseconds; 0 for none by time.
     */
    public long snapshotIntervalMs()
    {
        return snapshotIntervalMs;
    }

    /**
     * @return snapshot files kept.
     */
    public int snapshotsKept()
    {
        return snapshotsKept;
    }
}
