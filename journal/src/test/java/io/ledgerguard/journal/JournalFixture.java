package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

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
import io.ledgerguard.core.pipeline.SnapshotTrigger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Journal test helpers: a small guard configuration (BTC id 1 with wallets 1 HOT and 2 COLD, USD id 2 with wallet 3
 * BANK), a hand-built stream of OPEN_ACCOUNT / ATTEST / INFLOW / DEPOSIT / TRANSFER commands run through a real
 * pipeline, and raw access to a queue's excerpts for tampering with a journal.
 */
final class JournalFixture
{
    static final int BTC = 1;
    static final int USD = 2;
    static final long HOT = 1;
    static final long COLD = 2;
    static final long BANK = 3;
    static final int ACCOUNTS = 6;

    private JournalFixture()
    {
    }

    static GuardConfig config()
    {
        final GuardConfig config = new GuardConfig()
            .asset(new GuardConfig.AssetConfig("BTC", BTC, 8))
            .asset(new GuardConfig.AssetConfig("USD", USD, 2))
            .wallet(new GuardConfig.WalletConfig(HOT, "BTC", WalletKind.HOT))
            .wallet(new GuardConfig.WalletConfig(COLD, "BTC", WalletKind.COLD))
            .wallet(new GuardConfig.WalletConfig(BANK, "USD", WalletKind.BANK));
        final GuardConfig.Limits limits = config.limits();
        limits.accountsMax = 64;
        limits.positionsMax = 256;
        limits.holdsMax = 64;
        limits.txIdsMax = 4096;
        limits.inflowsMax = 256;
        limits.creditsMax = 512;
        return config;
    }

    /**
     * What a pipeline decided: the reason for every sequence, and the engine's final state.
     */
    static final class Run
    {
        final List<Reason> reasons = new ArrayList<>();
        long firstSeq;
        GuardEngine engine;

        Reason reason(final long seq)
        {
            return reasons.get((int)(seq - firstSeq));
        }

        long lastSeq()
        {
            return firstSeq + reasons.size() - 1;
        }
    }

    /**
     * Run a stream of commands through a real pipeline journaling to the given journal, then close the guard (and
     * with it the journal). Some commands are rejected on purpose (an overdraft, a deposit without inflow, a repeated
     * account), so the replay has rejections to reproduce too.
     *
     * @param journal  the journal.
     * @param firstSeq the first sequence.
     * @param engine   the engine the guard applies to.
     * @param rounds   how many rounds of deposits and transfers.
     * @param txIdBase first transaction id.
     * @return what was decided.
     */
    static Run runPipeline(
        final ChronicleJournal journal, final long firstSeq, final GuardEngine engine, final int rounds,
        final long txIdBase)
    {
        return runPipeline(journal, firstSeq, engine, rounds, txIdBase, null);
    }

    /**
     * As {@link #runPipeline(ChronicleJournal, long, GuardEngine, int, long)}, taking snapshots as the trigger says.
     */
    static Run runPipeline(
        final ChronicleJournal journal, final long firstSeq, final GuardEngine engine, final int rounds,
        final long txIdBase, final SnapshotTrigger snapshots)
    {
        return runPipeline(journal, firstSeq, engine, rounds, txIdBase, snapshots, guard -> { });
    }

    /**
     * As {@link #runPipeline(ChronicleJournal, long, GuardEngine, int, long, SnapshotTrigger)}, with something done
     * once every command is decided and before the guard (and with it the journal) closes.
     */
    static Run runPipeline(
        final ChronicleJournal journal, final long firstSeq, final GuardEngine engine, final int rounds,
        final long txIdBase, final SnapshotTrigger snapshots, final Consumer<LedgerGuard> beforeClose)
    {
        final Run run = new Run();
        run.firstSeq = firstSeq;
        run.engine = engine;
        final Command command = new Command();
        long txId = txIdBase;
        try (LedgerGuard guard = new LedgerGuard(engine, new PipelineContext().journal(journal).firstSeq(firstSeq)
            .snapshotTrigger(snapshots)))
        {
            final boolean fresh = firstSeq == 1;
            if (fresh)
            {
                for (long account = 1; account <= ACCOUNTS; account++)
                {
                    command.reset();
                    command.type = CommandType.OPEN_ACCOUNT;
                    command.txId = txId++;
                    command.accountId = account;
                    command.accountKind = account == ACCOUNTS ? AccountKind.OPERATOR : AccountKind.CUSTOMER;
                    submit(guard, command, run);
                }
            }
            for (final long wallet : new long[] {HOT, COLD, BANK})
            {
                command.reset();
                command.type = CommandType.ATTEST;
                command.txId = txId++;
                command.walletId = wallet;
                command.assetId = wallet == BANK ? USD : BTC;
                command.amount = fresh ? 0 : engine.walletExpected(walletIndex(engine, wallet));
                submit(guard, command, run);
            }
            for (int round = 0; round < rounds; round++)
            {
                final long account = 1 + round % (ACCOUNTS - 1);
                final int asset = round % 3 == 0 ? USD : BTC;
                final long wallet = asset == USD ? BANK : (round % 2 == 0 ? HOT : COLD);
                final String chainRef = "tx-" + txIdBase + "-" + round;
                command.reset();
                command.type = CommandType.INFLOW;
                command.txId = txId++;
                command.walletId = wallet;
                command.assetId = asset;
                command.amount = 1_000 + round;
                command.chainRef(chainRef);
                submit(guard, command, run);

                command.reset();
                command.type = CommandType.DEPOSIT;
                command.txId = txId++;
                command.accountId = account;
                command.assetId = asset;
                command.amount = 1_000 + round;
                command.chainRef(chainRef);
                submit(guard, command, run);

                command.reset();
                command.type = CommandType.TRANSFER;
                command.txId = txId++;
                command.debitAccountId = account;
                command.creditAccountId = 1 + (account % (ACCOUNTS - 1));
                command.assetId = asset;
                // Every fourth transfer asks for more than the account has: INSUFFICIENT_AVAILABLE.
                command.amount = round % 4 == 3 ? 1_000_000_000L : 400 + round;
                submit(guard, command, run);

                if (round % 5 == 4)
                {
                    // A deposit no inflow backs: rejected.
                    command.reset();
                    command.type = CommandType.DEPOSIT;
                    command.txId = txId++;
                    command.accountId = account;
                    command.assetId = asset;
                    command.amount = 5;
                    command.chainRef("no-such-inflow-" + round);
                    submit(guard, command, run);
                }
            }
            assertEquals(run.reasons.size(), guard.sequenced(), "every command sequenced");
            assertNull(guard.failure());
            beforeClose.accept(guard);
        }
        assertNull(engine.checkInvariants());
        return run;
    }

    private static void submit(final LedgerGuard guard, final Command command, final Run run)
    {
        final Decision decision = guard.submit(command);
        assertEquals(run.firstSeq + run.reasons.size(), decision.seq, "decisions come back in sequence");
        run.reasons.add(decision.reason);
    }

    private static int walletIndex(final GuardEngine engine, final long walletId)
    {
        for (int i = 0; i < engine.walletCount(); i++)
        {
            if (engine.walletId(i) == walletId)
            {
                return i;
            }
        }
        throw new IllegalArgumentException("walletId=" + walletId);
    }

    /**
     * @return every excerpt of a queue, as raw bytes, in order.
     */
    static List<byte[]> rawExcerpts(final Path directory)
    {
        final List<byte[]> excerpts = new ArrayList<>();
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer())
        {
            while (true)
            {
                try (DocumentContext context = tailer.readingDocument())
                {
                    if (!context.isPresent())
                    {
                        return excerpts;
                    }
                    final Bytes<?> bytes = context.wire().bytes();
                    final byte[] excerpt = new byte[(int)bytes.readRemaining()];
                    bytes.read(excerpt);
                    excerpts.add(excerpt);
                }
            }
        }
    }

    /**
     * Write raw excerpts into a new queue, as a forger with file access would.
     */
    static void writeRawExcerpts(final Path directory, final List<byte[]> excerpts)
    {
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).build();
             ExcerptAppender appender = queue.createAppender())
        {
            for (final byte[] excerpt : excerpts)
            {
                try (DocumentContext context = appender.writingDocument())
                {
                    context.wire().bytes().write(excerpt);
                }
            }
        }
    }

    /**
     * Recompute the chain over raw excerpts independently of {@link HashChain}.
     *
     * @return the chain head after the last excerpt, 64 hex digits.
     */
    static String independentChainHead(final List<byte[]> excerpts)
    {
        try
        {
            byte[] head = new byte[JournalEntryDescriptor.CHAIN_LENGTH];
            for (final byte[] excerpt : excerpts)
            {
                final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                sha256.update(head);
                sha256.update(excerpt, 0, excerpt.length - JournalEntryDescriptor.CHAIN_LENGTH);
                head = sha256.digest();
            }
            final StringBuilder hex = new StringBuilder();
            for (final byte b : head)
            {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new AssertionError(ex);
        }
    }

    /**
     * @return the queue's cycle files.
     */
    /**
     * Append {@code OPEN_ACCOUNT} commands straight to a journal, each with a bare decision: for tests of the files.
     *
     * @param journal the journal.
     * @param fromSeq the first command's sequence (and txId, and account id).
     * @param toSeq   the last's.
     */
    static void appendOpenAccounts(final ChronicleJournal journal, final long fromSeq, final long toSeq)
    {
        final Command command = new Command();
        final Decision decision = new Decision();
        for (long seq = fromSeq; seq <= toSeq; seq++)
        {
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = seq;
            command.accountId = seq;
            command.seq = seq;
            command.timestampNs = seq * 1_000L;
            decision.reset(command.seq, command.txId, command.timestampNs);
            journal.append(command, decision);
        }
    }

    static List<Path> cycleFiles(final Path directory)
    {
        try (Stream<Path> files = Files.list(directory))
        {
            return files.filter(file -> file.getFileName().toString().endsWith(".cq4")).sorted().toList();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Flip one byte of a stored excerpt in the queue's files, found by its exact bytes.
     *
     * @param directory the queue.
     * @param excerpt   the excerpt's bytes, as {@link #rawExcerpts(Path)} returned them.
     * @param offset    which byte of the excerpt to flip.
     */
    static void flipByte(final Path directory, final byte[] excerpt, final int offset)
    {
        for (final Path file : cycleFiles(directory))
        {
            try
            {
                final byte[] content = Files.readAllBytes(file);
                final int at = indexOf(content, excerpt);
                if (at >= 0)
                {
                    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
                    {
                        channel.write(ByteBuffer.wrap(new byte[] {(byte)(content[at + offset] ^ 0x01)}), at + offset);
                    }
                    return;
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
        throw new AssertionError("excerpt not found in " + directory);
    }

    private static int indexOf(final byte[] content, final byte[] pattern)
    {
        outer:
        for (int i = 0; i <= content.length - pattern.length; i++)
        {
            for (int j = 0; j < pattern.length; j++)
            {
                if (content[i + j] != pattern[j])
                {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
