package io.ledgerguard.core.engine;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.ExpiryQueue;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.TxIdDescriptor;
import io.ledgerguard.core.internal.UndoLog;

/**
 * Idempotency (I6) within the txId window (SPEC §11): every txId decided is recorded with its command's fingerprint
 * and its outcome, so that the same command again gets the same decision and changes nothing, and the same id with
 * other fields is {@link Reason#TX_ID_REUSED}. An accepted batch records its inner commands' ids too; a rejected one
 * only its own.
 * <p>
 * Each id is also queued with the sequenced time it was recorded at. Once older than the window it is forgotten, a
 * bounded number per command ({@link #EXPIRIES_PER_COMMAND_MAX}), so that expiry never pauses the guard; and a
 * command whose own time is older than the window is refused, so that a forgotten id can never be applied twice.
 * Control commands may use a reserve beyond the limit, so that a table full of ordinary commands never stops them.
 * <p>
 * The outcome word: reason code (bits 0-15), failed inner index + 1 (bits 16-31), exhausted table ordinal + 1 (bits
 * 32-39).
 */
public final class Idempotency
{
    /** {@code TableKind.values()} copies its array on every call; the duplicate path must not allocate. */
    private static final TableKind[] TABLES = TableKind.values();

    /**
     * Most ids forgotten per command: twice what one command can record (a full batch and its own id), so that expiry
     * keeps up with any stream and works off a backlog, in bounded work.
     */
    public static final int EXPIRIES_PER_COMMAND_MAX = 2 * (Command.BATCH_COMMANDS_MAX + 1);
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final CommandContext context;
    private final OffHeapTable txIds;
    private final ExpiryQueue expiry;
    private final long ordinaryMax;
    private final long windowMs;

    public Idempotency(
        final GuardConfig.Limits limits,
        final GuardConfig.Retention retention,
        final CommandContext context,
        final UndoLog undo)
    {
        this.context = context;
        final long entriesMax = limits.entriesMax(TableKind.TX_IDS);
        txIds = new OffHeapTable(entriesMax, TxIdDescriptor.WORDS, 1, undo);
        expiry = new ExpiryQueue(entriesMax, undo);
        ordinaryMax = limits.txIdsMax;
        windowMs = retention.txIdWindowMs;
    }

    /**
     * Forget the ids recorded longer ago than the window, the oldest first, at most
     * {@link #EXPIRIES_PER_COMMAND_MAX}. Called before each command, outside any batch.
     *
     * @return how many were forgotten.
     */
    public int expire()
    {
        final long nowMs = context.nowMs();
        int expired = 0;
        while (expired < EXPIRIES_PER_COMMAND_MAX && expiry.headDue(nowMs, windowMs))
        {
            final int record = txIds.find(expiry.headKey(), 0);
            assert record >= 0 : "queued txId not recorded: " + expiry.headKey();
            txIds.remove(record);
            expiry.pop();
            expired++;
        }
        assert txIds.size() == expiry.size() : "txIds=" + txIds.size() + ", queued=" + expiry.size();
        return expired;
    }

    /**
     * @return true when the command's own time ({@link Command#submittedAtMs}, else its sequenced time) is older than
     *         the window: its id may already be forgotten.
     */
    public boolean isOlderThanWindow(final Command command)
    {
        final long ownMs = command.submittedAtMs != 0 ?
            command.submittedAtMs : Math.floorDiv(command.timestampNs, NANOS_PER_MILLI);
        return context.nowMs() - ownMs > windowMs;
    }

    /**
     * @param control true for a control command, which may use the reserve.
     * @return true when the table has room for this many more ids.
     */
    public boolean hasRoomFor(final long count, final boolean control)
    {
        return control ? txIds.hasRoomFor(count) : txIds.size() + count <= ordinaryMax;
    }

    /**
     * @return true for the commands that must never fail for lack of table space (SPEC §11).
     */
    public static boolean isControl(final CommandType type)
    {
        switch (type)
        {
            case HALT:
            case FREEZE:
            case RESUME:
            case UNFREEZE:
            case ATTEST:
            case INFLOW:
                return true;
            default:
                return false;
        }
    }

    /**
     * @return the txId's record, its slot offset, or -1 when the id is new.
     */
    public int find(final long txId)
    {
        return txIds.find(txId, 0);
    }

    public long fingerprint(final int record)
    {
        return txIds.get(record, TxIdDescriptor.FINGERPRINT);
    }

    /**
     * The same command again: answer with the recorded decision, linked reasons included, and change nothing.
     *
     * @return the recorded reason.
     */
    public Reason originalDecision(final Command command, final int record, final Decision decision)
    {
        final long outcome = txIds.get(record, TxIdDescriptor.OUTCOME);
        final Reason reason = Reason.fromCode((int)(outcome & 0xFFFF));
        assert reason != null : "bad outcome word: " + outcome;
        final int failedIndex = (int)((outcome >>> 16) & 0xFFFF) - 1;
        final int table = (int)((outcome >>> 32) & 0xFF) - 1;
        decision.duplicate = true;
        decision.exhaustedTable = table >= 0 ? TABLES[table] : null;
        if (command.type == CommandType.BATCH)
        {
            final int count = command.batchCount;
            decision.linkedCount = count;
            for (int i = 0; i < count; i++)
            {
                decision.linkedTxIds[i] = command.inner(i).txId;
                decision.linkedReasons[i] = reason == Reason.OK ? Reason.OK :
                    (i == failedIndex ? reason : Reason.LINKED_COMMAND_FAILED);
            }
        }
        return reason;
    }

    /**
     * An inner command of a batch must carry a usable id that no command, and no other command of the batch, has.
     */
    public Reason checkLinkedId(final Command batch, final int index)
    {
        final Command inner = batch.inner(index);
        if (inner.type == null)
        {
            return Reason.MALFORMED_COMMAND;
        }
        if (inner.type == CommandType.BATCH)
        {
            return Reason.BATCH_MUST_NOT_BE_NESTED;
        }
        final long id = inner.txId;
        if (id <= 0)
        {
            return Reason.TX_ID_MUST_BE_POSITIVE;
        }
        if (id == batch.txId || find(id) >= 0)
        {
            return Reason.TX_ID_REUSED;
        }
        for (int j = 0; j < index; j++)
        {
            if (batch.inner(j).txId == id)
            {
                return Reason.TX_ID_REUSED;
            }
        }
        return Reason.OK;
    }

    /**
     * Record a decided txId.
     *
     * @param failedIndex the inner command of a batch that failed, -1 for none.
     * @param table       the table a {@link Reason#CAPACITY_EXHAUSTED} names, or null.
     */
    public void record(
        final long txId, final long fingerprint, final Reason reason, final int failedIndex, final TableKind table)
    {
        assert find(txId) < 0 : "txId recorded twice: " + txId;
        final long outcome = reason.code() |
            ((long)(failedIndex + 1) << 16) |
            ((long)(table == null ? 0 : table.ordinal() + 1) << 32);
        final int offset = txIds.insert(txId, 0);
        txIds.put(offset, TxIdDescriptor.FINGERPRINT, fingerprint);
        txIds.put(offset, TxIdDescriptor.OUTCOME, outcome);
        expiry.push(txId, context.nowMs());
        assert txIds.get(offset, TxIdDescriptor.OUTCOME) == outcome : "outcome not recorded: txId=" + txId;
        assert txIds.size() == expiry.size() : "txIds=" + txIds.size() + ", queued=" + expiry.size();
    }

    /**
     * Replay after the limits were raised (SPEC §11): give a txId's record another command's decision, where the
     * journal decided that command anew because its smaller reserve had not recorded the first. The record keeps its
     * place in the expiry queue.
     *
     * @param record      the txId's record.
     * @param fingerprint the new command's.
     * @param reason      its decision.
     * @param table       the table a {@link Reason#CAPACITY_EXHAUSTED} names, or null.
     */
    public void rerecord(final int record, final long fingerprint, final Reason reason, final TableKind table)
    {
        final long outcome = reason.code() | ((long)(table == null ? 0 : table.ordinal() + 1) << 32);
        txIds.put(record, TxIdDescriptor.FINGERPRINT, fingerprint);
        txIds.put(record, TxIdDescriptor.OUTCOME, outcome);
    }

    /**
     * @return the txIds table: for snapshots, reading and the audit, never written outside this room.
     */
    public OffHeapTable table()
    {
        return txIds;
    }

    /**
     * @return the ids in the order they expire: for snapshots and hashing, never written outside this room.
     */
    public ExpiryQueue expiryQueue()
    {
        return expiry;
    }

    /**
     * @return how many ids ordinary commands may have recorded: the configured limit, without the control reserve.
     */
    public long ordinaryMax()
    {
        return ordinaryMax;
    }
}
