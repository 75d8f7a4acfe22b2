package io.ledgerguard.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalEntryDescriptor;
import io.ledgerguard.replay.Replay;
import io.ledgerguard.replay.ReplaySummary;

/**
 * Audit test helpers: journals written from a configuration and a command file (as {@code replay --journal} does),
 * optionally with checkpoints, and raw access to a queue's excerpts and files for tampering with a journal (after
 * {@code JournalFixture} in the journal module's tests).
 */
public final class AuditJournals
{
    /** The repository's examples, seen from the integration module. */
    public static final Path EXAMPLES = Path.of("..", "examples");
    /** The example configuration. */
    public static final Path EXAMPLE_CONFIG = EXAMPLES.resolve("config.yaml");
    /** The example command file: 37 lines, one malformed, so 36 sequenced commands. */
    public static final Path EXAMPLE_COMMANDS = EXAMPLES.resolve("commands.jsonl");

    private AuditJournals()
    {
    }

    /**
     * What writing a journal left: the replay's final state hash and the guard, for comparison.
     */
    public static final class Written
    {
        /** The replay's state hash after the last command. */
        public final String stateHashHex;
        /** The guard the replay applied to, as it was after the last command. */
        public final GuardEngine engine;
        /** Commands sequenced, and so journaled. */
        public final long sequenced;

        Written(final String stateHashHex, final GuardEngine engine, final long sequenced)
        {
            this.stateHashHex = stateHashHex;
            this.engine = engine;
            this.sequenced = sequenced;
        }
    }

    /**
     * Replay a command file into a new journal, writing a checkpoint for every {@code checkpointEvery}-th sequence;
     * each checkpoint is written two commands after its sequence, as a guard writes it once the state hash is known.
     *
     * @param directory       the journal; new or empty.
     * @param config          the configuration file.
     * @param commands        the command file.
     * @param checkpointEvery checkpoint interval, at least 3; 0 for no checkpoints.
     * @return the replay's result.
     */
    public static Written writeJournal(
        final Path directory, final Path config, final Path commands, final long checkpointEvery)
    {
        final Replay replay = new Replay(ConfigLoader.load(config));
        try (ChronicleJournal chronicle = new ChronicleJournal(new ChronicleJournalContext().directory(directory));
            CheckpointingJournal journal = new CheckpointingJournal(chronicle, replay.engine(), checkpointEvery);
            InputStream in = Files.newInputStream(commands))
        {
            replay.journal(journal);
            final ReplaySummary summary = replay.run(in, new StringWriter(), null);
            if (summary.invariantViolation() != null)
            {
                throw new AssertionError(summary.invariantViolation());
            }
            return new Written(summary.stateHash(), replay.engine(), summary.sequenced());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * A journal that asks its Chronicle journal for a checkpoint at every {@code every}-th sequence, with the state
     * hash of the engine the replay applies to (applied before it is journaled), written two commands later.
     */
    private static final class CheckpointingJournal implements Journal
    {
        private static final long DELAY = 2;

        private final ChronicleJournal journal;
        private final GuardEngine engine;
        private final long every;
        private long pendingSeq = -1;

        CheckpointingJournal(final ChronicleJournal journal, final GuardEngine engine, final long every)
        {
            if (every != 0 && every <= DELAY)
            {
                throw new IllegalArgumentException("checkpointEvery must be 0 or > " + DELAY + ", was " + every);
            }
            this.journal = journal;
            this.engine = engine;
            this.every = every;
        }

        @Override
        public void append(final Command command, final Decision decision)
        {
            journal.append(command, decision);
            if (pendingSeq > 0 && command.seq == pendingSeq + DELAY)
            {
                journal.flush();
                pendingSeq = -1;
            }
            if (every > 0 && command.seq % every == 0)
            {
                journal.snapshotTaken(command.seq);
                journal.postCheckpoint(command.seq, engine.stateHash().hex());
                pendingSeq = command.seq;
            }
        }

        @Override
        public void flush()
        {
            journal.flush();
        }

        @Override
        public void close()
        {
            // The Chronicle journal is closed by its owner.
        }
    }

    /**
     * @return every excerpt of a queue, as raw bytes, in order.
     */
    public static List<byte[]> rawExcerpts(final Path directory)
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
    public static void writeRawExcerpts(final Path directory, final List<byte[]> excerpts)
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
     * @param excerpt a raw excerpt.
     * @return its entry kind, {@link JournalEntryDescriptor#KIND_COMMAND} and so on.
     */
    public static byte kind(final byte[] excerpt)
    {
        return excerpt[JournalEntryDescriptor.KIND_OFFSET];
    }

    /**
     * @param excerpt a raw excerpt.
     * @return its entry's seq.
     */
    public static long seq(final byte[] excerpt)
    {
        return ByteBuffer.wrap(excerpt).order(ByteOrder.LITTLE_ENDIAN).getLong(JournalEntryDescriptor.SEQ_OFFSET);
    }

    /**
     * @return the index of the command entry of a sequence.
     */
    public static int commandEntry(final List<byte[]> excerpts, final long seq)
    {
        for (int i = 1; i < excerpts.size(); i++)
        {
            if (kind(excerpts.get(i)) == JournalEntryDescriptor.KIND_COMMAND && seq(excerpts.get(i)) == seq)
            {
                return i;
            }
        }
        throw new AssertionError("no command entry for seq=" + seq);
    }

    /**
     * @return the indices of the checkpoint entries, in order.
     */
    public static List<Integer> checkpointEntries(final List<byte[]> excerpts)
    {
        final List<Integer> indices = new ArrayList<>();
        for (int i = 1; i < excerpts.size(); i++)
        {
            if (kind(excerpts.get(i)) == JournalEntryDescriptor.KIND_CHECKPOINT)
            {
                indices.add(i);
            }
        }
        return indices;
    }

    /**
     * Recompute every entry's chain value, as a forger who rewrites the journal from the first change on would.
     */
    public static void reseal(final List<byte[]> excerpts)
    {
        try
        {
            byte[] head = new byte[JournalEntryDescriptor.CHAIN_LENGTH];
            for (final byte[] excerpt : excerpts)
            {
                final int hashed = excerpt.length - JournalEntryDescriptor.CHAIN_LENGTH;
                final MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
                sha256.update(head);
                sha256.update(excerpt, 0, hashed);
                head = sha256.digest();
                System.arraycopy(head, 0, excerpt, hashed, JournalEntryDescriptor.CHAIN_LENGTH);
            }
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new AssertionError(ex);
        }
    }

    /**
     * @return the chain value stored in an excerpt, 64 hex digits.
     */
    public static String chainHex(final byte[] excerpt)
    {
        final StringBuilder hex = new StringBuilder();
        for (int i = excerpt.length - JournalEntryDescriptor.CHAIN_LENGTH; i < excerpt.length; i++)
        {
            hex.append(String.format("%02x", excerpt[i]));
        }
        return hex.toString();
    }

    /**
     * Overwrite ASCII text inside an excerpt.
     */
    public static void putAscii(final byte[] excerpt, final int offset, final String text)
    {
        final byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, excerpt, offset, bytes.length);
    }

    /**
     * @return the queue's cycle files.
     */
    public static List<Path> cycleFiles(final Path directory)
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
     * @return the offset in the (single) cycle file where an excerpt's bytes are stored; its 4-byte header is just
     *         before.
     */
    public static long offsetInFile(final Path directory, final byte[] excerpt)
    {
        final List<Path> files = cycleFiles(directory);
        if (files.size() != 1)
        {
            throw new AssertionError("expected one cycle file, found " + files);
        }
        try
        {
            final int at = indexOf(Files.readAllBytes(files.get(0)), excerpt);
            if (at < 0)
            {
                throw new AssertionError("excerpt not found in " + files.get(0));
            }
            return at;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Cut the (single) cycle file short, as a damaged disk or a careless copy would.
     */
    public static void truncateCycleFile(final Path directory, final long length)
    {
        final List<Path> files = cycleFiles(directory);
        if (files.size() != 1)
        {
            throw new AssertionError("expected one cycle file, found " + files);
        }
        try (FileChannel channel = FileChannel.open(files.get(0), StandardOpenOption.WRITE))
        {
            channel.truncate(length);
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
    public static void flipByte(final Path directory, final byte[] excerpt, final int offset)
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
