package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.SnapshotTrigger;

/**
 * Takes snapshots without pausing the guard (SPEC §8, §11). A second engine, started from the guard's recovered state,
 * follows the journal on a thread of its own: it reads every entry the journal writes, replays each command with the
 * decision the guard recorded, and checks that it decides the same (a difference stops it, says so on the log and in
 * {@link #lastFailure()}, and no snapshot is taken after). Every so many commands, every so many milliseconds, or on
 * request it writes a snapshot of its own state and asks the journal for a checkpoint placed at the entry it read
 * (its chain value and queue index, read back from the journal itself), which the journal writes at the end of its
 * next batch.
 * <p>
 * The guard thread does nothing for a snapshot: {@link #afterApply} returns at once. The price is a thread, the state
 * held twice in memory, and snapshots that trail the guard by the follower's lag. Compared with {@link Snapshotter},
 * which copies the tables on the guard thread (a pause that grows with the tables' capacity: about 50 ms at 1,000,000
 * positions), this is the one {@code serve} and the demo use; the copy stays for a journal a follower cannot read.
 * Close the follower before the journal.
 */
public final class JournalFollower implements SnapshotTrigger, AutoCloseable
{
    private static final Logger LOGGER = LoggerFactory.getLogger(JournalFollower.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final GuardEngine follower;
    private final ChronicleJournal journal;
    private final long everyCommands;
    private final long intervalNs;
    private final JournalReader.Checkpoint startAfter;
    private final Thread thread;
    private final SnapshotWriter writes;
    private volatile boolean closing;
    private volatile boolean requested;
    private volatile long followedSeq;
    private long lastSnapshotSeq;
    /** Where the entry of {@link #followedSeq} stands: the checkpoint of a snapshot at it names this. */
    private final byte[] followedChainHead = new byte[Sha256.LENGTH];
    private long followedQueueIndex;
    private long followedEntryIndex;

    /**
     * @param config        the guard's configuration: the follower is an engine of the same limits.
     * @param store         where snapshots go.
     * @param journal       the journal to follow, open for appending; it records the checkpoints.
     * @param everyCommands take one every this many commands; 0 for none by count.
     * @param intervalMs    take one every this many milliseconds; 0 for none by time.
     * @param kept          snapshots kept, at least 1.
     * @param recovered     the guard's engine, recovered and not yet applying: its state is copied, once.
     * @param startSeq      the sequence that state is as of.
     */
    public JournalFollower(
        final GuardConfig config,
        final SnapshotStore store,
        final ChronicleJournal journal,
        final long everyCommands,
        final long intervalMs,
        final int kept,
        final GuardEngine recovered,
        final long startSeq)
    {
        if (everyCommands < 0 || intervalMs < 0 || kept < 1)
        {
            throw new IllegalArgumentException("snapshots: everyCommands=" + everyCommands + " and intervalMs=" +
                intervalMs + " must be >= 0, kept=" + kept + " must be >= 1");
        }
        this.follower = new GuardEngine(config);
        recovered.copyStateTo(follower);
        follower.stateRestored(startSeq);
        this.writes = new SnapshotWriter(store, journal, kept);
        this.journal = journal;
        this.everyCommands = everyCommands;
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.followedSeq = startSeq;
        this.lastSnapshotSeq = startSeq;
        JournalReader.Checkpoint from = null;
        for (final JournalReader.Checkpoint checkpoint : journal.checkpointsFound())
        {
            if (checkpoint.seq() <= startSeq && (from == null || checkpoint.seq() > from.seq()))
            {
                from = checkpoint;
            }
        }
        this.startAfter = from;
        thread = new Thread(this::run, "ledger-guard-follower");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Guard thread: nothing to do, the follower reads the journal.
     */
    @Override
    public boolean afterApply(final GuardEngine engine, final long seq)
    {
        return false;
    }

    /**
     * Ask for a snapshot as soon as the follower has read something new.
     */
    public void request()
    {
        requested = true;
    }

    /**
     * Wait until a snapshot at or after a sequence is written.
     *
     * @param seq     the sequence.
     * @param timeout how long to wait.
     * @param unit    its unit.
     * @return true when one was written in time.
     */
    public boolean awaitWritten(final long seq, final long timeout, final TimeUnit unit)
    {
        return writes.awaitWritten(seq, timeout, unit, () -> writes.lastFailure() != null && !thread.isAlive());
    }

    /**
     * Wait until the follower has read and replayed a sequence.
     *
     * @param seq     the sequence.
     * @param timeout how long to wait.
     * @param unit    its unit.
     * @return true when it did in time; false too when it stopped.
     */
    public boolean awaitFollowed(final long seq, final long timeout, final TimeUnit unit)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (followedSeq < seq)
        {
            if (System.nanoTime() - deadline > 0 || !thread.isAlive())
            {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }

    /**
     * @return the sequence the follower's state is as of.
     */
    public long followedSeq()
    {
        return followedSeq;
    }

    /**
     * @return snapshots written.
     */
    public long written()
    {
        return writes.written();
    }

    /**
     * @return snapshots that failed to be written, and a follower stopped by a failure.
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
     * @return how long the follower spent hashing and writing the last snapshot, in nanoseconds (the guard spent
     *         nothing).
     */
    public long lastWriteNs()
    {
        return writes.lastWriteNs();
    }

    /**
     * Stop following. Call before the journal closes; what the follower had not read yet is not snapshotted.
     */
    @Override
    public void close()
    {
        closing = true;
        LockSupport.unpark(thread);
        try
        {
            thread.join(TimeUnit.MINUTES.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        final Command command = new Command();
        final Decision recorded = new Decision();
        final Decision replayed = new Decision();
        long nextTimedNs = intervalNs > 0 ? System.nanoTime() + intervalNs : Long.MAX_VALUE;
        try (JournalReader reader = openFollowing())
        {
            while (!closing)
            {
                final int kind = reader.nextEntry(command, recorded);
                if (intervalNs > 0 && System.nanoTime() - nextTimedNs >= 0)
                {
                    requested = true;
                    nextTimedNs = System.nanoTime() + intervalNs;
                }
                if (kind < 0)
                {
                    if (requested && followedSeq > lastSnapshotSeq)
                    {
                        snapshot();
                    }
                    LockSupport.parkNanos(IDLE_PARK_NS);
                    continue;
                }
                if (kind != JournalEntryDescriptor.KIND_COMMAND || command.seq <= followedSeq)
                {
                    continue;
                }
                if (!follow(reader, command, recorded, replayed))
                {
                    return;
                }
                if (requested || (everyCommands > 0 && command.seq - lastSnapshotSeq >= everyCommands))
                {
                    snapshot();
                }
            }
        }
        catch (final RuntimeException | Error ex)
        {
            if (!closing)
            {
                stop("the follower stopped at seq=" + followedSeq + ": " + ex, ex);
            }
        }
    }

    /**
     * A reader after the newest checkpoint at or before the state the follower starts from, or, when that checkpoint
     * does not lead to its entry (a journal cut by {@code audit repair}, say), from the first entry: the entries up to
     * the start are read, verified and passed over.
     */
    private JournalReader openFollowing()
    {
        if (startAfter == null)
        {
            return JournalReader.following(journal);
        }
        final JournalReader reader = JournalReader.following(journal);
        try
        {
            reader.startAfter(startAfter);
            return reader;
        }
        catch (final JournalCorruptException ex)
        {
            reader.close();
            LOGGER.warn("the follower reads the journal from its first entry: checkpoint at seq={} does not lead " +
                "to its entry: {}", startAfter.seq(), ex.getMessage());
            return JournalReader.following(journal);
        }
    }

    /**
     * Replay one command on the follower and check the guard's decision.
     *
     * @return false when the follower must stop.
     */
    private boolean follow(
        final JournalReader reader, final Command command, final Decision recorded, final Decision replayed)
    {
        if (command.seq != followedSeq + 1)
        {
            stop("the follower expected seq=" + (followedSeq + 1) + " and read seq=" + command.seq, null);
            return false;
        }
        follower.replay(command, replayed, recorded);
        if (!DecisionCodec.sameOutcome(replayed, recorded))
        {
            stop("the follower decided otherwise than the guard at seq=" + command.seq + ": journal recorded " +
                recorded + ", follower decided " + replayed + "; no more snapshots are taken", null);
            return false;
        }
        reader.chain().head(followedChainHead);
        followedQueueIndex = reader.lastQueueIndex();
        followedEntryIndex = reader.entries() - 1;
        followedSeq = command.seq;
        return true;
    }

    private void snapshot()
    {
        requested = false;
        lastSnapshotSeq = followedSeq;
        writes.write(follower, followedSeq, Sha256.hex(followedChainHead, 0, Sha256.LENGTH), followedQueueIndex,
            followedEntryIndex);
    }

    private void stop(final String why, final Throwable cause)
    {
        writes.failed(why);
        LOGGER.error(why, cause);
    }
}
