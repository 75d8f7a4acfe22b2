package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.StateHash;

/**
 * Applies a journal to a fresh {@link GuardEngine} (SPEC §3 I7): the state is a pure function of the journaled
 * commands, so the replay reproduces every decision and the state hash of the guard that wrote the journal. The
 * chain is verified as the journal is read, by a {@link JournalReadAhead} on a thread of its own while the engine
 * replays what it read before; a broken one stops the replay at the first bad entry, every command before it
 * replayed. Replaying an accepted command allocates nothing; the result keeps the reason of each rejected one.
 */
public final class JournalReplay
{
    private JournalReplay()
    {
    }

    /**
     * Receives each replayed command with its decision.
     */
    @FunctionalInterface
    public interface ReplayListener
    {
        /**
         * @param command  the journaled command; only valid during the call.
         * @param decision the engine's decision on it; only valid during the call.
         */
        void onReplayed(Command command, Decision decision);
    }

    /**
     * Replay a journal directory into an engine.
     *
     * @param directory the journal.
     * @param engine    a fresh engine built from the configuration the journal was written with.
     * @param listener  receives every command and decision; may be {@code null}.
     * @return what the replay found.
     * @throws JournalFormatException  when the directory is not a journal of this version.
     * @throws JournalCorruptException at the first entry that fails verification.
     */
    public static Result replay(final Path directory, final GuardEngine engine, final ReplayListener listener)
    {
        return replay(directory, engine, 0, listener);
    }

    /**
     * Replay the commands of a journal after a sequence into an engine that holds the state as of that sequence (a
     * restored snapshot), comparing each decision with the one the journal recorded.
     *
     * @param directory the journal.
     * @param engine    an engine holding the state as of {@code afterSeq}: a fresh one for 0.
     * @param afterSeq  commands up to this sequence are read and verified but not applied.
     * @param listener  receives every command applied and its decision; may be {@code null}.
     * @return what the replay found.
     * @throws JournalFormatException  when the directory is not a journal of this version.
     * @throws JournalCorruptException at the first entry that fails verification.
     */
    public static Result replay(
        final Path directory, final GuardEngine engine, final long afterSeq, final ReplayListener listener)
    {
        return replay(directory, engine, afterSeq, null, listener);
    }

    /**
     * Replay the commands after a checkpoint into an engine that holds the state as of its sequence (the snapshot
     * it vouches for), reading the journal from that entry on: for recovery, once the whole journal was verified.
     *
     * @param directory  the journal.
     * @param engine     an engine holding the state as of the checkpoint's sequence.
     * @param checkpoint where to start.
     * @param listener   receives every command applied and its decision; may be {@code null}.
     * @return what the replay found.
     */
    public static Result replayAfter(
        final Path directory, final GuardEngine engine, final JournalReader.Checkpoint checkpoint,
        final ReplayListener listener)
    {
        return replay(directory, engine, checkpoint.seq(), checkpoint, listener);
    }

    private static Result replay(
        final Path directory, final GuardEngine engine, final long afterSeq,
        final JournalReader.Checkpoint checkpoint, final ReplayListener listener)
    {
        final Decision decision = new Decision();
        final Reasons reasons = new Reasons();
        long firstSeq = 0;
        long mismatches = 0;
        String firstMismatch = null;
        try (JournalReadAhead entries = JournalReadAhead.start(directory, checkpoint, afterSeq))
        {
            while (entries.next())
            {
                final Command command = entries.command();
                final Decision recorded = entries.recorded();
                if (firstSeq == 0)
                {
                    firstSeq = command.seq;
                }
                engine.replay(command, decision, recorded);
                assert decision.seq == command.seq : "decision.seq=" + decision.seq + ", command.seq=" + command.seq;
                if (!DecisionCodec.sameOutcome(decision, recorded))
                {
                    if (mismatches++ == 0)
                    {
                        firstMismatch = "seq=" + command.seq + " txId=" + command.txId + ": journal recorded " +
                            recorded + ", replay decided " + decision + lowerLimit(decision, recorded);
                    }
                }
                reasons.add(command.seq, decision.reason);
                if (listener != null)
                {
                    listener.onReplayed(command, decision);
                }
            }
            final JournalReader reader = entries.reader();
            if (afterSeq > reader.lastSeq())
            {
                throw new IllegalArgumentException("replay after seq=" + afterSeq + " but the journal ends at seq=" +
                    reader.lastSeq() + ": directory=" + directory);
            }
            return new Result(firstSeq, reasons, reader.chainHeadHex(), engine.stateHash(), engine.checkInvariants(),
                mismatches, firstMismatch, reader.lastSeq(), List.copyOf(reader.checkpoints()));
        }
    }

    /**
     * Replay a journal directory into an engine.
     *
     * @param directory the journal.
     * @param engine    a fresh engine built from the configuration the journal was written with.
     * @return what the replay found.
     */
    public static Result replay(final Path directory, final GuardEngine engine)
    {
        return replay(directory, engine, null);
    }

    /**
     * @return why a replay ran out of room where the journal did not: a limit lowered below what the journal holds.
     */
    private static String lowerLimit(final Decision replayed, final Decision recorded)
    {
        if (replayed.reason != Reason.CAPACITY_EXHAUSTED || recorded.reason == Reason.CAPACITY_EXHAUSTED ||
            replayed.exhaustedTable == null)
        {
            return "";
        }
        return " (limits." + replayed.exhaustedTable.limitKey() + " is lower than when the journal was written: " +
            "limits can be raised, never lowered below the live state)";
    }

    /**
     * The reason the replay decided for each sequence, kept as the sequences not accepted and their reasons: most
     * commands are accepted, so what is kept grows with the rejections rather than with the journal, and replaying
     * a command allocates nothing once the arrays have room for the rejections so far.
     */
    static final class Reasons
    {
        private static final int CAPACITY_INITIAL = 64;

        private long count;
        private int rejectedCount;
        private long[] rejectedSeqs = new long[CAPACITY_INITIAL];
        private Reason[] rejectedReasons = new Reason[CAPACITY_INITIAL];

        /**
         * @param seq    the sequence replayed: one more than the one before.
         * @param reason what the replay decided for it.
         */
        void add(final long seq, final Reason reason)
        {
            assert rejectedCount == 0 || seq > rejectedSeqs[rejectedCount - 1] : "seq=" + seq;
            count++;
            if (reason == Reason.OK)
            {
                return;
            }
            if (rejectedCount == rejectedSeqs.length)
            {
                rejectedSeqs = Arrays.copyOf(rejectedSeqs, 2 * rejectedCount);
                rejectedReasons = Arrays.copyOf(rejectedReasons, 2 * rejectedCount);
            }
            rejectedSeqs[rejectedCount] = seq;
            rejectedReasons[rejectedCount] = reason;
            rejectedCount++;
        }

        long count()
        {
            return count;
        }

        /**
         * @param seq a sequence replayed.
         * @return the reason decided for it.
         */
        Reason reason(final long seq)
        {
            final int index = Arrays.binarySearch(rejectedSeqs, 0, rejectedCount, seq);
            return index >= 0 ? rejectedReasons[index] : Reason.OK;
        }
    }

    /**
     * What a replay found: the decision reason of every sequence, the chain head and the resulting state.
     */
    public static final class Result
    {
        private final long firstSeq;
        private final Reasons reasons;
        private final String chainHeadHex;
        private final StateHash stateHash;
        private final String invariantViolation;
        private final long mismatches;
        private final String firstMismatch;
        private final long journalLastSeq;
        private final List<JournalReader.Checkpoint> checkpoints;

        Result(
            final long firstSeq, final Reasons reasons, final String chainHeadHex, final StateHash stateHash,
            final String invariantViolation, final long mismatches, final String firstMismatch,
            final long journalLastSeq, final List<JournalReader.Checkpoint> checkpoints)
        {
            this.firstSeq = firstSeq;
            this.reasons = reasons;
            this.chainHeadHex = chainHeadHex;
            this.stateHash = stateHash;
            this.invariantViolation = invariantViolation;
            this.mismatches = mismatches;
            this.firstMismatch = firstMismatch;
            this.journalLastSeq = journalLastSeq;
            this.checkpoints = checkpoints;
        }

        /**
         * @return replayed commands whose decision differs from the one the journal recorded: 0 unless the journal
         *         was written with another configuration, or determinism (I7) broke.
         */
        public long mismatches()
        {
            return mismatches;
        }

        /**
         * @return the first such difference, described, or {@code null}.
         */
        public String firstMismatch()
        {
            return firstMismatch;
        }

        /**
         * @return the sequence of the journal's last command, 0 when it holds none.
         */
        public long journalLastSeq()
        {
            return journalLastSeq;
        }

        /**
         * @return the journal's checkpoint entries, in order.
         */
        public List<JournalReader.Checkpoint> checkpoints()
        {
            return checkpoints;
        }

        /**
         * @return commands replayed.
         */
        public long commands()
        {
            return reasons.count();
        }

        /**
         * @return the first sequence replayed, 0 when the journal holds no command.
         */
        public long firstSeq()
        {
            return firstSeq;
        }

        /**
         * @return the last sequence replayed, 0 when the journal holds no command.
         */
        public long lastSeq()
        {
            return reasons.count() == 0 ? 0 : firstSeq + reasons.count() - 1;
        }

        /**
         * @param seq a sequence between {@link #firstSeq()} and {@link #lastSeq()}.
         * @return the reason the replay decided for it ({@link Reason#OK} when accepted).
         */
        public Reason reason(final long seq)
        {
            if (seq < firstSeq || seq > lastSeq())
            {
                throw new IllegalArgumentException("seq not replayed: seq=" + seq + ", firstSeq=" + firstSeq +
                    ", lastSeq=" + lastSeq());
            }
            return reasons.reason(seq);
        }

        /**
         * @return the chain value after the journal's last entry, 64 hex digits.
         */
        public String chainHeadHex()
        {
            return chainHeadHex;
        }

        /**
         * @return the engine's state hash after the replay.
         */
        public StateHash stateHash()
        {
            return stateHash;
        }

        /**
         * @return the first violated invariant after the replay, or {@code null} when all hold.
         */
        public String invariantViolation()
        {
            return invariantViolation;
        }
    }
}
