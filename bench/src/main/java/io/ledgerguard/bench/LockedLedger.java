package io.ledgerguard.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;

/**
 * Baseline 2, what a team would write without this project: the same rules on the heap, with
 * {@link ConcurrentHashMap}s of objects and {@code synchronized} locks, called directly from many threads. Accounts are
 * locked in id order (no deadlock); the cover check holds the asset's lock. It checks idempotency, status, funds,
 * holds, inflow allocation, wallet funds and reserve cover (I1, I2, I6 and the hold rules), all-or-nothing batches by
 * checking every leg before applying any; not the automatic controls of SPEC §5 and no journal.
 */
final class LockedLedger
{
    /** Asset ids run 1..4 in the workload; room for a few more. */
    private static final int ASSETS = 8;

    private final Map<Long, Long> txIds = new ConcurrentHashMap<>();
    private final Map<Long, Account> accounts = new ConcurrentHashMap<>();
    private final Map<Long, Hold> holds = new ConcurrentHashMap<>();
    private final Map<String, Inflow> inflows = new ConcurrentHashMap<>();
    private final Map<Long, Wallet> wallets = new ConcurrentHashMap<>();
    private final Asset[] assets = new Asset[ASSETS];

    LockedLedger()
    {
        for (int i = 0; i < ASSETS; i++)
        {
            assets[i] = new Asset();
        }
    }

    private static final class Account
    {
        final long id;
        final boolean operator;
        final long[] available = new long[ASSETS];
        final long[] held = new long[ASSETS];
        boolean frozen;

        Account(final long id, final boolean operator)
        {
            this.id = id;
            this.operator = operator;
        }
    }

    private static final class Hold
    {
        final Account account;
        final int asset;
        final long walletId;
        long remaining;

        Hold(final Account account, final int asset, final long walletId, final long amount)
        {
            this.account = account;
            this.asset = asset;
            this.walletId = walletId;
            this.remaining = amount;
        }
    }

    private static final class Inflow
    {
        final long amount;
        long credited;

        Inflow(final long amount)
        {
            this.amount = amount;
        }
    }

    private static final class Wallet
    {
        long attested;
        long expected;
        long pending;
    }

    private static final class Asset
    {
        long obligations;
        long holdings;
    }

    /**
     * @param command a command of the workload.
     * @return true when accepted.
     */
    boolean apply(final Command command)
    {
        if (txIds.putIfAbsent(command.txId, command.fingerprint()) != null)
        {
            return false;
        }
        switch (command.type)
        {
            case OPEN_ACCOUNT:
                return accounts.putIfAbsent(command.accountId,
                    new Account(command.accountId, command.accountKind == AccountKind.OPERATOR)) == null;
            case INFLOW: return inflow(command);
            case DEPOSIT: return deposit(command);
            case TRANSFER: return transfers(new Command[] {command});
            case HOLD: return hold(command, 0);
            case WITHDRAW: return withdraw(command);
            case RELEASE: return release(command);
            case WITHDRAW_SETTLE: return settle(command);
            case ATTEST: return attest(command);
            case BATCH: return batch(command);
            default: return false;
        }
    }

    private boolean inflow(final Command command)
    {
        final String chainRef = new String(command.chainRef, 0, command.chainRefLength, StandardCharsets.UTF_8);
        if (inflows.putIfAbsent(chainRef, new Inflow(command.amount)) != null)
        {
            return false;
        }
        final Wallet wallet = wallets.computeIfAbsent(command.walletId, id -> new Wallet());
        synchronized (wallet)
        {
            wallet.expected += command.amount;
        }
        final Asset asset = assets[command.assetId];
        synchronized (asset)
        {
            asset.holdings += command.amount;
        }
        return true;
    }

    private boolean deposit(final Command command)
    {
        final Inflow inflow = inflows.get(new String(command.chainRef, 0, command.chainRefLength,
            StandardCharsets.UTF_8));
        final Account account = accounts.get(command.accountId);
        if (inflow == null || account == null || command.amount <= 0)
        {
            return false;
        }
        final Asset asset = assets[command.assetId];
        synchronized (inflow)
        {
            if (inflow.amount - inflow.credited < command.amount)
            {
                return false;
            }
            synchronized (asset)
            {
                if (asset.obligations + command.amount > asset.holdings)
                {
                    return false;
                }
                asset.obligations += command.amount;
            }
            inflow.credited += command.amount;
        }
        synchronized (account)
        {
            account.available[command.assetId] += command.amount;
        }
        return true;
    }

    private boolean hold(final Command command, final long walletId)
    {
        final Account account = accounts.get(command.accountId);
        if (account == null || command.amount <= 0 || holds.containsKey(command.holdId))
        {
            return false;
        }
        synchronized (account)
        {
            if (account.frozen || account.available[command.assetId] < command.amount)
            {
                return false;
            }
            account.available[command.assetId] -= command.amount;
            account.held[command.assetId] += command.amount;
        }
        holds.put(command.holdId, new Hold(account, command.assetId, walletId, command.amount));
        return true;
    }

    private boolean withdraw(final Command command)
    {
        final Wallet wallet = wallets.get(command.walletId);
        if (wallet == null)
        {
            return false;
        }
        synchronized (wallet)
        {
            if (wallet.expected - wallet.pending < command.amount)
            {
                return false;
            }
            wallet.pending += command.amount;
        }
        if (!hold(command, command.walletId))
        {
            synchronized (wallet)
            {
                wallet.pending -= command.amount;
            }
            return false;
        }
        return true;
    }

    private boolean release(final Command command)
    {
        final Hold hold = holds.get(command.holdId);
        if (hold == null)
        {
            return false;
        }
        synchronized (hold.account)
        {
            if (hold.remaining < command.amount || hold.walletId != 0)
            {
                return false;
            }
            hold.remaining -= command.amount;
            hold.account.held[hold.asset] -= command.amount;
            hold.account.available[hold.asset] += command.amount;
            if (hold.remaining == 0)
            {
                holds.remove(command.holdId);
            }
        }
        return true;
    }

    private boolean settle(final Command command)
    {
        final Hold hold = holds.remove(command.holdId);
        if (hold == null || hold.walletId == 0)
        {
            return false;
        }
        final long amount;
        synchronized (hold.account)
        {
            amount = hold.remaining;
            hold.account.held[hold.asset] -= amount;
        }
        final Wallet wallet = wallets.get(hold.walletId);
        synchronized (wallet)
        {
            wallet.pending -= amount;
            wallet.expected -= amount;
        }
        final Asset asset = assets[hold.asset];
        synchronized (asset)
        {
            asset.obligations -= amount;
            asset.holdings -= amount;
        }
        return true;
    }

    private boolean attest(final Command command)
    {
        final Wallet wallet = wallets.computeIfAbsent(command.walletId, id -> new Wallet());
        final long delta;
        synchronized (wallet)
        {
            delta = command.amount - wallet.expected;
            wallet.attested = command.amount;
            wallet.expected = command.amount;
        }
        final Asset asset = assets[command.assetId];
        synchronized (asset)
        {
            asset.holdings += delta;
        }
        return true;
    }

    private boolean batch(final Command command)
    {
        final Command[] legs = new Command[command.batchCount];
        for (int i = 0; i < legs.length; i++)
        {
            final Command leg = command.inner(i);
            if (leg.type != CommandType.TRANSFER || txIds.putIfAbsent(leg.txId, leg.fingerprint()) != null)
            {
                return false;
            }
            legs[i] = leg;
        }
        return transfers(legs);
    }

    /**
     * Transfers, all or nothing: lock every account involved in id order, check every leg, then apply them.
     */
    private boolean transfers(final Command[] legs)
    {
        final long[] ids = new long[legs.length * 2];
        for (int i = 0; i < legs.length; i++)
        {
            ids[2 * i] = legs[i].debitAccountId;
            ids[2 * i + 1] = legs[i].creditAccountId;
        }
        final long[] ordered = Arrays.stream(ids).distinct().sorted().toArray();
        final Account[] locked = new Account[ordered.length];
        for (int i = 0; i < ordered.length; i++)
        {
            locked[i] = accounts.get(ordered[i]);
            if (locked[i] == null)
            {
                return false;
            }
        }
        return lockAndTransfer(legs, locked, 0);
    }

    private boolean lockAndTransfer(final Command[] legs, final Account[] locked, final int index)
    {
        if (index < locked.length)
        {
            synchronized (locked[index])
            {
                return lockAndTransfer(legs, locked, index + 1);
            }
        }
        final long[] spent = new long[legs.length];
        for (int i = 0; i < legs.length; i++)
        {
            final Command leg = legs[i];
            final Account debit = accounts.get(leg.debitAccountId);
            if (leg.amount <= 0 || debit.frozen || leg.debitAccountId == leg.creditAccountId)
            {
                return false;
            }
            long room = 0;
            if (leg.holdId != 0)
            {
                final Hold hold = holds.get(leg.holdId);
                if (hold == null || hold.account != debit || hold.asset != leg.assetId)
                {
                    return false;
                }
                for (int j = 0; j < i; j++)
                {
                    room -= legs[j].holdId == leg.holdId ? legs[j].amount : 0;
                }
                room += hold.remaining;
            }
            else
            {
                room = debit.available[leg.assetId];
                for (int j = 0; j < i; j++)
                {
                    room -= legs[j].holdId == 0 && legs[j].debitAccountId == leg.debitAccountId &&
                        legs[j].assetId == leg.assetId ? legs[j].amount : 0;
                }
            }
            if (room < leg.amount)
            {
                return false;
            }
            spent[i] = leg.amount;
        }
        for (int i = 0; i < legs.length; i++)
        {
            final Command leg = legs[i];
            final Account debit = accounts.get(leg.debitAccountId);
            if (leg.holdId != 0)
            {
                final Hold hold = holds.get(leg.holdId);
                hold.remaining -= spent[i];
                debit.held[leg.assetId] -= spent[i];
                if (hold.remaining == 0)
                {
                    holds.remove(leg.holdId);
                }
            }
            else
            {
                debit.available[leg.assetId] -= spent[i];
            }
            accounts.get(leg.creditAccountId).available[leg.assetId] += spent[i];
        }
        return true;
    }
}
