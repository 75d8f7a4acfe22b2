package io.ledgerguard.core.engine;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.StateHash;
import io.ledgerguard.core.internal.AccountDescriptor;
import io.ledgerguard.core.internal.CreditDescriptor;
import io.ledgerguard.core.internal.ExpiryQueue;
import io.ledgerguard.core.internal.HoldDescriptor;
import io.ledgerguard.core.internal.InflowDescriptor;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.PositionDescriptor;
import io.ledgerguard.core.internal.TxIdDescriptor;

/**
 * The state hash (I7): a digest of every {@link StatePart} that does not depend on the order entries were inserted
 * in, for replay equality. Reads every slot of every table: not for the apply path.
 */
public final class StateHasher
{
    /** The hash tag of the rules record: after every {@link StatePart#hashTag()}. */
    static final int RULES_TAG = 64;
    private final EngineParts parts;

    public StateHasher(final EngineParts parts)
    {
        this.parts = parts;
    }

    /**
     * @return the state hash, as of the last command applied.
     */
    public StateHash hash()
    {
        final StateHash.Builder ledger = new StateHash.Builder();
        final StateHash.Builder decisions = new StateHash.Builder();
        for (int i = 0; i < StatePart.count(); i++)
        {
            final StatePart part = StatePart.of(i);
            hash(part, part.inDecisionsDigest() ? decisions : ledger);
        }
        // SPEC §13: the rules in force, once a change was accepted; before it they are the genesis, which the
        // journal's chain seals (and a state hash of a journal without changes stays what earlier builds computed).
        if (parts.configuration.changes() > 0)
        {
            final UnsafeBuffer record = parts.configuration.record();
            ledger.add(RULES_TAG, record, 0, record.capacity() / 8, -1);
        }
        return new StateHash(ledger, decisions);
    }

    private void hash(final StatePart part, final StateHash.Builder builder)
    {
        final int tag = part.hashTag();
        switch (part)
        {
            case ACCOUNTS:
                hashTable(builder, tag, parts.accounts.accountsTable(), AccountDescriptor.WORDS, -1);
                break;
            case POSITIONS:
                hashTable(builder, tag, parts.accounts.positionsTable(), PositionDescriptor.WORDS, -1);
                break;
            case HOLDS:
                // A hold's position offset is a cache that depends on insertion order; the position is in its key.
                hashTable(builder, tag, parts.holds.table(), HoldDescriptor.WORDS, HoldDescriptor.POSITION_OFFSET);
                break;
            case TX_IDS:
                hashTable(builder, tag, parts.idempotency.table(), TxIdDescriptor.WORDS, -1);
                break;
            case INFLOWS:
                hashInflows(builder, tag);
                break;
            case ASSETS:
                // Whether a staleness alert was raised is bookkeeping for alerts, not ledger state.
                hashRecords(builder, tag, parts.assets.buffer(), parts.assets.count(), AssetDescriptor.WORDS,
                    AssetDescriptor.STALE);
                break;
            case WALLETS:
                hashRecords(builder, tag, parts.wallets.buffer(), parts.wallets.count(), WalletDescriptor.WORDS, -1);
                break;
            case GLOBALS:
                hashGlobals(builder, tag);
                break;
            case WINDOWS:
                hashWindows(builder, tag);
                break;
            case CREDITS:
                hashTable(builder, tag, parts.credits.table(), CreditDescriptor.WORDS, -1);
                break;
            case TX_ID_EXPIRY:
                hashExpiry(builder, tag, parts.idempotency.expiryQueue());
                break;
            case CREDIT_EXPIRY:
                hashExpiry(builder, tag, parts.credits.expiryQueue());
                break;
            case INFLOW_EXPIRY:
                hashExpiry(builder, tag, parts.custody.expiryQueue());
                break;
            default:
                throw new IllegalStateException("unhashed state part: " + part);
        }
    }

    private void hashInflows(final StateHash.Builder builder, final int tag)
    {
        final UnsafeBuffer buffer = parts.custody.inflows().buffer();
        for (int i = 0, capacity = parts.custody.inflows().capacity(); i < capacity; i++)
        {
            final int offset = parts.custody.inflows().slotOffset(i);
            if (buffer.getLong(offset) != 0)
            {
                builder.add(tag, buffer, offset, InflowDescriptor.SLOT_BYTES / 8, -1);
            }
        }
    }

    private static void hashExpiry(final StateHash.Builder builder, final int tag, final ExpiryQueue queue)
    {
        for (int i = 0, size = queue.size(); i < size; i++)
        {
            builder.add(tag, queue.buffer(), queue.entryOffset(i), 2, -1);
        }
    }

    private void hashGlobals(final StateHash.Builder builder, final int tag)
    {
        final UnsafeBuffer buffer = parts.globals.buffer();
        builder.add(tag, buffer, GlobalDescriptor.offset(GlobalDescriptor.FLAGS), 1, -1);
        builder.add(StatePart.GLOBAL_HALTED_AT_TAG, buffer, GlobalDescriptor.offset(GlobalDescriptor.HALTED_AT_MS), 1,
            -1);
    }

    private void hashWindows(final StateHash.Builder builder, final int tag)
    {
        final int assetCount = parts.assets.count();
        final int walletCount = parts.wallets.count();
        for (int i = 0, n = WindowDescriptor.count(assetCount, walletCount); i < n; i++)
        {
            builder.add(tag, parts.windows.buffer(), Windows.offsetOf(i, assetCount, walletCount),
                WindowDescriptor.WORDS, -1);
        }
    }

    private static void hashRecords(
        final StateHash.Builder builder, final int tag, final UnsafeBuffer buffer, final int count, final int words,
        final int skipWord)
    {
        for (int i = 0; i < count; i++)
        {
            builder.add(tag, buffer, i * words * 8, words, skipWord);
        }
    }

    private static void hashTable(
        final StateHash.Builder builder, final int tag, final OffHeapTable table, final int words, final int skipWord)
    {
        for (int i = 0, capacity = table.capacity(); i < capacity; i++)
        {
            final int offset = table.slotOffset(i);
            if (table.isOccupied(offset))
            {
                builder.add(tag, table.buffer(), offset, words, skipWord);
            }
        }
    }
}
