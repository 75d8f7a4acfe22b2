package io.ledgerguard.core.engine;

import org.agrona.collections.Long2LongCounterMap;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.internal.CreditDescriptor;
import io.ledgerguard.core.internal.HoldDescriptor;
import io.ledgerguard.core.internal.InflowTable;
import io.ledgerguard.core.internal.OffHeapTable;
import io.ledgerguard.core.internal.PositionDescriptor;

import static io.ledgerguard.core.engine.Arithmetic.positivePart;

/**
 * The invariant audit (I1, I3), beside the state machine and not inside it: every counter the rooms keep
 * incrementally is recomputed from the tables and compared. Reads every slot of every table: for tests, replay and
 * audit, never the apply path. It boxes no sum and builds no message per entry (only for an invariant that fails):
 * a replay ends with an audit, and at millions of positions those cost more than the replay itself.
 */
public final class EngineAuditor
{
    private final EngineParts parts;

    // Sums recomputed by one audit.
    private long[] obligations;
    private long[] held;
    private long[] holdRemaining;
    private long[] pending;
    /** By position offset: its pending withdrawals less its withdrawal holds; a sum that comes to 0 is removed. */
    private Long2LongCounterMap withdrawalHeldByPosition;

    public EngineAuditor(final EngineParts parts)
    {
        this.parts = parts;
    }

    /**
     * @return a description of the first violation found, or {@code null} when every invariant holds.
     */
    public String check()
    {
        final int assetCount = parts.assets.count();
        obligations = new long[assetCount];
        held = new long[assetCount];
        holdRemaining = new long[assetCount];
        pending = new long[parts.wallets.count()];
        withdrawalHeldByPosition = new Long2LongCounterMap(0);
        String violation = checkFrozenCount();
        if (violation == null)
        {
            violation = checkPositions();
        }
        if (violation == null)
        {
            violation = checkHolds();
        }
        if (violation == null)
        {
            violation = checkPendingWithdrawals();
        }
        if (violation == null)
        {
            violation = checkWalletsAndAssets();
        }
        if (violation == null)
        {
            violation = checkInflows();
        }
        return violation;
    }

    private String checkFrozenCount()
    {
        final long counted = parts.globals.get(GlobalDescriptor.FROZEN_ACCOUNTS);
        final long frozen = parts.accounts.countFrozenAccounts();
        return frozen == counted ? null : "frozen accounts counted " + counted + ", found " + frozen;
    }

    private String checkPositions()
    {
        final OffHeapTable positions = parts.accounts.positionsTable();
        for (int i = 0, capacity = positions.capacity(); i < capacity; i++)
        {
            final int offset = positions.slotOffset(i);
            if (positions.isOccupied(offset))
            {
                final String violation = checkPosition(positions, offset);
                if (violation != null)
                {
                    return violation;
                }
            }
        }
        return null;
    }

    private String checkPosition(final OffHeapTable positions, final int offset)
    {
        final long accountId = positions.get(offset, PositionDescriptor.ACCOUNT_ID);
        final int asset = (int)positions.get(offset, PositionDescriptor.ASSET_INDEX);
        final long available = positions.get(offset, PositionDescriptor.AVAILABLE);
        final long positionHeld = positions.get(offset, PositionDescriptor.HELD);
        final long creditLimit = positions.get(offset, PositionDescriptor.CREDIT_LIMIT);
        final int account = parts.accounts.find(accountId);
        if (account < 0)
        {
            return "I1: " + where(accountId, asset) + " has no account";
        }
        if (positionHeld < 0)
        {
            return "I1: " + where(accountId, asset) + " held=" + positionHeld + " < 0";
        }
        final AccountKind kind = parts.accounts.kind(account);
        if (creditLimit < 0 || (creditLimit > 0 && kind != AccountKind.CREDIT_LINE))
        {
            return "I1: " + where(accountId, asset) + " creditLimit=" + creditLimit + " on a " + kind + " account";
        }
        if (available < -creditLimit)
        {
            return "I1: " + where(accountId, asset) + " available=" + available + " < -creditLimit=" + -creditLimit;
        }
        final long withdrawalHeld = positions.get(offset, PositionDescriptor.WITHDRAWAL_HELD);
        if (withdrawalHeld < 0 || withdrawalHeld > positionHeld ||
            (withdrawalHeld > 0 && available + positionHeld < withdrawalHeld))
        {
            return "I1: " + where(accountId, asset) + " pending withdrawals=" + withdrawalHeld +
                " not backed: available=" + available + ", held=" + positionHeld;
        }
        if (withdrawalHeld != 0)
        {
            withdrawalHeldByPosition.addAndGet(offset, withdrawalHeld);
        }
        obligations[asset] += positivePart(available + positionHeld);
        held[asset] += positionHeld;
        return null;
    }

    private String where(final long accountId, final int asset)
    {
        return "position accountId=" + accountId + ", asset=" + parts.assets.code(asset);
    }

    private String checkHolds()
    {
        final OffHeapTable holds = parts.holds.table();
        final OffHeapTable positions = parts.accounts.positionsTable();
        for (int i = 0, capacity = holds.capacity(); i < capacity; i++)
        {
            final int offset = holds.slotOffset(i);
            if (!holds.isOccupied(offset))
            {
                continue;
            }
            final long holdId = holds.get(offset, HoldDescriptor.ID);
            final long remaining = parts.holds.remaining(offset);
            final int asset = parts.holds.asset(offset);
            if (remaining <= 0)
            {
                return "I3: hold holdId=" + holdId + " remaining=" + remaining + " <= 0";
            }
            final int position = parts.holds.position(offset);
            final long holder = holds.get(offset, HoldDescriptor.ACCOUNT_ID);
            if (positions.get(position, PositionDescriptor.ACCOUNT_ID) != holder ||
                positions.get(position, PositionDescriptor.ASSET_INDEX) != asset)
            {
                return "I3: hold holdId=" + holdId + " points at another position";
            }
            holdRemaining[asset] += remaining;
            if (parts.holds.kind(offset) == HoldDescriptor.KIND_WITHDRAWAL)
            {
                pending[parts.holds.wallet(offset)] += remaining;
                withdrawalHeldByPosition.addAndGet(position, -remaining);
            }
        }
        return null;
    }

    private String checkPendingWithdrawals()
    {
        if (withdrawalHeldByPosition.isEmpty())
        {
            return null;
        }
        // Every sum left is not 0, since the counter map removes those that come to 0: name one of them.
        final long[] found = new long[2];
        withdrawalHeldByPosition.forEach((offset, difference) ->
        {
            found[0] = offset;
            found[1] = difference;
        });
        return "I3: position at offset " + found[0] + " pending withdrawals differ from its withdrawal holds by " +
            found[1];
    }

    private String checkWalletsAndAssets()
    {
        final Wallets wallets = parts.wallets;
        final long[] expectedSum = new long[parts.assets.count()];
        for (int w = 0; w < wallets.count(); w++)
        {
            final long expected = wallets.get(w, WalletDescriptor.EXPECTED);
            final long recomputed = wallets.get(w, WalletDescriptor.ATTESTED) +
                wallets.get(w, WalletDescriptor.INFLOWS_SINCE) - wallets.get(w, WalletDescriptor.OUTFLOWS_SINCE);
            if (expected != recomputed)
            {
                return "I3: wallet " + wallets.id(w) + " expected=" + expected +
                    " != attested + inflows - outflows=" + recomputed;
            }
            final long walletPending = wallets.get(w, WalletDescriptor.PENDING);
            if (pending[w] != walletPending)
            {
                return "I3: wallet " + wallets.id(w) + " pending=" + walletPending + " != sum of withdrawal holds=" +
                    pending[w];
            }
            expectedSum[wallets.assetIndex(w)] += expected;
        }
        for (int a = 0; a < parts.assets.count(); a++)
        {
            final String violation = checkAsset(a, expectedSum[a]);
            if (violation != null)
            {
                return violation;
            }
        }
        return null;
    }

    private String checkAsset(final int a, final long expectedSum)
    {
        final Assets assets = parts.assets;
        final String asset = assets.code(a);
        if (obligations[a] != assets.get(a, AssetDescriptor.OBLIGATIONS))
        {
            return "I3: asset " + asset + " obligations counter=" + assets.get(a, AssetDescriptor.OBLIGATIONS) +
                " != recomputed=" + obligations[a];
        }
        if (held[a] != assets.get(a, AssetDescriptor.HELD))
        {
            return "I3: asset " + asset + " held counter=" + assets.get(a, AssetDescriptor.HELD) +
                " != sum of positions=" + held[a];
        }
        if (holdRemaining[a] != held[a])
        {
            return "I3: asset " + asset + " sum of held=" + held[a] + " != sum of open holds=" + holdRemaining[a];
        }
        if (expectedSum != assets.get(a, AssetDescriptor.HOLDINGS))
        {
            return "I3: asset " + asset + " holdings=" + assets.get(a, AssetDescriptor.HOLDINGS) +
                " != sum of wallets' expected=" + expectedSum;
        }
        return null;
    }

    private String checkInflows()
    {
        final InflowTable inflows = parts.custody.inflows();
        final Long2LongCounterMap named = new Long2LongCounterMap(0);
        final OffHeapTable credits = parts.credits.table();
        for (int i = 0, capacity = credits.capacity(); i < capacity; i++)
        {
            final int offset = credits.slotOffset(i);
            final long inflow = credits.isOccupied(offset) ? credits.get(offset, CreditDescriptor.INFLOW) : 0;
            if (inflow != 0)
            {
                if (inflows.findByHash(inflow) < 0)
                {
                    return "SPEC §11: credit " + credits.get(offset, CreditDescriptor.TX_ID) + " names an inflow " +
                        "no longer held: hash=" + inflow;
                }
                named.incrementAndGet(inflow);
            }
        }
        for (int i = 0, capacity = inflows.capacity(); i < capacity; i++)
        {
            final int offset = inflows.slotOffset(i);
            if (!inflows.isOccupied(offset))
            {
                continue;
            }
            if (inflows.credited(offset) > inflows.amount(offset))
            {
                return "I3: an inflow is credited beyond its amount: credited=" + inflows.credited(offset) +
                    ", amount=" + inflows.amount(offset);
            }
            final long expected = named.get(inflows.hashAt(offset));
            if (inflows.liveCredits(offset) != expected)
            {
                return "SPEC §11: an inflow counts " + inflows.liveCredits(offset) + " live credits, " + expected +
                    " credits name it: hash=" + inflows.hashAt(offset);
            }
        }
        if (parts.custody.expiryQueue().size() != inflows.size())
        {
            return "SPEC §11: " + inflows.size() + " inflows held, " + parts.custody.expiryQueue().size() + " queued";
        }
        return null;
    }
}
