package io.ledgerguard.core;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SPEC §11, issue 13: a guard runs for weeks on small fixed tables that turn over many times: txIds, holds, credits
 * and inflows are created at a steady rate and forgotten as their windows pass, and nothing is ever refused for want
 * of room. A second engine replays every command with its recorded decision, as recovery does, and must decide the
 * same and end in the same state. The invariants are audited every {@value #AUDIT_EVERY} commands.
 * <p>
 * {@code ledgerguard.turnover.commands} sets the number of commands: 20,000,000 by default (about 23 simulated days
 * at one command every 100 ms); the {@code soak} profile runs a billion and reports the process's resident memory at
 * the start and the end.
 */
@ExtendWith(SeedReport.class)
class TurnoverSimulationTest
{
    private static final long AUDIT_EVERY = 100_000;
    private static final long COMMANDS =
        Long.getLong("ledgerguard.turnover.commands", 20_000_000L);

    @Test
    void shouldRunForWeeksOnTablesThatTurnOverWithoutEverRunningOutOfRoom()
    {
        final GuardConfig config = Workload.config();
        final GuardEngine engine = new GuardEngine(config);
        final GuardEngine replica = new GuardEngine(Workload.config());
        final Workload workload = new Workload(Seeds.seed("TurnoverSimulationTest"), engine);
        final Command command = new Command();
        final Decision decision = new Decision();
        final Decision replayed = new Decision();
        // Counted in arrays, and the workload keeps its own queues in arrays: the loop allocates nothing, so that the
        // resident memory reported is the engines' and a heap at rest.
        final long[] created = new long[TableKind.values().length];
        final long[] reasons = new long[Reason.values().length];
        final long rssStartKb = residentKb();
        long rssWarmKb = -1;
        final long startNs = System.nanoTime();

        for (long seq = 1; seq <= COMMANDS; seq++)
        {
            workload.next(command, seq);
            engine.apply(command, decision);
            replica.replay(command, replayed, decision);
            if (!DecisionCodec.sameOutcome(decision, replayed))
            {
                fail("seq=" + seq + ": decided " + decision + ", replayed " + replayed);
            }
            if (decision.reason == Reason.CAPACITY_EXHAUSTED)
            {
                fail("seq=" + seq + ": no room in " + decision.exhaustedTable + " for " + command);
            }
            reasons[decision.reason.ordinal()]++;
            countCreated(command, decision, created);
            workload.decided(command, decision);
            if (seq == COMMANDS / 20)
            {
                rssWarmKb = residentKb();
            }
            if (seq % AUDIT_EVERY == 0)
            {
                final String violation = engine.checkInvariants();
                if (violation != null)
                {
                    fail("seq=" + seq + ": " + violation);
                }
            }
        }

        final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        final long rssEndKb = residentKb();
        assertEquals(engine.stateHash().hex(), replica.stateHash().hex(), "the replay ends in the same state");
        final long days = (engine.nowNs() / 1_000_000 - Workload.START_MS) / 86_400_000L;
        final StringBuilder report = new StringBuilder()
            .append("turnover: ").append(COMMANDS).append(" commands over ").append(days).append(" simulated days in ")
            .append(tookMs).append(" ms (two engines); resident memory ").append(rssStartKb).append(" kB at the ")
            .append("start, ").append(rssWarmKb).append(" kB after 5% of the commands (every table full once), ")
            .append(rssEndKb).append(" kB at the end (heap committed ")
            .append(Runtime.getRuntime().totalMemory() / 1024).append(" kB)\n");
        for (final TableKind table : TableKind.values())
        {
            final long limit = config.limits().limitOf(table);
            final long made = created[table.ordinal()];
            report.append(String.format("  %-9s limit %,9d  created %,12d  turned over %,8.1f times  now %,9d%n",
                table, limit, made, (double)made / limit, engine.tableSize(table)));
        }
        report.append("  decisions:");
        for (final Reason reason : Reason.values())
        {
            if (reasons[reason.ordinal()] > 0)
            {
                report.append(' ').append(reason).append('=').append(reasons[reason.ordinal()]);
            }
        }
        System.out.println(report);

        if (COMMANDS >= 20_000_000L)
        {
            for (final TableKind table : new TableKind[]
                {TableKind.TX_IDS, TableKind.HOLDS, TableKind.CREDITS, TableKind.INFLOWS})
            {
                final long turned = created[table.ordinal()] / config.limits().limitOf(table);
                assertTrue(turned >= 10, () -> table + " turned over " + turned + " times only\n" + report);
            }
            assertTrue(days >= 14, "weeks of simulated time: " + days + " days");
        }
    }

    private static void countCreated(final Command command, final Decision decision, final long[] created)
    {
        if (decision.duplicate)
        {
            return;
        }
        if (decision.reason != Reason.TX_ID_REUSED && decision.reason != Reason.MALFORMED_COMMAND)
        {
            created[TableKind.TX_IDS.ordinal()]++;
        }
        if (!decision.accepted())
        {
            return;
        }
        switch (command.type)
        {
            case HOLD:
            case WITHDRAW:
                created[TableKind.HOLDS.ordinal()]++;
                break;
            case DEPOSIT:
                created[TableKind.CREDITS.ordinal()]++;
                break;
            case INFLOW:
                created[TableKind.INFLOWS.ordinal()]++;
                break;
            default:
                break;
        }
    }

    /**
     * @return the process's resident memory in kB, from /proc; -1 where there is none.
     */
    static long residentKb()
    {
        try
        {
            for (final String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status")))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (final java.io.IOException | NumberFormatException ex)
        {
            return -1;
        }
        return -1;
    }

    /**
     * A first-in first-out queue of records of a few longs, growing as needed: no boxing, no garbage.
     */
    static final class LongRing
    {
        private final int width;
        private long[] values;
        private int head;
        private int size;

        LongRing(final int width)
        {
            this.width = width;
            values = new long[width * 1024];
        }

        boolean isEmpty()
        {
            return size == 0;
        }

        int size()
        {
            return size;
        }

        void add(final long a, final long b, final long c)
        {
            final int capacity = values.length / width;
            if (size == capacity)
            {
                final long[] grown = new long[values.length * 2];
                for (int i = 0; i < size; i++)
                {
                    System.arraycopy(values, ((head + i) % capacity) * width, grown, i * width, width);
                }
                values = grown;
                head = 0;
            }
            final int at = ((head + size) % (values.length / width)) * width;
            values[at] = a;
            if (width > 1)
            {
                values[at + 1] = b;
                values[at + 2] = c;
            }
            size++;
        }

        long take(final int field)
        {
            assert size > 0 : "empty";
            return values[head * width + field];
        }

        void drop()
        {
            head = (head + 1) % (values.length / width);
            size--;
        }
    }

    /**
     * An exchange on two assets, one command every 100 ms: custody reports inflows that are deposited to customers,
     * customers place and release orders, trade, withdraw and have withdrawals settled, a few deposits are reversed at
     * once (so no claim is left), some commands are refused and some resubmitted, and every wallet is attested every
     * five minutes.
     */
    static final class Workload
    {
        static final long START_MS = 1_700_000_000_000L;
        static final long STEP_MS = 100;
        static final int ACCOUNTS = 2_000;
        static final long HOT = 1;
        static final long COLD = 2;
        static final long BANK = 3;
        private static final int BTC = 1;
        private static final int USD = 2;
        private static final long ATTEST_EVERY = 3_000;
        private static final int OPEN_HOLDS_MAX = 2_000;
        private static final int PENDING_WITHDRAWALS_MAX = 200;
        private static final byte[] CHAIN_REF_PREFIX = {'c', 'h', 'a', 'i', 'n', '-'};

        private final SplittableRandom random;
        private final GuardEngine engine;
        private final LongRing pendingInflows = new LongRing(3);               // {chainRef, assetId, amount}
        private final long[] openHolds = new long[OPEN_HOLDS_MAX * 3];       // {holdId, accountId, assetId}
        private int openHoldCount;
        private final LongRing pendingWithdrawals = new LongRing(1);            // {holdId}
        private final long[] recent = new long[64 * 2];                      // {txId, seq} of recent commands
        private final Command[] recentCommands = new Command[64];
        private long nextTxId = 1;
        private long nextHoldId = 1;
        private long nextChainRef = 1;
        private long lastDepositTxId;
        private long lastDepositChainRef;
        private int lastDepositAsset;
        private long lastDepositAmount;

        Workload(final long seed, final GuardEngine engine)
        {
            this.random = new SplittableRandom(seed);
            this.engine = engine;
            for (int i = 0; i < recentCommands.length; i++)
            {
                recentCommands[i] = new Command();
            }
        }

        static GuardConfig config()
        {
            final GuardConfig config = new GuardConfig()
                .asset(asset("BTC", BTC, 8))
                .asset(asset("USD", USD, 2))
                .wallet(new GuardConfig.WalletConfig(HOT, "BTC", WalletKind.HOT))
                .wallet(new GuardConfig.WalletConfig(COLD, "BTC", WalletKind.COLD))
                .wallet(new GuardConfig.WalletConfig(BANK, "USD", WalletKind.BANK));
            final GuardConfig.Limits limits = config.limits();
            limits.accountsMax = 4_096;
            limits.positionsMax = 16_384;
            // An hour of commands is 36,000 txIds; half a day 17,000 deposits and as many inflows, and an inflow is
            // kept up to two windows (its credit's, which began later than its own); 2,200 holds at most.
            limits.txIdsMax = 60_000;
            limits.holdsMax = 4_000;
            limits.creditsMax = 25_000;
            limits.inflowsMax = 50_000;
            config.retention().txIdWindowMs = 3_600_000L;
            config.retention().creditReversalWindowMs = 43_200_000L;
            return config;
        }

        private static GuardConfig.AssetConfig asset(final String code, final int id, final int scale)
        {
            final GuardConfig.AssetConfig asset = new GuardConfig.AssetConfig(code, id, scale);
            asset.attestationAgeMsMax = 600_000;
            asset.hotShareBpsMax = 10_000;
            return asset;
        }

        /**
         * @param out filled with the command for this sequence, its time included.
         */
        void next(final Command out, final long seq)
        {
            out.reset();
            out.seq = seq;
            out.timestampNs = (START_MS + seq * STEP_MS) * 1_000_000L;
            out.txId = nextTxId++;
            if (seq <= ACCOUNTS)
            {
                out.type = CommandType.OPEN_ACCOUNT;
                out.accountId = seq;
                out.accountKind = AccountKind.CUSTOMER;
                return;
            }
            final long phase = seq % ATTEST_EVERY;
            if (phase < 3 || seq <= ACCOUNTS + 3)
            {
                attest(out, (int)(phase % 3));
                return;
            }
            if (lastDepositTxId != 0 && random.nextInt(100) == 0)
            {
                reverseLastDeposit(out);
                return;
            }
            lastDepositTxId = 0;
            final int roll = random.nextInt(1_000);
            if (roll < 40)
            {
                inflow(out);
            }
            // Deposits come a little more often than inflows, which reversals hand back: the inflows waiting for one
            // stay few, as on an exchange whose deposits keep up (an uncredited inflow is kept until it is credited).
            else if (roll < 85 && !pendingInflows.isEmpty())
            {
                deposit(out);
            }
            else if (roll < 380 && openHoldCount < OPEN_HOLDS_MAX)
            {
                hold(out);
            }
            else if (roll < 600 && openHoldCount > 0)
            {
                releaseOrTrade(out, roll < 500);
            }
            else if (roll < 640 && pendingWithdrawals.size() < PENDING_WITHDRAWALS_MAX)
            {
                withdraw(out);
            }
            else if (roll < 680 && !pendingWithdrawals.isEmpty())
            {
                out.type = CommandType.WITHDRAW_SETTLE;
                out.holdId = pendingWithdrawals.take(0);
                pendingWithdrawals.drop();
            }
            else if (roll < 700)
            {
                resubmit(out, seq);
            }
            else
            {
                transfer(out);
            }
        }

        /**
         * What the guard decided: kept for what comes next.
         */
        void decided(final Command command, final Decision decision)
        {
            final int slot = (int)(command.seq % recentCommands.length);
            if (!decision.duplicate)
            {
                recentCommands[slot].copyFrom(command);
            }
            if (!decision.accepted() || decision.duplicate)
            {
                if (command.type == CommandType.DEPOSIT)
                {
                    lastDepositTxId = 0;
                }
                return;
            }
            switch (command.type)
            {
                case HOLD:
                    openHolds[openHoldCount * 3] = command.holdId;
                    openHolds[openHoldCount * 3 + 1] = command.accountId;
                    openHolds[openHoldCount * 3 + 2] = command.assetId;
                    openHoldCount++;
                    break;
                case WITHDRAW:
                    pendingWithdrawals.add(command.holdId, 0, 0);
                    break;
                case DEPOSIT:
                    lastDepositTxId = command.txId;
                    break;
                case REVERSE:
                    // All of it came back to the inflow: deposit it again later.
                    pendingInflows.add(lastDepositChainRef, lastDepositAsset, lastDepositAmount);
                    lastDepositTxId = 0;
                    break;
                default:
                    break;
            }
        }

        private void attest(final Command out, final int wallet)
        {
            out.type = CommandType.ATTEST;
            out.walletId = engine.walletId(wallet);
            out.assetId = engine.assetId(engine.walletAssetIndex(wallet));
            out.amount = engine.walletExpected(wallet);
        }

        private void inflow(final Command out)
        {
            final boolean btc = random.nextBoolean();
            final long chainRef = nextChainRef++;
            final long amount = 1_000 + random.nextInt(1_000_000);
            out.type = CommandType.INFLOW;
            out.walletId = btc ? HOT : BANK;
            out.assetId = btc ? BTC : USD;
            out.amount = amount;
            chainRef(out, chainRef);
            pendingInflows.add(chainRef, out.assetId, amount);
        }

        private void deposit(final Command out)
        {
            out.type = CommandType.DEPOSIT;
            out.accountId = 1 + random.nextInt(ACCOUNTS);
            lastDepositChainRef = pendingInflows.take(0);
            lastDepositAsset = (int)pendingInflows.take(1);
            lastDepositAmount = pendingInflows.take(2);
            pendingInflows.drop();
            out.assetId = lastDepositAsset;
            out.amount = lastDepositAmount;
            chainRef(out, lastDepositChainRef);
        }

        /** "chain-" and the number's digits, written into the command without a string. */
        private static void chainRef(final Command out, final long number)
        {
            System.arraycopy(CHAIN_REF_PREFIX, 0, out.chainRef, 0, CHAIN_REF_PREFIX.length);
            int length = CHAIN_REF_PREFIX.length;
            int digits = 1;
            for (long rest = number / 10; rest > 0; rest /= 10)
            {
                digits++;
            }
            long rest = number;
            for (int d = digits - 1; d >= 0; d--)
            {
                out.chainRef[length + d] = (byte)('0' + rest % 10);
                rest /= 10;
            }
            length += digits;
            out.chainRefLength = length;
        }

        private void reverseLastDeposit(final Command out)
        {
            out.type = CommandType.REVERSE;
            out.reversedTxId = lastDepositTxId;
        }

        private void hold(final Command out)
        {
            out.type = CommandType.HOLD;
            out.holdId = nextHoldId++;
            out.accountId = 1 + random.nextInt(ACCOUNTS);
            out.assetId = random.nextBoolean() ? BTC : USD;
            out.amount = 1 + random.nextInt(10_000);
        }

        /** Release an open hold whole, or trade it: its account pays another from it. */
        private void releaseOrTrade(final Command out, final boolean release)
        {
            final int index = random.nextInt(openHoldCount);
            final long holdId = openHolds[index * 3];
            final long remaining = engine.holdRemaining(holdId);
            final long accountId = openHolds[index * 3 + 1];
            final int assetId = (int)openHolds[index * 3 + 2];
            openHoldCount--;
            System.arraycopy(openHolds, openHoldCount * 3, openHolds, index * 3, 3);
            if (release || remaining <= 0)
            {
                out.type = CommandType.RELEASE;
                out.holdId = holdId;
                out.amount = Math.max(1, remaining);
                return;
            }
            out.type = CommandType.TRANSFER;
            out.holdId = holdId;
            out.debitAccountId = accountId;
            out.creditAccountId = 1 + (accountId % ACCOUNTS);
            out.assetId = assetId;
            out.amount = remaining;
        }

        private void withdraw(final Command out)
        {
            final boolean btc = random.nextBoolean();
            out.type = CommandType.WITHDRAW;
            out.holdId = nextHoldId++;
            out.accountId = 1 + random.nextInt(ACCOUNTS);
            out.walletId = btc ? HOT : BANK;
            out.assetId = btc ? BTC : USD;
            out.amount = 1 + random.nextInt(100_000);
        }

        /** A recent command again (the same decision comes back), or now and then its txId with other fields. */
        private void resubmit(final Command out, final long seq)
        {
            final Command earlier = recentCommands[(int)((seq - 1 - random.nextInt(32)) % recentCommands.length)];
            if (earlier.type == null || earlier.txId == 0)
            {
                transfer(out);
                return;
            }
            final long timestampNs = out.timestampNs;
            out.copyFrom(earlier);
            out.seq = seq;
            out.timestampNs = timestampNs;
            if (random.nextInt(4) == 0)
            {
                out.amount++;
            }
        }

        /** A transfer between customers; about one in three asks for more than the payer has. */
        private void transfer(final Command out)
        {
            out.type = CommandType.TRANSFER;
            out.debitAccountId = 1 + random.nextInt(ACCOUNTS);
            out.creditAccountId = 1 + random.nextInt(ACCOUNTS);
            if (out.creditAccountId == out.debitAccountId)
            {
                out.creditAccountId = 1 + (out.creditAccountId % ACCOUNTS);
            }
            out.assetId = random.nextBoolean() ? BTC : USD;
            out.amount = random.nextInt(3) == 0 ? 1_000_000_000_000L : 1 + random.nextInt(50_000);
        }
    }
}
