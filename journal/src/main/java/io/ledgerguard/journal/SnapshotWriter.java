package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.core.GuardEngine;

/**
 * Writes a snapshot of an engine nothing applies to, has the journal vouch for it with a checkpoint, prunes the old
 * ones, and keeps the count: the part that {@link Snapshotter} (a copy taken on the guard thread) and
 * {@link JournalFollower} (an engine that follows the journal) share. Written by one thread, read by any.
 */
final class SnapshotWriter
{
    private static final Logger LOGGER = LoggerFactory.getLogger(SnapshotWriter.class);

    private final SnapshotStore store;
    private final ChronicleJournal journal;
    private final int kept;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile long lastWrittenSeq = -1;
    private volatile Path lastWrittenFile;
    private volatile long lastWriteNs;
    private volatile String lastFailure;

    /**
     * @param store   where snapshots go.
     * @param journal the journal that records the checkpoints; may be {@code null} (no checkpoints).
     * @param kept    snapshots kept, at least 1.
     */
    SnapshotWriter(final SnapshotStore store, final ChronicleJournal journal, final int kept)
    {
        this.store = store;
        this.journal = journal;
        this.kept = kept;
    }

    /**
     * Write one snapshot. A failure loses nothing (the journal holds every command; recovery replays more of it): it
     * is counted, kept as {@link #lastFailure()} and logged.
     *
     * @param engine       the state, as of {@code seq}.
     * @param seq          the sequence it is the state after.
     * @param chainHeadHex the chain value of that sequence's entry as read back from the journal, or {@code null} when
     *                     the journal noted it itself ({@link ChronicleJournal#snapshotTaken(long)}).
     * @param queueIndex   that entry's queue index, with {@code chainHeadHex}.
     * @param entryIndex   that entry's index in the journal, with {@code chainHeadHex}.
     */
    void write(
        final GuardEngine engine, final long seq, final String chainHeadHex, final long queueIndex,
        final long entryIndex)
    {
        final long startNs = System.nanoTime();
        try
        {
            final String stateHash = engine.stateHash().hex();
            final SnapshotStore.Written snapshot = store.writeDigested(engine, seq, stateHash);
            // A snapshot is trusted only once the journal's checkpoint names its sequence, state hash and digest.
            if (journal != null && chainHeadHex == null)
            {
                journal.postCheckpoint(seq, stateHash, snapshot.digestHex());
            }
            else if (journal != null)
            {
                journal.postCheckpoint(seq, stateHash, snapshot.digestHex(), chainHeadHex, queueIndex, entryIndex);
            }
            store.prune(kept, journal == null ? Long.MAX_VALUE : journal.lastCheckpointSeq());
            lastWrittenFile = snapshot.file();
            lastWriteNs = System.nanoTime() - startNs;
            written.incrementAndGet();
            lastWrittenSeq = seq;
        }
        catch (final RuntimeException | Error ex)
        {
            final String why = "snapshot at seq=" + seq + " failed: " + ex.getMessage();
            failed(why);
            LOGGER.warn(why, ex);
        }
    }

    /**
     * Count a failure and keep why; the caller logs it.
     */
    void failed(final String why)
    {
        failures.incrementAndGet();
        lastFailure = why;
    }

    /**
     * Wait until a snapshot at or after a sequence is written.
     *
     * @param seq      the sequence.
     * @param timeout  how long to wait.
     * @param unit     its unit.
     * @param stopped  true once no snapshot will come any more.
     * @return true when one was written in time.
     */
    boolean awaitWritten(
        final long seq, final long timeout, final TimeUnit unit, final BooleanSupplier stopped)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (lastWrittenSeq < seq)
        {
            if (System.nanoTime() - deadline > 0 || stopped.getAsBoolean())
            {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    long written()
    {
        return written.get();
    }

    long failures()
    {
        return failures.get();
    }

    String lastFailure()
    {
        return lastFailure;
    }

    long lastWrittenSeq()
    {
        return lastWrittenSeq;
    }

    Path lastWrittenFile()
    {
        return lastWrittenFile;
    }

    long lastWriteNs()
    {
        return lastWriteNs;
    }
}
