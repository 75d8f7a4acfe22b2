package io.ledgerguard.core.engine;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.TxIdDescriptor;
import io.ledgerguard.core.internal.UndoLog;

/**
 * Idempotency (I6): every txId decided is recorded with its command's fingerprint and its outcome, so that the same
 * command again gets the same decision and changes nothing, and the same id with other fields is
 * {@link Reason#TX_ID_REUSED}. An accepted batch records its inner commands' ids too; a rejected one only its own.
 * <p>
 * The outcome word: reason code (bits 0-15), failed inner index + 1 (bits 16-31), exhausted table ordinal + 1 (bits
 * 32-39).
 */
public final class Idempotency
{
    /** {@code TableKind.values()} copies its array on every call; the duplicate path must not allocate. */
    private static final TableKind[] TABLES = TableKind.values();

    private final OffHeapTable txIds;

    public Idempotency(final GuardConfig.Limits limits, final UndoLog undo)
    {
        txIds = new OffHeapTable(limits.txIdsMax, TxIdDescriptor.WORDS, 1, undo);
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
     * @return true when the table has room for this many more ids.
     */
    public boolean hasRoomFor(final long count)
    {
        return txIds.hasRoomFor(count);
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
        assert txIds.get(offset, TxIdDescriptor.OUTCOME) == outcome : "outcome not recorded: txId=" + txId;
    }

    /**
     * @return the txIds table: for snapshots, reading and the audit, never written outside this room.
     */
    public OffHeapTable table()
    {
        return txIds;
    }
}
