package io.ledgerguard.bench;

import org.agrona.collections.Long2LongHashMap;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;

/**
 * Baseline 0, the bare memory cost: the same table lookups and counter updates a command makes in the guard (the
 * txId recorded for every command and inner command, positions, holds, wallet and asset counters), with no rule and
 * no check at all (no duplicate, status, funds, cover or control check, no undo). What this hardware
 * allows for the workload's data movement; the engine's overhead is stated as a ratio to it. Single-threaded.
 */
final class BareLedger
{
    private static final long MISSING = -1;

    private final Long2LongHashMap positions;
    private final long[] available;
    private final long[] held;
    private final Long2LongHashMap holdPosition;
    private final Long2LongHashMap holdAmount;
    private final Long2LongHashMap holdWallet;
    private final Long2LongHashMap walletExpected = new Long2LongHashMap(MISSING);
    private final Long2LongHashMap txIds;
    private final long[] obligations = new long[64];
    private final long[] holdings = new long[64];
    private int positionCount;

    BareLedger(final int positionsMax, final int holdsMax, final long txIdsMax)
    {
        txIds = new Long2LongHashMap((int)Math.min(txIdsMax, 1 << 28), 0.65f, MISSING);
        positions = new Long2LongHashMap(positionsMax * 2, 0.65f, MISSING);
        available = new long[positionsMax];
        held = new long[positionsMax];
        holdPosition = new Long2LongHashMap(holdsMax * 2, 0.65f, MISSING);
        holdAmount = new Long2LongHashMap(holdsMax * 2, 0.65f, MISSING);
        holdWallet = new Long2LongHashMap(holdsMax * 2, 0.65f, MISSING);
    }

    /**
     * @param command a command of the workload.
     * @return always true: nothing is checked, so nothing is rejected.
     */
    boolean apply(final Command command)
    {
        txIds.put(command.txId, 1);
        switch (command.type)
        {
            case INFLOW:
                walletExpected.put(command.walletId,
                    Math.max(0, walletExpected.get(command.walletId)) + command.amount);
                holdings[command.assetId] += command.amount;
                break;
            case DEPOSIT:
                available[position(command.accountId, command.assetId)] += command.amount;
                obligations[command.assetId] += command.amount;
                break;
            case TRANSFER:
                transfer(command);
                break;
            case HOLD:
            case WITHDRAW:
            {
                final int position = position(command.accountId, command.assetId);
                available[position] -= command.amount;
                held[position] += command.amount;
                holdPosition.put(command.holdId, position);
                holdAmount.put(command.holdId, command.amount);
                if (command.type == CommandType.WITHDRAW)
                {
                    holdWallet.put(command.holdId, command.walletId);
                }
                break;
            }
            case RELEASE:
            case WITHDRAW_CANCEL:
            {
                final int position = (int)holdPosition.get(command.holdId);
                final long amount = command.type == CommandType.RELEASE ? command.amount :
                    holdAmount.get(command.holdId);
                held[position] -= amount;
                available[position] += amount;
                consume(command.holdId, amount);
                break;
            }
            case WITHDRAW_SETTLE:
            {
                final int position = (int)holdPosition.get(command.holdId);
                final long amount = holdAmount.get(command.holdId);
                final long wallet = holdWallet.remove(command.holdId);
                held[position] -= amount;
                obligations[command.assetId] -= amount;
                walletExpected.put(wallet, walletExpected.get(wallet) - amount);
                consume(command.holdId, amount);
                break;
            }
            case ATTEST:
                walletExpected.put(command.walletId, command.amount);
                break;
            case BATCH:
                for (int i = 0; i < command.batchCount; i++)
                {
                    apply(command.inner(i));
                }
                break;
            default:
                break;
        }
        return true;
    }

    private void transfer(final Command command)
    {
        final int debit = position(command.debitAccountId, command.assetId);
        if (command.holdId != 0)
        {
            held[debit] -= command.amount;
            consume(command.holdId, command.amount);
        }
        else
        {
            available[debit] -= command.amount;
        }
        available[position(command.creditAccountId, command.assetId)] += command.amount;
    }

    private void consume(final long holdId, final long amount)
    {
        final long remaining = holdAmount.get(holdId) - amount;
        if (remaining <= 0)
        {
            holdAmount.remove(holdId);
            holdPosition.remove(holdId);
        }
        else
        {
            holdAmount.put(holdId, remaining);
        }
    }

    private int position(final long accountId, final int assetId)
    {
        final long key = accountId << 6 | assetId;
        long position = positions.get(key);
        if (position == MISSING)
        {
            position = positionCount++;
            positions.put(key, position);
        }
        return (int)position;
    }
}
