package io.ledgerguard.core.engine;

import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.KillSwitchCause;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.internal.ExpiryQueue;
import io.ledgerguard.core.internal.InflowTable;
import io.ledgerguard.core.internal.UndoLog;

import static io.ledgerguard.core.engine.Arithmetic.exceedsShare;
import static io.ledgerguard.core.engine.Arithmetic.overflows;
import static io.ledgerguard.core.engine.Arithmetic.subtractionOverflows;
import static io.ledgerguard.core.engine.WalletDescriptor.ATTESTED;
import static io.ledgerguard.core.engine.WalletDescriptor.ATTESTED_AT_MS;
import static io.ledgerguard.core.engine.WalletDescriptor.EXPECTED;
import static io.ledgerguard.core.engine.WalletDescriptor.INFLOWS_SINCE;
import static io.ledgerguard.core.engine.WalletDescriptor.NEVER;
import static io.ledgerguard.core.engine.WalletDescriptor.OUTFLOWS_SINCE;
import static io.ledgerguard.core.engine.WalletDescriptor.PENDING;

/**
 * Custody: what the wallets hold. {@code INFLOW}, {@code SWEEP} and {@code ATTEST} from the custody feed, each
 * wallet's expected holdings and each asset's holdings, custody drift (I4), attestation freshness (I5) and the cold
 * ratio (SPEC §5.7). Inflows are kept by chain reference, so that each can be credited once ({@code DEPOSIT}), and
 * forgotten once credited in full and no credit names them any more, the credit reversal window after they were
 * recorded at the earliest (SPEC §11).
 */
public final class Custody
{
    private final CommandContext context;
    private final UndoLog undo;
    private final Assets assets;
    private final Wallets wallets;
    private final Alerts alerts;
    private final KillSwitches killSwitches;
    private final Cover cover;
    private final InflowTable inflows;
    /** Every inflow held, by hash, in the order it comes up for forgetting. */
    private final ExpiryQueue expiry;
    private final long windowMs;

    public Custody(
        final GuardConfig.Limits limits,
        final GuardConfig.Retention retention,
        final CommandContext context,
        final UndoLog undo,
        final Assets assets,
        final Wallets wallets,
        final Alerts alerts,
        final KillSwitches killSwitches,
        final Cover cover)
    {
        this.context = context;
        this.undo = undo;
        this.assets = assets;
        this.wallets = wallets;
        this.alerts = alerts;
        this.killSwitches = killSwitches;
        this.cover = cover;
        inflows = new InflowTable(limits.inflowsMax, undo);
        expiry = new ExpiryQueue(limits.inflowsMax, undo);
        windowMs = retention.creditReversalWindowMs;
        for (int i = 0; i < assets.count(); i++)
        {
            // An asset without wallets is never stale; one with wallets is until each was attested.
            final long oldest = wallets.ofAsset(i).length == 0 ? Long.MAX_VALUE : NEVER;
            assets.initialise(i, AssetDescriptor.ATTESTED_OLDEST_MS, oldest);
        }
    }

    /**
     * {@code INFLOW}: custody observed units arriving in a wallet; they can now be credited by one {@code DEPOSIT}.
     */
    public Reason inflow(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkInflow(command);
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        if (check != Reason.OK)
        {
            return check;
        }
        final long amount = command.amount;
        final int asset = assets.index(command.assetId);
        final int wallet = wallets.index(command.walletId);
        final long hash = InflowTable.hash(command.chainRef, command.chainRefLength);
        inflows.insert(hash, command.chainRef, command.chainRefLength, wallet, asset, amount);
        expiry.push(hash, context.nowMs());
        wallets.put(wallet, INFLOWS_SINCE, wallets.get(wallet, INFLOWS_SINCE) + amount);
        wallets.put(wallet, EXPECTED, wallets.get(wallet, EXPECTED) + amount);
        assets.put(asset, AssetDescriptor.HOLDINGS, assets.get(asset, AssetDescriptor.HOLDINGS) + amount);
        checkColdRatio(asset);
        return Reason.OK;
    }

    private Reason checkInflow(final Command command)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final Reason chainRefShape = checkChainRef(command);
        if (chainRefShape != Reason.OK)
        {
            return chainRefShape;
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
        final Reason known = checkChainRefUnknown(command);
        if (known != Reason.OK)
        {
            return known;
        }
        if (overflows(wallets.get(wallet, INFLOWS_SINCE), amount) || overflows(wallets.get(wallet, EXPECTED), amount) ||
            overflows(assets.get(asset, AssetDescriptor.HOLDINGS), amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        return inflows.isFull() ? context.exhausted(TableKind.INFLOWS) : Reason.OK;
    }

    /**
     * {@code SWEEP}: a custody-internal movement, reported once confirmed: what left one wallet arrived in another of
     * the same asset, so holdings do not change and nothing is owed to anyone. Like {@code INFLOW} it is a fact and is
     * taken whatever the asset's or wallets' status. The chain reference is recorded as an inflow already credited in
     * full, so that no {@code DEPOSIT} can claim the sweep's transaction.
     */
    public Reason sweep(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkSweep(command);
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        if (check != Reason.OK)
        {
            return check;
        }
        final long amount = command.amount;
        final int asset = assets.index(command.assetId);
        final int from = wallets.index(command.walletId);
        final int to = wallets.index(command.toWalletId);
        final long holdingsBefore = assets.get(asset, AssetDescriptor.HOLDINGS);
        final long hash = InflowTable.hash(command.chainRef, command.chainRefLength);
        final int inflow = inflows.insert(hash, command.chainRef, command.chainRefLength, to, asset, amount);
        inflows.credited(inflow, amount);
        expiry.push(hash, context.nowMs());
        wallets.put(from, OUTFLOWS_SINCE, wallets.get(from, OUTFLOWS_SINCE) + amount);
        wallets.put(from, EXPECTED, wallets.get(from, EXPECTED) - amount);
        wallets.put(to, INFLOWS_SINCE, wallets.get(to, INFLOWS_SINCE) + amount);
        wallets.put(to, EXPECTED, wallets.get(to, EXPECTED) + amount);
        checkColdRatio(asset);
        assert assets.get(asset, AssetDescriptor.HOLDINGS) == holdingsBefore : "a sweep changed holdings";
        return Reason.OK;
    }

    private Reason checkSweep(final Command command)
    {
        final long amount = command.amount;
        if (amount <= 0)
        {
            return Reason.AMOUNT_MUST_BE_POSITIVE;
        }
        final Reason chainRefShape = checkChainRef(command);
        if (chainRefShape != Reason.OK)
        {
            return chainRefShape;
        }
        if (command.walletId == command.toWalletId)
        {
            return Reason.WALLETS_MUST_BE_DIFFERENT;
        }
        final int asset = assets.index(command.assetId);
        if (asset < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        final int from = wallets.index(command.walletId);
        final int to = wallets.index(command.toWalletId);
        if (from < 0 || to < 0)
        {
            return Reason.WALLET_NOT_FOUND;
        }
        if (wallets.assetIndex(from) != asset || wallets.assetIndex(to) != asset)
        {
            return Reason.WALLET_ASSET_MISMATCH;
        }
        final Reason known = checkChainRefUnknown(command);
        if (known != Reason.OK)
        {
            return known;
        }
        // What is reserved for withdrawals from the source stays there to pay them.
        if (wallets.get(from, EXPECTED) - wallets.get(from, PENDING) < amount)
        {
            return Reason.WALLET_FUNDS_INSUFFICIENT;
        }
        if (overflows(wallets.get(from, OUTFLOWS_SINCE), amount) || overflows(wallets.get(to, INFLOWS_SINCE), amount) ||
            overflows(wallets.get(to, EXPECTED), amount))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        return inflows.isFull() ? context.exhausted(TableKind.INFLOWS) : Reason.OK;
    }

    /**
     * {@code ATTEST}: the custody feed's signed balance of a wallet replaces its attested holdings. Checks custody
     * drift (I4), refreshes the asset's attestation age (I5), the cold ratio (SPEC §5.7), and reconciles the asset's
     * obligations against the new holdings (SPEC §5.1).
     */
    public Reason attest(final Command command)
    {
        final long writesBefore = undo.writeCount();
        final Reason check = checkAttest(command);
        assert undo.writeCount() == writesBefore : "the check phase wrote";
        if (check != Reason.OK)
        {
            return check;
        }
        final long balance = command.amount;
        final int asset = assets.index(command.assetId);
        final int wallet = wallets.index(command.walletId);
        final long expected = wallets.get(wallet, EXPECTED);
        final long withoutWallet = assets.get(asset, AssetDescriptor.HOLDINGS) - expected;
        checkDrift(asset, wallet, balance, expected);

        wallets.put(wallet, ATTESTED, balance);
        wallets.put(wallet, ATTESTED_AT_MS, context.nowMs());
        wallets.put(wallet, INFLOWS_SINCE, 0);
        wallets.put(wallet, OUTFLOWS_SINCE, 0);
        wallets.put(wallet, EXPECTED, balance);
        assets.put(asset, AssetDescriptor.HOLDINGS, withoutWallet + balance);
        final long oldest = recomputeAttestedOldest(asset);
        if (assets.get(asset, AssetDescriptor.STALE) != 0 && !isStale(asset))
        {
            assets.put(asset, AssetDescriptor.STALE, 0);
            alerts.freshness(AlertType.ATTESTATION_FRESH, asset, oldest, assets.attestationAgeMsMax(asset));
        }
        checkColdRatio(asset);
        cover.reconcile(asset);
        return Reason.OK;
    }

    private Reason checkAttest(final Command command)
    {
        final long balance = command.amount;
        if (balance < 0)
        {
            return Reason.BALANCE_MUST_NOT_BE_NEGATIVE;
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
        final long expected = wallets.get(wallet, EXPECTED);
        final long holdings = assets.get(asset, AssetDescriptor.HOLDINGS);
        if (subtractionOverflows(holdings, expected) || overflows(holdings - expected, balance))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        return Reason.OK;
    }

    /**
     * I4 custody drift against expected holdings: the last attestation (none: 0) plus inflows since, less settled
     * withdrawals since. A wallet's first attestation sets its baseline, so only a decrease (inflows recorded before
     * it that it does not show) counts there. Expected can be negative (a wallet attested below its pending
     * withdrawals, which then settled): a difference that overflows is an increase beyond any tolerance. An
     * unexplained decrease is the signature of a drained hot wallet: it halts the asset's outflows at once.
     */
    private void checkDrift(final int asset, final int wallet, final long balance, final long expected)
    {
        final boolean first = wallets.get(wallet, ATTESTED_AT_MS) == NEVER;
        final boolean driftOverflows = subtractionOverflows(balance, expected);
        final long drift = balance - expected;
        final long tolerance = wallets.driftTolerance(wallet);
        final boolean decrease = !driftOverflows && drift < -tolerance;
        final boolean increase = !first && (driftOverflows || drift > tolerance);
        if (decrease || increase)
        {
            alerts.custodyDrift(asset, wallets.id(wallet), balance, expected, tolerance);
            if (decrease && killSwitches.outflowSwitch(asset) == KillSwitchState.LIFTED)
            {
                killSwitches.engageAsset(asset, AssetDescriptor.FLAG_OUTFLOWS_HALTED, KillSwitchCause.CUSTODY_DRIFT,
                    tolerance);
            }
        }
    }

    /**
     * A withdrawal settled: what left custody leaves the wallet's expected holdings and the asset's holdings.
     */
    public void settleOutflow(final int asset, final int wallet, final long amount)
    {
        wallets.put(wallet, PENDING, wallets.get(wallet, PENDING) - amount);
        wallets.put(wallet, OUTFLOWS_SINCE, wallets.get(wallet, OUTFLOWS_SINCE) + amount);
        wallets.put(wallet, EXPECTED, wallets.get(wallet, EXPECTED) - amount);
        assets.put(asset, AssetDescriptor.HOLDINGS, assets.get(asset, AssetDescriptor.HOLDINGS) - amount);
        checkColdRatio(asset);
    }

    /**
     * Invariant I5: an asset any of whose wallets has no attestation within the age limit is restricted. Checked by
     * the commands it restricts; the first such check after the limit passes raises
     * {@link AlertType#ATTESTATION_STALE} (and records that it did, so that a later attestation says it is fresh).
     * It writes only when it finds the asset stale, when the command is then rejected.
     */
    public boolean isRestricted(final int asset)
    {
        final boolean stale = isStale(asset);
        if (stale && assets.get(asset, AssetDescriptor.STALE) == 0)
        {
            assets.put(asset, AssetDescriptor.STALE, 1);
            final long oldest = assets.get(asset, AssetDescriptor.ATTESTED_OLDEST_MS);
            alerts.freshness(AlertType.ATTESTATION_STALE, asset, oldest == NEVER ? -1 : oldest,
                assets.attestationAgeMsMax(asset));
        }
        return stale;
    }

    /**
     * The oldest attestation of the asset's wallets, written into its record: after an attestation, and after a rule
     * change retired one of its wallets (SPEC §13), which no longer counts.
     *
     * @param asset an asset index.
     * @return the oldest attestation time; {@link Long#MAX_VALUE} when the asset has no wallet.
     */
    long recomputeAttestedOldest(final int asset)
    {
        long oldest = Long.MAX_VALUE;
        for (final int w : wallets.ofAsset(asset))
        {
            oldest = Math.min(oldest, wallets.get(w, ATTESTED_AT_MS));
        }
        assets.put(asset, AssetDescriptor.ATTESTED_OLDEST_MS, oldest);
        return oldest;
    }

    /**
     * @return true when a wallet of the asset has no attestation within the age limit, as of the guard's clock.
     */
    public boolean isStale(final int asset)
    {
        final long oldest = assets.get(asset, AssetDescriptor.ATTESTED_OLDEST_MS);
        return oldest == NEVER || context.nowMs() - oldest > assets.attestationAgeMsMax(asset);
    }

    /**
     * SPEC §11: forget the inflows whose time is up, the oldest first, at most
     * {@link Idempotency#EXPIRIES_PER_COMMAND_MAX}: an inflow recorded longer ago than the credit reversal window is
     * forgotten when it is credited in full and no credit names it; otherwise it comes up again a window later.
     * Called before each command, outside any batch.
     *
     * @return how many left the head of the queue.
     */
    public int expire()
    {
        final long nowMs = context.nowMs();
        int expired = 0;
        while (expired < Idempotency.EXPIRIES_PER_COMMAND_MAX && expiry.headDue(nowMs, windowMs))
        {
            final long hash = expiry.headKey();
            final int inflow = inflows.findByHash(hash);
            if (inflow < 0)
            {
                throw new IllegalStateException("a queued inflow is not held: hash=" + hash);
            }
            expiry.pop();
            if (inflows.liveCredits(inflow) == 0 && inflows.credited(inflow) == inflows.amount(inflow))
            {
                inflows.remove(inflow);
            }
            else
            {
                expiry.push(hash, nowMs);
            }
            expired++;
        }
        assert inflows.size() == expiry.size() : "inflows=" + inflows.size() + ", queued=" + expiry.size();
        return expired;
    }

    /**
     * A chain reference must be new, and its hash too: credits name their inflow by the hash, so a second reference
     * with the hash of one held (about one chance in 2^64 a pair) is refused rather than made ambiguous.
     */
    private Reason checkChainRefUnknown(final Command command)
    {
        if (findInflow(command) >= 0)
        {
            return Reason.INFLOW_ALREADY_RECORDED;
        }
        if (inflows.findByHash(InflowTable.hash(command.chainRef, command.chainRefLength)) >= 0)
        {
            return Reason.CHAIN_REF_HASH_COLLISION;
        }
        return Reason.OK;
    }

    /**
     * @param hash a chain reference's hash, as a credit records its inflow.
     * @return the inflow's slot offset, or -1.
     */
    public int inflowByHash(final long hash)
    {
        return inflows.findByHash(hash);
    }

    /**
     * @return the inflows in the order they come up for forgetting: for snapshots and hashing.
     */
    public ExpiryQueue expiryQueue()
    {
        return expiry;
    }

    /**
     * @return the inflow the command's chain reference names, its slot offset, or -1.
     */
    public int findInflow(final Command command)
    {
        return inflows.find(InflowTable.hash(command.chainRef, command.chainRefLength), command.chainRef,
            command.chainRefLength);
    }

    /**
     * @return the inflows table: deposits credit it; for snapshots, reading and the audit.
     */
    public InflowTable inflows()
    {
        return inflows;
    }

    /**
     * A chain reference must be there and fit.
     */
    public static Reason checkChainRef(final Command command)
    {
        if (command.chainRefLength <= 0)
        {
            return Reason.CHAIN_REF_MUST_NOT_BE_EMPTY;
        }
        if (command.chainRefLength > Command.CHAIN_REF_LENGTH_MAX)
        {
            return Reason.CHAIN_REF_TOO_LONG;
        }
        return Reason.OK;
    }

    /**
     * SPEC §5.7: the hot wallets' share of holdings above the maximum raises {@link AlertType#COLD_RATIO} once, when
     * it crosses; it may raise again after falling back to or below the maximum.
     */
    private void checkColdRatio(final int asset)
    {
        final long holdings = assets.get(asset, AssetDescriptor.HOLDINGS);
        // Until every wallet of the asset has been attested once, the split between hot and cold is not known.
        if (holdings <= 0 || assets.get(asset, AssetDescriptor.ATTESTED_OLDEST_MS) == NEVER)
        {
            return;
        }
        long hot = 0;
        for (final int w : wallets.ofAsset(asset))
        {
            if (wallets.kind(w) == WalletKind.HOT)
            {
                hot += Math.max(0, wallets.get(w, EXPECTED));
            }
        }
        // hot <= holdings unless another wallet's expected is negative: cap it, the share is at most 100%.
        hot = Math.min(hot, holdings);
        final boolean above = exceedsShare(hot, holdings, assets.hotShareBpsMax(asset));
        final boolean alerted = assets.hasFlag(asset, AssetDescriptor.FLAG_COLD_RATIO_ALERTED);
        if (above && !alerted)
        {
            assets.setFlag(asset, AssetDescriptor.FLAG_COLD_RATIO_ALERTED, true);
            // hot <= holdings: beyond Long.MAX_VALUE / 10,000, holdings / 10,000 is at least 922 billion.
            final long hotShareBps =
                hot <= Long.MAX_VALUE / 10_000 ? hot * 10_000 / holdings : hot / (holdings / 10_000);
            alerts.coldRatio(asset, hotShareBps, assets.hotShareBpsMax(asset));
        }
        else if (!above && alerted)
        {
            assets.setFlag(asset, AssetDescriptor.FLAG_COLD_RATIO_ALERTED, false);
        }
    }
}
