package io.ledgerguard.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.pipeline.Journal;

/**
 * The command mix of a crypto exchange over a funded book of {@link #ACCOUNTS} accounts in {@link #ASSET_COUNT}
 * assets ({@link #POSITIONS} positions), built once as a ring of commands and replayed cycle after cycle.
 * <p>
 * The ring is planned as one self-consistent exchange day: every order hold placed in a cycle is released or
 * consumed by trades before the cycle ends, every inflow is credited by its deposit and every withdrawal settled, so
 * a cycle leaves no open hold behind and the next cycle can reuse the same commands. What must be fresh in every cycle
 * (txIds, hold ids, the inner txIds of a batch, chain references) is rewritten in place by {@link #next(GuardEngine)}
 * from the running cursor, without allocating:
 * <pre>
 *   txId    = a counter, one per command and one per inner command
 *   holdId  = (cycle &lt;&lt; RING_BITS | slot of the HOLD or WITHDRAW that opened it) + 1
 *   chainRef digits = cycle &lt;&lt; RING_BITS | slot of the INFLOW
 * </pre>
 * Proportions, in per mille of the ring: 400 HOLD (order placement), 250 RELEASE (cancel), 200 BATCH (a trade: base
 * leg from the seller's hold to the buyer, quote leg from the buyer's hold to the seller, a fee leg from each side to
 * the operator's fee account), 50 TRANSFER, 40 INFLOW then DEPOSIT, 30 WITHDRAW then WITHDRAW_SETTLE, 10 ATTEST and
 * 20 commands rejected on purpose (insufficient funds, unknown account). The end of the ring is spent closing what is
 * still open, which shifts the proportions by well under one per mille. Eight market makers own about two thirds of
 * the order holds, so they are in most trades; the rest come from a long tail, half of it a set of
 * {@link #ACTIVE_ACCOUNTS} active accounts and half any account of the book.
 */
final class ExchangeWorkload
{
    static final int ASSET_COUNT = 4;
    static final int ACCOUNTS = 250_000;
    static final int POSITIONS = ACCOUNTS * ASSET_COUNT;
    static final long FEE_ACCOUNT_ID = 1;
    static final int MARKET_MAKERS = 8;
    static final int ACTIVE_ACCOUNTS = 5_000;
    /** An account id that is never opened. */
    static final long UNKNOWN_ACCOUNT_ID = 1_000_000_000L;

    /** Funding per position: market makers and the fee account are deep, the tail is comfortable. */
    static final long MARKET_MAKER_FUNDING_MINOR_UNITS = 1_000_000_000_000_000L;
    static final long CUSTOMER_FUNDING_MINOR_UNITS = 10_000_000_000L;
    /** What every cold wallet attests to, at setup and in the mix: a reserve on top of the hot wallet. */
    static final long COLD_BALANCE_MINOR_UNITS = 10_000_000_000_000_000L;
    /** More than any tail account holds: such a hold or transfer is rejected as insufficient. */
    static final long TOO_MUCH_MINOR_UNITS = 100_000_000_000_000_000L;

    /** Sequencing time of the first command; commands are stamped one microsecond apart. */
    static final long START_NS = 1_700_000_000_000_000_000L;
    static final long COMMAND_INTERVAL_NS = 1_000;
    /** Generous: the hot wallets are re-attested in the mix, but an iteration must never go stale on time alone. */
    static final long ATTESTATION_AGE_MS_MAX = 3_600_000;

    /** First txId of the measured commands, above every txId setup uses. */
    static final long TX_ID_FIRST = 1L << 32;

    private static final String[] ASSET_CODES = {"BTC", "ETH", "USDT", "KRW"};
    /** Base assets (traded) and quote assets (paid with), as asset indexes. */
    private static final int[] BASE_ASSETS = {0, 1};
    private static final int[] QUOTE_ASSETS = {2, 3};

    // How each slot is made fresh before it is applied.
    private static final byte PATCH_TX_ID = 0;
    private static final byte PATCH_OWN_HOLD = 1;
    private static final byte PATCH_HOLD_REF = 2;
    private static final byte PATCH_TRADE = 3;
    private static final byte PATCH_OWN_CHAIN_REF = 4;
    private static final byte PATCH_CHAIN_REF_REF = 5;
    private static final byte PATCH_ATTEST_HOT = 6;

    /** A chain reference: a 48-hex-digit stand-in for a transaction hash, then 16 decimal digits, then ":0". */
    private static final int CHAIN_REF_HASH_LENGTH = 48;
    private static final int CHAIN_REF_DIGITS = 16;
    private static final int CHAIN_REF_LENGTH = CHAIN_REF_HASH_LENGTH + CHAIN_REF_DIGITS + 2;

    private final int ringBits;
    private final int ringMask;
    /** Accounts in the book: {@link #ACCOUNTS} unless a larger book is asked for. */
    private final int accounts;
    private final Command[] ring;
    private final byte[] patch;
    private final int[] reference0;
    private final int[] reference1;
    private final int[] mixCounts = new int[CommandType.values().length];

    private long cursor;
    private long nextTxId;
    private long seq;

    /**
     * Plan the ring.
     *
     * @param seed     of the plan; the same seed gives the same commands.
     * @param ringBits log2 of the number of commands in the ring, at most 24.
     */
    ExchangeWorkload(final long seed, final int ringBits)
    {
        this(seed, ringBits, ACCOUNTS);
    }

    /**
     * Plan the ring over a book of a given size.
     *
     * @param seed     of the plan; the same seed gives the same commands.
     * @param ringBits log2 of the number of commands in the ring, at most 24.
     * @param accounts accounts in the book, each funded in every asset; at least {@link #ACTIVE_ACCOUNTS} + 16.
     */
    ExchangeWorkload(final long seed, final int ringBits, final int accounts)
    {
        if (accounts < ACTIVE_ACCOUNTS + 16)
        {
            throw new IllegalArgumentException("accounts must be at least " + (ACTIVE_ACCOUNTS + 16) + ": accounts=" +
                accounts);
        }
        this.accounts = accounts;
        if (ringBits < 8 || ringBits > 24)
        {
            throw new IllegalArgumentException("ringBits must be 8..24: ringBits=" + ringBits);
        }
        this.ringBits = ringBits;
        final int size = 1 << ringBits;
        this.ringMask = size - 1;
        this.ring = new Command[size];
        this.patch = new byte[size];
        this.reference0 = new int[size];
        this.reference1 = new int[size];
        new Planner(seed).plan();
        rewind();
    }

    /**
     * The configuration the workload is written for: four assets with a hot and a cold wallet each, tables sized for
     * the book and for one iteration's txIds.
     *
     * @param txIdsMax the txId table's limit.
     * @return a new, unconcluded configuration.
     */
    static GuardConfig config(final long txIdsMax)
    {
        return config(txIdsMax, ACCOUNTS);
    }

    /**
     * @param txIdsMax the txId table's limit.
     * @param accounts accounts in the book.
     * @return a new, unconcluded configuration sized for a book of that many accounts.
     */
    static GuardConfig config(final long txIdsMax, final int accounts)
    {
        final GuardConfig config = new GuardConfig();
        for (int a = 0; a < ASSET_COUNT; a++)
        {
            final GuardConfig.AssetConfig asset = new GuardConfig.AssetConfig(ASSET_CODES[a], a + 1, 8);
            asset.attestationAgeMsMax = ATTESTATION_AGE_MS_MAX;
            config.asset(asset);
            config.wallet(new GuardConfig.WalletConfig(walletId(a, 0), ASSET_CODES[a], WalletKind.HOT));
            config.wallet(new GuardConfig.WalletConfig(walletId(a, 1), ASSET_CODES[a], WalletKind.COLD));
        }
        final GuardConfig.Limits limits = config.limits();
        limits.accountsMax = accounts + 50_000L;
        limits.positionsMax = (long)accounts * ASSET_COUNT + 100_000L;
        limits.holdsMax = 100_000;
        limits.txIdsMax = txIdsMax;
        limits.inflowsMax = 300_000;
        // Every funding deposit is kept reversible: four credits an account, and room for the mix.
        limits.creditsMax = (long)accounts * ASSET_COUNT + 1_000_000L;
        return config;
    }

    /**
     * Open the book, attest the wallets and fund every account in every asset, through the engine's own commands.
     *
     * @param engine a new engine built from {@link #config(long)}.
     * @throws IllegalStateException if a setup command is rejected.
     */
    void fund(final GuardEngine engine)
    {
        fund(engine, null);
    }

    /**
     * As {@link #fund(GuardEngine)}, recording every setup command with its decision in a journal.
     *
     * @param engine  a new engine built from {@link #config(long)}.
     * @param journal receives the setup commands; may be {@code null}.
     */
    void fund(final GuardEngine engine, final Journal journal)
    {
        final Command command = new Command();
        final Decision decision = new Decision();
        long txId = 0;
        long setupSeq = 0;
        for (long accountId = 1; accountId <= accounts; accountId++)
        {
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.accountId = accountId;
            command.accountKind = accountId == FEE_ACCOUNT_ID ? AccountKind.OPERATOR : AccountKind.CUSTOMER;
            applySetup(engine, journal, command, decision, ++txId, ++setupSeq);
        }
        for (int a = 0; a < ASSET_COUNT; a++)
        {
            for (int w = 0; w < 2; w++)
            {
                command.reset();
                command.type = CommandType.ATTEST;
                command.assetId = a + 1;
                command.walletId = walletId(a, w);
                command.amount = w == 0 ? 0 : COLD_BALANCE_MINOR_UNITS;
                applySetup(engine, journal, command, decision, ++txId, ++setupSeq);
            }
        }
        long total = 0;
        for (long accountId = 1; accountId <= accounts; accountId++)
        {
            total += funding(accountId);
        }
        for (int a = 0; a < ASSET_COUNT; a++)
        {
            command.reset();
            command.type = CommandType.INFLOW;
            command.assetId = a + 1;
            command.walletId = walletId(a, 0);
            command.amount = total;
            command.chainRef("funding-" + ASSET_CODES[a]);
            applySetup(engine, journal, command, decision, ++txId, ++setupSeq);
        }
        for (int a = 0; a < ASSET_COUNT; a++)
        {
            // Setup runs inside the iteration that JMH's gc profiler measures: keep it from allocating per command.
            command.reset();
            command.type = CommandType.DEPOSIT;
            command.assetId = a + 1;
            command.chainRef("funding-" + ASSET_CODES[a]);
            for (long accountId = 1; accountId <= accounts; accountId++)
            {
                command.accountId = accountId;
                command.amount = funding(accountId);
                applySetup(engine, journal, command, decision, ++txId, ++setupSeq);
            }
        }
        final long positions = engine.tableSize(TableKind.POSITIONS);
        if (positions != (long)accounts * ASSET_COUNT)
        {
            throw new IllegalStateException("setup did not fund every position: positions=" + positions);
        }
        seq = setupSeq;
    }

    private static void applySetup(
        final GuardEngine engine, final Journal journal, final Command command, final Decision decision,
        final long txId, final long seq)
    {
        command.txId = txId;
        command.seq = seq;
        command.timestampNs = START_NS + seq * COMMAND_INTERVAL_NS;
        engine.apply(command, decision);
        if (journal != null)
        {
            journal.append(command, decision);
        }
        if (!decision.accepted())
        {
            throw new IllegalStateException(
                "setup command rejected: reason=" + decision.reason + ", command=" + command);
        }
    }

    /**
     * @return the sequence of the last command made (setup included).
     */
    long seq()
    {
        return seq;
    }

    /**
     * Start again at the first command of a cycle; for a new engine, which has no hold of an unfinished cycle.
     */
    void rewind()
    {
        cursor = 0;
        nextTxId = TX_ID_FIRST;
    }

    /**
     * As {@link #rewind()}, sequencing the commands after a given sequence: for an engine restored to the state
     * right after {@link #fund(GuardEngine)}, whose last command was at that sequence.
     *
     * @param seq the sequence of the last command applied, as {@link #seq()} returned after the funding.
     */
    void rewind(final long seq)
    {
        rewind();
        this.seq = seq;
    }

    /**
     * The next command of the ring, made fresh and sequenced. Allocates nothing.
     *
     * @param engine the engine it will be applied to (read for a hot wallet's expected balance when attesting).
     * @return the command, valid until the next call.
     */
    Command next(final GuardEngine engine)
    {
        final long cursor = this.cursor++;
        final int slot = (int)cursor & ringMask;
        final long cycleBase = cursor & ~(long)ringMask;
        final Command command = ring[slot];
        command.txId = nextTxId++;
        switch (patch[slot])
        {
            case PATCH_TX_ID:
                break;
            case PATCH_OWN_HOLD:
                command.holdId = cycleBase + slot + 1;
                break;
            case PATCH_HOLD_REF:
                command.holdId = cycleBase + reference0[slot] + 1;
                break;
            case PATCH_TRADE:
                for (int i = 0, count = command.batchCount; i < count; i++)
                {
                    command.inner(i).txId = nextTxId++;
                }
                command.inner(0).holdId = cycleBase + reference0[slot] + 1;
                command.inner(1).holdId = cycleBase + reference1[slot] + 1;
                break;
            case PATCH_OWN_CHAIN_REF:
                writeDigits(command.chainRef, cycleBase + slot);
                break;
            case PATCH_CHAIN_REF_REF:
                writeDigits(command.chainRef, cycleBase + reference0[slot]);
                break;
            case PATCH_ATTEST_HOT:
                // A custodian reports what is really in the hot wallet, which is what the guard expects.
                command.amount = engine.walletExpected(reference0[slot]);
                break;
            default:
                throw new IllegalStateException("unknown patch: " + patch[slot]);
        }
        final long seq = ++this.seq;
        command.seq = seq;
        command.timestampNs = START_NS + seq * COMMAND_INTERVAL_NS;
        return command;
    }

    /**
     * @return how many commands of the ring there are of each type, indexed by {@link CommandType#ordinal()}.
     */
    int[] mixCounts()
    {
        return mixCounts.clone();
    }

    /**
     * @return the number of commands in the ring.
     */
    int ringSize()
    {
        return ring.length;
    }

    private static void writeDigits(final byte[] chainRef, final long number)
    {
        long n = number;
        for (int i = CHAIN_REF_HASH_LENGTH + CHAIN_REF_DIGITS - 1; i >= CHAIN_REF_HASH_LENGTH; i--)
        {
            chainRef[i] = (byte)('0' + (int)(n % 10));
            n /= 10;
        }
    }

    static long walletId(final int assetIndex, final int index)
    {
        return (assetIndex + 1) * 10L + index;
    }

    static int hotWalletIndex(final int assetIndex)
    {
        // Wallets are configured hot then cold for each asset in turn; see config(long).
        return assetIndex * 2;
    }

    static long funding(final long accountId)
    {
        return accountId <= 1 + MARKET_MAKERS ? MARKET_MAKER_FUNDING_MINOR_UNITS : CUSTOMER_FUNDING_MINOR_UNITS;
    }

    /**
     * Fills the ring, keeping a model of the holds, inflows and withdrawals it has opened and not yet closed.
     */
    private final class Planner
    {
        private final SplittableRandom random;
        private final List<List<OpenHold>> openHolds = new ArrayList<>();
        private final ArrayDeque<Integer> pendingInflows = new ArrayDeque<>();
        private final ArrayDeque<Integer> pendingWithdrawals = new ArrayDeque<>();
        private int openHoldCount;
        private int attestCount;

        Planner(final long seed)
        {
            random = new SplittableRandom(seed);
            for (int a = 0; a < ASSET_COUNT; a++)
            {
                openHolds.add(new ArrayList<>());
            }
        }

        void plan()
        {
            final int size = ring.length;
            for (int slot = 0; slot < size; slot++)
            {
                final Command command = new Command();
                ring[slot] = command;
                final int pending = openHoldCount + pendingInflows.size() + pendingWithdrawals.size();
                if (size - slot <= pending + 1)
                {
                    close(slot, command);
                }
                else
                {
                    choose(slot, command);
                }
                mixCounts[command.type.ordinal()]++;
            }
            if (openHoldCount != 0 || !pendingInflows.isEmpty() || !pendingWithdrawals.isEmpty())
            {
                throw new IllegalStateException("ring does not close: openHolds=" + openHoldCount +
                    ", inflows=" + pendingInflows.size() + ", withdrawals=" + pendingWithdrawals.size());
            }
        }

        private void choose(final int slot, final Command command)
        {
            final int roll = random.nextInt(1000);
            if (roll < 400)
            {
                hold(slot, command);
            }
            else if (roll < 650)
            {
                if (!release(slot, command, true))
                {
                    hold(slot, command);
                }
            }
            else if (roll < 850)
            {
                if (!trade(slot, command))
                {
                    hold(slot, command);
                }
            }
            else if (roll < 900)
            {
                transfer(slot, command, tailAccount(), 1 + random.nextInt(10_000));
            }
            else if (roll < 940)
            {
                if (pendingInflows.isEmpty())
                {
                    inflow(slot, command);
                }
                else
                {
                    deposit(slot, command);
                }
            }
            else if (roll < 970)
            {
                if (pendingWithdrawals.isEmpty())
                {
                    withdraw(slot, command);
                }
                else
                {
                    settle(slot, command);
                }
            }
            else if (roll < 980)
            {
                attest(slot, command);
            }
            else if (roll < 990)
            {
                // Rejected as INSUFFICIENT_AVAILABLE.
                if (random.nextBoolean())
                {
                    startHold(slot, command, tailAccount(), random.nextInt(ASSET_COUNT), TOO_MUCH_MINOR_UNITS);
                }
                else
                {
                    transfer(slot, command, tailAccount(), TOO_MUCH_MINOR_UNITS);
                }
            }
            else
            {
                // Rejected as ACCOUNT_NOT_FOUND.
                if (random.nextBoolean())
                {
                    final int asset = random.nextInt(ASSET_COUNT);
                    startHold(slot, command, UNKNOWN_ACCOUNT_ID, asset, 1 + random.nextInt(10_000));
                }
                else
                {
                    transfer(slot, command, tailAccount(), 1 + random.nextInt(10_000));
                    command.creditAccountId = UNKNOWN_ACCOUNT_ID;
                }
            }
        }

        /**
         * Close one open thing so that the ring ends with nothing open; a plain transfer when nothing is.
         */
        private void close(final int slot, final Command command)
        {
            if (openHoldCount > 0)
            {
                release(slot, command, false);
            }
            else if (!pendingInflows.isEmpty())
            {
                deposit(slot, command);
            }
            else if (!pendingWithdrawals.isEmpty())
            {
                settle(slot, command);
            }
            else
            {
                transfer(slot, command, tailAccount(), 1 + random.nextInt(10_000));
            }
        }

        private long marketMaker()
        {
            return 2 + random.nextInt(MARKET_MAKERS);
        }

        private long tailAccount()
        {
            final long first = 2 + MARKET_MAKERS;
            final long count = random.nextBoolean() ? ACTIVE_ACCOUNTS : accounts - first + 1;
            return first + random.nextLong(count);
        }

        private void hold(final int slot, final Command command)
        {
            final boolean marketMaker = random.nextInt(3) != 0;
            final long accountId = marketMaker ? marketMaker() : tailAccount();
            final int asset = random.nextInt(ASSET_COUNT);
            final long amount = 1 + random.nextInt(marketMaker ? 100_000 : 10_000);
            startHold(slot, command, accountId, asset, amount);
            openHolds.get(asset).add(new OpenHold(slot, accountId, asset, amount));
            openHoldCount++;
        }

        private void startHold(
            final int slot, final Command command, final long accountId, final int asset, final long amount)
        {
            command.type = CommandType.HOLD;
            command.accountId = accountId;
            command.assetId = asset + 1;
            command.amount = amount;
            patch[slot] = PATCH_OWN_HOLD;
        }

        private boolean release(final int slot, final Command command, final boolean mayAmend)
        {
            if (openHoldCount == 0)
            {
                return false;
            }
            int asset = random.nextInt(ASSET_COUNT);
            while (openHolds.get(asset).isEmpty())
            {
                asset = (asset + 1) % ASSET_COUNT;
            }
            final List<OpenHold> holds = openHolds.get(asset);
            final OpenHold hold = holds.get(random.nextInt(holds.size()));
            // Most cancels take the whole order; some amend it down.
            final long amount = mayAmend && hold.remaining > 1 && random.nextInt(8) == 0 ?
                1 + random.nextLong(hold.remaining - 1) : hold.remaining;
            command.type = CommandType.RELEASE;
            command.amount = amount;
            patch[slot] = PATCH_HOLD_REF;
            reference0[slot] = hold.slot;
            consume(hold, amount);
            return true;
        }

        private boolean trade(final int slot, final Command command)
        {
            final int base = BASE_ASSETS[random.nextInt(BASE_ASSETS.length)];
            final int quote = QUOTE_ASSETS[random.nextInt(QUOTE_ASSETS.length)];
            final List<OpenHold> sells = openHolds.get(base);
            final List<OpenHold> buys = openHolds.get(quote);
            if (sells.isEmpty() || buys.isEmpty())
            {
                return false;
            }
            for (int attempt = 0; attempt < 4; attempt++)
            {
                final OpenHold seller = sells.get(random.nextInt(sells.size()));
                final OpenHold buyer = buys.get(random.nextInt(buys.size()));
                if (seller.accountId == buyer.accountId)
                {
                    continue;
                }
                final long fill = fillOf(seller);
                final long price = fillOf(buyer);
                command.type = CommandType.BATCH;
                leg(command.addInner(), seller.accountId, buyer.accountId, base, fill);
                leg(command.addInner(), buyer.accountId, seller.accountId, quote, price);
                leg(command.addInner(), seller.accountId, FEE_ACCOUNT_ID, quote, Math.max(1, price / 1000));
                leg(command.addInner(), buyer.accountId, FEE_ACCOUNT_ID, base, Math.max(1, fill / 1000));
                patch[slot] = PATCH_TRADE;
                reference0[slot] = seller.slot;
                reference1[slot] = buyer.slot;
                consume(seller, fill);
                consume(buyer, price);
                return true;
            }
            return false;
        }

        /**
         * How much of a hold a trade takes: all of it often enough that holds are closed as fast as they are opened.
         */
        private long fillOf(final OpenHold hold)
        {
            final double fullShare = openHoldCount > 512 ? 0.75 : openHoldCount < 64 ? 0.1 : 0.375;
            if (hold.remaining == 1 || random.nextDouble() < fullShare)
            {
                return hold.remaining;
            }
            return 1 + random.nextLong(hold.remaining - 1);
        }

        private void leg(
            final Command leg, final long debitAccountId, final long creditAccountId, final int asset,
            final long amount)
        {
            leg.type = CommandType.TRANSFER;
            leg.debitAccountId = debitAccountId;
            leg.creditAccountId = creditAccountId;
            leg.assetId = asset + 1;
            leg.amount = amount;
        }

        private void consume(final OpenHold hold, final long amount)
        {
            hold.remaining -= amount;
            assert hold.remaining >= 0 : "remaining=" + hold.remaining;
            if (hold.remaining == 0)
            {
                openHolds.get(hold.asset).remove(hold);
                openHoldCount--;
            }
        }

        private void transfer(final int slot, final Command command, final long debitAccountId, final long amount)
        {
            long creditAccountId = tailAccount();
            while (creditAccountId == debitAccountId)
            {
                creditAccountId = tailAccount();
            }
            command.type = CommandType.TRANSFER;
            command.debitAccountId = debitAccountId;
            command.creditAccountId = creditAccountId;
            command.assetId = 1 + random.nextInt(ASSET_COUNT);
            command.amount = amount;
            patch[slot] = PATCH_TX_ID;
        }

        private void inflow(final int slot, final Command command)
        {
            final int asset = random.nextInt(ASSET_COUNT);
            command.type = CommandType.INFLOW;
            command.assetId = asset + 1;
            command.walletId = walletId(asset, 0);
            command.amount = 1 + random.nextLong(100_000_000L);
            final byte[] chainRef = new byte[CHAIN_REF_LENGTH];
            final byte[] hex = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < CHAIN_REF_HASH_LENGTH; i++)
            {
                chainRef[i] = hex[random.nextInt(16)];
            }
            chainRef[CHAIN_REF_LENGTH - 2] = ':';
            chainRef[CHAIN_REF_LENGTH - 1] = '0';
            System.arraycopy(chainRef, 0, command.chainRef, 0, CHAIN_REF_LENGTH);
            command.chainRefLength = CHAIN_REF_LENGTH;
            patch[slot] = PATCH_OWN_CHAIN_REF;
            pendingInflows.add(slot);
        }

        private void deposit(final int slot, final Command command)
        {
            final int inflowSlot = pendingInflows.remove();
            final Command inflow = ring[inflowSlot];
            command.type = CommandType.DEPOSIT;
            command.accountId = tailAccount();
            command.assetId = inflow.assetId;
            command.amount = inflow.amount;
            System.arraycopy(inflow.chainRef, 0, command.chainRef, 0, inflow.chainRefLength);
            command.chainRefLength = inflow.chainRefLength;
            patch[slot] = PATCH_CHAIN_REF_REF;
            reference0[slot] = inflowSlot;
        }

        private void withdraw(final int slot, final Command command)
        {
            final int asset = random.nextInt(ASSET_COUNT);
            command.type = CommandType.WITHDRAW;
            command.accountId = tailAccount();
            command.assetId = asset + 1;
            command.walletId = walletId(asset, 0);
            command.amount = 1 + random.nextInt(1_000_000);
            patch[slot] = PATCH_OWN_HOLD;
            pendingWithdrawals.add(slot);
        }

        private void settle(final int slot, final Command command)
        {
            command.type = CommandType.WITHDRAW_SETTLE;
            patch[slot] = PATCH_HOLD_REF;
            reference0[slot] = pendingWithdrawals.remove();
        }

        private void attest(final int slot, final Command command)
        {
            final int asset = random.nextInt(ASSET_COUNT);
            final boolean hot = (attestCount++ & 1) == 0;
            command.type = CommandType.ATTEST;
            command.assetId = asset + 1;
            command.walletId = walletId(asset, hot ? 0 : 1);
            command.amount = COLD_BALANCE_MINOR_UNITS;
            patch[slot] = hot ? PATCH_ATTEST_HOT : PATCH_TX_ID;
            reference0[slot] = hotWalletIndex(asset);
        }
    }

    /**
     * An order or withdrawal hold the plan has opened and not yet closed.
     */
    private static final class OpenHold
    {
        final int slot;
        final long accountId;
        final int asset;
        long remaining;

        OpenHold(final int slot, final long accountId, final int asset, final long remaining)
        {
            this.slot = slot;
            this.accountId = accountId;
            this.asset = asset;
            this.remaining = remaining;
        }
    }
}
