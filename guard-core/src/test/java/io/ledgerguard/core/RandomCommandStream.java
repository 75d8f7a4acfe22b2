package io.ledgerguard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded stream of commands over a simulated exchange, mixing every command type with a share of commands that
 * break a rule on purpose (unknown ids, zero or huge amounts, reused ids, frozen accounts, halted assets), and
 * resubmissions of earlier commands to exercise idempotency. It keeps a light model of what was accepted, fed back
 * through {@link #onDecision(Command, Decision)}, so that most commands are plausible.
 * <p>
 * Several streams can run at once against one guard: each owns a disjoint range of account, hold and transaction
 * ids ({@code lane}), and all share the assets and wallets of {@link #config(long)}.
 */
final class RandomCommandStream
{
    static final int ASSET_COUNT = 4;
    static final int WALLETS_PER_ASSET = 2;
    static final long ATTESTATION_AGE_MS_MAX = 600_000;
    private static final long LANE_SHIFT = 40;
    private static final int RESUBMIT_HISTORY = 1024;

    private final SplittableRandom random;
    private final long lane;
    private final int accountsToOpen;
    private final List<Long> accounts = new ArrayList<>();
    private final List<long[]> inflows = new ArrayList<>();   // {chainRefNumber, assetId, amount, credited}
    private final List<long[]> openHolds = new ArrayList<>(); // {holdId, accountId, assetId, remaining, walletId}
    private final List<long[]> halts = new ArrayList<>();     // {assetId, walletId}
    private final List<Long> frozen = new ArrayList<>();
    private final Command[] history = new Command[RESUBMIT_HISTORY];
    private final Reason[] historyReasons = new Reason[RESUBMIT_HISTORY];
    private int historyCount;
    private long nextId;
    private long nextChainRef;
    private Expectation expectation = Expectation.NONE;
    private Reason expectedReason;

    /** What the stream expects of the decision of the command it just produced. */
    enum Expectation
    {
        NONE,
        SAME_AS_ORIGINAL,
        TX_ID_REUSED
    }

    RandomCommandStream(final long seed, final int lane, final int accountsToOpen)
    {
        this.random = new SplittableRandom(seed * 31 + lane);
        this.lane = lane;
        this.accountsToOpen = accountsToOpen;
        for (int i = 0; i < RESUBMIT_HISTORY; i++)
        {
            history[i] = new Command();
        }
    }

    /**
     * The configuration every stream is written for: four assets, a hot and a cold wallet each.
     */
    static GuardConfig config(final long txIdsMax)
    {
        final GuardConfig config = new GuardConfig();
        final String[] codes = {"BTC", "ETH", "USDT", "KRW"};
        for (int a = 0; a < ASSET_COUNT; a++)
        {
            final GuardConfig.AssetConfig asset = new GuardConfig.AssetConfig(codes[a], a + 1, 8);
            asset.attestationAgeMsMax = ATTESTATION_AGE_MS_MAX;
            asset.reserveBufferMinorUnits = a == 0 ? 1_000 : 0;
            asset.creditCapMinorUnits = 50_000_000_000L;
            // Random attestations drift wildly: only the last asset keeps the automatic kill switches (SPEC §5.1,
            // §5.2) armed, so that the others stay open to every other rule.
            final long tolerance = a == ASSET_COUNT - 1 ? 0 : Long.MAX_VALUE / 4;
            asset.breachToleranceMinorUnits = tolerance;
            config.asset(asset);
            final GuardConfig.WalletConfig hot =
                new GuardConfig.WalletConfig(walletId(a + 1, 0), codes[a], WalletKind.HOT);
            final GuardConfig.WalletConfig cold =
                new GuardConfig.WalletConfig(walletId(a + 1, 1), codes[a], WalletKind.COLD);
            hot.driftToleranceMinorUnits = tolerance;
            cold.driftToleranceMinorUnits = tolerance;
            config.wallet(hot);
            config.wallet(cold);
        }
        config.limits().accountsMax = 200_000;
        config.limits().positionsMax = 200_000;
        config.limits().holdsMax = 100_000;
        config.limits().txIdsMax = txIdsMax;
        config.limits().inflowsMax = 200_000;
        config.limits().creditsMax = 400_000;
        return config;
    }

    static long walletId(final int assetId, final int index)
    {
        return assetId * 10L + index;
    }

    Expectation expectation()
    {
        return expectation;
    }

    Reason expectedReason()
    {
        return expectedReason;
    }

    /**
     * @param out filled with the next command (seq and time are left to the caller).
     */
    void next(final Command out)
    {
        out.reset();
        expectation = Expectation.NONE;
        if (accounts.size() < accountsToOpen)
        {
            openAccount(out);
            return;
        }
        final int roll = random.nextInt(1000);
        if (roll < 30 && historyCount > 0)
        {
            resubmit(out, false);
        }
        else if (roll < 40 && historyCount > 0)
        {
            resubmit(out, true);
        }
        else if (roll < 70)
        {
            garbage(out);
        }
        else if (roll < 270)
        {
            hold(out);
        }
        else if (roll < 370)
        {
            release(out);
        }
        else if (roll < 470)
        {
            transfer(out);
        }
        else if (roll < 620)
        {
            trade(out);
        }
        else if (roll < 720)
        {
            inflow(out);
        }
        else if (roll < 820)
        {
            deposit(out);
        }
        else if (roll < 860)
        {
            withdraw(out);
        }
        else if (roll < 900)
        {
            settleOrCancel(out);
        }
        else if (roll < 930)
        {
            adjust(out);
        }
        else if (roll < 965)
        {
            attest(out);
        }
        else if (roll < 980)
        {
            freeze(out);
        }
        else if (roll < 982)
        {
            halt(out);
        }
        else
        {
            openAccount(out);
        }
    }

    /**
     * Feed back the decision of the command last produced.
     */
    void onDecision(final Command command, final Decision decision)
    {
        if (expectation != Expectation.NONE)
        {
            return;
        }
        if (!decision.duplicate && decision.reason != Reason.TX_ID_REUSED && command.txId > 0 &&
            command.type != null && !(decision.reason == Reason.CAPACITY_EXHAUSTED &&
            decision.exhaustedTable == TableKind.TX_IDS))
        {
            final int slot = historyCount++ % RESUBMIT_HISTORY;
            history[slot].copyFrom(command);
            historyReasons[slot] = decision.reason;
        }
        if (!decision.accepted())
        {
            return;
        }
        if (command.type == CommandType.BATCH)
        {
            for (int i = 0; i < command.batchCount; i++)
            {
                learn(command.inner(i));
            }
        }
        else
        {
            learn(command);
        }
    }

    private void learn(final Command command)
    {
        switch (command.type)
        {
            case OPEN_ACCOUNT:
                accounts.add(command.accountId);
                break;
            case HOLD:
            case WITHDRAW:
                openHolds.add(new long[]{command.holdId, command.accountId, command.assetId, command.amount,
                    command.type == CommandType.WITHDRAW ? command.walletId : 0});
                break;
            case RELEASE:
            case WITHDRAW_SETTLE:
            case WITHDRAW_CANCEL:
            case TRANSFER:
                if (command.holdId != 0)
                {
                    for (int i = 0; i < openHolds.size(); i++)
                    {
                        final long[] hold = openHolds.get(i);
                        if (hold[0] == command.holdId)
                        {
                            hold[3] -= command.type == CommandType.RELEASE || command.type == CommandType.TRANSFER ?
                                command.amount : hold[3];
                            if (hold[3] <= 0)
                            {
                                openHolds.set(i, openHolds.get(openHolds.size() - 1));
                                openHolds.remove(openHolds.size() - 1);
                            }
                            break;
                        }
                    }
                }
                break;
            case DEPOSIT:
                for (final long[] inflow : inflows)
                {
                    if (chainRef(inflow[0]).equals(command.chainRefString()))
                    {
                        inflow[3] += command.amount;
                        break;
                    }
                }
                inflows.removeIf(inflow -> inflow[3] >= inflow[2]);
                break;
            default:
                break;
        }
    }

    private long id()
    {
        return (lane << LANE_SHIFT) | ++nextId;
    }

    private void start(final Command out, final CommandType type)
    {
        out.type = type;
        out.txId = id();
    }

    private long account()
    {
        return accounts.get(random.nextInt(accounts.size()));
    }

    private int asset()
    {
        return 1 + random.nextInt(ASSET_COUNT);
    }

    private long amount()
    {
        // Mostly small, sometimes large, occasionally far beyond anything held.
        final int roll = random.nextInt(100);
        if (roll < 80)
        {
            return 1 + random.nextInt(10_000);
        }
        if (roll < 98)
        {
            return 1 + random.nextLong(10_000_000);
        }
        return 1 + random.nextLong(Long.MAX_VALUE / 4);
    }

    private String chainRef(final long number)
    {
        return "lane" + lane + ":tx" + number + ":0";
    }

    private void openAccount(final Command out)
    {
        start(out, CommandType.OPEN_ACCOUNT);
        out.accountId = id();
        final int roll = random.nextInt(100);
        if (roll < 3)
        {
            out.accountKind = AccountKind.CREDIT_LINE;
            out.addCreditLimit(asset(), random.nextInt(1_000_000));
        }
        else
        {
            out.accountKind = roll < 6 ? AccountKind.OPERATOR : AccountKind.CUSTOMER;
        }
        if (random.nextInt(200) == 0 && !accounts.isEmpty())
        {
            out.accountId = account();
        }
    }

    private void hold(final Command out)
    {
        start(out, CommandType.HOLD);
        out.holdId = id();
        out.accountId = account();
        out.assetId = asset();
        out.amount = amount();
    }

    private void release(final Command out)
    {
        if (openHolds.isEmpty())
        {
            hold(out);
            return;
        }
        final long[] hold = openHolds.get(random.nextInt(openHolds.size()));
        start(out, CommandType.RELEASE);
        out.holdId = hold[0];
        out.amount = random.nextInt(10) == 0 ? hold[3] + 1 : 1 + random.nextLong(Math.max(1, hold[3]));
    }

    private void transfer(final Command out)
    {
        start(out, CommandType.TRANSFER);
        out.debitAccountId = account();
        out.creditAccountId = account();
        out.assetId = asset();
        out.amount = amount();
        if (random.nextInt(3) == 0 && !openHolds.isEmpty())
        {
            final long[] hold = openHolds.get(random.nextInt(openHolds.size()));
            out.holdId = hold[0];
            out.debitAccountId = hold[1];
            out.assetId = (int)hold[2];
            out.amount = 1 + random.nextLong(Math.max(1, hold[3]));
        }
    }

    private void trade(final Command out)
    {
        // A fill: base leg from the seller's hold to the buyer, quote leg from the buyer's hold to the seller, and a
        // fee from each side to an operator account.
        final long[] sellerHold = orderHold();
        final long[] buyerHold = orderHold();
        if (sellerHold == null || buyerHold == null || sellerHold[1] == buyerHold[1])
        {
            hold(out);
            return;
        }
        start(out, CommandType.BATCH);
        final long fill = 1 + random.nextLong(Math.max(1, sellerHold[3]));
        final long price = 1 + random.nextLong(Math.max(1, buyerHold[3]));
        final long feeAccount = account();
        leg(out.addInner(), sellerHold[1], buyerHold[1], (int)sellerHold[2], fill, sellerHold[0]);
        leg(out.addInner(), buyerHold[1], sellerHold[1], (int)buyerHold[2], price, buyerHold[0]);
        if (feeAccount != sellerHold[1])
        {
            leg(out.addInner(), sellerHold[1], feeAccount, (int)buyerHold[2], Math.max(1, price / 1000), 0);
        }
        if (feeAccount != buyerHold[1])
        {
            leg(out.addInner(), buyerHold[1], feeAccount, (int)sellerHold[2], Math.max(1, fill / 1000), 0);
        }
    }

    private void leg(
        final Command leg, final long debit, final long credit, final int asset, final long amount, final long holdId)
    {
        leg.type = CommandType.TRANSFER;
        leg.txId = id();
        leg.debitAccountId = debit;
        leg.creditAccountId = credit;
        leg.assetId = asset;
        leg.amount = amount;
        leg.holdId = holdId;
    }

    private long[] orderHold()
    {
        for (int attempt = 0; attempt < 4 && !openHolds.isEmpty(); attempt++)
        {
            final long[] hold = openHolds.get(random.nextInt(openHolds.size()));
            if (hold[4] == 0)
            {
                return hold;
            }
        }
        return null;
    }

    private void inflow(final Command out)
    {
        start(out, CommandType.INFLOW);
        out.assetId = asset();
        out.walletId = walletId(out.assetId, random.nextInt(WALLETS_PER_ASSET));
        out.amount = 1 + random.nextLong(random.nextInt(10) == 0 ? 10_000_000_000L : 100_000_000L);
        final long number = ++nextChainRef;
        out.chainRef(chainRef(number));
        inflows.add(new long[]{number, out.assetId, out.amount, 0});
    }

    private void deposit(final Command out)
    {
        if (inflows.isEmpty())
        {
            inflow(out);
            return;
        }
        final long[] inflow = inflows.get(random.nextInt(inflows.size()));
        start(out, CommandType.DEPOSIT);
        out.accountId = account();
        out.assetId = (int)inflow[1];
        final long left = inflow[2] - inflow[3];
        out.amount = random.nextInt(20) == 0 ? left + 1 : 1 + random.nextLong(Math.max(1, left));
        out.chainRef(chainRef(inflow[0]));
    }

    private void withdraw(final Command out)
    {
        start(out, CommandType.WITHDRAW);
        out.holdId = id();
        out.accountId = account();
        out.assetId = asset();
        out.walletId = walletId(out.assetId, random.nextInt(WALLETS_PER_ASSET));
        out.amount = amount();
    }

    private void settleOrCancel(final Command out)
    {
        for (int attempt = 0; attempt < 4 && !openHolds.isEmpty(); attempt++)
        {
            final long[] hold = openHolds.get(random.nextInt(openHolds.size()));
            if (hold[4] != 0)
            {
                start(out, random.nextInt(4) == 0 ? CommandType.WITHDRAW_CANCEL : CommandType.WITHDRAW_SETTLE);
                out.holdId = hold[0];
                return;
            }
        }
        withdraw(out);
    }

    private void adjust(final Command out)
    {
        start(out, CommandType.ADJUST);
        out.accountId = account();
        out.assetId = asset();
        out.amount = random.nextBoolean() ? amount() : -amount();
        out.memo("correction " + out.txId);
    }

    private void attest(final Command out)
    {
        start(out, CommandType.ATTEST);
        out.assetId = asset();
        out.walletId = walletId(out.assetId, random.nextInt(WALLETS_PER_ASSET));
        out.amount = random.nextLong(1_000_000_000_000L);
    }

    private void freeze(final Command out)
    {
        // Freezes are lifted soon after: keep most accounts trading.
        if (!frozen.isEmpty() && random.nextInt(4) != 0)
        {
            start(out, CommandType.UNFREEZE);
            out.accountId = frozen.remove(random.nextInt(frozen.size()));
            return;
        }
        start(out, CommandType.FREEZE);
        out.accountId = account();
        frozen.add(out.accountId);
    }

    private void halt(final Command out)
    {
        // Halts are lifted soon after: keep most of the run trading.
        if (!halts.isEmpty() && random.nextInt(10) != 0)
        {
            final long[] halt = halts.remove(random.nextInt(halts.size()));
            start(out, CommandType.RESUME);
            out.assetId = (int)halt[0];
            out.walletId = halt[1];
            return;
        }
        start(out, CommandType.HALT);
        final int roll = random.nextInt(20);
        if (roll < 12)
        {
            out.assetId = asset();
        }
        else if (roll < 19)
        {
            out.walletId = walletId(asset(), random.nextInt(WALLETS_PER_ASSET));
        }
        halts.add(new long[]{out.assetId, out.walletId});
    }

    private void garbage(final Command out)
    {
        switch (random.nextInt(10))
        {
            case 0: transfer(out); out.amount = 0; break;
            case 1: transfer(out); out.assetId = 99; break;
            case 2: transfer(out); out.debitAccountId = 424242; break;
            case 3: hold(out); out.amount = -5; break;
            case 4: deposit(out); out.chainRef("no-such-inflow-" + out.txId); break;
            case 5: release(out); out.holdId = 777; break;
            case 6: withdraw(out); out.walletId = walletId(out.assetId % ASSET_COUNT + 1, 0); break;
            case 7: transfer(out); out.txId = 0; break;
            case 8: adjust(out); out.amount = Long.MIN_VALUE; break;
            default: start(out, CommandType.BATCH); break;
        }
    }

    private void resubmit(final Command out, final boolean changeFields)
    {
        final int slot = random.nextInt(Math.min(historyCount, RESUBMIT_HISTORY));
        out.copyFrom(history[slot]);
        if (changeFields)
        {
            out.amount += 1;
            expectation = Expectation.TX_ID_REUSED;
        }
        else
        {
            expectation = Expectation.SAME_AS_ORIGINAL;
            expectedReason = historyReasons[slot];
        }
    }
}
