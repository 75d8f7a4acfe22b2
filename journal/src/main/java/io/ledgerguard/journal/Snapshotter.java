package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.SnapshotTrigger;

/**
 * Takes snapshots of a running guard: on a schedule (every so many commands, and every so many milliseconds) and on
 * request. The guard thread's whole part is {@link #afterApply}: when a snapshot is due and the previous one is
 * written, it copies the state into a second engine allocated once (a copy of the tables, the pause a snapshot costs;
 * memory for the state is needed twice). A writer thread of its own then hashes the copy, asks the journal for a
 * checkpoint entry with that hash, writes the snapshot file and deletes the ones beyond those kept.
 * <p>
 * A snapshot is used in recovery only when the journal holds its checkpoint: one written before the journal recorded
 * its checkpoint (a crash in between) is passed over for an older one.
 */
public final class Snapshotter implements SnapshotTrigger, AutoCloseable
{
    private final GuardEngine copy;
    private final long everyCommands;
    private final long intervalNs;
    private final Thread writer;
    /** Set by the guard thread once it copied the state; cleared by the writer once the file is written. */
    private volatile boolean busy;
    private volatile boolean requested;
    private volatile boolean closing;
    private long copiedSeq;
    private long lastCopiedSeq;
    private final SnapshotWriter writes;
    private volatile long lastCopyNs;
    private volatile long maxCopyNs;

    /**
     * @param config        the guard's configuration: the copy is an engine of the same limits.
     * @param store         where snapshots go.
     * @param journal       the journal that records the checkpoints; may be {@code null} (no checkpoints).
     * @param everyCommands take one every this many commands; 0 for none by count.
     * @param intervalMs    take one every this many milliseconds; 0 for none by time.
     * @param kept          snapshots kept, at least 1.
     * @param startSeq      the sequence the guard's state is as of when it starts (the recovered one).
     */
    public Snapshotter(
        final GuardConfig config,
        final SnapshotStore store,
        final ChronicleJournal journal,
        final long everyCommands,
        final long intervalMs,
        final int kept,
        final long startSeq)
    {
        if (everyCommands < 0 || intervalMs < 0 || kept < 1)
        {
            throw new IllegalArgumentException("snapshots: everyCommands=" + everyCommands + " and intervalMs=" +
                intervalMs + " must be >= 0, kept=" + kept + " must be >= 1");
        }
        this.copy = new GuardEngine(config);
        this.writes = new SnapshotWriter(store, journal, kept);
        this.everyCommands = everyCommands;
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.lastCopiedSeq = startSeq;
        writer = new Thread(this::runWriter, "ledger-guard-snapshots");
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Guard thread: copy the state when a snapshot is due and the copy is free.
     */
    @Override
    public boolean afterApply(final GuardEngine engine, final long seq)
    {
        if (busy || !(requested || (everyCommands > 0 && seq - lastCopiedSeq >= everyCommands)))
        {
            return false;
        }
        final long startNs = System.nanoTime();
        engine.copyStateTo(copy);
        final long copyNs = System.nanoTime() - startNs;
        lastCopyNs = copyNs;
        if (copyNs > maxCopyNs)
        {
            maxCopyNs = copyNs;
        }
        copiedSeq = seq;
        lastCopiedSeq = seq;
        requested = false;
        busy = true;
        LockSupport.unpark(writer);
        return true;
    }

    /**
     * Ask for a snapshot after the next command applied.
     */
    public void request()
    {
        requested = true;
    }

    /**
     * Wait until a snapshot after at least a sequence is written.
     *
     * @param seq     the sequence.
     * @param timeout how long to wait.
     * @param unit    its unit.
     * @return true when one was written in time.
     */
    public boolean awaitWritten(final long seq, final long timeout, final TimeUnit unit)
    {
        return writes.awaitWritten(seq, timeout, unit, () -> false);
    }

    /**
     * @return snapshots written.
     */
    public long written()
    {
        return writes.written();
    }

    /**
     * @return snapshots that failed to be written.
     */
    public long failures()
    {
        return writes.failures();
    }

    /**
     * @return the last failure, described, or {@code null}.
     */
    public String lastFailure()
    {
        return writes.lastFailure();
    }

    /**
     * @return the sequence of the last snapshot written, -1 when none.
     */
    public long lastWrittenSeq()
    {
        return writes.lastWrittenSeq();
    }

    /**
     * @return the last snapshot file written, or {@code null}.
     */
    public Path lastWrittenFile()
    {
        return writes.lastWrittenFile();
    }

    /**
     * @return how long the guard thread spent copying the state for the last snapshot, in nanoseconds.
     */
    public long lastCopyNs()
    {
        return lastCopyNs;
    }

    /**
     * @return the longest the guard thread spent copying the state for a snapshot, in nanoseconds.
     */
    public long maxCopyNs()
    {
        return maxCopyNs;
    }

    /**
     * @return how long the writer spent hashing and writing the last snapshot, in nanoseconds.
     */
    public long lastWriteNs()
    {
        return writes.lastWriteNs();
    }

    /**
     * Stop the writer after the snapshot it is writing, if any. Call after the guard stopped.
     */
    @Override
    public void close()
    {
        closing = true;
        LockSupport.unpark(writer);
        try
        {
            writer.join(TimeUnit.MINUTES.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void runWriter()
    {
        long nextTimedNs = intervalNs > 0 ? System.nanoTime() + intervalNs : Long.MAX_VALUE;
        while (true)
        {
            if (busy)
            {
                writeCopy();
                continue;
            }
            if (closing)
            {
                return;
            }
            final long now = System.nanoTime();
            if (now - nextTimedNs >= 0)
            {
                requested = true;
                nextTimedNs = now + intervalNs;
            }
            LockSupport.parkNanos(Math.min(TimeUnit.MILLISECONDS.toNanos(100), Math.max(1, nextTimedNs - now)));
        }
    }

    private void writeCopy()
    {
        try
        {
            writes.write(copy, copiedSeq, null, 0, 0);
        }
        finally
        {
            busy = false;
        }
    }
}
