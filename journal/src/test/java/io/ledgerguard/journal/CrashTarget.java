package io.ledgerguard.journal;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;

/**
 * The child process of {@link CrashRecoveryTest}: recovers the guard from a journal directory, prints what recovery
 * did, then serves several producer threads until it is killed, printing every decision acknowledged to a producer
 * (after it was acknowledged) as {@code ACK seq txId reasonCode}. With {@code recover-only} it recovers, prints and
 * exits.
 * <p>
 * Arguments: journal directory, run number (which makes the run's txIds unique), producers, seed, mode.
 */
public final class CrashTarget
{
    static final int BTC = 1;
    static final long HOT = 1;
    static final long COLD = 2;
    static final int ACCOUNTS = 200;
    static final int SNAPSHOT_EVERY = 1_000;

    private CrashTarget()
    {
    }

    static GuardConfig config()
    {
        final GuardConfig config = new GuardConfig()
            .asset(new GuardConfig.AssetConfig("BTC", BTC, 8))
            .wallet(new GuardConfig.WalletConfig(HOT, "BTC", WalletKind.HOT))
            .wallet(new GuardConfig.WalletConfig(COLD, "BTC", WalletKind.COLD));
        final GuardConfig.Limits limits = config.limits();
        limits.accountsMax = 1_024;
        limits.positionsMax = 4_096;
        limits.holdsMax = 4_096;
        limits.txIdsMax = 800_000;
        limits.inflowsMax = 100_000;
        limits.creditsMax = 100_000;
        return config;
    }

    public static void main(final String[] args) throws Exception
    {
        final Path directory = Path.of(args[0]);
        final int run = Integer.parseInt(args[1]);
        final int producers = Integer.parseInt(args[2]);
        final long seed = Long.parseLong(args[3]);
        final boolean recoverOnly = args.length > 4 && args[4].equals("recover-only");
        final PrintStream out = new PrintStream(
            new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false,
            StandardCharsets.US_ASCII);

        final GuardEngine engine = new GuardEngine(config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final Recovery.Result recovery = Recovery.recover(journal, store, engine);
        synchronized (out)
        {
            out.println("RECOVERED " + recovery.lastSeq() + " " + recovery.stateHashHex() + " " +
                (recovery.snapshot() == null ? 0 : recovery.snapshot().seq()) + " " + recovery.replayed() + " " +
                (recovery.invariantViolation() == null ? "ok" : "violated") + " " + recovery.skipped().size());
            out.flush();
        }
        if (recoverOnly)
        {
            journal.close();
            out.close();
            return;
        }
        final Snapshotter snapshotter =
            new Snapshotter(config(), store, journal, SNAPSHOT_EVERY, 0, 2, recovery.lastSeq());
        final LedgerGuard guard = new LedgerGuard(engine, new PipelineContext()
            .journal(journal).firstSeq(recovery.lastSeq() + 1).snapshotTrigger(snapshotter));
        final long txIdBase = run * 1_000_000_000L;
        if (recovery.lastSeq() == 0)
        {
            setUp(guard, out);
        }
        synchronized (out)
        {
            out.println("READY");
            out.flush();
        }
        // Says when a snapshot was written (its checkpoint is in the journal), so that the parent can let a run live
        // until one exists.
        final Thread snapshots = new Thread(() -> reportSnapshots(snapshotter, out), "snapshot-reporter");
        snapshots.setDaemon(true);
        snapshots.start();
        final Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++)
        {
            final int producer = p;
            threads[p] = new Thread(() -> produce(guard, out, txIdBase + (producer + 1) * 100_000_000L,
                new SplittableRandom(seed * 31 + producer)), "producer-" + p);
            threads[p].start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
    }

    private static void reportSnapshots(final Snapshotter snapshotter, final PrintStream out)
    {
        long reported = 0;
        while (!Thread.currentThread().isInterrupted())
        {
            final long written = snapshotter.written();
            if (written > reported)
            {
                reported = written;
                synchronized (out)
                {
                    out.println("SNAPSHOT " + snapshotter.lastWrittenSeq());
                    out.flush();
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
    }

    private static void setUp(final LedgerGuard guard, final PrintStream out)
    {
        final Command command = new Command();
        long txId = 1;
        for (long account = 1; account <= ACCOUNTS; account++)
        {
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = txId++;
            command.accountId = account;
            command.accountKind = AccountKind.CUSTOMER;
            ack(out, guard.submit(command));
        }
        for (final long wallet : new long[] {HOT, COLD})
        {
            command.reset();
            command.type = CommandType.ATTEST;
            command.txId = txId++;
            command.walletId = wallet;
            command.assetId = BTC;
            command.amount = 0;
            ack(out, guard.submit(command));
        }
    }

    private static void produce(final LedgerGuard guard, final PrintStream out, final long txIdBase,
        final SplittableRandom random)
    {
        final Command command = new Command();
        long txId = txIdBase;
        long lastAcked = 0;
        while (true)
        {
            final int pick = random.nextInt(100);
            final long account = 1 + random.nextInt(ACCOUNTS);
            command.reset();
            if (pick < 10)
            {
                // A custody inflow and the deposit it backs: obligations rise, holdings with them.
                final long amount = 1 + random.nextInt(1_000_000);
                command.type = CommandType.INFLOW;
                command.txId = ++txId;
                command.walletId = random.nextBoolean() ? HOT : COLD;
                command.assetId = BTC;
                command.amount = amount;
                command.chainRef("btc:" + txId);
                final long inflowTxId = txId;
                ack(out, guard.submit(command));
                command.reset();
                command.type = CommandType.DEPOSIT;
                command.txId = ++txId;
                command.accountId = account;
                command.assetId = BTC;
                command.amount = amount;
                command.chainRef("btc:" + inflowTxId);
            }
            else if (pick < 14 && lastAcked != 0)
            {
                // A resubmission: idempotency returns the original decision.
                command.type = CommandType.OPEN_ACCOUNT;
                command.txId = lastAcked;
                command.accountId = 1;
                command.accountKind = AccountKind.CUSTOMER;
            }
            else
            {
                command.type = CommandType.TRANSFER;
                command.txId = ++txId;
                command.debitAccountId = account;
                command.creditAccountId = 1 + random.nextInt(ACCOUNTS);
                command.assetId = BTC;
                command.amount = 1 + random.nextInt(200_000);
            }
            final Decision decision = guard.submit(command);
            ack(out, decision);
            if (decision.seq > 0 && command.type == CommandType.TRANSFER)
            {
                lastAcked = command.txId;
            }
        }
    }

    private static void ack(final PrintStream out, final Decision decision)
    {
        if (decision.seq <= 0 || decision.reason == Reason.GUARD_FAILED)
        {
            // Not acknowledged: refused before sequencing, or not known to be in the journal.
            return;
        }
        synchronized (out)
        {
            out.print("ACK ");
            out.print(decision.seq);
            out.print(' ');
            out.print(decision.txId);
            out.print(' ');
            out.println(decision.reason.code());
            out.flush();
        }
    }
}
