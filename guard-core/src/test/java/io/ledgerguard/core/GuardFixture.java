package io.ledgerguard.core;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A small guard for tests: two assets (BTC id 1 scale 8 with wallets 1 HOT and 2 COLD; USD id 2 scale 2 with wallet
 * 3 BANK), small tables, a settable clock, auto-incrementing txId and seq, and one fluent helper per command type.
 * <p>
 * Every helper applies one command and returns a copy of its decision. Unless {@link #paranoid(boolean)} is turned
 * off, every command is followed by two checks: the invariants hold ({@link GuardEngine#checkInvariants()}), and a
 * rejected command left the ledger part of the state hash unchanged (it may only record its txId).
 * <p>
 * Inside {@link #batch(Runnable)} the helpers add inner commands to the batch instead of applying them, and return
 * {@code null}.
 */
final class GuardFixture
{
    static final int BTC = 1;
    static final int USD = 2;
    /** Not configured: an asset a rule change lists (SPEC §13). */
    static final int SOL = 7;
    static final long HOT = 1;
    static final long COLD = 2;
    static final long BANK = 3;
    /** The clock starts here (epoch ms), well away from 0. */
    static final long START_MS = 1_700_000_000_000L;
    static final long AGE_MS_MAX = 60_000;

    final GuardEngine engine;
    private final Command command = new Command();
    private final Decision decision = new Decision();
    private final Command last = new Command();
    private Command batch;
    private long nextTxId = 1;
    private long seq;
    private long nowMs = START_MS;
    private long chainRefs;
    private boolean paranoid = true;

    private GuardFixture(final GuardConfig config)
    {
        engine = new GuardEngine(config);
    }

    /**
     * Disarms the automatic kill switches (cover breach on attestation, SPEC §5.1; custody drift, §5.2), for tests of
     * other rules that lower holdings by attesting.
     */
    static final Consumer<GuardConfig> DISARMED = config ->
    {
        for (final GuardConfig.AssetConfig asset : config.assets())
        {
            asset.breachToleranceMinorUnits = Long.MAX_VALUE;
        }
        for (final GuardConfig.WalletConfig wallet : config.wallets())
        {
            wallet.driftToleranceMinorUnits = Long.MAX_VALUE;
        }
    };

    /**
     * @return a guard with small limits and no wallet attested yet (every asset RESTRICTED).
     */
    static GuardFixture create()
    {
        return create(config -> { });
    }

    /**
     * @param tweak changes the configuration before it is concluded (asset fields via
     *              {@link GuardConfig#assetByCode(String)}, limits via {@link GuardConfig#limits()}).
     * @return a guard with no wallet attested yet.
     */
    static GuardFixture create(final Consumer<GuardConfig> tweak)
    {
        final GuardConfig config = new GuardConfig()
            .asset(new GuardConfig.AssetConfig("BTC", BTC, 8))
            .asset(new GuardConfig.AssetConfig("USD", USD, 2))
            .wallet(new GuardConfig.WalletConfig(HOT, "BTC", WalletKind.HOT))
            .wallet(new GuardConfig.WalletConfig(COLD, "BTC", WalletKind.COLD))
            .wallet(new GuardConfig.WalletConfig(BANK, "USD", WalletKind.BANK));
        for (final GuardConfig.AssetConfig asset : config.assets())
        {
            asset.attestationAgeMsMax = AGE_MS_MAX;
        }
        final GuardConfig.Limits limits = config.limits();
        limits.accountsMax = 64;
        limits.positionsMax = 256;
        limits.holdsMax = 64;
        limits.txIdsMax = 1024;
        limits.inflowsMax = 64;
        limits.creditsMax = 256;
        tweak.accept(config);
        return new GuardFixture(config);
    }

    /**
     * @return a guard with small limits whose wallets are all attested at 0 now, so every asset is NORMAL.
     */
    static GuardFixture attested()
    {
        return create().attestAll();
    }

    /**
     * @param tweak as for {@link #create(Consumer)}.
     * @return a guard whose wallets are all attested at 0 now.
     */
    static GuardFixture attested(final Consumer<GuardConfig> tweak)
    {
        return create(tweak).attestAll();
    }

    /**
     * @param on check invariants and rejection hashes after every command (on by default; slow for long runs).
     * @return this.
     */
    GuardFixture paranoid(final boolean on)
    {
        paranoid = on;
        return this;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Clock and ids.
    // ---------------------------------------------------------------------------------------------------------------

    long nowMs()
    {
        return nowMs;
    }

    GuardFixture atMs(final long ms)
    {
        nowMs = ms;
        return this;
    }

    GuardFixture advanceMs(final long ms)
    {
        nowMs += ms;
        return this;
    }

    /**
     * @return the txId the next command will be given.
     */
    long nextTxId()
    {
        return nextTxId;
    }

    /**
     * @param txId the txId the next command will be given (later ones count up from it).
     * @return this.
     */
    GuardFixture txId(final long txId)
    {
        nextTxId = txId;
        return this;
    }

    static int assetId(final String code)
    {
        switch (code)
        {
            case "BTC": return BTC;
            case "USD": return USD;
            case "SOL": return SOL;
            default: return Command.ASSET_ID_UNKNOWN;
        }
    }

    int assetIndex(final String code)
    {
        final int index = engine.indexOfAsset(assetId(code));
        assertTrue(index >= 0, "no asset " + code);
        return index;
    }

    int walletIndex(final long walletId)
    {
        for (int i = 0; i < engine.walletCount(); i++)
        {
            if (engine.walletId(i) == walletId)
            {
                return i;
            }
        }
        throw new IllegalArgumentException("no wallet " + walletId);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Applying commands.
    // ---------------------------------------------------------------------------------------------------------------

    /**
     * @param type a command type.
     * @return a cleared command of that type with the next txId: top level, or the next inner command of the batch
     * being built.
     */
    Command begin(final CommandType type)
    {
        final Command target;
        if (batch != null)
        {
            target = batch.addInner();
            if (target == null)
            {
                throw new IllegalStateException("batch full");
            }
        }
        else
        {
            target = freshCommand();
        }
        target.type = type;
        target.txId = nextTxId++;
        return target;
    }

    private Command freshCommand()
    {
        if (command.batchCount < 0 || command.batchCount > Command.BATCH_COMMANDS_MAX)
        {
            // Left so by a test of an impossible batch count; reset() would index past the batch array.
            command.batchCount = 0;
        }
        return command.reset();
    }

    private Decision end()
    {
        return batch != null ? null : submit(command);
    }

    /**
     * Sequence a command now (seq and timestamp assigned here) and apply it.
     *
     * @param toApply the command; its seq and timestampNs are overwritten.
     * @return a copy of the decision.
     */
    Decision submit(final Command toApply)
    {
        toApply.seq = ++seq;
        toApply.timestampNs = nowMs * 1_000_000L;
        final String ledgerBefore = paranoid ? engine.stateHash().ledgerHex() : null;
        final long txIdsBefore = engine.tableSize(TableKind.TX_IDS);
        engine.apply(toApply, decision);
        if (toApply != last)
        {
            try
            {
                last.copyFrom(toApply);
            }
            catch (final RuntimeException malformedBatch)
            {
                // A command built with an impossible batch count cannot be copied; there is nothing to resubmit.
                last.batchCount = 0;
                last.reset();
            }
        }
        final Decision copy = new Decision();
        copy.copyFrom(decision);
        if (paranoid)
        {
            assertNull(engine.checkInvariants(), () -> "invariants after " + toApply + " -> " + copy);
            if (!copy.accepted())
            {
                assertEquals(ledgerBefore, engine.stateHash().ledgerHex(),
                    () -> "a rejection changed the ledger: " + toApply + " -> " + copy);
                final long recorded = engine.tableSize(TableKind.TX_IDS) - txIdsBefore;
                // At most its own id; fewer when ids older than the txId window were forgotten first (SPEC §11).
                assertTrue(recorded <= 1, "a rejection recorded " + recorded + " txIds");
            }
        }
        return copy;
    }

    /**
     * @return a copy of the last command submitted (for resubmission).
     */
    Command lastCommand()
    {
        final Command copy = new Command();
        copy.copyFrom(last);
        return copy;
    }

    /**
     * Build and apply a linked batch: the helpers called by {@code inners} become its inner commands, with their own
     * txIds after the batch's.
     *
     * @param inners calls helpers of this fixture.
     * @return the batch's decision.
     */
    Decision batch(final Runnable inners)
    {
        final Command top = freshCommand();
        top.type = CommandType.BATCH;
        top.txId = nextTxId++;
        batch = top;
        try
        {
            inners.run();
        }
        finally
        {
            batch = null;
        }
        return submit(top);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // One helper per command type.
    // ---------------------------------------------------------------------------------------------------------------

    Decision openAccount(final long accountId, final AccountKind kind)
    {
        final Command c = begin(CommandType.OPEN_ACCOUNT);
        c.accountId = accountId;
        c.accountKind = kind;
        return end();
    }

    Decision openCreditLine(final long accountId, final String asset, final long creditLimit)
    {
        final Command c = begin(CommandType.OPEN_ACCOUNT);
        c.accountId = accountId;
        c.accountKind = AccountKind.CREDIT_LINE;
        c.addCreditLimit(assetId(asset), creditLimit);
        return end();
    }

    Decision inflow(final long walletId, final String asset, final long amount, final String chainRef)
    {
        final Command c = begin(CommandType.INFLOW);
        c.walletId = walletId;
        c.assetId = assetId(asset);
        c.amount = amount;
        c.chainRef(chainRef);
        return end();
    }

    Decision deposit(final long accountId, final String asset, final long amount, final String chainRef)
    {
        final Command c = begin(CommandType.DEPOSIT);
        c.accountId = accountId;
        c.assetId = assetId(asset);
        c.amount = amount;
        c.chainRef(chainRef);
        return end();
    }

    Decision transfer(final long debitAccountId, final long creditAccountId, final String asset, final long amount)
    {
        return transferFromHold(0, debitAccountId, creditAccountId, asset, amount);
    }

    Decision transferFromHold(
        final long holdId, final long debitAccountId, final long creditAccountId, final String asset, final long amount)
    {
        final Command c = begin(CommandType.TRANSFER);
        c.holdId = holdId;
        c.debitAccountId = debitAccountId;
        c.creditAccountId = creditAccountId;
        c.assetId = assetId(asset);
        c.amount = amount;
        return end();
    }

    Decision hold(final long holdId, final long accountId, final String asset, final long amount)
    {
        final Command c = begin(CommandType.HOLD);
        c.holdId = holdId;
        c.accountId = accountId;
        c.assetId = assetId(asset);
        c.amount = amount;
        return end();
    }

    Decision release(final long holdId, final long amount)
    {
        final Command c = begin(CommandType.RELEASE);
        c.holdId = holdId;
        c.amount = amount;
        return end();
    }

    Decision withdraw(
        final long holdId, final long accountId, final long walletId, final String asset, final long amount)
    {
        final Command c = begin(CommandType.WITHDRAW);
        c.holdId = holdId;
        c.accountId = accountId;
        c.walletId = walletId;
        c.assetId = assetId(asset);
        c.amount = amount;
        return end();
    }

    Decision settle(final long holdId)
    {
        final Command c = begin(CommandType.WITHDRAW_SETTLE);
        c.holdId = holdId;
        return end();
    }

    Decision cancel(final long holdId)
    {
        final Command c = begin(CommandType.WITHDRAW_CANCEL);
        c.holdId = holdId;
        return end();
    }

    /**
     * A rule change (SPEC §13) as the approval verifier would pass it: approved by as many approvers as the
     * {@code CONFIGURE} class requires, counted against the approvers in force now.
     */
    Decision configure(final String settings)
    {
        final Command c = begin(CommandType.CONFIGURE);
        c.settings(settings);
        c.expiresAtMs = nowMs + 30_000;
        final GuardConfig.ApprovalRule rule = engine.config().approvalRule(ApprovalClass.CONFIGURE);
        for (int i = 0; rule != null && i < rule.required; i++)
        {
            c.addApproval(rule.keys.get(i), new byte[Command.SIGNATURE_LENGTH]);
        }
        c.approvalsVerified = c.approvalCount;
        c.approversSeq = engine.approversSeq();
        return end();
    }

    Decision adjust(final long accountId, final String asset, final long amount)
    {
        final Command c = begin(CommandType.ADJUST);
        c.accountId = accountId;
        c.assetId = assetId(asset);
        c.amount = amount;
        c.memo("test adjustment");
        return end();
    }

    Decision attest(final long walletId, final String asset, final long balance)
    {
        final Command c = begin(CommandType.ATTEST);
        c.walletId = walletId;
        c.assetId = assetId(asset);
        c.amount = balance;
        return end();
    }

    /**
     * Attest every wallet at its current expected holdings, now: every asset becomes fresh, nothing else changes.
     *
     * @return this.
     */
    GuardFixture attestAll()
    {
        for (int i = 0; i < engine.walletCount(); i++)
        {
            final Command c = begin(CommandType.ATTEST);
            c.walletId = engine.walletId(i);
            c.assetId = engine.assetId(engine.walletAssetIndex(i));
            c.amount = engine.walletExpected(i);
            expectAccepted(end());
        }
        return this;
    }

    Decision freeze(final long accountId)
    {
        final Command c = begin(CommandType.FREEZE);
        c.accountId = accountId;
        return end();
    }

    Decision unfreeze(final long accountId)
    {
        final Command c = begin(CommandType.UNFREEZE);
        c.accountId = accountId;
        return end();
    }

    Decision halt(final String asset)
    {
        return scope(CommandType.HALT, assetId(asset), 0);
    }

    Decision haltWallet(final long walletId)
    {
        return scope(CommandType.HALT, 0, walletId);
    }

    Decision haltAll()
    {
        return scope(CommandType.HALT, 0, 0);
    }

    Decision resume(final String asset)
    {
        return scope(CommandType.RESUME, assetId(asset), 0);
    }

    Decision resumeWallet(final long walletId)
    {
        return scope(CommandType.RESUME, 0, walletId);
    }

    Decision resumeAll()
    {
        return scope(CommandType.RESUME, 0, 0);
    }

    Decision scope(final CommandType type, final int assetId, final long walletId)
    {
        final Command c = begin(type);
        c.assetId = assetId;
        c.walletId = walletId;
        return end();
    }

    Decision sweep(final long fromWalletId, final long toWalletId, final String asset, final long amount,
        final String chainRef)
    {
        final Command c = begin(CommandType.SWEEP);
        c.walletId = fromWalletId;
        c.toWalletId = toWalletId;
        c.assetId = assetId(asset);
        c.amount = amount;
        c.chainRef(chainRef);
        return end();
    }

    Decision reverse(final long reversedTxId)
    {
        final Command c = begin(CommandType.REVERSE);
        c.reversedTxId = reversedTxId;
        return end();
    }

    /**
     * Credit an account for a fresh inflow into the asset's first wallet: INFLOW then DEPOSIT, both must succeed.
     *
     * @return the deposit's decision.
     */
    Decision fund(final long accountId, final String asset, final long amount)
    {
        final long wallet = "USD".equals(asset) ? BANK : HOT;
        final String chainRef = "fund:" + asset + ":" + (++chainRefs);
        expectAccepted(inflow(wallet, asset, amount, chainRef));
        return expectAccepted(deposit(accountId, asset, amount, chainRef));
    }

    /**
     * @return a chain reference no other call returns.
     */
    String newChainRef()
    {
        return "ref:" + (++chainRefs);
    }

    static Decision expectAccepted(final Decision decision)
    {
        if (decision != null && !decision.accepted())
        {
            fail("expected ACCEPTED, was " + decision);
        }
        return decision;
    }

    static Decision expectRejected(final Reason reason, final Decision decision)
    {
        assertEquals(reason, decision.reason, () -> "decision " + decision);
        return decision;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reading state.
    // ---------------------------------------------------------------------------------------------------------------

    long available(final long accountId, final String asset)
    {
        return engine.available(accountId, assetIndex(asset));
    }

    long held(final long accountId, final String asset)
    {
        return engine.heldOf(accountId, assetIndex(asset));
    }

    long obligations(final String asset)
    {
        return engine.obligations(assetIndex(asset));
    }

    long holdings(final String asset)
    {
        return engine.holdings(assetIndex(asset));
    }

    long assetHeld(final String asset)
    {
        return engine.held(assetIndex(asset));
    }

    AssetStatus status(final String asset)
    {
        return engine.assetStatus(assetIndex(asset));
    }

    long expected(final long walletId)
    {
        return engine.walletExpected(walletIndex(walletId));
    }

    long attested(final long walletId)
    {
        return engine.walletAttested(walletIndex(walletId));
    }

    long pending(final long walletId)
    {
        return engine.walletPending(walletIndex(walletId));
    }

    String ledgerHash()
    {
        return engine.stateHash().ledgerHex();
    }

    void assertInvariants()
    {
        assertNull(engine.checkInvariants());
    }

    /**
     * @param decision a decision.
     * @param type     an alert type.
     * @return the first alert of that type in the decision, or {@code null}.
     */
    static Alert alertOf(final Decision decision, final AlertType type)
    {
        for (int i = 0; i < decision.alertCount; i++)
        {
            if (decision.alert(i).type == type)
            {
                return decision.alert(i);
            }
        }
        return null;
    }
}
