package io.ledgerguard.core.engine;

import io.ledgerguard.core.KillSwitchCause;
import io.ledgerguard.core.Reason;

import static io.ledgerguard.core.engine.Arithmetic.overflows;
import static io.ledgerguard.core.engine.Arithmetic.subtractionOverflows;

/**
 * Cover: each asset's obligations against its holdings. Keeps the obligations counter (I3 recomputes it), refuses
 * what would raise obligations past holdings less the reserve buffer (I2), and engages the asset's kill switch when an
 * attestation leaves obligations beyond holdings and the breach tolerance (SPEC §5.1).
 */
public final class Cover
{
    private final Assets assets;
    private final Alerts alerts;
    private final KillSwitches killSwitches;

    public Cover(final Assets assets, final Alerts alerts, final KillSwitches killSwitches)
    {
        this.assets = assets;
        this.alerts = alerts;
        this.killSwitches = killSwitches;
    }

    /**
     * I2: a command that raises obligations is accepted only if obligations stay within holdings less the reserve
     * buffer afterwards. A refusal raises {@link io.ledgerguard.core.AlertType#RESERVE_COVER_BREACH}.
     *
     * @param obligationsDelta how much the command raises obligations; nothing to check when not positive.
     * @param amount           the command's amount, for the alert.
     */
    public Reason checkCover(final int asset, final long obligationsDelta, final long amount)
    {
        if (obligationsDelta <= 0)
        {
            return Reason.OK;
        }
        final long obligations = assets.get(asset, AssetDescriptor.OBLIGATIONS);
        if (overflows(obligations, obligationsDelta))
        {
            return Reason.AMOUNT_OVERFLOW;
        }
        final long after = obligations + obligationsDelta;
        final long holdings = assets.get(asset, AssetDescriptor.HOLDINGS);
        final long buffer = assets.reserveBuffer(asset);
        // holdings - buffer can only overflow below Long.MIN_VALUE, where nothing is covered.
        if (subtractionOverflows(holdings, buffer) || after > holdings - buffer)
        {
            alerts.reserveCoverBreach(asset, holdings, after, amount, buffer);
            return Reason.RESERVE_COVER_EXCEEDED;
        }
        return Reason.OK;
    }

    /**
     * Move the obligations counter by what a command changed balances by.
     */
    public void addObligations(final int asset, final long delta)
    {
        if (delta != 0)
        {
            final long after = assets.get(asset, AssetDescriptor.OBLIGATIONS) + delta;
            assert after >= 0 : "obligations below zero: asset=" + asset + ", after=" + after;
            assets.put(asset, AssetDescriptor.OBLIGATIONS, after);
        }
    }

    /**
     * SPEC §5.1: with the holdings an attestation just set, obligations beyond holdings and the breach tolerance
     * engage the asset's kill switch at once.
     */
    public void reconcile(final int asset)
    {
        if (killSwitches.assetSwitch(asset) == KillSwitchState.ENGAGED)
        {
            return;
        }
        final long obligations = assets.get(asset, AssetDescriptor.OBLIGATIONS);
        final long holdings = assets.get(asset, AssetDescriptor.HOLDINGS);
        final long tolerance = assets.breachTolerance(asset);
        // Obligations are never negative; holdings can be (see Custody.attest): an overflowing shortfall is beyond
        // any tolerance.
        if (!subtractionOverflows(obligations, holdings) && obligations - holdings <= tolerance)
        {
            return;
        }
        alerts.reserveCoverBreach(asset, holdings, obligations, 0, assets.reserveBuffer(asset));
        killSwitches.engageAsset(asset, AssetDescriptor.FLAG_HALTED, KillSwitchCause.COVER_BREACH, tolerance);
    }
}
