package io.ledgerguard.core.engine;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.AccountStatus;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.AccountDescriptor;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.PositionDescriptor;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.engine.Arithmetic.overflows;

/**
 * Accounts and their positions (SPEC §2): {@code OPEN_ACCOUNT}, {@code FREEZE} and {@code UNFREEZE}, the account
 * statuses that restrict debits, and what a position may spend (I1). Positions are never removed, so a hold may keep
 * its position's slot offset.
 */
public final class Accounts
{
    private final CommandContext context;
    private final UndoLog undo;
    private final Assets assets;
    private final Globals globals;
    private final OffHeapTable accounts;
    private final OffHeapTable positions;

    public Accounts(
        final GuardConfig.Limits limits,
        final CommandContext context,
        final UndoLog undo,
        final Assets assets,
        final Globals globals)
    {
        this.context = context;
        this.undo = undo;
        this.assets = assets;
        this.globals = globals;
        accounts = new OffHeapTable(limits.accountsMax, AccountDescriptor.WORDS, 1, undo);
        positions = new OffHeapTable(limits.positionsMax, PositionDescriptor.WORDS, 2, undo);
    }

    /**
     * {@code OPEN_ACCOUNT}: a new account of a kind, with credit limits only for a credit line.
     */
    public Reason openAccount(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkOpenAccount(command);
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        if (check != Reason.OK)
        {
            return check;
        }

        final long accountId = command.accountId;
        final int offset = accounts.insert(accountId, 0);
        accounts.put(offset, AccountDescriptor.KIND_STATUS, kindStatus(command.accountKind, AccountStatus.ACTIVE));
        for (int i = 0; i < command.creditLimitCount; i++)
        {
            final int position = positions.insert(accountId, assets.index(command.creditLimitAssetIds[i]));
            positions.put(position, PositionDescriptor.CREDIT_LIMIT, command.creditLimits[i]);
        }
        assert status(offset) == AccountStatus.ACTIVE : "opened inactive: accountId=" + accountId;
        return Reason.OK;
    }

    private Reason checkOpenAccount(final Command command)
    {
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        if (command.accountKind == null)
        {
            return Reason.ACCOUNT_KIND_MUST_BE_SET;
        }
        final int limitCount = command.creditLimitCount;
        if (limitCount > 0 && command.accountKind != AccountKind.CREDIT_LINE)
        {
            return Reason.CREDIT_LIMIT_ONLY_FOR_CREDIT_LINE;
        }
        for (int i = 0; i < limitCount; i++)
        {
            if (command.creditLimits[i] < 0)
            {
                return Reason.CREDIT_LIMIT_MUST_NOT_BE_NEGATIVE;
            }
        }
        for (int i = 0; i < limitCount; i++)
        {
            if (assets.index(command.creditLimitAssetIds[i]) < 0)
            {
                return Reason.ASSET_NOT_FOUND;
            }
            for (int j = 0; j < i; j++)
            {
                if (command.creditLimitAssetIds[j] == command.creditLimitAssetIds[i])
                {
                    return Reason.MALFORMED_COMMAND;
                }
            }
        }
        if (accounts.find(command.accountId, 0) >= 0)
        {
            return Reason.ACCOUNT_ALREADY_EXISTS;
        }
        if (accounts.isFull())
        {
            return context.exhausted(TableKind.ACCOUNTS);
        }
        if (!positions.hasRoomFor(limitCount))
        {
            return context.exhausted(TableKind.POSITIONS);
        }
        return Reason.OK;
    }

    /**
     * {@code FREEZE} ({@link AccountStatus#FROZEN}) or {@code UNFREEZE} ({@link AccountStatus#ACTIVE}): a closed
     * account stays closed.
     */
    public Reason setStatus(final Command command, final AccountStatus status)
    {
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        final int account = accounts.find(command.accountId, 0);
        if (account < 0)
        {
            return Reason.ACCOUNT_NOT_FOUND;
        }
        final AccountStatus was = status(account);
        if (was == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }

        accounts.put(account, AccountDescriptor.KIND_STATUS, kindStatus(kind(account), status));
        if (was != status)
        {
            countFrozen(status == AccountStatus.FROZEN ? 1 : was == AccountStatus.FROZEN ? -1 : 0);
        }
        assert status(account) == status : "status not set: accountId=" + command.accountId;
        return Reason.OK;
    }

    /**
     * SPEC §5.6: an account that owes a reversal's shortfall is frozen, unless it already is not active.
     */
    public void freezeForClaim(final int account)
    {
        if (status(account) == AccountStatus.ACTIVE)
        {
            accounts.put(account, AccountDescriptor.KIND_STATUS, kindStatus(kind(account), AccountStatus.FROZEN));
            countFrozen(1);
        }
        assert status(account) != AccountStatus.ACTIVE : "still active after a shortfall";
    }

    /**
     * @return the account's slot offset, or -1 when there is no such account.
     */
    public int find(final long accountId)
    {
        return accounts.find(accountId, 0);
    }

    /**
     * @return the account's kind and status as stored: kind in bits 0-7, status in bits 8-15.
     */
    public long kindStatusWord(final int account)
    {
        return accounts.get(account, AccountDescriptor.KIND_STATUS);
    }

    public AccountStatus status(final int account)
    {
        return AccountStatus.fromCode((int)((accounts.get(account, AccountDescriptor.KIND_STATUS) >>> 8) & 0xFF));
    }

    public AccountKind kind(final int account)
    {
        return AccountKind.fromCode((int)(accounts.get(account, AccountDescriptor.KIND_STATUS) & 0xFF));
    }

    /**
     * Nothing leaves a frozen or closed account (SPEC §2).
     */
    public Reason checkDebitable(final int account)
    {
        final AccountStatus status = status(account);
        if (status == AccountStatus.FROZEN)
        {
            return Reason.ACCOUNT_FROZEN;
        }
        if (status == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }
        return Reason.OK;
    }

    /**
     * @return the position's slot offset, or -1 when the account holds none of the asset.
     */
    public int findPosition(final long accountId, final int asset)
    {
        return positions.find(accountId, asset);
    }

    /**
     * @return the position's slot offset, the position found or else added.
     */
    public int findOrAddPosition(final int position, final long accountId, final int asset)
    {
        return position >= 0 ? position : positions.insert(accountId, asset);
    }

    /**
     * @return true when a position the command may add has no room.
     */
    public boolean positionsFull()
    {
        return positions.isFull();
    }

    public long available(final int position)
    {
        return positions.get(position, PositionDescriptor.AVAILABLE);
    }

    public long held(final int position)
    {
        return positions.get(position, PositionDescriptor.HELD);
    }

    public long withdrawalHeld(final int position)
    {
        return positions.get(position, PositionDescriptor.WITHDRAWAL_HELD);
    }

    /**
     * Write a word of a position: {@code PositionDescriptor.AVAILABLE}, {@code PositionDescriptor.HELD} or
     * {@code PositionDescriptor.WITHDRAWAL_HELD}.
     */
    public void putPosition(final int position, final int word, final long value)
    {
        assert word == PositionDescriptor.AVAILABLE || word == PositionDescriptor.HELD ||
            word == PositionDescriptor.WITHDRAWAL_HELD : "word=" + word;
        positions.put(position, word, value);
    }

    /**
     * I1: what a position may spend: available, and for a credit line down to its limit.
     */
    public long spendable(final int position)
    {
        final long available = positions.get(position, PositionDescriptor.AVAILABLE);
        final long creditLimit = positions.get(position, PositionDescriptor.CREDIT_LIMIT);
        return overflows(available, creditLimit) ? Long.MAX_VALUE : available + creditLimit;
    }

    /**
     * While a position has withdrawals under way, its balance must stay at or above them, so that each settlement
     * takes out of the obligations exactly what leaves custody. A credit line with a withdrawal under way therefore
     * cannot go into debt; without one it may go down to its limit.
     *
     * @param position the debited position.
     * @param balance  its balance before the debit.
     * @param debit    the amount debited, &gt; 0.
     * @return true when the debit keeps the pending withdrawals backed.
     */
    public boolean keepsWithdrawalsBacked(final int position, final long balance, final long debit)
    {
        final long withdrawalHeld = positions.get(position, PositionDescriptor.WITHDRAWAL_HELD);
        // balance - withdrawalHeld = available + (held - withdrawalHeld) >= available >= -creditLimit: no overflow.
        return withdrawalHeld == 0 || debit <= balance - withdrawalHeld;
    }

    /**
     * A scan of the accounts table, for a restore and the audit: never on the apply path.
     *
     * @return the accounts frozen now.
     */
    public long countFrozenAccounts()
    {
        long frozen = 0;
        for (int i = 0, capacity = accounts.capacity(); i < capacity; i++)
        {
            final int offset = accounts.slotOffset(i);
            if (accounts.isOccupied(offset) && status(offset) == AccountStatus.FROZEN)
            {
                frozen++;
            }
        }
        return frozen;
    }

    /**
     * @return the accounts table: for snapshots, reading and the audit, never written outside this room.
     */
    public OffHeapTable accountsTable()
    {
        return accounts;
    }

    /**
     * @return the positions table: for snapshots, reading and the audit, never written outside this room.
     */
    public OffHeapTable positionsTable()
    {
        return positions;
    }

    private void countFrozen(final int change)
    {
        final long frozen = globals.get(GlobalDescriptor.FROZEN_ACCOUNTS) + change;
        assert frozen >= 0 : "frozen accounts below zero";
        globals.put(GlobalDescriptor.FROZEN_ACCOUNTS, frozen);
    }

    static long kindStatus(final AccountKind kind, final AccountStatus status)
    {
        return kind.code() | ((long)status.code() << 8);
    }
}
