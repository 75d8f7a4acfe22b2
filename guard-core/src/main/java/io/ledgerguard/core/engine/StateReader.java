package io.ledgerguard.core.engine;

import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.StateView;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.AccountDescriptor;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.PositionDescriptor;

/**
 * Copies the state a monitor on another thread asks for into a {@link StateView}: the kill switches, the number of
 * frozen accounts, every wallet, and one account's positions. It reads without locks or allocation; whether the
 * reading is consistent is for the caller's sequence lock to tell (see
 * {@link io.ledgerguard.core.GuardEngine#readState(StateView)}). Lookups stay inside their tables whatever a
 * concurrent writer does.
 */
public final class StateReader
{
    /** {@code TableKind.values()} copies its array on every call. */
    private static final TableKind[] TABLES = TableKind.values();

    private final EngineParts parts;

    public StateReader(final EngineParts parts)
    {
        this.parts = parts;
    }

    /**
     * @param view filled in; consistent only if no command was applied meanwhile.
     */
    public void read(final StateView view)
    {
        final Globals globals = parts.globals;
        view.commandsApplied = globals.get(GlobalDescriptor.COMMANDS);
        view.lastTimestampNs = globals.get(GlobalDescriptor.LAST_TIMESTAMP_NS);
        view.haltedAll = parts.killSwitches.globalSwitch() == KillSwitchState.ENGAGED;
        view.haltedAllSinceMs = globals.get(GlobalDescriptor.HALTED_AT_MS);
        view.frozenAccounts = globals.get(GlobalDescriptor.FROZEN_ACCOUNTS);
        for (final TableKind table : TABLES)
        {
            view.tableSizes[table.ordinal()] = parts.tableSize(table);
            view.tableWarned[table.ordinal()] = parts.capacity.isWarned(table);
        }
        final Wallets wallets = parts.wallets;
        final Assets assets = parts.assets;
        view.walletCount = wallets.count();
        view.assetCount = assets.count();
        for (int a = 0; a < assets.count(); a++)
        {
            view.assetIds[a] = assets.id(a);
            view.assetCodes[a] = assets.code(a);
            view.assetRetired[a] = assets.isRetired(a);
            final boolean halted = parts.killSwitches.assetSwitch(a) == KillSwitchState.ENGAGED;
            view.assetHaltedSinceMs[a] = halted ? assets.get(a, AssetDescriptor.HALTED_AT_MS) : 0;
            view.assetHaltCause[a] = halted ? (int)assets.get(a, AssetDescriptor.HALT_CAUSE) : 0;
            final boolean outflows = parts.killSwitches.outflowSwitch(a) == KillSwitchState.ENGAGED;
            view.assetOutflowsHaltedSinceMs[a] = outflows ? assets.get(a, AssetDescriptor.OUTFLOWS_HALTED_AT_MS) : 0;
            view.assetOutflowsHaltCause[a] = outflows ? (int)assets.get(a, AssetDescriptor.OUTFLOWS_HALT_CAUSE) : 0;
        }
        for (int w = 0; w < wallets.count(); w++)
        {
            view.walletIds[w] = wallets.id(w);
            view.walletAssetIndex[w] = wallets.assetIndex(w);
            view.walletKinds[w] = wallets.kind(w);
            view.walletRetired[w] = wallets.isRetired(w);
            view.walletAttested[w] = wallets.get(w, WalletDescriptor.ATTESTED);
            view.walletAttestedAtMs[w] = wallets.get(w, WalletDescriptor.ATTESTED_AT_MS);
            view.walletExpected[w] = wallets.get(w, WalletDescriptor.EXPECTED);
            view.walletPending[w] = wallets.get(w, WalletDescriptor.PENDING);
            view.walletHalted[w] = parts.killSwitches.walletSwitch(w) == KillSwitchState.ENGAGED;
            view.walletHaltedSinceMs[w] = wallets.get(w, WalletDescriptor.HALTED_AT_MS);
        }
        final long accountId = view.accountId;
        final Accounts accounts = parts.accounts;
        final int account = accountId != 0 ? accounts.find(accountId) : -1;
        view.accountFound = account >= 0;
        view.accountKindStatus = account >= 0 ? accounts.kindStatusWord(account) : 0;
        for (int a = 0; a < parts.assets.count(); a++)
        {
            final int position = account >= 0 ? accounts.findPosition(accountId, a) : -1;
            view.hasPosition[a] = position >= 0;
            view.available[a] = position >= 0 ? accounts.available(position) : 0;
            view.held[a] = position >= 0 ? accounts.held(position) : 0;
        }
    }

    /**
     * Visit every position, in table order: for the applying thread or a stopped engine.
     */
    public void forEachPosition(final GuardEngine.PositionVisitor visitor)
    {
        final OffHeapTable positions = parts.accounts.positionsTable();
        for (int i = 0, capacity = positions.capacity(); i < capacity; i++)
        {
            final int offset = positions.slotOffset(i);
            if (positions.isOccupied(offset))
            {
                visitor.onPosition(
                    positions.get(offset, PositionDescriptor.ACCOUNT_ID),
                    (int)positions.get(offset, PositionDescriptor.ASSET_INDEX),
                    positions.get(offset, PositionDescriptor.AVAILABLE),
                    positions.get(offset, PositionDescriptor.HELD),
                    positions.get(offset, PositionDescriptor.CREDIT_LIMIT));
            }
        }
    }

    /**
     * Visit every account, in table order: for the applying thread or a stopped engine.
     */
    public void forEachAccount(final GuardEngine.AccountVisitor visitor)
    {
        final OffHeapTable accounts = parts.accounts.accountsTable();
        for (int i = 0, capacity = accounts.capacity(); i < capacity; i++)
        {
            final int offset = accounts.slotOffset(i);
            if (accounts.isOccupied(offset))
            {
                visitor.onAccount(accounts.get(offset, AccountDescriptor.ID), parts.accounts.kind(offset),
                    parts.accounts.status(offset));
            }
        }
    }
}
