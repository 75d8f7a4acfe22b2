package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;

/**
 * Start-up recovery (SPEC §8): the newest usable snapshot, then a replay of the journal after it. A snapshot is
 * usable when its file is whole (checksum, layout, recomputed state hash), it is not ahead of the journal, and the
 * journal holds a checkpoint with the same sequence and state hash (so it belongs to this journal); otherwise the
 * next older one is tried, and with none the whole journal is replayed. Every replayed decision is compared with the
 * one the journal recorded: a difference means the journal was written with another configuration, and recovery
 * refuses rather than serve from a state that is not the one the guard acknowledged.
 */
public final class Recovery
{
    private static final Logger LOGGER = LoggerFactory.getLogger(Recovery.class);

    private Recovery()
    {
    }

    /**
     * Recover the state of a journal into a fresh engine. Open the journal for appending first
     * ({@link ChronicleJournal}): that verifies its chain and deals with a torn last entry.
     *
     * @param directory the journal.
     * @param snapshots where its snapshots are; may be {@code null} for a full replay.
     * @param engine    a fresh engine built from the configuration the journal was written with.
     * @return what was done.
     * @throws IllegalStateException when a replayed decision differs from the recorded one.
     */
    public static Result recover(final Path directory, final SnapshotStore snapshots, final GuardEngine engine)
    {
        final long startNs = System.nanoTime();
        try (JournalReader reader = JournalReader.open(directory))
        {
            reader.verifyAll();
            return recover(directory, List.copyOf(reader.checkpoints()), reader.lastSeq(), snapshots, engine, startNs);
        }
    }

    /**
     * Recover the state of a journal opened for appending into a fresh engine: the journal verified its whole chain
     * on opening, so only the entries after the snapshot used are read again.
     *
     * @param journal   the journal, just opened.
     * @param snapshots where its snapshots are; may be {@code null} for a full replay.
     * @param engine    a fresh engine built from the configuration the journal was written with.
     * @return what was done.
     * @throws IllegalStateException when a replayed decision differs from the recorded one.
     */
    public static Result recover(
        final ChronicleJournal journal, final SnapshotStore snapshots, final GuardEngine engine)
    {
        if (snapshots != null)
        {
            setAsideSnapshotsAfter(snapshots, journal.lastSeq());
        }
        final Result result = recover(Path.of(journal.directory()), journal.checkpointsFound(), journal.lastSeq(),
            snapshots, engine, System.nanoTime());
        result.chainVerifiedFromSeq = journal.verifiedFromSeq();
        return result;
    }

    /**
     * A snapshot after the journal's end is of a state whose commands the journal lost (in {@code process} mode,
     * when the machine lost power): it can never be used, and the journal will write other commands at those
     * sequences. Renamed out of the way, not deleted.
     */
    private static void setAsideSnapshotsAfter(final SnapshotStore snapshots, final long lastSeq)
    {
        for (final Path file : snapshots.list())
        {
            if (SnapshotStore.seqOf(file) > lastSeq)
            {
                final Path stale = file.resolveSibling(file.getFileName() + ".stale");
                try
                {
                    java.nio.file.Files.move(file, stale, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    LOGGER.warn("recovery: snapshot {} is after the journal's last seq={}: renamed to {}", file,
                        lastSeq, stale.getFileName());
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException("cannot set aside snapshot " + file, ex);
                }
            }
        }
    }

    private static Result recover(
        final Path directory,
        final List<JournalReader.Checkpoint> checkpoints,
        final long journalLastSeq,
        final SnapshotStore snapshots,
        final GuardEngine engine,
        final long startNs)
    {
        final List<String> skipped = new ArrayList<>();
        SnapshotStore.Loaded used = null;
        JournalReader.Checkpoint usedCheckpoint = null;
        if (snapshots != null)
        {
            for (final Path file : snapshots.list())
            {
                final long seq = SnapshotStore.seqOf(file);
                if (seq > journalLastSeq)
                {
                    skipped.add(file.getFileName() + ": seq=" + seq + " is after the journal's last seq=" +
                        journalLastSeq);
                    continue;
                }
                final JournalReader.Checkpoint checkpoint = checkpointAt(checkpoints, seq);
                if (checkpoint == null)
                {
                    skipped.add(file.getFileName() + ": the journal has no checkpoint at seq=" + seq);
                    continue;
                }
                final String unreachable = checkStartAfter(directory, checkpoint);
                if (unreachable != null)
                {
                    skipped.add(file.getFileName() + ": " + unreachable);
                    continue;
                }
                try
                {
                    final SnapshotStore.Loaded loaded = SnapshotStore.load(file, engine);
                    if (!loaded.digestHex().equals(checkpoint.snapshotDigestHex()))
                    {
                        throw new SnapshotCorruptException(file, "SHA-256 " + loaded.digestHex() +
                            " differs from the one the journal's checkpoint at seq=" + seq + " records: " +
                            checkpoint.snapshotDigestHex());
                    }
                    if (!loaded.stateHashHex().equals(checkpoint.stateHashHex()))
                    {
                        throw new SnapshotCorruptException(file, "state hash " + loaded.stateHashHex() +
                            " differs from the journal's checkpoint at seq=" + seq + ": " +
                            checkpoint.stateHashHex());
                    }
                    used = loaded;
                    usedCheckpoint = checkpoint;
                    break;
                }
                catch (final SnapshotCorruptException ex)
                {
                    skipped.add(ex.getMessage());
                    // The engine may hold part of the bad snapshot: start again from empty parts.
                    clear(engine);
                }
            }
        }
        final JournalReplay.Result replay = usedCheckpoint == null ?
            JournalReplay.replay(directory, engine, 0, null) :
            JournalReplay.replayAfter(directory, engine, usedCheckpoint, null);
        if (replay.mismatches() > 0)
        {
            throw new IllegalStateException("recovery refused: journal " + directory + (used == null ? "" :
                ", after snapshot " + used.file().getFileName()) + ": " + replay.mismatches() + " replayed decisions " +
                "differ from the journal's (was it written with another configuration?); first: " +
                replay.firstMismatch());
        }
        if (replay.journalLastSeq() != journalLastSeq)
        {
            throw new IllegalStateException("recovery refused: journal " + directory + " ended at seq=" +
                journalLastSeq + " when opened but at seq=" + replay.journalLastSeq() + " when replayed: is another " +
                "process writing to it?");
        }
        final long tookNs = System.nanoTime() - startNs;
        // The replay hashed the engine's state as it left it: reading every table again would take as long.
        return new Result(used, skipped, replay.commands(), journalLastSeq, replay.stateHash().hex(),
            replay.invariantViolation(), tookNs);
    }

    /**
     * @return why the journal cannot be read from the checkpoint's entry on, or {@code null} when it can.
     */
    private static String checkStartAfter(final Path directory, final JournalReader.Checkpoint checkpoint)
    {
        try (JournalReader reader = JournalReader.open(directory))
        {
            reader.startAfter(checkpoint);
            return null;
        }
        catch (final JournalCorruptException ex)
        {
            return "its checkpoint does not lead to its entry: " + ex.getMessage();
        }
    }

    private static JournalReader.Checkpoint checkpointAt(
        final List<JournalReader.Checkpoint> checkpoints, final long seq)
    {
        for (int i = checkpoints.size() - 1; i >= 0; i--)
        {
            if (checkpoints.get(i).seq() == seq)
            {
                return checkpoints.get(i);
            }
        }
        return null;
    }

    private static void clear(final GuardEngine engine)
    {
        // The rules the engine was built with: a snapshot that failed half-way may have installed its own.
        final GuardEngine fresh = new GuardEngine(engine.genesisRules());
        fresh.copyStateTo(engine);
        engine.stateRestored(0);
    }

    /**
     * What a recovery did.
     */
    public static final class Result
    {
        private final SnapshotStore.Loaded snapshot;
        private final List<String> skipped;
        private final long replayed;
        private final long lastSeq;
        private final String stateHashHex;
        private final String invariantViolation;
        private final long tookNs;
        /** Where opening the journal verified its chain from: a checkpoint's sequence, 0 from the start. */
        private long chainVerifiedFromSeq;

        Result(
            final SnapshotStore.Loaded snapshot,
            final List<String> skipped,
            final long replayed,
            final long lastSeq,
            final String stateHashHex,
            final String invariantViolation,
            final long tookNs)
        {
            this.snapshot = snapshot;
            this.skipped = skipped;
            this.replayed = replayed;
            this.lastSeq = lastSeq;
            this.stateHashHex = stateHashHex;
            this.invariantViolation = invariantViolation;
            this.tookNs = tookNs;
        }

        /**
         * @return the snapshot used, or {@code null} for a full replay.
         */
        public SnapshotStore.Loaded snapshot()
        {
            return snapshot;
        }

        /**
         * @return the snapshots passed over, each with why.
         */
        public List<String> skipped()
        {
            return skipped;
        }

        /**
         * @return journal commands replayed on top of the snapshot.
         */
        public long replayed()
        {
            return replayed;
        }

        /**
         * @return the journal's last sequence: the pipeline resumes at the next one.
         */
        public long lastSeq()
        {
            return lastSeq;
        }

        /**
         * @return the recovered state hash, 64 hex digits.
         */
        public String stateHashHex()
        {
            return stateHashHex;
        }

        /**
         * @return the first violated invariant after recovery, or {@code null} when all hold.
         */
        public String invariantViolation()
        {
            return invariantViolation;
        }

        /**
         * @return the sequence of the checkpoint opening the journal verified its chain from, 0 when it verified the
         *         whole chain (or recovery read the journal itself).
         */
        public long chainVerifiedFromSeq()
        {
            return chainVerifiedFromSeq;
        }

        /**
         * @return how long recovery took, in nanoseconds.
         */
        public long tookNs()
        {
            return tookNs;
        }

        /**
         * @return what recovery did, in lines for an operator.
         */
        public List<String> describe()
        {
            final List<String> lines = new ArrayList<>();
            for (final String skip : skipped)
            {
                lines.add("recovery: snapshot passed over: " + skip);
            }
            lines.add("recovery: " + (snapshot == null ? "no usable snapshot, full replay of the journal" :
                "snapshot " + snapshot.file().getFileName() + " at seq=" + snapshot.seq()) + "; replayed " +
                replayed + " journal entries up to seq=" + lastSeq + " in " +
                TimeUnit.NANOSECONDS.toMillis(tookNs) + " ms; stateHash=" + stateHashHex +
                (invariantViolation == null ? "; invariants hold" : "; INVARIANT VIOLATED: " + invariantViolation) +
                (chainVerifiedFromSeq > 0 ? "; chain verified from the checkpoint at seq=" + chainVerifiedFromSeq +
                " (audit verify checks it whole)" : ""));
            return lines;
        }
    }
}
