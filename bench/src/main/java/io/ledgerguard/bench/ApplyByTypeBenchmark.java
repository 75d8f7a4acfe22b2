package io.ledgerguard.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;

/**
 * {@code GuardEngine.apply} per command type, over the funded book of 1,000,000 positions, on accounts drawn at random
 * from its long tail (so that positions are rarely in cache, as on an exchange). Each benchmark is a self-sustaining
 * operation: a transfer, an order placed and cancelled, a trade (two holds and a linked batch of four legs), an
 * inflow and its deposit, a withdrawal and its settlement, an attestation, and a transfer rejected for insufficient
 * funds. Scores are per {@code apply}: {@link OperationsPerInvocation} divides by the commands an operation applies.
 * Every command but the rejected one must be accepted; an iteration that saw otherwise fails.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ApplyByTypeBenchmark
{
    private static final int ACCOUNT_MASK = (1 << 16) - 1;
    private static final int DIGITS = 19;

    private final Command command = new Command();
    private final Command second = new Command();
    private final Command third = new Command();
    private final Decision decision = new Decision();
    private final long[] accounts = new long[ACCOUNT_MASK + 1];
    private GuardEngine engine;
    private long nextTxId;
    private long nextHoldId;
    private long seq;
    private int cursor;
    private long unexpected;
    private long rejectedAsMeant;

    /**
     * Draw the accounts the operations use: tail accounts of the book, at random.
     */
    @Setup(org.openjdk.jmh.annotations.Level.Trial)
    public void setUpTrial()
    {
        final SplittableRandom random = new SplittableRandom(20_240_601L);
        for (int i = 0; i < accounts.length; i++)
        {
            accounts[i] = 2 + ExchangeWorkload.MARKET_MAKERS + random.nextInt(ExchangeWorkload.ACCOUNTS - 10);
        }
    }

    /**
     * A new engine, funded, before every iteration: the txId, inflow and credit tables never shrink.
     */
    @Setup(Level.Iteration)
    public void setUpIteration()
    {
        final GuardConfig config = ExchangeWorkload.config(5L * ExchangeWorkload.ACCOUNTS + 12_000_000L);
        config.limits().inflowsMax = 2_000_000;
        config.limits().creditsMax = 3_500_000;
        engine = new GuardEngine(config);
        final ExchangeWorkload workload = new ExchangeWorkload(1, 8);
        workload.fund(engine);
        seq = workload.seq();
        nextTxId = ExchangeWorkload.TX_ID_FIRST;
        nextHoldId = 1;
        unexpected = 0;
        rejectedAsMeant = 0;
    }

    /**
     * Fail an iteration in which a command meant to be accepted was not: it would be measuring rejections.
     */
    @TearDown(Level.Iteration)
    public void tearDownIteration()
    {
        if (unexpected > 0)
        {
            throw new IllegalStateException(unexpected + " commands were rejected that should not have been; last " +
                decision);
        }
    }

    @Benchmark
    public void transfer()
    {
        final Command c = start(command, CommandType.TRANSFER);
        c.debitAccountId = account();
        c.creditAccountId = account();
        c.assetId = asset();
        c.amount = 1;
        expectAccepted(c);
    }

    @Benchmark
    @OperationsPerInvocation(2)
    public void holdRelease()
    {
        final Command hold = start(command, CommandType.HOLD);
        hold.holdId = nextHoldId++;
        hold.accountId = account();
        hold.assetId = asset();
        hold.amount = 10;
        expectAccepted(hold);
        final Command release = start(second, CommandType.RELEASE);
        release.holdId = hold.holdId;
        release.amount = 10;
        expectAccepted(release);
    }

    @Benchmark
    @OperationsPerInvocation(3)
    public void trade()
    {
        final long buyer = account();
        final long seller = account();
        final Command buy = start(command, CommandType.HOLD);
        buy.holdId = nextHoldId++;
        buy.accountId = buyer;
        buy.assetId = 3;
        buy.amount = 1_001;
        expectAccepted(buy);
        final Command sell = start(second, CommandType.HOLD);
        sell.holdId = nextHoldId++;
        sell.accountId = seller;
        sell.assetId = 1;
        sell.amount = 11;
        expectAccepted(sell);
        final Command batch = start(third, CommandType.BATCH);
        leg(batch, sell.holdId, seller, buyer, 1, 10);
        leg(batch, sell.holdId, seller, ExchangeWorkload.FEE_ACCOUNT_ID, 1, 1);
        leg(batch, buy.holdId, buyer, seller, 3, 1_000);
        leg(batch, buy.holdId, buyer, ExchangeWorkload.FEE_ACCOUNT_ID, 3, 1);
        expectAccepted(batch);
    }

    @Benchmark
    @OperationsPerInvocation(2)
    public void inflowDeposit()
    {
        final int asset = asset();
        final Command inflow = start(command, CommandType.INFLOW);
        inflow.walletId = ExchangeWorkload.walletId(asset - 1, 0);
        inflow.assetId = asset;
        inflow.amount = 100;
        writeChainRef(inflow, nextTxId);
        expectAccepted(inflow);
        final Command deposit = start(second, CommandType.DEPOSIT);
        deposit.accountId = account();
        deposit.assetId = asset;
        deposit.amount = 100;
        System.arraycopy(inflow.chainRef, 0, deposit.chainRef, 0, inflow.chainRefLength);
        deposit.chainRefLength = inflow.chainRefLength;
        expectAccepted(deposit);
    }

    @Benchmark
    @OperationsPerInvocation(2)
    public void withdrawSettle()
    {
        final int asset = asset();
        final Command withdraw = start(command, CommandType.WITHDRAW);
        withdraw.holdId = nextHoldId++;
        withdraw.accountId = account();
        withdraw.walletId = ExchangeWorkload.walletId(asset - 1, 0);
        withdraw.assetId = asset;
        withdraw.amount = 1;
        expectAccepted(withdraw);
        final Command settle = start(second, CommandType.WITHDRAW_SETTLE);
        settle.holdId = withdraw.holdId;
        expectAccepted(settle);
    }

    @Benchmark
    public void attest()
    {
        final int asset = asset();
        final Command c = start(command, CommandType.ATTEST);
        c.walletId = ExchangeWorkload.walletId(asset - 1, 1);
        c.assetId = asset;
        c.amount = ExchangeWorkload.COLD_BALANCE_MINOR_UNITS;
        expectAccepted(c);
    }

    @Benchmark
    public void rejectedTransfer()
    {
        final Command c = start(command, CommandType.TRANSFER);
        c.debitAccountId = account();
        c.creditAccountId = account();
        c.assetId = asset();
        c.amount = Long.MAX_VALUE / 4;
        c.seq = ++seq;
        c.timestampNs = ExchangeWorkload.START_NS + seq * ExchangeWorkload.COMMAND_INTERVAL_NS;
        engine.apply(c, decision);
        if (decision.accepted())
        {
            unexpected++;
        }
        else
        {
            rejectedAsMeant++;
        }
    }

    private Command start(final Command c, final CommandType type)
    {
        c.reset();
        c.type = type;
        c.txId = nextTxId++;
        return c;
    }

    private void leg(final Command batch, final long holdId, final long from, final long to, final int asset,
        final long amount)
    {
        final Command leg = batch.addInner();
        leg.type = CommandType.TRANSFER;
        leg.txId = nextTxId++;
        leg.holdId = holdId;
        leg.debitAccountId = from;
        leg.creditAccountId = to;
        leg.assetId = asset;
        leg.amount = amount;
    }

    private void expectAccepted(final Command c)
    {
        c.seq = ++seq;
        c.timestampNs = ExchangeWorkload.START_NS + seq * ExchangeWorkload.COMMAND_INTERVAL_NS;
        engine.apply(c, decision);
        if (!decision.accepted())
        {
            unexpected++;
        }
    }

    private long account()
    {
        final long id = accounts[cursor & ACCOUNT_MASK];
        cursor++;
        // Never the same account twice in a row: a transfer to oneself is rejected.
        return id == accounts[cursor & ACCOUNT_MASK] ? id + 1 : id;
    }

    private int asset()
    {
        return 1 + (cursor & (ExchangeWorkload.ASSET_COUNT - 1));
    }

    private static void writeChainRef(final Command c, final long value)
    {
        long v = value;
        c.chainRef[0] = 'b';
        c.chainRef[1] = ':';
        for (int i = DIGITS + 1; i >= 2; i--)
        {
            c.chainRef[i] = (byte)('0' + (v % 10));
            v /= 10;
        }
        c.chainRefLength = DIGITS + 2;
    }
}
