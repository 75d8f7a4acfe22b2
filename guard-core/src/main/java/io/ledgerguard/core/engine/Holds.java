package io.ledgerguard.core.engine;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.HoldDescriptor;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.PositionDescriptor;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.engine.Arithmetic.overflows;

/**
 * Holds (SPEC §2): two-phase reservations of part of a position, for an order ({@code HOLD}, {@code RELEASE}, a
 * {@code TRANSFER} from the hold) or a withdrawal (see {@link Withdrawals}). Keeps each asset's held counter. A hold
 * emptied by a command is removed once the command (or its whole batch) is decided, so that a batch rolled back finds
 * it again.
 */
public final class Holds
{
    private final CommandContext context;
    private final UndoLog undo;
    private final Assets assets;
    private final Accounts accounts;
    private final KillSwitches killSwitches;
    private final OffHeapTable holds;
    private final long[] toRemove = new long[Command.BATCH_COMMANDS_MAX + 1];
    private int toRemoveCount;

    public Holds(
        final GuardConfig.Limits limits,
        final CommandContext context,
        final UndoLog undo,
        final Assets assets,
        final Accounts accounts,
        final KillSwitches killSwitches)
    {
        this.context = context;
        this.undo = undo;
        this.assets = assets;
        this.accounts = accounts;
        this.killSwitches = killSwitches;
        holds = new OffHeapTable(limits.holdsMax, HoldDescriptor.WORDS, 1, undo);
    }

    /**
     * {@code HOLD}: reserve part of a position's available for an order.
     */
    public Reason hold(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkHold(command);
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        if (check != Reason.OK)
        {
            return check;
        }
        final int asset = assets.index(command.assetId);
        final int position = accounts.findPosition(command.accountId, asset);
        reserve(command, asset, position, HoldDescriptor.KIND_ORDER, -1);
        return Reason.OK;
    }

    private Reason checkHold(final Command command)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        if (command.holdId == 0)
        {
            return Reason.HOLD_ID_MUST_NOT_BE_ZERO;
        }
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        final int asset = assets.index(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int account = accounts.find(command.accountId);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        if (exists(command.holdId))
        {
            return Reason.HOLD_ALREADY_EXISTS;
        }
        if (killSwitches.isHalted(asset))
        {
            return Reason.ASSET_HALTED;
        }
        final Reason status = accounts.checkDebitable(account);
        if (status != Reason.OK)
        {
            return status;
        }
        final int position = accounts.findPosition(command.accountId, asset);
        if (position < 0 || amount > accounts.spendable(position))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        final Reason reservable = checkReserve(asset, position, amount);
        if (reservable != Reason.OK)
        {
            return reservable;
        }
        return checkRoom();
    }

    /**
     * {@code RELEASE}: give part of an order hold back to available.
     */
    public Reason release(final Command command)
    {
        if (command.holdId == 0)
        {
            return Reason.HOLD_ID_MUST_NOT_BE_ZERO;
        }
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final int hold = find(command.holdId);
        if (hold < 0)
        {
            return Reason.HOLD_NOT_FOUND;
        }
        if (kind(hold) != HoldDescriptor.KIND_ORDER)
        {
            return Reason.HOLD_IS_WITHDRAWAL;
        }
        if (amount > remaining(hold))
        {
            return Reason.HOLD_AMOUNT_EXCEEDED;
        }
        unreserve(command.holdId, hold, amount);
        return Reason.OK;
    }

    /**
     * The check phase of a reservation, after the command's own rules: what is held must not overflow.
     */
    public Reason checkReserve(final int asset, final int position, final long amount)
    {
        if (overflows(accounts.held(position), amount) || overflows(assets.get(asset, AssetDescriptor.HELD), amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        return Reason.OK;
    }

    /**
     * @return {@link Reason#CAPACITY_EXHAUSTED} naming the holds table when a new hold has no room.
     */
    public Reason checkRoom()
    {
        return holds.isFull() ? context.exhausted(TableKind.HOLDS) : Reason.OK;
    }

    /**
     * Move the command's amount from the position's available to held, under a new hold.
     *
     * @param wallet the wallet of a withdrawal, -1 for an order hold.
     */
    public void reserve(final Command command, final int asset, final int position, final int kind, final int wallet)
    {
        final long amount = command.amount;
        final long held = accounts.held(position);
        assert amount > 0 : "amount=" + amount;
        assert !exists(command.holdId) : "hold exists: holdId=" + command.holdId;
        final int hold = holds.insert(command.holdId, 0);
        holds.put(hold, HoldDescriptor.ACCOUNT_ID, command.accountId);
        holds.put(hold, HoldDescriptor.ASSET_KIND, ((long)kind << 32) | asset);
        holds.put(hold, HoldDescriptor.REMAINING, amount);
        holds.put(hold, HoldDescriptor.WALLET_INDEX, wallet);
        holds.put(hold, HoldDescriptor.POSITION_OFFSET, position);
        accounts.putPosition(position, PositionDescriptor.AVAILABLE, accounts.available(position) - amount);
        accounts.putPosition(position, PositionDescriptor.HELD, held + amount);
        assets.put(asset, AssetDescriptor.HELD, assets.get(asset, AssetDescriptor.HELD) + amount);
    }

    /**
     * Give part of a hold back to its position's available; an emptied hold goes once the command is decided.
     */
    public void unreserve(final long holdId, final int hold, final long amount)
    {
        assert 0 < amount && amount <= remaining(hold) : "amount=" + amount + ", remaining=" + remaining(hold);
        final int asset = asset(hold);
        final int position = position(hold);
        accounts.putPosition(position, PositionDescriptor.HELD, accounts.held(position) - amount);
        accounts.putPosition(position, PositionDescriptor.AVAILABLE, accounts.available(position) + amount);
        assets.put(asset, AssetDescriptor.HELD, assets.get(asset, AssetDescriptor.HELD) - amount);
        consume(holdId, hold, amount);
    }

    /**
     * Take part of a hold for a transfer or a settlement: the position's held is the caller's to write.
     */
    public void consume(final long holdId, final int hold, final long amount)
    {
        final long remaining = remaining(hold) - amount;
        assert remaining >= 0 : "hold overdrawn: holdId=" + holdId;
        holds.put(hold, HoldDescriptor.REMAINING, remaining);
        if (remaining == 0)
        {
            removeLater(holdId);
        }
    }

    /**
     * Take part of a hold out of the asset's held counter: it left the position (a transfer, a settlement).
     */
    public void takeHeld(final int asset, final long amount)
    {
        assets.put(asset, AssetDescriptor.HELD, assets.get(asset, AssetDescriptor.HELD) - amount);
    }

    /**
     * The hold a transfer debits: an order hold of the debited account, in the transfer's asset.
     */
    public Reason checkOrderHold(final int hold, final long accountId, final int asset)
    {
        if (hold < 0)
        {
            return Reason.HOLD_NOT_FOUND;
        }
        if (kind(hold) != HoldDescriptor.KIND_ORDER)
        {
            return Reason.HOLD_IS_WITHDRAWAL;
        }
        if (holds.get(hold, HoldDescriptor.ACCOUNT_ID) != accountId)
        {
            return Reason.HOLD_ACCOUNT_MISMATCH;
        }
        if (asset(hold) != asset)
        {
            return Reason.HOLD_ASSET_MISMATCH;
        }
        return Reason.OK;
    }

    /**
     * @return the open hold's slot offset, or -1. A hold emptied inside a linked batch is removed when the batch
     *         commits; until then it is gone.
     */
    public int find(final long holdId)
    {
        final int hold = holds.find(holdId, 0);
        return hold >= 0 && holds.get(hold, HoldDescriptor.REMAINING) > 0 ? hold : -1;
    }

    /**
     * @return true when the id names a hold, open or emptied by the command being decided.
     */
    public boolean exists(final long holdId)
    {
        return holds.find(holdId, 0) >= 0;
    }

    public int kind(final int hold)
    {
        return (int)(holds.get(hold, HoldDescriptor.ASSET_KIND) >>> 32);
    }

    public int asset(final int hold)
    {
        return (int)holds.get(hold, HoldDescriptor.ASSET_KIND);
    }

    public long remaining(final int hold)
    {
        return holds.get(hold, HoldDescriptor.REMAINING);
    }

    public int wallet(final int hold)
    {
        return (int)holds.get(hold, HoldDescriptor.WALLET_INDEX);
    }

    public int position(final int hold)
    {
        return (int)holds.get(hold, HoldDescriptor.POSITION_OFFSET);
    }

    /**
     * The command is decided: remove the holds it emptied.
     */
    public void removeEmptied()
    {
        for (int i = 0; i < toRemoveCount; i++)
        {
            final int hold = holds.find(toRemove[i], 0);
            assert hold >= 0 : "emptied hold vanished: holdId=" + toRemove[i];
            assert holds.get(hold, HoldDescriptor.REMAINING) == 0 : "hold not empty: holdId=" + toRemove[i];
            holds.remove(hold);
        }
        toRemoveCount = 0;
    }

    /**
     * A batch was rolled back: the holds it emptied are whole again.
     */
    public void forgetEmptied()
    {
        toRemoveCount = 0;
    }

    /**
     * @return the holds table: for snapshots, reading and the audit, never written outside this room.
     */
    public OffHeapTable table()
    {
        return holds;
    }

    private void removeLater(final long holdId)
    {
        assert toRemoveCount < toRemove.length : "too many holds emptied by one command";
        toRemove[toRemoveCount++] = holdId;
    }
}
