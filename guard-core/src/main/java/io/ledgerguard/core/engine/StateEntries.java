package io.ledgerguard.core.engine;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine.StateEntryVisitor;
import io.ledgerguard.core.StateDoesNotFitException;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.Descriptors;
import io.ledgerguard.core.internal.ExpiryQueue;
import io.ledgerguard.core.internal.HoldDescriptor;
import io.ledgerguard.core.internal.InflowTable;
import io.ledgerguard.core.internal.OffHeapTable;

/**
 * The state as a snapshot holds it (SPEC §8, §11): each {@link StatePart} a list of entries of one length. A table
 * gives its occupied slots only, an expiry queue its entries oldest first, and the per-asset, per-wallet and global
 * records are given whole. Nothing in an entry depends on a table's capacity (a credit names its inflow by hash), so
 * a snapshot is proportional to the live state and restores into tables of any limits that hold it. The one slot
 * offset in an entry, a hold's position offset, is a cache: it is found again on restore.
 * <p>
 * Off the apply path: reading walks every slot of every table, and restoring writes around the undo log into an
 * engine that applies nothing meanwhile.
 */
public final class StateEntries
{
    private final EngineParts parts;
    /** While a snapshot's entries are restored: how many asset and wallet records it holds; -1 otherwise. */
    private int restoringAssets = -1;
    private int restoringWallets = -1;

    /**
     * @param parts the engine's rooms.
     */
    public StateEntries(final EngineParts parts)
    {
        this.parts = parts;
    }

    /**
     * @param part a part of the state.
     * @return the length of each of its entries, in bytes.
     */
    public int entryBytes(final StatePart part)
    {
        switch (part)
        {
            // A table's entry is its slot, as the table lays it out.
            case ACCOUNTS:
            case POSITIONS:
            case HOLDS:
            case TX_IDS:
            case INFLOWS:
            case CREDITS:
                return Descriptors.slotBytes(tableOf(part));
            case ASSETS: return AssetDescriptor.WORDS * 8;
            case WALLETS: return WalletDescriptor.WORDS * 8;
            case GLOBALS: return GlobalDescriptor.BYTES;
            case WINDOWS: return WindowDescriptor.WORDS * 8;
            case TX_ID_EXPIRY:
            case CREDIT_EXPIRY:
            case INFLOW_EXPIRY:
                return ExpiryQueue.ENTRY_BYTES;
            default: throw new IllegalStateException("state part without entries: " + part);
        }
    }

    /**
     * @param part a part of the state.
     * @return how many entries it has.
     */
    public long entryCount(final StatePart part)
    {
        switch (part)
        {
            case ACCOUNTS: return parts.accounts.accountsTable().size();
            case POSITIONS: return parts.accounts.positionsTable().size();
            case HOLDS: return parts.holds.table().size();
            case TX_IDS: return parts.idempotency.table().size();
            case INFLOWS: return parts.custody.inflows().size();
            case ASSETS: return parts.assets.count();
            case WALLETS: return parts.wallets.count();
            case GLOBALS: return 1;
            case WINDOWS: return WindowDescriptor.count(parts.assets.count(), parts.wallets.count());
            case CREDITS: return parts.credits.table().size();
            case TX_ID_EXPIRY: return parts.idempotency.expiryQueue().size();
            case CREDIT_EXPIRY: return parts.credits.expiryQueue().size();
            case INFLOW_EXPIRY: return parts.custody.expiryQueue().size();
            default: throw new IllegalStateException("state part without entries: " + part);
        }
    }

    /**
     * Visit every entry of a part, in order.
     *
     * @param part    a part of the state.
     * @param visitor receives each entry.
     */
    public void forEach(final StatePart part, final StateEntryVisitor visitor)
    {
        switch (part)
        {
            case ACCOUNTS: forEachSlot(parts.accounts.accountsTable(), visitor); break;
            case POSITIONS: forEachSlot(parts.accounts.positionsTable(), visitor); break;
            case HOLDS: forEachSlot(parts.holds.table(), visitor); break;
            case TX_IDS: forEachSlot(parts.idempotency.table(), visitor); break;
            case INFLOWS: forEachInflow(visitor); break;
            case CREDITS: forEachSlot(parts.credits.table(), visitor); break;
            case TX_ID_EXPIRY: forEachQueued(parts.idempotency.expiryQueue(), visitor); break;
            case CREDIT_EXPIRY: forEachQueued(parts.credits.expiryQueue(), visitor); break;
            case INFLOW_EXPIRY: forEachQueued(parts.custody.expiryQueue(), visitor); break;
            case ASSETS:
            case WALLETS:
            case GLOBALS:
                forEachRecord(parts.buffer(part), entryBytes(part), entryCount(part), visitor);
                break;
            case WINDOWS:
                final int assetCount = parts.assets.count();
                final int walletCount = parts.wallets.count();
                for (int i = 0, n = WindowDescriptor.count(assetCount, walletCount); i < n; i++)
                {
                    visitor.entry(parts.windows.buffer(), Windows.offsetOf(i, assetCount, walletCount));
                }
                break;
            default: throw new IllegalStateException("state part without entries: " + part);
        }
    }

    /**
     * Before the entries of a part are restored: refuse what the engine's limits cannot hold, and the records
     * whose number the configuration fixes when it fixes another number.
     *
     * @param part  a part of the state.
     * @param count how many entries the snapshot has for it.
     * @throws StateDoesNotFitException when they do not fit.
     */
    public void beginRestore(final StatePart part, final long count)
    {
        final TableKind table = tableOf(part);
        if (table != null)
        {
            final long max = parts.capacity.sizeMax(table);
            // The txIds table also holds the control commands' reserve (SPEC §11).
            final long room = table == TableKind.TX_IDS ? parts.idempotency.table().sizeMax() : max;
            if (count > room)
            {
                throw new StateDoesNotFitException("the snapshot holds " + count + " " + part.snapshotName() +
                    " but limits." + table.limitKey() + " is " + max + ": limits can be raised, never lowered below " +
                    "the live state");
            }
        }
        else if (part == StatePart.ASSETS || part == StatePart.WALLETS)
        {
            // A snapshot taken after assets were listed or wallets added holds more than the genesis: its rules, which
            // come last, must then list as many (checkRestoredShape).
            final int max = part == StatePart.ASSETS ? GuardConfig.ASSETS_MAX : GuardConfig.WALLETS_MAX;
            if (count < 0 || count > max)
            {
                throw new IllegalStateException("the snapshot holds " + count + " " + part.snapshotName() +
                    " records, at most " + max + " can be listed");
            }
            if (part == StatePart.ASSETS)
            {
                restoringAssets = (int)count;
            }
            else
            {
                restoringWallets = (int)count;
            }
        }
        else if (count != restoringCount(part))
        {
            throw new IllegalStateException("the snapshot holds " + count + " " + part.snapshotName() +
                " records for " + assetsRestoring() + " assets and " + walletsRestoring() + " wallets, expected " +
                restoringCount(part));
        }
    }

    private long restoringCount(final StatePart part)
    {
        return part == StatePart.WINDOWS ? WindowDescriptor.count(assetsRestoring(), walletsRestoring()) :
            entryCount(part);
    }

    private int assetsRestoring()
    {
        return restoringAssets < 0 ? parts.assets.count() : restoringAssets;
    }

    private int walletsRestoring()
    {
        return restoringWallets < 0 ? parts.wallets.count() : restoringWallets;
    }

    /**
     * Forget a restore begun and not finished: the state was replaced whole since (a copy after a failed load).
     */
    public void abandonRestore()
    {
        restoringAssets = -1;
        restoringWallets = -1;
    }

    /**
     * After the rules a snapshot holds were taken: the assets and wallets they list must be the records the snapshot
     * holds.
     *
     * @param withRules false for a snapshot written before rules were part of it: it must then be of the assets and
     *                  wallets this engine was built with.
     * @throws StateDoesNotFitException when a snapshot without rules holds other assets or wallets.
     * @throws IllegalStateException    when a snapshot's rules and records disagree: a corrupt snapshot.
     */
    public void checkRestoredShape(final boolean withRules)
    {
        final int assets = assetsRestoring();
        final int wallets = walletsRestoring();
        restoringAssets = -1;
        restoringWallets = -1;
        if (assets == parts.assets.count() && wallets == parts.wallets.count())
        {
            return;
        }
        final String held = "the snapshot holds " + assets + " assets and " + wallets + " wallets, ";
        if (!withRules)
        {
            throw new StateDoesNotFitException(held + "the configuration " + parts.assets.count() + " and " +
                parts.wallets.count() + ": the assets and wallets must be the ones the snapshot was taken with");
        }
        throw new IllegalStateException(held + "its rules list " + parts.assets.count() + " and " +
            parts.wallets.count());
    }

    /**
     * Restore one entry of a part, in the order {@link #forEach} gave them.
     *
     * @param part   a part of the state.
     * @param index  the entry's place in its part, from 0.
     * @param buffer holds the entry.
     * @param offset where it starts.
     */
    public void restore(final StatePart part, final long index, final DirectBuffer buffer, final int offset)
    {
        switch (part)
        {
            case ACCOUNTS: parts.accounts.accountsTable().restore(buffer, offset); break;
            case POSITIONS: parts.accounts.positionsTable().restore(buffer, offset); break;
            case HOLDS: restoreHold(buffer, offset); break;
            case TX_IDS: parts.idempotency.table().restore(buffer, offset); break;
            case INFLOWS: parts.custody.inflows().restore(buffer, offset); break;
            case CREDITS: parts.credits.table().restore(buffer, offset); break;
            case TX_ID_EXPIRY: restoreQueued(parts.idempotency.expiryQueue(), buffer, offset); break;
            case CREDIT_EXPIRY: restoreQueued(parts.credits.expiryQueue(), buffer, offset); break;
            case INFLOW_EXPIRY: restoreQueued(parts.custody.expiryQueue(), buffer, offset); break;
            case ASSETS:
            case WALLETS:
            case GLOBALS:
                final int bytes = entryBytes(part);
                parts.buffer(part).putBytes((int)index * bytes, buffer, offset, bytes);
                break;
            case WINDOWS:
                parts.windows.buffer().putBytes(Windows.offsetOf((int)index, assetsRestoring(), walletsRestoring()),
                    buffer, offset, entryBytes(part));
                break;
            default: throw new IllegalStateException("state part without entries: " + part);
        }
    }

    /**
     * After every part was restored: what refers across parts must hold.
     *
     * @throws IllegalStateException when an expiry queue and its table disagree: a corrupt snapshot.
     */
    public void endRestore()
    {
        checkQueued(StatePart.TX_IDS, parts.idempotency.table().size(), parts.idempotency.expiryQueue().size());
        checkQueued(StatePart.INFLOWS, parts.custody.inflows().size(), parts.custody.expiryQueue().size());
    }

    private static void checkQueued(final StatePart part, final long held, final long queued)
    {
        if (held != queued)
        {
            throw new IllegalStateException("the snapshot holds " + held + " " + part.snapshotName() + " but " +
                queued + " in their expiry queue");
        }
    }

    private static TableKind tableOf(final StatePart part)
    {
        switch (part)
        {
            case ACCOUNTS: return TableKind.ACCOUNTS;
            case POSITIONS: return TableKind.POSITIONS;
            case HOLDS: return TableKind.HOLDS;
            case TX_IDS:
            case TX_ID_EXPIRY:
                return TableKind.TX_IDS;
            case INFLOWS:
            case INFLOW_EXPIRY:
                return TableKind.INFLOWS;
            case CREDITS:
            case CREDIT_EXPIRY:
                return TableKind.CREDITS;
            default: return null;
        }
    }

    private void restoreHold(final DirectBuffer buffer, final int offset)
    {
        final OffHeapTable holds = parts.holds.table();
        final int hold = holds.restore(buffer, offset);
        final long accountId = holds.get(hold, HoldDescriptor.ACCOUNT_ID);
        final int asset = (int)holds.get(hold, HoldDescriptor.ASSET_KIND);
        final int position = parts.accounts.findPosition(accountId, asset);
        if (position < 0)
        {
            throw new IllegalStateException("hold " + holds.get(hold, HoldDescriptor.ID) + " is on a position " +
                "the snapshot does not hold: accountId=" + accountId + ", assetIndex=" + asset);
        }
        holds.buffer().putLong(hold + HoldDescriptor.POSITION_OFFSET * 8, position);
    }

    private static void restoreQueued(final ExpiryQueue queue, final DirectBuffer buffer, final int offset)
    {
        if (queue.size() == queue.capacity())
        {
            throw new IllegalStateException("an expiry queue holds more entries than its table's limit, " +
                queue.capacity());
        }
        queue.push(buffer.getLong(offset), buffer.getLong(offset + 8));
    }

    private static void forEachSlot(final OffHeapTable table, final StateEntryVisitor visitor)
    {
        for (int i = 0, capacity = table.capacity(); i < capacity; i++)
        {
            final int offset = table.slotOffset(i);
            if (table.isOccupied(offset))
            {
                visitor.entry(table.buffer(), offset);
            }
        }
    }

    private void forEachInflow(final StateEntryVisitor visitor)
    {
        final InflowTable inflows = parts.custody.inflows();
        for (int i = 0, capacity = inflows.capacity(); i < capacity; i++)
        {
            final int offset = inflows.slotOffset(i);
            if (inflows.isOccupied(offset))
            {
                visitor.entry(inflows.buffer(), offset);
            }
        }
    }

    private static void forEachQueued(final ExpiryQueue queue, final StateEntryVisitor visitor)
    {
        for (int i = 0, size = queue.size(); i < size; i++)
        {
            visitor.entry(queue.buffer(), queue.entryOffset(i));
        }
    }

    private static void forEachRecord(
        final UnsafeBuffer buffer, final int bytes, final long count, final StateEntryVisitor visitor)
    {
        for (int i = 0; i < count; i++)
        {
            visitor.entry(buffer, i * bytes);
        }
    }
}
