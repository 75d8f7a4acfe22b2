package io.ledgerguard.core.engine;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.internal.HoldDescriptor;
import io.ledgerguard.core.internal.PositionDescriptor;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.engine.Arithmetic.overflows;
import static io.ledgerguard.core.engine.Arithmetic.positivePart;

/**
 * Withdrawals: {@code WITHDRAW} reserves funds for an outflow from a wallet of the same asset, under a withdrawal
 * hold and within the outflow velocity limits (SPEC §5.4); {@code WITHDRAW_SETTLE} takes them out of the ledger and
 * custody together once they left; {@code WITHDRAW_CANCEL} gives them back. Keeps each wallet's pending withdrawals.
 */
public final class Withdrawals
{
    private final UndoLog undo;
    private final Assets assets;
    private final Wallets wallets;
    private final Accounts accounts;
    private final Holds holds;
    private final Custody custody;
    private final Cover cover;
    private final Windows windows;
    private final KillSwitches killSwitches;

    public Withdrawals(
        final UndoLog undo,
        final Assets assets,
        final Wallets wallets,
        final Accounts accounts,
        final Holds holds,
        final Custody custody,
        final Cover cover,
        final Windows windows,
        final KillSwitches killSwitches)
    {
        this.undo = undo;
        this.assets = assets;
        this.wallets = wallets;
        this.accounts = accounts;
        this.holds = holds;
        this.custody = custody;
        this.cover = cover;
        this.windows = windows;
        this.killSwitches = killSwitches;
    }

    /**
     * {@code WITHDRAW}. The check phase reads only, but for the velocity check, which moves the outflow windows to the
     * guard's clock (bookkeeping of time that any later count would do alike).
     */
    public Reason withdraw(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkWithdraw(command);
        if (check != Reason.OK)
        {
            return check;
        }
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        final int asset = assets.index(command.assetId);
        final int wallet = wallets.index(command.walletId);
        final Reason velocity = windows.checkOutflowVelocity(asset, wallet, command.amount);
        if (velocity != Reason.OK)
        {
            return velocity;
        }
        final int position = accounts.findPosition(command.accountId, asset);
        final long writesAfterVelocity = undo.writeCount();
        final Reason reservable = checkReserve(asset, wallet, position, command.amount);
        assert undo.writeCount() == writesAfterVelocity : "the check phase wrote";
        if (reservable != Reason.OK)
        {
            return reservable;
        }

        final long amount = command.amount;
        holds.reserve(command, asset, position, HoldDescriptor.KIND_WITHDRAWAL, wallet);
        wallets.put(wallet, WalletDescriptor.PENDING, wallets.get(wallet, WalletDescriptor.PENDING) + amount);
        accounts.putPosition(position, PositionDescriptor.WITHDRAWAL_HELD, accounts.withdrawalHeld(position) + amount);
        windows.addOutflow(asset, wallet, amount);
        assert accounts.withdrawalHeld(position) <= accounts.held(position) : "pending beyond held";
        return Reason.OK;
    }

    private Reason checkWithdraw(final Command command)
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
        final int wallet = wallets.index(command.walletId);
        if (wallet < 0)
        {
            return Reason.WALLET_NOT_FOUND;
        }
        if (wallets.assetIndex(wallet) != asset)
        {
            return Reason.WALLET_ASSET_MISMATCH;
        }
        final int account = accounts.find(command.accountId);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        if (holds.exists(command.holdId))
        {
            return Reason.HOLD_ALREADY_EXISTS;
        }
        return checkRestrictions(command, asset, wallet, account);
    }

    /**
     * What may stop a withdrawal that names real things: kill switches, freshness (I5), the account's status, and the
     * funds of the account and the wallet.
     */
    private Reason checkRestrictions(final Command command, final int asset, final int wallet, final int account)
    {
        if (killSwitches.isHalted(asset) || killSwitches.outflowSwitch(asset) == KillSwitchState.ENGAGED)
        {
            return Reason.ASSET_HALTED;
        }
        if (custody.isRestricted(asset))
        {
            return Reason.ASSET_RESTRICTED;
        }
        if (killSwitches.walletSwitch(wallet) == KillSwitchState.ENGAGED)
        {
            return Reason.WALLET_HALTED;
        }
        final Reason status = accounts.checkDebitable(account);
        if (status != Reason.OK)
        {
            return status;
        }
        // A withdrawal must be funded: credit lines cannot take borrowed units out of custody.
        final long amount = command.amount;
        final int position = accounts.findPosition(command.accountId, asset);
        if (position < 0 || amount > accounts.available(position))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        final long free =
            wallets.get(wallet, WalletDescriptor.EXPECTED) - wallets.get(wallet, WalletDescriptor.PENDING);
        return amount > free ? Reason.WALLET_FUNDS_INSUFFICIENT : Reason.OK;
    }

    private Reason checkReserve(final int asset, final int wallet, final int position, final long amount)
    {
        final Reason reservable = holds.checkReserve(asset, position, amount);
        if (reservable != Reason.OK)
        {
            return reservable;
        }
        if (overflows(wallets.get(wallet, WalletDescriptor.PENDING), amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        return holds.checkRoom();
    }

    /**
     * {@code WITHDRAW_SETTLE}: the outflow left custody. Held, the obligations, the wallet's expected holdings and
     * the asset's holdings all fall by the hold's remaining amount, so cover does not change.
     */
    public Reason settle(final Command command)
    {
        final int hold = findWithdrawal(command);
        if (hold < 0)
        {
            return Reason.fromCode(-hold);
        }
        final long amount = holds.remaining(hold);
        final int wallet = holds.wallet(hold);
        if (overflows(wallets.get(wallet, WalletDescriptor.OUTFLOWS_SINCE), amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }

        final int asset = holds.asset(hold);
        final int position = holds.position(hold);
        final long held = accounts.held(position);
        final long balance = accounts.available(position) + held;
        final long obligationsDelta = positivePart(balance - amount) - positivePart(balance);
        // Every debit keeps a position's balance at or above its pending withdrawals, so what leaves custody leaves
        // the obligations too: cover is unchanged by a settlement.
        assert balance - amount >= 0 : "settlement below zero: balance=" + balance + ", amount=" + amount;
        assert obligationsDelta == -amount : "settlement not backed: obligationsDelta=" + obligationsDelta;
        accounts.putPosition(position, PositionDescriptor.HELD, held - amount);
        accounts.putPosition(position, PositionDescriptor.WITHDRAWAL_HELD, accounts.withdrawalHeld(position) - amount);
        holds.takeHeld(asset, amount);
        cover.addObligations(asset, obligationsDelta);
        holds.consume(command.holdId, hold, amount);
        custody.settleOutflow(asset, wallet, amount);
        return Reason.OK;
    }

    /**
     * {@code WITHDRAW_CANCEL}: the outflow will not happen; the funds go back to available.
     */
    public Reason cancel(final Command command)
    {
        final int hold = findWithdrawal(command);
        if (hold < 0)
        {
            return Reason.fromCode(-hold);
        }
        final long amount = holds.remaining(hold);
        final int wallet = holds.wallet(hold);
        final int position = holds.position(hold);
        wallets.put(wallet, WalletDescriptor.PENDING, wallets.get(wallet, WalletDescriptor.PENDING) - amount);
        accounts.putPosition(position, PositionDescriptor.WITHDRAWAL_HELD, accounts.withdrawalHeld(position) - amount);
        holds.unreserve(command.holdId, hold, amount);
        return Reason.OK;
    }

    /**
     * @return the hold's offset, or minus the code of the reason it cannot be used.
     */
    private int findWithdrawal(final Command command)
    {
        if (command.holdId == 0)
        {
            return -Reason.HOLD_ID_MUST_NOT_BE_ZERO.code();
        }
        final int hold = holds.find(command.holdId);
        if (hold < 0)
        {
            return -Reason.HOLD_NOT_FOUND.code();
        }
        if (holds.kind(hold) != HoldDescriptor.KIND_WITHDRAWAL)
        {
            return -Reason.HOLD_NOT_WITHDRAWAL.code();
        }
        return hold;
    }
}
