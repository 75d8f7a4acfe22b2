package io.ledgerguard.protocol;

import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;

/**
 * A decision as a client of the gateway receives it (SPEC §7): the response to one request, with its linked outcomes
 * and alerts. A mutable holder, overwritten by the next decode; copy what must outlive it.
 */
public final class GatewayDecision
{
    public long correlationId;
    /** 0 when the command was not sequenced (refused before the guard). */
    public long seq;
    public long txId;
    public Reason reason = Reason.OK;
    public long timestampNs;
    public boolean duplicate;
    public int linkedCount;
    public final long[] linkedTxIds = new long[Command.BATCH_COMMANDS_MAX];
    public final Reason[] linkedReasons = new Reason[Command.BATCH_COMMANDS_MAX];
    public int alertCount;
    public final AlertType[] alertTypes = new AlertType[Decision.ALERTS_MAX];
    public final AlertScope[] alertScopes = new AlertScope[Decision.ALERTS_MAX];
    public final int[] alertAssetIds = new int[Decision.ALERTS_MAX];
    public final long[] alertWalletIds = new long[Decision.ALERTS_MAX];
    public final long[] alertAccountIds = new long[Decision.ALERTS_MAX];
    /** Four figures per alert, in {@link AlertType#figureName(int)} order; those beyond the type's count are 0. */
    public final long[] alertFigures = new long[Decision.ALERTS_MAX * AlertType.FIGURES_MAX];

    /**
     * Make this a copy of another decision, allocating nothing: what its counts say it holds, as
     * {@link DecisionMessages} decodes it (entries beyond the counts are not read).
     *
     * @param source the decision to copy.
     * @return this.
     */
    public GatewayDecision copyFrom(final GatewayDecision source)
    {
        correlationId = source.correlationId;
        seq = source.seq;
        txId = source.txId;
        reason = source.reason;
        timestampNs = source.timestampNs;
        duplicate = source.duplicate;
        linkedCount = source.linkedCount;
        System.arraycopy(source.linkedTxIds, 0, linkedTxIds, 0, source.linkedCount);
        System.arraycopy(source.linkedReasons, 0, linkedReasons, 0, source.linkedCount);
        alertCount = source.alertCount;
        System.arraycopy(source.alertTypes, 0, alertTypes, 0, source.alertCount);
        System.arraycopy(source.alertScopes, 0, alertScopes, 0, source.alertCount);
        System.arraycopy(source.alertAssetIds, 0, alertAssetIds, 0, source.alertCount);
        System.arraycopy(source.alertWalletIds, 0, alertWalletIds, 0, source.alertCount);
        System.arraycopy(source.alertAccountIds, 0, alertAccountIds, 0, source.alertCount);
        System.arraycopy(source.alertFigures, 0, alertFigures, 0, source.alertCount * AlertType.FIGURES_MAX);
        return this;
    }

    /**
     * @return true when the command was accepted.
     */
    public boolean accepted()
    {
        return reason == Reason.OK;
    }

    /**
     * @param alert  an alert index, below {@link #alertCount}.
     * @param figure a figure index, below the alert type's figure count.
     * @return the figure.
     */
    public long figure(final int alert, final int figure)
    {
        return alertFigures[alert * AlertType.FIGURES_MAX + figure];
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(96).append("GatewayDecision{correlationId=").append(correlationId)
            .append(", seq=").append(seq).append(", txId=").append(txId).append(", ").append(reason);
        if (duplicate)
        {
            sb.append(", duplicate");
        }
        for (int i = 0; i < alertCount; i++)
        {
            sb.append(", ").append(alertTypes[i]);
        }
        return sb.append('}').toString();
    }
}
