package io.ledgerguard.core.engine;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.AccountStatus;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.PositionDescriptor;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.engine.Arithmetic.overflows;
import static io.ledgerguard.core.engine.Arithmetic.positivePart;

/**
 * {@code TRANSFER}: move available, or part of an order hold, from one account to another in one asset (SPEC §4).
 * Obligations change only where a credit line's balance crosses zero, so a transfer can need cover (I2) too. Every
 * transfer counts towards the asset's traded volume (SPEC §5.3); one out of an operator pool passes the sanity cap
 * (SPEC §5.5).
 */
public final class Transfers
{
    private final CommandContext context;
    private final UndoLog undo;
    private final Assets assets;
    private final Accounts accounts;
    private final Holds holds;
    private final Custody custody;
    private final Cover cover;
    private final Windows windows;
    private final KillSwitches killSwitches;
    private final Alerts alerts;

    // What the check phase found, for the apply phase.
    private int hold;
    private int debitPosition;
    private int creditPosition;
    private long obligationsDelta;

    public Transfers(
        final CommandContext context,
        final UndoLog undo,
        final Assets assets,
        final Accounts accounts,
        final Holds holds,
        final Custody custody,
        final Cover cover,
        final Windows windows,
        final KillSwitches killSwitches,
        final Alerts alerts)
    {
        this.context = context;
        this.undo = undo;
        this.assets = assets;
        this.accounts = accounts;
        this.holds = holds;
        this.custody = custody;
        this.cover = cover;
        this.windows = windows;
        this.killSwitches = killSwitches;
        this.alerts = alerts;
    }

    /**
     * {@code TRANSFER}.
     */
    public Reason transfer(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkTransfer(command);
        if (check != Reason.OK)
        {
            return check;
        }
        assert undo.writeCount() == writesBefore : "the check phase wrote";

        final long amount = command.amount;
        final int asset = assets.index(command.assetId);
        assert debitPosition >= 0 : "a transfer debits a position it found";
        assert hold < 0 || amount <= holds.remaining(hold) : "hold overdrawn";
        final long creditAvailable = creditPosition >= 0 ? accounts.available(creditPosition) : 0;
        if (hold >= 0)
        {
            accounts.putPosition(debitPosition, PositionDescriptor.HELD, accounts.held(debitPosition) - amount);
            holds.takeHeld(asset, amount);
            holds.consume(command.holdId, hold, amount);
        }
        else
        {
            final long debitAvailable = accounts.available(debitPosition);
            accounts.putPosition(debitPosition, PositionDescriptor.AVAILABLE, debitAvailable - amount);
        }
        final int target = accounts.findOrAddPosition(creditPosition, command.creditAccountId, asset);
        accounts.putPosition(target, PositionDescriptor.AVAILABLE, creditAvailable + amount);
        cover.addObligations(asset, obligationsDelta);
        windows.addTradedVolume(asset, amount);
        assert hold >= 0 || accounts.spendable(debitPosition) >= 0 : "I1: debited below the credit limit";
        return Reason.OK;
    }

    private Reason checkTransfer(final Command command)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final long debitId = command.debitAccountId;
        final long creditId = command.creditAccountId;
        if (debitId == 0 || creditId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        if (debitId == creditId)
        {
            return Reason.ACCOUNTS_MUST_BE_DIFFERENT;
        }
        final int asset = assets.index(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int debitAccount = accounts.find(debitId);
        if (debitAccount < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        final int creditAccount = accounts.find(creditId);
        if (creditAccount < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        hold = command.holdId != 0 ? holds.find(command.holdId) : -1;
        if (command.holdId != 0)
        {
            final Reason holdCheck = holds.checkOrderHold(hold, debitId, asset);
            if (holdCheck != Reason.OK)
            {
                return holdCheck;
            }
        }
        if (killSwitches.isHalted(asset))
        {
            return Reason.ASSET_HALTED;
        }
        debitPosition = hold >= 0 ? holds.position(hold) : accounts.findPosition(debitId, asset);
        creditPosition = accounts.findPosition(creditId, asset);
        return checkBalances(command, asset, debitAccount, creditAccount);
    }

    /**
     * The rules on what the transfer does to balances, in the documented order: freshness where obligations rise
     * (I5), the accounts' statuses, funds (I1), the sanity cap, overflow, cover (I2), capacity.
     */
    private Reason checkBalances(
        final Command command, final int asset, final int debitAccount, final int creditAccount)
    {
        final long amount = command.amount;
        final long debitBalance =
            debitPosition >= 0 ? accounts.available(debitPosition) + accounts.held(debitPosition) : 0;
        final long creditBalance =
            creditPosition >= 0 ? accounts.available(creditPosition) + accounts.held(creditPosition) : 0;
        // Computed before the overflow check only when it cannot overflow; see below.
        final boolean creditOverflows = overflows(creditBalance, amount);
        obligationsDelta = creditOverflows ? 0 :
            positivePart(creditBalance + amount) - positivePart(creditBalance) +
            positivePart(debitBalance - amount) - positivePart(debitBalance);
        if (obligationsDelta > 0 && custody.isRestricted(asset))
        {
            return Reason.ASSET_RESTRICTED;
        }
        final AccountStatus debitStatus = accounts.status(debitAccount);
        if (debitStatus == AccountStatus.FROZEN)
        {
            return Reason.ACCOUNT_FROZEN;
        }
        if (debitStatus == AccountStatus.CLOSED || accounts.status(creditAccount) == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }
        if (hold >= 0)
        {
            if (amount > holds.remaining(hold))
            {
                return Reason.HOLD_AMOUNT_EXCEEDED;
            }
        }
        else if (debitPosition < 0 || amount > accounts.spendable(debitPosition))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        if (debitPosition >= 0 && !accounts.keepsWithdrawalsBacked(debitPosition, debitBalance, amount))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        if (accounts.kind(debitAccount) == AccountKind.OPERATOR && amount > assets.creditCap(asset))
        {
            alerts.sanityCap(asset, command.debitAccountId, amount, assets.creditCap(asset));
            return Reason.CREDIT_CAP_EXCEEDED;
        }
        if (creditOverflows)
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        final Reason covered = cover.checkCover(asset, obligationsDelta, amount);
        if (covered != Reason.OK)
        {
            return covered;
        }
        if (creditPosition < 0 && accounts.positionsFull())
        {
            return context.exhausted(TableKind.POSITIONS);
        }
        return Reason.OK;
    }
}
