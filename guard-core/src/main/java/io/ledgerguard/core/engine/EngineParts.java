package io.ledgerguard.core.engine;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.internal.UndoLog;

/**
 * The rooms of a {@link io.ledgerguard.core.GuardEngine}, built and wired in one place, in dependency order: a room
 * knows only the rooms built before it. Each owns its part of the state privately and writes it only through the
 * shared undo log, so that a linked batch rolls back whole.
 */
public final class EngineParts
{
    public final UndoLog undo = new UndoLog();
    public final CommandContext context = new CommandContext();
    public final Assets assets;
    public final Wallets wallets;
    public final Globals globals;
    public final Alerts alerts;
    public final Windows windows;
    public final KillSwitches killSwitches;
    public final Cover cover;
    public final Custody custody;
    public final Accounts accounts;
    public final Holds holds;
    public final Credits credits;
    public final Withdrawals withdrawals;
    public final Transfers transfers;
    public final Idempotency idempotency;
    public final Approvals approvals;
    public final Capacity capacity;
    public final Configuration configuration;

    /**
     * Allocate every table for the configuration's limits.
     *
     * @param config a concluded configuration.
     */
    public EngineParts(final GuardConfig config)
    {
        final GuardConfig.Limits limits = config.limits();
        assets = new Assets(config, undo);
        wallets = new Wallets(config, undo, assets);
        globals = new Globals(undo);
        alerts = new Alerts(context, assets);
        windows = new Windows(context, undo, assets, wallets, alerts);
        killSwitches = new KillSwitches(context, assets, wallets, globals, windows, alerts);
        cover = new Cover(assets, alerts, killSwitches);
        custody = new Custody(limits, config.retention(), context, undo, assets, wallets, alerts, killSwitches, cover);
        accounts = new Accounts(limits, context, undo, assets, globals);
        holds = new Holds(limits, context, undo, assets, accounts, killSwitches);
        credits = new Credits(
            limits, config.retention(), context, undo, assets, accounts, custody, cover, killSwitches, alerts);
        withdrawals = new Withdrawals(undo, assets, wallets, accounts, holds, custody, cover, windows, killSwitches);
        transfers =
            new Transfers(context, undo, assets, accounts, holds, custody, cover, windows, killSwitches, alerts);
        idempotency = new Idempotency(limits, config.retention(), context, undo);
        approvals = new Approvals(config, context, alerts);
        capacity = new Capacity(limits, this);
        configuration = new Configuration(this, config);
    }

    /**
     * @param part a part of the state.
     * @return its buffer, whole: read or write it only while no command is being applied.
     */
    public UnsafeBuffer buffer(final StatePart part)
    {
        switch (part)
        {
            case ACCOUNTS: return accounts.accountsTable().buffer();
            case POSITIONS: return accounts.positionsTable().buffer();
            case HOLDS: return holds.table().buffer();
            case TX_IDS: return idempotency.table().buffer();
            case INFLOWS: return custody.inflows().buffer();
            case ASSETS: return assets.buffer();
            case WALLETS: return wallets.buffer();
            case GLOBALS: return globals.buffer();
            case WINDOWS: return windows.buffer();
            case CREDITS: return credits.table().buffer();
            case TX_ID_EXPIRY: return idempotency.expiryQueue().buffer();
            case CREDIT_EXPIRY: return credits.expiryQueue().buffer();
            case INFLOW_EXPIRY: return custody.expiryQueue().buffer();
            default: throw new IllegalStateException("state part without a buffer: " + part);
        }
    }

    /**
     * @param table a table.
     * @return how many entries it holds.
     */
    public long tableSize(final TableKind table)
    {
        switch (table)
        {
            case ACCOUNTS: return accounts.accountsTable().size();
            case POSITIONS: return accounts.positionsTable().size();
            case HOLDS: return holds.table().size();
            case TX_IDS: return idempotency.table().size();
            case INFLOWS: return custody.inflows().size();
            case CREDITS: return credits.table().size();
            default: throw new IllegalArgumentException(String.valueOf(table));
        }
    }
}
