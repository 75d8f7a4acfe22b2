package io.ledgerguard.core.engine;

import io.ledgerguard.core.AccountStatus;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.CreditDescriptor;
import io.ledgerguard.core.internal.ExpiryQueue;
import io.ledgerguard.core.internal.InflowTable;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.PositionDescriptor;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.engine.Arithmetic.overflows;
import static io.ledgerguard.core.engine.Arithmetic.positivePart;

/**
 * Credits and their reversal: {@code DEPOSIT} (a customer credited for an observed inflow), {@code ADJUST} (a
 * privileged credit or debit) and {@code REVERSE} (SPEC §5.6). Every credit passes the sanity cap (SPEC §5.5) and
 * cover (I2), and is recorded so that it stays reversible.
 */
public final class Credits
{
    private final CommandContext context;
    private final UndoLog undo;
    private final Assets assets;
    private final Accounts accounts;
    private final Custody custody;
    private final Cover cover;
    private final KillSwitches killSwitches;
    private final Alerts alerts;
    private final OffHeapTable credits;
    private final ExpiryQueue expiry;
    private final long windowMs;

    // What the check phase of a credit found, for its apply phase.
    private int creditPosition;
    private long creditAvailable;
    private long creditObligationsDelta;

    public Credits(
        final GuardConfig.Limits limits,
        final GuardConfig.Retention retention,
        final CommandContext context,
        final UndoLog undo,
        final Assets assets,
        final Accounts accounts,
        final Custody custody,
        final Cover cover,
        final KillSwitches killSwitches,
        final Alerts alerts)
    {
        this.context = context;
        this.undo = undo;
        this.assets = assets;
        this.accounts = accounts;
        this.custody = custody;
        this.cover = cover;
        this.killSwitches = killSwitches;
        this.alerts = alerts;
        credits = new OffHeapTable(limits.creditsMax, CreditDescriptor.WORDS, 1, undo);
        expiry = new ExpiryQueue(limits.creditsMax, undo);
        windowMs = retention.creditReversalWindowMs;
    }

    /**
     * SPEC §11: forget the credits recorded longer ago than the credit reversal window, the oldest first, at most
     * {@link Idempotency#EXPIRIES_PER_COMMAND_MAX}. A credit whose reversal left a claim on the account is kept: the
     * claim is evidence. Called before each command, outside any batch.
     *
     * @return how many left the queue.
     */
    public int expire()
    {
        final long nowMs = context.nowMs();
        int expired = 0;
        while (expired < Idempotency.EXPIRIES_PER_COMMAND_MAX && expiry.headDue(nowMs, windowMs))
        {
            final int record = credits.find(expiry.headKey(), 0);
            assert record >= 0 : "queued credit not recorded: txId=" + expiry.headKey();
            if (credits.get(record, CreditDescriptor.CLAIM) == 0)
            {
                final long inflowHash = credits.get(record, CreditDescriptor.INFLOW);
                credits.remove(record);
                if (inflowHash != 0)
                {
                    // The inflow may be forgotten now too, once its own time is up (Custody.expire).
                    final int inflow = custody.inflowByHash(inflowHash);
                    if (inflow < 0)
                    {
                        throw new IllegalStateException("a live credit's inflow was forgotten: hash=" + inflowHash);
                    }
                    custody.inflows().liveCredits(inflow, custody.inflows().liveCredits(inflow) - 1);
                }
            }
            expiry.pop();
            expired++;
        }
        return expired;
    }

    /**
     * {@code DEPOSIT}: credit a customer for an inflow custody observed, at most what of it is not credited yet.
     */
    public Reason deposit(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkDeposit(command);
        if (check != Reason.OK)
        {
            return check;
        }
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        final int asset = assets.index(command.assetId);
        final int inflow = custody.findInflow(command);
        final InflowTable inflows = custody.inflows();
        inflows.credited(inflow, inflows.credited(inflow) + command.amount);
        inflows.liveCredits(inflow, inflows.liveCredits(inflow) + 1);
        credit(command.txId, command.accountId, asset, command.amount, inflows.hashAt(inflow));
        assert inflows.credited(inflow) <= inflows.amount(inflow) : "inflow credited beyond its amount";
        return Reason.OK;
    }

    private Reason checkDeposit(final Command command)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        final Reason chainRefShape = Custody.checkChainRef(command);
        if (chainRefShape != Reason.OK)
        {
            return chainRefShape;
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
        final int inflow = custody.findInflow(command);
        if (inflow < 0)
        {
            return Reason.INFLOW_NOT_FOUND;
        }
        final InflowTable inflows = custody.inflows();
        if (inflows.assetIndex(inflow) != asset)
        {
            return Reason.INFLOW_ASSET_MISMATCH;
        }
        final Reason status = checkCreditable(asset, account);
        if (status != Reason.OK)
        {
            return status;
        }
        if (amount > inflows.amount(inflow) - inflows.credited(inflow))
        {
            return Reason.INFLOW_AMOUNT_EXCEEDED;
        }
        return checkCredit(command.accountId, asset, amount);
    }

    /**
     * {@code ADJUST}: a privileged correction: a credit (as a deposit, without an inflow) or a debit (as a transfer
     * out, to no one). Its approvals were checked before sequencing.
     */
    public Reason adjust(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkAdjust(command);
        if (check != Reason.OK)
        {
            return check;
        }
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        final int asset = assets.index(command.assetId);
        final long amount = command.amount;
        if (amount > 0)
        {
            credit(command.txId, command.accountId, asset, amount, 0);
            return Reason.OK;
        }
        final int position = accounts.findPosition(command.accountId, asset);
        final long available = accounts.available(position);
        final long balance = available + accounts.held(position);
        accounts.putPosition(position, PositionDescriptor.AVAILABLE, available + amount);
        cover.addObligations(asset, positivePart(balance + amount) - positivePart(balance));
        return Reason.OK;
    }

    private Reason checkAdjust(final Command command)
    {
        final long amount = command.amount;
        if (amount == 0)
        {
            return Reason.AMOUNT_MUST_NOT_BE_ZERO;
        }
        if (command.accountId == 0)
        {
            return Reason.ACCOUNT_ID_MUST_NOT_BE_ZERO;
        }
        if (command.memoLength > Command.MEMO_LENGTH_MAX)
        {
            return Reason.MEMO_TOO_LONG;
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
        if (amount > 0)
        {
            final Reason status = checkCreditable(asset, account);
            return status != Reason.OK ? status : checkCredit(command.accountId, asset, amount);
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
        // amount < 0 here; compare as -amount <= spendable without negating Long.MIN_VALUE.
        if (position < 0 || amount < -accounts.spendable(position))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        final long balance = accounts.available(position) + accounts.held(position);
        // amount < 0: the debit is -amount, and -amount > spendable was refused above, so it does not overflow.
        if (!accounts.keepsWithdrawalsBacked(position, balance, -amount))
        {
            return Reason.INSUFFICIENT_AVAILABLE;
        }
        return Reason.OK;
    }

    /**
     * What any credit needs of its asset and account: the asset not halted nor restricted (I5), the account open.
     */
    private Reason checkCreditable(final int asset, final int account)
    {
        if (killSwitches.isHalted(asset))
        {
            return Reason.ASSET_HALTED;
        }
        if (custody.isRestricted(asset))
        {
            return Reason.ASSET_RESTRICTED;
        }
        if (accounts.status(account) == AccountStatus.CLOSED)
        {
            return Reason.ACCOUNT_CLOSED;
        }
        return Reason.OK;
    }

    /**
     * The check phase shared by a deposit and a crediting adjustment: sanity cap, overflow, cover, capacity.
     */
    private Reason checkCredit(final long accountId, final int asset, final long amount)
    {
        if (amount > assets.creditCap(asset))
        {
            alerts.sanityCap(asset, accountId, amount, assets.creditCap(asset));
            return Reason.CREDIT_CAP_EXCEEDED;
        }
        final int position = accounts.findPosition(accountId, asset);
        final long available = position >= 0 ? accounts.available(position) : 0;
        final long balance = available + (position >= 0 ? accounts.held(position) : 0);
        if (overflows(balance, amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        final long obligationsDelta = positivePart(balance + amount) - positivePart(balance);
        final Reason covered = cover.checkCover(asset, obligationsDelta, amount);
        if (covered != Reason.OK)
        {
            return covered;
        }
        if (position < 0 && accounts.positionsFull())
        {
            return context.exhausted(TableKind.POSITIONS);
        }
        if (credits.isFull())
        {
            // Every credit stays reversible (SPEC §5.6): one that could not be is refused, not applied.
            return context.exhausted(TableKind.CREDITS);
        }
        creditPosition = position;
        creditAvailable = available;
        creditObligationsDelta = obligationsDelta;
        return Reason.OK;
    }

    /**
     * The apply phase of a credit, after {@link #checkCredit} accepted it.
     *
     * @param inflow the hash of the inflow a deposit credits, by which the credit names it; 0 for an adjustment.
     */
    private void credit(
        final long creditTxId, final long accountId, final int asset, final long amount, final long inflow)
    {
        assert amount > 0 : "a credit credits: amount=" + amount;
        assert creditObligationsDelta >= 0 : "a credit lowered obligations: " + creditObligationsDelta;
        assert creditObligationsDelta <= amount : "a credit raised obligations beyond it: " + creditObligationsDelta;
        final int target = accounts.findOrAddPosition(creditPosition, accountId, asset);
        accounts.putPosition(target, PositionDescriptor.AVAILABLE, creditAvailable + amount);
        cover.addObligations(asset, creditObligationsDelta);
        final int record = credits.insert(creditTxId, 0);
        assert record >= 0 : "credit txId recorded twice: " + creditTxId;
        credits.put(record, CreditDescriptor.ACCOUNT_ID, accountId);
        credits.put(record, CreditDescriptor.ASSET_INDEX, asset);
        credits.put(record, CreditDescriptor.AMOUNT, amount);
        credits.put(record, CreditDescriptor.INFLOW, inflow);
        credits.put(record, CreditDescriptor.CREDITED_AT_MS, context.nowMs());
        expiry.push(creditTxId, context.nowMs());
        assert accounts.available(target) == creditAvailable + amount : "credit not applied";
    }

    /**
     * SPEC §5.6: return an erroneous credit. What the recipient still has available is taken back; what they moved on
     * is followed no further: the account is frozen, the shortfall is recorded as a claim on it, and an alert says
     * so. A deposit's inflow gets back what was recovered, so that it can be credited to the right account.
     */
    public Reason reverse(final Command command)
    {
        final long reversedTxId = command.reversedTxId;
        if (reversedTxId <= 0)
        {
            return Reason.REVERSED_TX_ID_MUST_BE_POSITIVE;
        }
        final int record = credits.find(reversedTxId, 0);
        if (record < 0)
        {
            return Reason.CREDIT_NOT_FOUND;
        }
        if (credits.get(record, CreditDescriptor.REVERSED_BY) != 0)
        {
            return Reason.CREDIT_ALREADY_REVERSED;
        }
        // SPEC §11: older than the window, a credit is no longer reversible, whether or not expiry has removed its
        // record yet (it removes a bounded number per command); only an approved ADJUST corrects it then.
        if (context.nowMs() - credits.get(record, CreditDescriptor.CREDITED_AT_MS) > windowMs)
        {
            return Reason.CREDIT_NOT_FOUND;
        }

        final long accountId = credits.get(record, CreditDescriptor.ACCOUNT_ID);
        final int asset = (int)credits.get(record, CreditDescriptor.ASSET_INDEX);
        final long amount = credits.get(record, CreditDescriptor.AMOUNT);
        final int account = accounts.find(accountId);
        final int position = accounts.findPosition(accountId, asset);
        assert account >= 0 : "credited account gone: accountId=" + accountId;
        assert position >= 0 : "credited position gone: accountId=" + accountId;
        final long recovered = Math.min(amount, recoverable(position));
        final long shortfall = amount - recovered;
        final long available = accounts.available(position);
        final long balance = available + accounts.held(position);
        accounts.putPosition(position, PositionDescriptor.AVAILABLE, available - recovered);
        cover.addObligations(asset, positivePart(balance - recovered) - positivePart(balance));
        final long inflowHash = credits.get(record, CreditDescriptor.INFLOW);
        if (inflowHash != 0)
        {
            final InflowTable inflows = custody.inflows();
            final int inflow = custody.inflowByHash(inflowHash);
            if (inflow < 0)
            {
                // A programming error, checked with or without assertions: never write at a missing slot.
                throw new IllegalStateException("a live credit's inflow was forgotten: hash=" + inflowHash);
            }
            inflows.credited(inflow, inflows.credited(inflow) - recovered);
        }
        credits.put(record, CreditDescriptor.REVERSED_BY, command.txId);
        credits.put(record, CreditDescriptor.CLAIM, shortfall);
        if (shortfall > 0)
        {
            accounts.freezeForClaim(account);
            alerts.reversalShortfall(asset, accountId, amount, recovered, shortfall);
        }
        return Reason.OK;
    }

    /**
     * What can be debited as any debit could: available (down to a credit line's limit, so a credit that paid off a
     * line's debt puts the debt back), never held funds, and never below the withdrawals under way.
     */
    private long recoverable(final int position)
    {
        long recoverable = Math.max(0, accounts.spendable(position));
        final long withdrawalHeld = accounts.withdrawalHeld(position);
        if (withdrawalHeld > 0)
        {
            recoverable = Math.min(recoverable,
                Math.max(0, accounts.available(position) + accounts.held(position) - withdrawalHeld));
        }
        return recoverable;
    }

    /**
     * A scan of the credits table: for audit and reports, not the apply path.
     *
     * @return the sum of the shortfalls the account's reversed credits in the asset left: claims on it (SPEC §5.6).
     */
    public long claims(final long accountId, final int asset)
    {
        long total = 0;
        for (int i = 0, capacity = credits.capacity(); i < capacity; i++)
        {
            final int offset = credits.slotOffset(i);
            if (credits.isOccupied(offset) && credits.get(offset, CreditDescriptor.ACCOUNT_ID) == accountId &&
                credits.get(offset, CreditDescriptor.ASSET_INDEX) == asset)
            {
                total += credits.get(offset, CreditDescriptor.CLAIM);
            }
        }
        return total;
    }

    /**
     * @return the credits table: for snapshots, reading and the audit, never written outside this room.
     */
    public OffHeapTable table()
    {
        return credits;
    }

    /**
     * @return the credits in the order they leave the reversal window: for snapshots and hashing.
     */
    public ExpiryQueue expiryQueue()
    {
        return expiry;
    }
}
