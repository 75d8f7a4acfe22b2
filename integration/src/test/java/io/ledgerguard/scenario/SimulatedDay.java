package io.ledgerguard.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded day of legitimate activity at a small BTC/KRW exchange, written as a command file for {@code replay}
 * with {@code examples/scenarios/day-config.yaml}: orders and cancels, trades as linked batches with fees on both
 * sides, deposits credited once their inflow confirms (10 to 60 minutes for BTC, 1 to 5 for KRW), withdrawals settled
 * once they confirm, hot-to-cold sweeps (and refills of hot) whose network fee the house pays, and every wallet
 * attested every 30 seconds, give or take 3, with figures that jitter within half the wallet's drift tolerance.
 * <p>
 * The custody feed reports what is confirmed, so a wallet's attested balance moves when its inflows, settlements and
 * sweeps are reported, never before. The generator keeps its own books and only submits what a careful exchange
 * would: no order or withdrawal beyond what is available, outflows well inside the velocity limits, hot wallet share
 * between 8% and 15%. Nothing it writes should be rejected, and nothing should raise an alert.
 */
final class SimulatedDay
{
    static final long T0 = 1_767_225_600_000L;
    static final long DAY_MS = 86_400_000L;
    static final long BTC = 100_000_000L;
    static final int HOT = 1;
    static final int COLD = 2;
    static final int BANK = 3;
    /** Drift tolerance per wallet id, as in day-config.yaml. */
    private static final long[] TOLERANCE = {0, 100_000, 1_000_000, 10_000};
    private static final long FEES = 8000;
    private static final int CUSTOMERS = 400;
    private static final long MARKET_MAKER_FIRST = 9001;
    private static final int MARKET_MAKERS = 4;
    private static final int B = 0;
    private static final int K = 1;
    /** The velocity limits of day-config.yaml: the generator stays under half of them. */
    private static final long BTC_OUTFLOW_PER_HOUR_MAX = 50 * BTC;
    private static final long KRW_OUTFLOW_PER_HOUR_MAX = 20_000_000_000L;
    private static final long HOUR_MS = 3_600_000L;

    private final SplittableRandom random;
    private final Writer out;
    private final PriorityQueue<Event> events = new PriorityQueue<>();
    private final long[] accountIds;
    private final Map<Long, long[]> available = new HashMap<>();
    /** Confirmed balance of each wallet: what the custody feed sees. */
    private final long[] chain = new long[4];
    /** What each wallet has committed to pay: withdrawals and sweeps under way. */
    private final long[] committed = new long[4];
    private final Deque<long[]> btcOutflows = new ArrayDeque<>();
    private final Deque<long[]> krwOutflows = new ArrayDeque<>();
    private final Map<String, Integer> counts = new TreeMap<>();
    private long now = T0;
    private long txId;
    private long holdId;
    private long ref;
    private long order;
    private long price = 150_000_000L;
    private boolean sweepUnderway;

    private SimulatedDay(final long seed, final Writer out)
    {
        this.random = new SplittableRandom(seed);
        this.out = out;
        accountIds = new long[CUSTOMERS + MARKET_MAKERS];
        for (int i = 0; i < CUSTOMERS; i++)
        {
            accountIds[i] = i + 1;
        }
        for (int i = 0; i < MARKET_MAKERS; i++)
        {
            accountIds[CUSTOMERS + i] = MARKET_MAKER_FIRST + i;
        }
    }

    /**
     * Write the day.
     *
     * @param seed the seed: the same seed writes the same file.
     * @param out  where the command lines go.
     * @return how many commands of each kind were written.
     */
    static Map<String, Integer> write(final long seed, final Writer out)
    {
        final SimulatedDay day = new SimulatedDay(seed, out);
        day.setUp();
        day.run();
        return day.counts;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The opening: accounts, what customers already hold, and the custody that backs it.
    // ---------------------------------------------------------------------------------------------------------------

    private void setUp()
    {
        for (final int wallet : new int[] {HOT, COLD, BANK})
        {
            emit("ATTEST", "\"walletId\":" + wallet + ",\"asset\":\"" + assetOf(wallet) + "\",\"balance\":0");
        }
        emit("OPEN_ACCOUNT", "\"accountId\":" + FEES + ",\"kind\":\"OPERATOR\"");
        available.put(FEES, new long[2]);
        final Map<Long, long[]> opening = new HashMap<>();
        for (final long id : accountIds)
        {
            emit("OPEN_ACCOUNT", "\"accountId\":" + id + ",\"kind\":\"CUSTOMER\"");
            available.put(id, new long[2]);
            final boolean maker = id >= MARKET_MAKER_FIRST;
            opening.put(id, new long[] {
                maker ? 300 * BTC : between(5 * BTC / 100, 3 * BTC),
                maker ? 5_000_000_000L : between(1_000_000, 90_000_000)});
        }
        opening.put(FEES, new long[] {BTC, 0});
        long btcTotal = 0;
        long krwTotal = 0;
        for (final long[] amounts : opening.values())
        {
            btcTotal += amounts[B];
            krwTotal += amounts[K];
        }
        // The exchange's own coins beside the customers': headroom no one is owed.
        final long surplus = 50 * BTC;
        final long hot = (btcTotal + surplus) * 12 / 100;
        final long[] remaining = {0, hot, btcTotal + surplus - hot, krwTotal + 1_000_000_000L};
        inflow(COLD, remaining[COLD], "genesis:btc:cold");
        inflow(HOT, remaining[HOT], "genesis:btc:hot");
        inflow(BANK, remaining[BANK], "genesis:krw");
        final String[] refs = {null, "genesis:btc:hot", "genesis:btc:cold", "genesis:krw"};
        for (final long id : sorted(opening))
        {
            final long[] amounts = opening.get(id);
            long btc = amounts[B];
            while (btc > 0)
            {
                // Credits of at most 50 BTC, under the 100 BTC sanity cap; from cold storage first.
                final int wallet = remaining[COLD] - surplus > 0 ? COLD : HOT;
                final long part = Math.min(Math.min(btc, 50 * BTC), remaining[wallet] - (wallet == COLD ? surplus : 0));
                deposit(id, "BTC", part, refs[wallet]);
                remaining[wallet] -= part;
                btc -= part;
            }
            long krw = amounts[K];
            while (krw > 0)
            {
                final long part = Math.min(krw, 100_000_000L);
                deposit(id, "KRW", part, refs[BANK]);
                krw -= part;
            }
        }
    }

    private static long[] sorted(final Map<Long, long[]> map)
    {
        return map.keySet().stream().mapToLong(Long::longValue).sorted().toArray();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The day.
    // ---------------------------------------------------------------------------------------------------------------

    private void run()
    {
        for (final int wallet : new int[] {HOT, COLD, BANK})
        {
            at(T0 + 30_000 + between(-3_000, 3_000), () -> attest(wallet));
        }
        at(T0 + 1_000, this::trade);
        at(T0 + 1_500, this::orderAndCancel);
        at(T0 + 2_000, this::btcDeposit);
        at(T0 + 2_500, this::krwDeposit);
        at(T0 + 3_000, this::btcWithdrawal);
        at(T0 + 3_500, this::krwWithdrawal);
        at(T0 + 60_000, this::rebalance);
        while (!events.isEmpty())
        {
            final Event event = events.poll();
            if (event.atMs >= T0 + DAY_MS)
            {
                break;
            }
            now = event.atMs;
            event.action.run();
        }
    }

    private void attest(final int wallet)
    {
        final long half = TOLERANCE[wallet] / 2;
        final long balance = Math.max(0, chain[wallet] + between(-half, half));
        emit("ATTEST", "\"walletId\":" + wallet + ",\"asset\":\"" + assetOf(wallet) + "\",\"balance\":" + balance);
        at(now + 30_000 + between(-3_000, 3_000), () -> attest(wallet));
    }

    private void trade()
    {
        at(now + exponential(3_000), this::trade);
        final long buyer = trader();
        final long seller = trader();
        if (buyer == seller)
        {
            return;
        }
        price = Math.max(50_000_000L, price + price * between(-5, 5) / 10_000);
        final long quantity = between(BTC / 1_000, BTC / 5);
        final long quote = quantity * (price / 1_000) / (BTC / 1_000);
        final long quoteFee = quote / 1_000;
        final long baseFee = quantity / 1_000;
        final long[] buyerFunds = available.get(buyer);
        final long[] sellerFunds = available.get(seller);
        if (buyerFunds[K] < quote + quoteFee || sellerFunds[B] < quantity + baseFee)
        {
            return;
        }
        final long buyHold = ++holdId;
        final long sellHold = ++holdId;
        emit("HOLD", "\"holdId\":" + buyHold + ",\"accountId\":" + buyer + ",\"asset\":\"KRW\",\"amount\":" +
            (quote + quoteFee));
        emit("HOLD", "\"holdId\":" + sellHold + ",\"accountId\":" + seller + ",\"asset\":\"BTC\",\"amount\":" +
            (quantity + baseFee));
        final long batch = ++txId;
        final String legs = "[" +
            leg(sellHold, seller, buyer, "BTC", quantity) + "," +
            leg(sellHold, seller, FEES, "BTC", baseFee) + "," +
            leg(buyHold, buyer, seller, "KRW", quote) + "," +
            leg(buyHold, buyer, FEES, "KRW", quoteFee) + "]";
        line("{\"type\":\"BATCH\",\"txId\":" + batch + ",\"atMs\":" + now + ",\"commands\":" + legs + "}", "BATCH");
        buyerFunds[K] -= quote + quoteFee;
        buyerFunds[B] += quantity;
        sellerFunds[B] -= quantity + baseFee;
        sellerFunds[K] += quote;
        available.get(FEES)[B] += baseFee;
        available.get(FEES)[K] += quoteFee;
    }

    private String leg(final long hold, final long from, final long to, final String asset, final long amount)
    {
        return "{\"type\":\"TRANSFER\",\"txId\":" + (++txId) + ",\"holdId\":" + hold + ",\"debitAccountId\":" + from +
            ",\"creditAccountId\":" + to + ",\"asset\":\"" + asset + "\",\"amount\":" + amount + "}";
    }

    private void orderAndCancel()
    {
        at(now + exponential(5_000), this::orderAndCancel);
        final long account = trader();
        final int asset = random.nextBoolean() ? B : K;
        final long[] funds = available.get(account);
        if (funds[asset] < 10)
        {
            return;
        }
        final long amount = between(1, funds[asset] / 10);
        final long hold = ++holdId;
        emit("HOLD", "\"holdId\":" + hold + ",\"accountId\":" + account + ",\"asset\":\"" +
            (asset == B ? "BTC" : "KRW") + "\",\"amount\":" + amount);
        funds[asset] -= amount;
        at(now + between(1_000, 300_000), () ->
        {
            emit("RELEASE", "\"holdId\":" + hold + ",\"amount\":" + amount);
            funds[asset] += amount;
        });
    }

    private void btcDeposit()
    {
        at(now + exponential(now < T0 + DAY_MS / 2 ? 120_000 : 900_000), this::btcDeposit);
        final long account = customer();
        final long amount = between(BTC / 100, 2 * BTC);
        final String chainRef = "btc:in:" + (++ref);
        at(now + between(600_000, 3_600_000), () ->
        {
            chain[HOT] += amount;
            inflow(HOT, amount, chainRef);
            deposit(account, "BTC", amount, chainRef);
            available.get(account)[B] += amount;
        });
    }

    private void krwDeposit()
    {
        at(now + exponential(90_000), this::krwDeposit);
        final long account = customer();
        final long amount = between(100_000, 50_000_000);
        final String chainRef = "krw:in:" + (++ref);
        at(now + between(60_000, 300_000), () ->
        {
            chain[BANK] += amount;
            inflow(BANK, amount, chainRef);
            deposit(account, "KRW", amount, chainRef);
            available.get(account)[K] += amount;
        });
    }

    private void btcWithdrawal()
    {
        at(now + exponential(now < T0 + DAY_MS / 2 ? 300_000 : 45_000), this::btcWithdrawal);
        final long account = customer();
        final long amount = Math.min(between(BTC / 100, BTC), available.get(account)[B]);
        final long limit = Math.min(BTC_OUTFLOW_PER_HOUR_MAX, chain[HOT] / 5) / 2;
        if (amount <= 0 || recentOutflow(btcOutflows) + amount > limit ||
            chain[HOT] - committed[HOT] - amount < 5 * BTC)
        {
            return;
        }
        withdraw(account, HOT, amount, between(600_000, 3_600_000) + between(60_000, 600_000));
        btcOutflows.addLast(new long[] {now, amount});
    }

    private void krwWithdrawal()
    {
        at(now + exponential(120_000), this::krwWithdrawal);
        final long account = customer();
        final long amount = Math.min(between(100_000, 20_000_000), available.get(account)[K]);
        if (amount <= 0 || recentOutflow(krwOutflows) + amount > KRW_OUTFLOW_PER_HOUR_MAX / 2 ||
            chain[BANK] - committed[BANK] - amount < 100_000_000L)
        {
            return;
        }
        withdraw(account, BANK, amount, between(60_000, 600_000));
        krwOutflows.addLast(new long[] {now, amount});
    }

    private void withdraw(final long account, final int wallet, final long amount, final long confirmsAfterMs)
    {
        final long hold = ++holdId;
        final String asset = assetOf(wallet);
        emit("WITHDRAW", "\"holdId\":" + hold + ",\"accountId\":" + account + ",\"walletId\":" + wallet +
            ",\"asset\":\"" + asset + "\",\"amount\":" + amount);
        available.get(account)[wallet == BANK ? K : B] -= amount;
        committed[wallet] += amount;
        at(now + confirmsAfterMs, () ->
        {
            chain[wallet] -= amount;
            committed[wallet] -= amount;
            emit("WITHDRAW_SETTLE", "\"holdId\":" + hold);
        });
    }

    /**
     * Keep the hot wallet between 8% and 15% of BTC holdings: sweep the excess to cold storage, or refill hot from
     * it, back to 10%. The house pays the network fee from its fee account, out of the wallet that sends.
     */
    private void rebalance()
    {
        at(now + 60_000, this::rebalance);
        if (sweepUnderway)
        {
            return;
        }
        final long total = chain[HOT] + chain[COLD];
        final long target = total / 10;
        final int from;
        final int to;
        final long amount;
        if (chain[HOT] * 100 > total * 15)
        {
            from = HOT;
            to = COLD;
            amount = Math.min(chain[HOT] - target, chain[HOT] - committed[HOT] - 5 * BTC);
        }
        else if (chain[HOT] * 100 < total * 8)
        {
            from = COLD;
            to = HOT;
            amount = Math.min(target - chain[HOT], chain[COLD] - committed[COLD] - 5 * BTC);
        }
        else
        {
            return;
        }
        final long fee = between(2_000, 20_000);
        if (amount <= 0 || available.get(FEES)[B] < fee)
        {
            return;
        }
        final long feeHold = ++holdId;
        emit("WITHDRAW", "\"holdId\":" + feeHold + ",\"accountId\":" + FEES + ",\"walletId\":" + from +
            ",\"asset\":\"BTC\",\"amount\":" + fee);
        available.get(FEES)[B] -= fee;
        committed[from] += amount + fee;
        sweepUnderway = true;
        final String chainRef = "btc:sweep:" + (++ref);
        at(now + between(1_200_000, 3_600_000), () ->
        {
            chain[from] -= amount + fee;
            chain[to] += amount;
            committed[from] -= amount + fee;
            emit("SWEEP", "\"walletId\":" + from + ",\"toWalletId\":" + to + ",\"asset\":\"BTC\",\"amount\":" + amount +
                ",\"chainRef\":\"" + chainRef + "\"");
            emit("WITHDRAW_SETTLE", "\"holdId\":" + feeHold);
            counts.merge(from == HOT ? "SWEEP hot to cold" : "SWEEP cold to hot", 1, Integer::sum);
            sweepUnderway = false;
        });
    }

    private long recentOutflow(final Deque<long[]> outflows)
    {
        // A window and a sixteenth: the guard's window moves in sixteenths of its length.
        while (!outflows.isEmpty() && outflows.peekFirst()[0] < now - HOUR_MS - HOUR_MS / 16)
        {
            outflows.removeFirst();
        }
        long sum = 0;
        for (final long[] outflow : outflows)
        {
            sum += outflow[1];
        }
        return sum;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Lines.
    // ---------------------------------------------------------------------------------------------------------------

    private void inflow(final int wallet, final long amount, final String chainRef)
    {
        if (chainRef.startsWith("genesis"))
        {
            chain[wallet] += amount;
        }
        emit("INFLOW", "\"walletId\":" + wallet + ",\"asset\":\"" + assetOf(wallet) + "\",\"amount\":" + amount +
            ",\"chainRef\":\"" + chainRef + "\"");
    }

    private void deposit(final long account, final String asset, final long amount, final String chainRef)
    {
        emit("DEPOSIT", "\"accountId\":" + account + ",\"asset\":\"" + asset + "\",\"amount\":" + amount +
            ",\"chainRef\":\"" + chainRef + "\"");
        if (now == T0)
        {
            available.get(account)[asset.equals("BTC") ? B : K] += amount;
        }
    }

    private void emit(final String type, final String fields)
    {
        line("{\"type\":\"" + type + "\",\"txId\":" + (++txId) + ",\"atMs\":" + now + "," + fields + "}", type);
    }

    private void line(final String line, final String type)
    {
        counts.merge(type, 1, Integer::sum);
        try
        {
            out.write(line);
            out.write('\n');
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Randomness and time.
    // ---------------------------------------------------------------------------------------------------------------

    private void at(final long atMs, final Runnable action)
    {
        events.add(new Event(Math.max(atMs, now), ++order, action));
    }

    private long between(final long min, final long max)
    {
        return min + random.nextLong(max - min + 1);
    }

    private long exponential(final long meanMs)
    {
        return 1 + (long)(-Math.log(1.0 - random.nextDouble()) * meanMs);
    }

    private long trader()
    {
        // Market makers are on one side of most trades; the long tail trades now and then.
        return random.nextInt(10) < 6 ? MARKET_MAKER_FIRST + random.nextInt(MARKET_MAKERS) : customer();
    }

    private long customer()
    {
        return 1 + random.nextInt(CUSTOMERS);
    }

    private static String assetOf(final int wallet)
    {
        return wallet == BANK ? "KRW" : "BTC";
    }

    private static final class Event implements Comparable<Event>
    {
        final long atMs;
        final long order;
        final Runnable action;

        Event(final long atMs, final long order, final Runnable action)
        {
            this.atMs = atMs;
            this.order = order;
            this.action = action;
        }

        @Override
        public int compareTo(final Event other)
        {
            final int byTime = Long.compare(atMs, other.atMs);
            return byTime != 0 ? byTime : Long.compare(order, other.order);
        }
    }
}
