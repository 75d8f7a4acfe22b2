package io.ledgerguard.core.engine;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.ApprovalFault;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.KillSwitchCause;
import io.ledgerguard.core.TableKind;

/**
 * Raises the alerts of SPEC §7 into the decision being written, one method per alert type with its figures named.
 * This is the one place that knows which figure goes where: the names are {@link AlertType}'s, in its order. An alert
 * beyond {@link io.ledgerguard.core.Decision#ALERTS_MAX} is counted as dropped, never lost silently.
 */
public final class Alerts
{
    private final CommandContext context;
    private final Assets assets;

    /**
     * @param context the command being applied.
     * @param assets  for asset ids.
     */
    public Alerts(final CommandContext context, final Assets assets)
    {
        this.context = context;
        this.assets = assets;
    }

    /**
     * I2 or SPEC §5.1: obligations beyond what holdings cover.
     *
     * @param amount the amount of the command that would have raised them, 0 for a reconciliation.
     */
    public void reserveCoverBreach(
        final int asset, final long holdings, final long obligations, final long amount, final long reserveBuffer)
    {
        final Alert alert = raise(AlertType.RESERVE_COVER_BREACH, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            alert.figure(0, holdings);
            alert.figure(1, obligations);
            alert.figure(2, amount);
            alert.figure(3, reserveBuffer);
        }
    }

    /**
     * I4: an attestation differs from the expected holdings by more than the wallet's tolerance.
     */
    public void custodyDrift(
        final int asset, final long walletId, final long attested, final long expected, final long tolerance)
    {
        final Alert alert = raise(AlertType.CUSTODY_DRIFT, AlertScope.WALLET, asset, walletId, 0);
        if (alert != null)
        {
            alert.figure(0, attested);
            alert.figure(1, expected);
            alert.figure(2, tolerance);
        }
    }

    /**
     * I5: {@link AlertType#ATTESTATION_STALE} or {@link AlertType#ATTESTATION_FRESH}.
     *
     * @param attestedOldestMs the oldest attestation of the asset's wallets, -1 when one was never attested.
     */
    public void freshness(
        final AlertType type, final int asset, final long attestedOldestMs, final long attestationAgeMsMax)
    {
        assert type == AlertType.ATTESTATION_STALE || type == AlertType.ATTESTATION_FRESH : "not freshness: " + type;
        final Alert alert = raise(type, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            alert.figure(0, attestedOldestMs);
            alert.figure(1, context.nowMs());
            alert.figure(2, attestationAgeMsMax);
        }
    }

    /**
     * SPEC §5.3: traded volume in the window above the multiple of holdings.
     */
    public void volumeExceedsHoldings(final int asset, final long volume, final long holdings)
    {
        final Alert alert = raise(AlertType.VOLUME_EXCEEDS_HOLDINGS, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            alert.figure(0, volume);
            alert.figure(1, holdings);
        }
    }

    /**
     * SPEC §5.4: a withdrawal would take the window's outflow past its limit.
     */
    public void outflowVelocity(final int asset, final long walletId, final long outflow, final long limit)
    {
        final Alert alert = raise(AlertType.OUTFLOW_VELOCITY, AlertScope.ASSET, asset, walletId, 0);
        if (alert != null)
        {
            alert.figure(0, outflow);
            alert.figure(1, limit);
        }
    }

    /**
     * SPEC §5.5: a single credit above the asset's cap.
     */
    public void sanityCap(final int asset, final long accountId, final long amount, final long creditCap)
    {
        final Alert alert = raise(AlertType.SANITY_CAP, AlertScope.ACCOUNT, asset, 0, accountId);
        if (alert != null)
        {
            alert.figure(0, amount);
            alert.figure(1, creditCap);
        }
    }

    /**
     * SPEC §5.6: a reversal could not take back all it credited.
     */
    public void reversalShortfall(
        final int asset, final long accountId, final long credited, final long recovered, final long shortfall)
    {
        final Alert alert = raise(AlertType.REVERSAL_SHORTFALL, AlertScope.ACCOUNT, asset, 0, accountId);
        if (alert != null)
        {
            alert.figure(0, credited);
            alert.figure(1, recovered);
            alert.figure(2, shortfall);
        }
    }

    /**
     * SPEC §5.7: the hot wallets' share of holdings above the maximum.
     */
    public void coldRatio(final int asset, final long hotShareBps, final long hotShareBpsMax)
    {
        final Alert alert = raise(AlertType.COLD_RATIO, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            alert.figure(0, hotShareBps);
            alert.figure(1, hotShareBpsMax);
        }
    }

    /**
     * SPEC §11: a table passed 80% of its limit.
     */
    public void capacityWarning(final TableKind table, final long size, final long sizeMax)
    {
        final Alert alert = raise(AlertType.CAPACITY_WARNING, AlertScope.ALL, -1, 0, 0);
        if (alert != null)
        {
            alert.figure(0, table.ordinal());
            alert.figure(1, size);
            alert.figure(2, sizeMax);
        }
    }

    /**
     * SPEC §6: a privileged command without the approvals its class needs. The scope is the narrowest the command
     * names: account, wallet, asset, or everything.
     */
    public void unauthorized(final Command command, final ApprovalFault fault, final int required)
    {
        final AlertScope scope;
        if (command.accountId != 0)
        {
            scope = AlertScope.ACCOUNT;
        }
        else if (command.walletId != 0)
        {
            scope = AlertScope.WALLET;
        }
        else if (command.assetId != 0)
        {
            scope = AlertScope.ASSET;
        }
        else
        {
            scope = AlertScope.ALL;
        }
        final Alert alert = raise(AlertType.UNAUTHORIZED, scope, assets.index(command.assetId), command.walletId,
            command.accountId);
        if (alert != null)
        {
            alert.figure(0, fault.code());
            alert.figure(1, required);
            alert.figure(2, command.approvalsVerified);
            alert.figure(3, command.expiresAtMs);
        }
    }

    /**
     * An asset's kill switch or outflow halt engaged.
     *
     * @param outflowsOnly true for the outflow halt.
     * @param tolerance    the tolerance exceeded, 0 for an operator's HALT.
     */
    public void assetKillSwitchEngaged(
        final int asset, final KillSwitchCause cause, final boolean outflowsOnly, final long tolerance)
    {
        final Alert alert = raise(AlertType.KILL_SWITCH_ENGAGED, AlertScope.ASSET, asset, 0, 0);
        if (alert != null)
        {
            alert.figure(0, cause.code());
            alert.figure(1, outflowsOnly ? 1 : 0);
            alert.figure(2, tolerance);
        }
    }

    /**
     * A wallet's kill switch, or the one for everything, engaged by an operator.
     *
     * @param asset the wallet's asset, -1 for everything.
     */
    public void killSwitchEngaged(
        final AlertScope scope, final int asset, final long walletId, final KillSwitchCause cause)
    {
        assert scope == AlertScope.WALLET || scope == AlertScope.ALL : "asset switches name their tolerance";
        final Alert alert = raise(AlertType.KILL_SWITCH_ENGAGED, scope, asset, walletId, 0);
        if (alert != null)
        {
            alert.figure(0, cause.code());
        }
    }

    /**
     * A kill switch lifted: when and why it had engaged, and how long it held.
     *
     * @param asset the asset, -1 for everything.
     */
    public void killSwitchReleased(
        final AlertScope scope, final int asset, final long walletId, final long sinceMs, final long cause,
        final boolean outflowsOnly)
    {
        final Alert alert = raise(AlertType.KILL_SWITCH_RELEASED, scope, asset, walletId, 0);
        if (alert != null)
        {
            alert.figure(0, cause);
            alert.figure(1, sinceMs);
            alert.figure(2, context.nowMs() - sinceMs);
            alert.figure(3, outflowsOnly ? 1 : 0);
        }
    }

    private Alert raise(
        final AlertType type, final AlertScope scope, final int asset, final long walletId, final long accountId)
    {
        final Alert alert = context.decision().nextAlert();
        if (alert != null)
        {
            alert.set(context.seq(), context.nowNs(), context.txId(), type, scope, asset >= 0 ? assets.id(asset) : 0,
                walletId, accountId);
        }
        return alert;
    }

    static
    {
        // The figures are set by position above; AlertType names them. Pair the two.
        assert AlertType.RESERVE_COVER_BREACH.figureName(3).equals("reserveBuffer");
        assert AlertType.CUSTODY_DRIFT.figureName(2).equals("tolerance");
        assert AlertType.UNAUTHORIZED.figureName(3).equals("expiresAtMs");
        assert AlertType.KILL_SWITCH_ENGAGED.figureName(2).equals("tolerance");
        assert AlertType.KILL_SWITCH_RELEASED.figureName(3).equals("outflowsOnly");
        assert AlertType.REVERSAL_SHORTFALL.figureName(2).equals("shortfall");
    }
}
