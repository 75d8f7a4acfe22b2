package io.ledgerguard.core.pipeline;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.PipelineStreams;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.SeedReport;
import io.ledgerguard.core.TableKind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every {@link Journal} keeps the interface's contract, as the pipeline's journal stage relies on it: each
 * implementation runs this one suite through a small subclass in its own module (as the Disruptor runs one
 * {@code SequencerTest} over both sequencers).
 * <p>
 * The contract, from {@link Journal}'s Javadoc and from how {@code Stages.JournalHandler} and {@link LedgerGuard}
 * call it:
 * <ul>
 *     <li>{@link Journal#append(Command, Decision)} records the sequenced command, with its decision where the
 *     implementation keeps decisions, and copies both during the call: the pipeline reuses the holders.</li>
 *     <li>A reader sees only what was appended, in append order; before {@link Journal#flush()} it may see any
 *     prefix of it, after the flush all of it, each command once.</li>
 *     <li>{@link Journal#snapshotTaken(long)} right after an append leaves the recorded commands as they are.</li>
 *     <li>What was flushed is still there after {@link Journal#close()}, which may be called twice: the pipeline
 *     closes its journal and the journal's owner closes it again.</li>
 *     <li>An append the journal cannot record throws rather than returning as if recorded, and takes back nothing
 *     that was recorded before it; the journal can still be closed.</li>
 *     <li>A pipeline over the journal answers every command and never fails because of it.</li>
 * </ul>
 * An implementation that keeps nothing to read (a load-run journal) or never refuses an append skips the cases
 * about reading or refusing, through {@link #read(Journal)} and {@link #refusedAppend(Journal, long)}.
 */
@ExtendWith(SeedReport.class)
public abstract class JournalContractTest
{
    /** Commands a case appends: enough for every shape {@link #command(long)} makes, twice over. */
    protected static final int COMMANDS = 40;
    private static final int PIPELINE_COMMANDS = 1_500;
    private static final int SNAPSHOT_EVERY = 7;
    private static final int ALERTS = 2;

    /**
     * What a reader of a journal sees of one command.
     */
    protected static final class Entry
    {
        final byte[] command;
        final byte[] decision;

        /**
         * @param command  the command read back.
         * @param decision the decision read back, or {@code null} when the implementation keeps no decisions.
         */
        public Entry(final Command command, final Decision decision)
        {
            this.command = encode(command);
            this.decision = decision == null ? null : encode(decision);
        }

        long seq()
        {
            return new UnsafeBuffer(command).getLong(CommandCodec.SEQ_OFFSET);
        }
    }

    /**
     * @return a new, empty journal, opened as a pipeline would open it.
     */
    protected abstract Journal newJournal();

    /**
     * What a reader of this implementation sees of a journal now, through the implementation's own way of reading
     * (its decoder, or its files read independently of the journal object). May be called after the journal was
     * closed.
     *
     * @param journal a journal from {@link #newJournal()}.
     * @return the entries in order, or {@code null} when the implementation keeps nothing to read.
     */
    protected abstract List<Entry> read(Journal journal);

    /**
     * Bring a journal to where it refuses the next append, the way this implementation refuses one (a bound reached,
     * a sequence that does not follow); it may append and flush more commands first.
     *
     * @param journal a journal from {@link #newJournal()}, holding flushed commands up to {@code nextSeq - 1}.
     * @param nextSeq the sequence that would follow.
     * @return the command whose append the journal must refuse, or {@code null} when the implementation never
     *         refuses an append.
     */
    protected abstract Command refusedAppend(Journal journal, long nextSeq);

    @Test
    void shouldShowEveryFlushedCommandOnceInSequenceOrder()
    {
        try (Journal journal = newJournal())
        {
            final List<byte[]> appended = appendFresh(journal, 1, COMMANDS);
            journal.flush();

            assertRecorded(appended, readable(journal));
        }
    }

    @Test
    void shouldCopyTheCommandDuringAppendRatherThanKeepTheHolder()
    {
        try (Journal journal = newJournal())
        {
            final Command command = new Command();
            final Decision decision = new Decision();
            final List<byte[]> appended = new ArrayList<>();
            for (long seq = 1; seq <= COMMANDS; seq++)
            {
                fill(command, seq);
                decide(decision, command);
                appended.add(encode(command));
                journal.append(command, decision);
                // The pipeline reuses its ring slots: whatever the journal kept of the holders is overwritten now.
                scribble(command, decision);
            }
            journal.flush();

            assertRecorded(appended, readable(journal));
        }
    }

    @Test
    void shouldShowAReaderOnlyAPrefixOfWhatWasAppendedUntilTheFlush()
    {
        try (Journal journal = newJournal())
        {
            final List<byte[]> appended = appendFresh(journal, 1, COMMANDS);
            final List<Entry> beforeFlush = readable(journal);
            assertTrue(beforeFlush.size() <= appended.size(), "read " + beforeFlush.size() + " of " + COMMANDS);
            assertRecorded(appended.subList(0, beforeFlush.size()), beforeFlush);

            journal.flush();

            assertRecorded(appended, read(journal));
        }
    }

    @Test
    void shouldRecordEachCommandWithItsDecisionAlertsIncluded()
    {
        try (Journal journal = newJournal())
        {
            final List<byte[]> decisions = new ArrayList<>();
            for (long seq = 1; seq <= COMMANDS; seq++)
            {
                final Command command = command(seq);
                final Decision decision = decision(command);
                decisions.add(encode(decision));
                journal.append(command, decision);
            }
            journal.flush();

            final List<Entry> entries = readable(journal);
            assumeTrue(entries.get(0).decision != null, "this implementation keeps commands, not their decisions");
            assertEquals(decisions.size(), entries.size());
            for (int i = 0; i < decisions.size(); i++)
            {
                assertArrayEquals(decisions.get(i), entries.get(i).decision, "decision of seq " + (i + 1));
            }
        }
    }

    @Test
    void shouldLeaveTheRecordAsItWasWhenASnapshotIsTaken()
    {
        try (Journal journal = newJournal())
        {
            final List<byte[]> appended = new ArrayList<>();
            for (long seq = 1; seq <= COMMANDS; seq++)
            {
                appended.addAll(appendFresh(journal, seq, 1));
                if (seq % SNAPSHOT_EVERY == 0)
                {
                    journal.snapshotTaken(seq);
                }
                if (seq % 3 == 0)
                {
                    journal.flush();
                }
            }
            journal.flush();

            assertRecordedWhenReadable(appended, read(journal));
        }
    }

    @Test
    void shouldRecordNothingTwiceWhateverTheFlushes()
    {
        try (Journal journal = newJournal())
        {
            journal.flush();
            final List<byte[]> appended = appendFresh(journal, 1, COMMANDS / 2);
            journal.flush();
            journal.flush();
            appended.addAll(appendFresh(journal, COMMANDS / 2 + 1, COMMANDS / 2));
            journal.flush();
            journal.flush();

            assertRecordedWhenReadable(appended, read(journal));
        }
    }

    @Test
    void shouldKeepWhatWasFlushedAfterItIsClosedTwice()
    {
        final Journal journal = newJournal();
        final List<byte[]> appended = appendFresh(journal, 1, COMMANDS);
        journal.flush();

        journal.close();
        assertDoesNotThrow(journal::close, "the pipeline closes its journal, and so does the journal's owner");

        assertRecordedWhenReadable(appended, read(journal));
    }

    @Test
    void shouldThrowOnAnAppendItRefusesAndTakeNothingBack()
    {
        final Journal journal = newJournal();
        appendFresh(journal, 1, COMMANDS);
        journal.flush();
        final Command refused = refusedAppend(journal, COMMANDS + 1);
        assumeTrue(refused != null, "this implementation never refuses an append");
        final List<Entry> before = read(journal);

        assertThrows(RuntimeException.class, () -> journal.append(refused, decision(refused)),
            "an append the journal cannot record must not return as if it were recorded");

        final List<Entry> after = read(journal);
        if (before != null)
        {
            assertTrue(before.size() >= COMMANDS, "held " + before.size() + " before the refusal");
            assertRecorded(before.stream().map(entry -> entry.command).toList(), after);
        }
        assertDoesNotThrow(journal::close, "the pipeline closes a journal that failed");
    }

    @Test
    void shouldJournalEveryCommandAPipelineSequences()
    {
        final long seed = PipelineStreams.seed(getClass().getSimpleName());
        final Journal journal = newJournal();
        final GuardEngine engine = new GuardEngine(PipelineStreams.config());
        final ConcurrentHashMap<Long, Integer> decided = new ConcurrentHashMap<>();
        final LedgerGuard guard = new LedgerGuard(engine, new PipelineContext()
            .journal(journal)
            .ringSize(64)
            .snapshotTrigger((copied, seq) -> seq % SNAPSHOT_EVERY == 0));
        try
        {
            PipelineStreams.attestAll(engine, guard, decided);
            PipelineStreams.run(seed, 1, PIPELINE_COMMANDS, guard, decided);
        }
        finally
        {
            guard.close();
        }
        assertNull(guard.failure(), () -> "seed=" + seed);
        assertEquals(guard.sequenced(), decided.size(), () -> "seed=" + seed);
        assertTrue(decided.values().stream().noneMatch(code -> code == Reason.GUARD_FAILED.code()),
            () -> "seed=" + seed + ": a command was answered GUARD_FAILED");
        assertDoesNotThrow(journal::close, "closed by the guard, then by its owner");

        final List<Entry> entries = read(journal);
        if (entries == null)
        {
            return;
        }
        assertEquals(decided.size(), entries.size(), () -> "seed=" + seed);
        for (int i = 0; i < entries.size(); i++)
        {
            final Entry entry = entries.get(i);
            assertEquals(i + 1, entry.seq(), () -> "seed=" + seed);
            if (entry.decision != null)
            {
                // A decision's encoding starts with its reason code (DecisionCodec).
                final int code = new UnsafeBuffer(entry.decision).getShort(0, ByteOrder.LITTLE_ENDIAN);
                assertEquals(decided.get(entry.seq()), code, "seed=" + seed + ", seq=" + entry.seq());
            }
        }
    }

    /**
     * A command of one of several shapes, by sequence: plain, with a memo and chain reference, with credit limits,
     * with approvals, a linked batch; sequenced at {@code seq}.
     *
     * @param seq the sequence.
     * @return a new command.
     */
    protected static Command command(final long seq)
    {
        final Command command = new Command();
        fill(command, seq);
        return command;
    }

    /**
     * @param command a command from {@link #command(long)}.
     * @return the encoding a journal of commands would hold for it.
     */
    protected static byte[] encode(final Command command)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CommandCodec.ENCODED_LENGTH_MAX]);
        final int length = CommandCodec.encode(command, buffer, 0);
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    /**
     * @param command a command.
     * @return a decision on it, as the guard stage would hand it to the journal stage.
     */
    protected static Decision decision(final Command command)
    {
        final Decision decision = new Decision();
        decide(decision, command);
        return decision;
    }

    private static byte[] encode(final Decision decision)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DecisionCodec.ENCODED_LENGTH_MAX]);
        final int length = DecisionCodec.encode(decision, buffer, 0);
        return Arrays.copyOf(buffer.byteArray(), length);
    }

    private static void fill(final Command command, final long seq)
    {
        command.reset();
        command.seq = seq;
        command.timestampNs = 1_000_000L * seq + 17;
        command.txId = 10_000 + seq;
        switch ((int)(seq % 5))
        {
            case 0:
                command.type = CommandType.OPEN_ACCOUNT;
                command.accountId = seq;
                command.accountKind = AccountKind.CREDIT_LINE;
                command.addCreditLimit(1, 5_000 + seq);
                command.addCreditLimit(2, 7_000 + seq);
                break;
            case 1:
                command.type = CommandType.TRANSFER;
                command.debitAccountId = seq;
                command.creditAccountId = seq + 1;
                command.assetId = 1;
                command.amount = 100 + seq;
                break;
            case 2:
                command.type = CommandType.WITHDRAW;
                command.accountId = seq;
                command.walletId = 3;
                command.assetId = 1;
                command.amount = 1 + seq;
                command.chainRef("bc1q-" + seq).memo("memo of " + seq);
                break;
            case 3:
                command.type = CommandType.ADJUST;
                command.accountId = seq;
                command.assetId = 2;
                command.amount = -seq;
                command.expiresAtMs = 99_000 + seq;
                command.addApproval("key-" + seq, signature(seq));
                command.approvalsVerified = 1;
                break;
            default:
                command.type = CommandType.BATCH;
                for (int i = 0; i < 3; i++)
                {
                    final Command inner = command.addInner();
                    inner.type = CommandType.DEPOSIT;
                    inner.txId = command.txId * 10 + i;
                    inner.accountId = seq;
                    inner.assetId = 1;
                    inner.amount = 1 + i;
                }
                break;
        }
    }

    private static byte[] signature(final long seq)
    {
        final byte[] signature = new byte[Command.SIGNATURE_LENGTH];
        Arrays.fill(signature, (byte)seq);
        return signature;
    }

    private static void decide(final Decision decision, final Command command)
    {
        decision.reset(command.seq, command.txId, command.timestampNs);
        if (command.seq % 2 == 0)
        {
            decision.reason = Reason.INSUFFICIENT_AVAILABLE;
            decision.duplicate = command.seq % 4 == 0;
        }
        if (command.seq % 10 == 6)
        {
            decision.reason = Reason.CAPACITY_EXHAUSTED;
            decision.exhaustedTable = TableKind.HOLDS;
        }
        if (command.type == CommandType.BATCH)
        {
            decision.linkedCount = command.batchCount;
            for (int i = 0; i < command.batchCount; i++)
            {
                decision.linkedTxIds[i] = command.inner(i).txId;
                decision.linkedReasons[i] = i == 0 ? Reason.OK : Reason.AMOUNT_MUST_BE_POSITIVE;
            }
        }
        if (command.seq % 3 == 0)
        {
            decision.alertCount = ALERTS;
            decision.alertsDropped = 1;
            for (int i = 0; i < ALERTS; i++)
            {
                decision.alert(i).dropped(command.seq, command.timestampNs, i + 1, command.seq + i);
            }
        }
    }

    private static void scribble(final Command command, final Decision decision)
    {
        command.txId = -1;
        command.amount = -1;
        command.accountId = -1;
        command.memo("overwritten after the append returned");
        decision.reason = Reason.MALFORMED_COMMAND;
        decision.txId = -1;
    }

    private static List<byte[]> appendFresh(final Journal journal, final long firstSeq, final int count)
    {
        final List<byte[]> appended = new ArrayList<>();
        for (long seq = firstSeq; seq < firstSeq + count; seq++)
        {
            final Command command = command(seq);
            appended.add(encode(command));
            journal.append(command, decision(command));
        }
        return appended;
    }

    private List<Entry> readable(final Journal journal)
    {
        final List<Entry> entries = read(journal);
        assumeTrue(entries != null, "this implementation keeps nothing to read");
        return entries;
    }

    private static void assertRecordedWhenReadable(final List<byte[]> appended, final List<Entry> entries)
    {
        if (entries != null)
        {
            assertRecorded(appended, entries);
        }
    }

    private static void assertRecorded(final List<byte[]> appended, final List<Entry> entries)
    {
        assertNotNull(entries);
        assertEquals(appended.size(), entries.size(), "commands read back");
        for (int i = 0; i < appended.size(); i++)
        {
            assertArrayEquals(appended.get(i), entries.get(i).command, "command " + i + " read back");
        }
    }
}
