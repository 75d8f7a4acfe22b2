package io.ledgerguard.core.engine;

import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.KillSwitchCause;
import io.ledgerguard.core.Reason;

import static io.ledgerguard.core.engine.AssetDescriptor.FLAG_HALTED;
import static io.ledgerguard.core.engine.AssetDescriptor.FLAG_OUTFLOWS_HALTED;

/**
 * The kill switches of SPEC §5 by scope: per asset (its kill switch and its outflow halt), per wallet, and one for
 * everything; {@code HALT} and {@code RESUME}. Automatic controls engage them through
 * {@link #engageAsset(int, long, KillSwitchCause, long)}; only an operator's {@code RESUME} lifts them. Every
 * engagement records when and why, and every lifting says how long it held (SPEC §5.1).
 */
public final class KillSwitches
{
    private final CommandContext context;
    private final Assets assets;
    private final Wallets wallets;
    private final Globals globals;
    private final Windows windows;
    private final Alerts alerts;

    public KillSwitches(
        final CommandContext context,
        final Assets assets,
        final Wallets wallets,
        final Globals globals,
        final Windows windows,
        final Alerts alerts)
    {
        this.context = context;
        this.assets = assets;
        this.wallets = wallets;
        this.globals = globals;
        this.windows = windows;
        this.alerts = alerts;
    }

    /**
     * @return true when the asset's kill switch or the one for everything is engaged.
     */
    public boolean isHalted(final int asset)
    {
        return assets.hasFlag(asset, FLAG_HALTED) || globalSwitch() == KillSwitchState.ENGAGED;
    }

    public KillSwitchState assetSwitch(final int asset)
    {
        return KillSwitchState.of(assets.hasFlag(asset, FLAG_HALTED));
    }

    public KillSwitchState outflowSwitch(final int asset)
    {
        return KillSwitchState.of(assets.hasFlag(asset, FLAG_OUTFLOWS_HALTED));
    }

    public KillSwitchState walletSwitch(final int wallet)
    {
        return KillSwitchState.of((wallets.get(wallet, WalletDescriptor.FLAGS) & WalletDescriptor.FLAG_HALTED) != 0);
    }

    public KillSwitchState globalSwitch()
    {
        return KillSwitchState.of((globals.get(GlobalDescriptor.FLAGS) & GlobalDescriptor.FLAG_HALTED) != 0);
    }

    /**
     * Engage an asset's kill switch ({@link AssetDescriptor#FLAG_HALTED}) or its outflow halt
     * ({@link AssetDescriptor#FLAG_OUTFLOWS_HALTED}), recording when and why, and say so.
     */
    public void engageAsset(final int asset, final long flag, final KillSwitchCause cause, final long tolerance)
    {
        assert flag == FLAG_HALTED || flag == FLAG_OUTFLOWS_HALTED : "not a switch: flag=" + flag;
        assert !assets.hasFlag(asset, flag) : "already engaged: flag=" + flag;
        final boolean outflows = flag == FLAG_OUTFLOWS_HALTED;
        assets.setFlag(asset, flag, true);
        assets.put(asset, outflows ? AssetDescriptor.OUTFLOWS_HALTED_AT_MS : AssetDescriptor.HALTED_AT_MS,
            context.nowMs());
        assets.put(asset, outflows ? AssetDescriptor.OUTFLOWS_HALT_CAUSE : AssetDescriptor.HALT_CAUSE, cause.code());
        alerts.assetKillSwitchEngaged(asset, cause, outflows, tolerance);
        assets.markDirty(asset);
        assert assets.hasFlag(asset, flag) : "not engaged: flag=" + flag;
    }

    /**
     * {@code HALT}: engage the kill switch of the asset, the wallet, or everything the command names.
     */
    public Reason halt(final Command command)
    {
        final Reason scope = checkScope(command);
        if (scope != Reason.OK)
        {
            return scope;
        }
        if (command.assetId != 0)
        {
            final int asset = assets.index(command.assetId);
            if (assetSwitch(asset) == KillSwitchState.LIFTED)
            {
                engageAsset(asset, FLAG_HALTED, KillSwitchCause.OPERATOR, 0);
            }
        }
        else if (command.walletId != 0)
        {
            final int wallet = wallets.index(command.walletId);
            if (walletSwitch(wallet) == KillSwitchState.LIFTED)
            {
                setWalletFlag(wallet, true);
                wallets.put(wallet, WalletDescriptor.HALTED_AT_MS, context.nowMs());
                alerts.killSwitchEngaged(AlertScope.WALLET, wallets.assetIndex(wallet), command.walletId,
                    KillSwitchCause.OPERATOR);
            }
        }
        else
        {
            if (globalSwitch() == KillSwitchState.LIFTED)
            {
                globals.put(GlobalDescriptor.HALTED_AT_MS, context.nowMs());
                alerts.killSwitchEngaged(AlertScope.ALL, -1, 0, KillSwitchCause.OPERATOR);
            }
            setGlobalFlag(true);
        }
        return Reason.OK;
    }

    /**
     * {@code RESUME}: lift the kill switch of the asset (and its outflow halt, each with its own record), the
     * wallet, or everything the command names. Its approvals were checked before sequencing.
     */
    public Reason resume(final Command command)
    {
        final Reason scope = checkScope(command);
        if (scope != Reason.OK)
        {
            return scope;
        }
        if (command.assetId != 0)
        {
            final int asset = assets.index(command.assetId);
            if (assetSwitch(asset) == KillSwitchState.ENGAGED)
            {
                liftAsset(asset, FLAG_HALTED);
            }
            if (outflowSwitch(asset) == KillSwitchState.ENGAGED)
            {
                liftAsset(asset, FLAG_OUTFLOWS_HALTED);
                // The rejections that made the burst are dealt with: the next burst counts from none.
                windows.resetBursts(asset);
            }
        }
        else if (command.walletId != 0)
        {
            final int wallet = wallets.index(command.walletId);
            if (walletSwitch(wallet) == KillSwitchState.ENGAGED)
            {
                setWalletFlag(wallet, false);
                alerts.killSwitchReleased(AlertScope.WALLET, wallets.assetIndex(wallet), command.walletId,
                    wallets.get(wallet, WalletDescriptor.HALTED_AT_MS), KillSwitchCause.OPERATOR.code(), false);
                wallets.put(wallet, WalletDescriptor.HALTED_AT_MS, 0);
            }
        }
        else
        {
            if (globalSwitch() == KillSwitchState.ENGAGED)
            {
                alerts.killSwitchReleased(AlertScope.ALL, -1, 0, globals.get(GlobalDescriptor.HALTED_AT_MS),
                    KillSwitchCause.OPERATOR.code(), false);
                globals.put(GlobalDescriptor.HALTED_AT_MS, 0);
            }
            setGlobalFlag(false);
        }
        return Reason.OK;
    }

    /**
     * The check phase of {@code HALT} and {@code RESUME}: at most one target, and it exists. Reads only.
     */
    private Reason checkScope(final Command command)
    {
        final boolean byAsset = command.assetId != 0;
        final boolean byWallet = command.walletId != 0;
        if (byAsset && byWallet)
        {
            return Reason.SCOPE_MUST_NAME_ONE_TARGET;
        }
        if (byAsset && assets.index(command.assetId) < 0)
        {
            return Reason.ASSET_NOT_FOUND;
        }
        if (byWallet && wallets.index(command.walletId) < 0)
        {
            return Reason.WALLET_NOT_FOUND;
        }
        return Reason.OK;
    }

    private void liftAsset(final int asset, final long flag)
    {
        assert assets.hasFlag(asset, flag) : "not engaged: flag=" + flag;
        final boolean outflows = flag == FLAG_OUTFLOWS_HALTED;
        final int sinceWord = outflows ? AssetDescriptor.OUTFLOWS_HALTED_AT_MS : AssetDescriptor.HALTED_AT_MS;
        final int causeWord = outflows ? AssetDescriptor.OUTFLOWS_HALT_CAUSE : AssetDescriptor.HALT_CAUSE;
        assets.setFlag(asset, flag, false);
        alerts.killSwitchReleased(
            AlertScope.ASSET, asset, 0, assets.get(asset, sinceWord), assets.get(asset, causeWord), outflows);
        assets.put(asset, sinceWord, 0);
        assets.put(asset, causeWord, 0);
        assets.markDirty(asset);
        assert !assets.hasFlag(asset, flag) : "still engaged: flag=" + flag;
    }

    private void setWalletFlag(final int wallet, final boolean halted)
    {
        final long flags = wallets.get(wallet, WalletDescriptor.FLAGS);
        wallets.put(wallet, WalletDescriptor.FLAGS,
            halted ? flags | WalletDescriptor.FLAG_HALTED : flags & ~WalletDescriptor.FLAG_HALTED);
    }

    /**
     * The switch for everything: written whether or not it changes, and every asset's status republished.
     */
    private void setGlobalFlag(final boolean halted)
    {
        final long flags = globals.get(GlobalDescriptor.FLAGS);
        globals.put(GlobalDescriptor.FLAGS,
            halted ? flags | GlobalDescriptor.FLAG_HALTED : flags & ~GlobalDescriptor.FLAG_HALTED);
        for (int i = 0; i < assets.count(); i++)
        {
            assets.markDirty(i);
        }
    }
}
