package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.List;

import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.wire.DocumentContext;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;

import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_LENGTH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BYTE_ORDER;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHAIN_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_CHAIN_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_DROPPED_ENTRIES_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_DROPPED_FIRST_SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_DROPPED_LAST_SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_LAST_ENTRY_INDEX_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_NOTE_LENGTH_MAX;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_NOTE_LENGTH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_NOTE_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.ENTRY_LENGTH_MAX;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_COMMAND;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_CUT;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.TIMESTAMP_OFFSET;

/**
 * {@code audit repair}: writes a new journal directory holding a damaged journal's entries up to a sequence, byte for
 * byte, closed by a cut entry that records the cut ({@link JournalEntryDescriptor#KIND_CUT}): the last sequence kept
 * and its chain value, what was dropped after it (the whole entries that could be read, and their sequences), the
 * damage that ended the reading, and when. The damaged journal is evidence: it is only read, with plain reads
 * ({@link JournalReader#openFiles(Path)}), so that a file Chronicle Queue would not open is read up to its damage.
 * <p>
 * Nothing kept is re-chained: the entries are copied with their chain values, the cut entry chains on the last, and
 * so every chain value and checkpoint published up to the cut verifies in the new journal as in the old. The new
 * journal is written under a temporary name beside the target, synced, verified whole, and only then renamed into
 * place, so a target directory that exists is a finished repair.
 */
public final class JournalRepair
{
    private static final String TEMPORARY_SUFFIX = ".repairing";

    private JournalRepair()
    {
    }

    /**
     * Repair a journal into a new directory.
     *
     * @param source           the damaged journal; never written to.
     * @param truncateAfterSeq the last command to keep, 0 to keep only the header.
     * @param target           the new journal's directory: it must not exist, or be empty.
     * @param nowNs            when the repair runs, nanoseconds since the epoch: the cut entry's time.
     * @return what was kept and dropped.
     * @throws IllegalArgumentException when the sequence is negative or beyond the journal, or the target is taken.
     * @throws JournalFormatException   when the source is not a journal of this version.
     * @throws JournalCorruptException  when the source is damaged before the sequence: it names the last good one.
     */
    public static Result repair(final Path source, final long truncateAfterSeq, final Path target, final long nowNs)
    {
        if (truncateAfterSeq < 0)
        {
            throw new IllegalArgumentException("--truncate-after must be >= 0, was " + truncateAfterSeq);
        }
        checkTarget(source, target);
        final Path temporary = target.resolveSibling(target.getFileName() + TEMPORARY_SUFFIX);
        if (Files.exists(temporary))
        {
            throw new IllegalArgumentException("a repair's temporary directory is in the way: " + temporary +
                " (left by a repair that stopped): remove it, or choose another --out");
        }
        final RollCycle rollCycle = rollCycleOf(QueueFileCheck.cycleFiles(source));
        final Result result;
        try
        {
            result = copy(source, truncateAfterSeq, temporary, rollCycle, nowNs);
            if (result.anchorSeq > 0)
            {
                keepAnchorSnapshot(source, temporary, result.anchorSeq);
            }
            try (JournalReader reader = JournalReader.open(temporary).allowingAnchor())
            {
                reader.verifyAll();
                assert reader.lastSeq() == result.lastSeq : "kept seq=" + reader.lastSeq() + ", cut=" + result.lastSeq;
                assert reader.cuts().size() > 0 : "the cut entry is the last entry";
                result.chainHeadHex = reader.chainHeadHex();
                result.cutEntryIndex = reader.entries() - 1;
            }
            if (Files.exists(target))
            {
                Files.delete(target);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            forceDirectory(target.toAbsolutePath().getParent());
        }
        catch (final IOException ex)
        {
            deleteQuietly(temporary);
            throw new UncheckedIOException("repair into " + target + " failed", ex);
        }
        catch (final RuntimeException | Error ex)
        {
            deleteQuietly(temporary);
            throw ex;
        }
        result.target = target;
        return result;
    }

    /**
     * A journal that begins at an anchor is verified by a replay from the snapshot at the anchor's seq, kept beside
     * it: copied with it, when the source has it.
     */
    private static void keepAnchorSnapshot(final Path source, final Path into, final long anchorSeq)
        throws IOException
    {
        final Path file = SnapshotStore.inJournal(source).directory().resolve(SnapshotStore.fileName(anchorSeq));
        if (Files.exists(file))
        {
            SnapshotStore.inJournal(into).keep(Files.readAllBytes(file), anchorSeq);
        }
    }

    private static Result copy(
        final Path source, final long truncateAfterSeq, final Path into, final RollCycle rollCycle, final long nowNs)
    {
        final Result result = new Result(source, truncateAfterSeq);
        final byte[] bytes = new byte[ENTRY_LENGTH_MAX];
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalReader reader = JournalReader.openFiles(source).allowingAnchor();
            ChronicleQueue queue = ChronicleQueue.singleBuilder(into).rollCycle(rollCycle).syncMode(SyncMode.SYNC)
                .timeProvider(new MonotonicClock(SystemTimeProvider.INSTANCE))
                .build();
            ExcerptAppender appender = queue.createAppender())
        {
            if (!reader.readHeader())
            {
                throw new JournalCorruptException(source.toString(), 0, "the journal holds no entry, not even its " +
                    "header: nothing can be kept");
            }
            write(appender, bytes, reader.copyEntry(bytes));
            result.lastEntryIndex = 0;
            result.lastChainHeadHex = reader.chainHeadHex();
            boolean cutting = truncateAfterSeq == 0;
            long damagedEntry = -1;
            while (true)
            {
                final int kind;
                try
                {
                    kind = reader.nextEntry(command, decision);
                }
                catch (final JournalCorruptException ex)
                {
                    result.damage = "entry " + ex.entryIndex() + ": " + ex.problem();
                    damagedEntry = ex.entryIndex();
                    break;
                }
                catch (final JournalFormatException ex)
                {
                    result.damage = ex.getMessage();
                    break;
                }
                if (kind < 0)
                {
                    break;
                }
                if (kind == JournalEntryDescriptor.KIND_ANCHOR && truncateAfterSeq > 0 &&
                    truncateAfterSeq < reader.anchor().seq())
                {
                    throw new IllegalArgumentException("--truncate-after " + truncateAfterSeq + " is before the " +
                        "anchor of journal " + source + " at seq " + reader.anchor().seq() + " (a cluster node's " +
                        "journal, seeded from the cluster's snapshot, holds no command before it): cut at " +
                        reader.anchor().seq() + " or later");
                }
                cutting |= kind == KIND_COMMAND && command.seq > truncateAfterSeq;
                if (kind == JournalEntryDescriptor.KIND_ANCHOR && !cutting)
                {
                    result.anchorSeq = reader.anchor().seq();
                }
                // The genesis (SPEC §13) precedes every command and is always kept: the rules the kept part was
                // decided under.
                if (!cutting || kind == JournalEntryDescriptor.KIND_RULES)
                {
                    write(appender, bytes, reader.copyEntry(bytes));
                    result.lastEntryIndex = reader.entries() - 1;
                    result.lastChainHeadHex = reader.chainHeadHex();
                    result.lastSeq = reader.lastSeq();
                    continue;
                }
                result.droppedEntries++;
                if (kind == KIND_COMMAND)
                {
                    result.droppedFirstSeq = result.droppedFirstSeq == 0 ? command.seq : result.droppedFirstSeq;
                    result.droppedLastSeq = command.seq;
                }
            }
            if (damagedEntry >= 0)
            {
                countUnverified(source, damagedEntry, result);
            }
            if (result.lastSeq < truncateAfterSeq)
            {
                throw result.damage == null ?
                    new IllegalArgumentException("--truncate-after " + truncateAfterSeq + " is beyond journal " +
                        source + ", whose last command is seq=" + result.lastSeq + ": nothing to cut") :
                    new JournalCorruptException(source.toString(), result.lastEntryIndex + 1, "cannot keep up to " +
                        "seq=" + truncateAfterSeq + ": the journal is damaged before it, after seq=" + result.lastSeq +
                        " (" + result.damage + "); keep at most up to seq=" + result.lastSeq);
            }
            result.timestampNs = nowNs;
            writeCut(appender, bytes, result);
            appender.sync();
        }
        return result;
    }

    /**
     * Count the whole entries from a damaged one on as dropped, with the sequences their commands record: past the
     * damage nothing can be verified, but what is there to read is stated.
     */
    private static void countUnverified(final Path source, final long fromEntry, final Result result)
    {
        final byte[] bytes = new byte[ENTRY_LENGTH_MAX];
        try (QueueFileWalker walker = new QueueFileWalker(QueueFileCheck.cycleFiles(source)))
        {
            int length;
            while ((length = walker.next(bytes)) >= 0)
            {
                if (walker.entries() - 1 < fromEntry)
                {
                    continue;
                }
                result.droppedEntries++;
                if (length >= SEQ_OFFSET + Long.BYTES && bytes[KIND_OFFSET] == KIND_COMMAND)
                {
                    final long seq = QueueFileWalker.littleEndianLong(bytes, SEQ_OFFSET);
                    result.droppedFirstSeq = result.droppedFirstSeq == 0 ? seq : Math.min(result.droppedFirstSeq, seq);
                    result.droppedLastSeq = Math.max(result.droppedLastSeq, seq);
                }
            }
        }
    }

    private static void write(final ExcerptAppender appender, final byte[] entry, final int length)
    {
        try (DocumentContext context = appender.writingDocument())
        {
            context.wire().bytes().write(entry, 0, length);
        }
    }

    private static void writeCut(final ExcerptAppender appender, final byte[] bytes, final Result result)
    {
        final byte[] note = ascii("source=" + result.source + (result.damage == null ? "; no damage found after " +
            "the cut" : "; then: " + result.damage));
        final int bodyLength = CUT_NOTE_OFFSET + note.length;
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        java.util.Arrays.fill(bytes, 0, JournalEntryDescriptor.entryLength(bodyLength), (byte)0);
        buffer.putByte(KIND_OFFSET, KIND_CUT);
        buffer.putInt(BODY_LENGTH_OFFSET, bodyLength, BYTE_ORDER);
        buffer.putLong(SEQ_OFFSET, result.lastSeq, BYTE_ORDER);
        buffer.putLong(TIMESTAMP_OFFSET, result.timestampNs, BYTE_ORDER);
        buffer.putBytes(BODY_OFFSET + CUT_CHAIN_OFFSET, result.lastChainHeadHex.getBytes(StandardCharsets.US_ASCII));
        buffer.putLong(BODY_OFFSET + CUT_LAST_ENTRY_INDEX_OFFSET, result.lastEntryIndex, BYTE_ORDER);
        buffer.putLong(BODY_OFFSET + CUT_DROPPED_ENTRIES_OFFSET, result.droppedEntries, BYTE_ORDER);
        buffer.putLong(BODY_OFFSET + CUT_DROPPED_FIRST_SEQ_OFFSET, result.droppedFirstSeq, BYTE_ORDER);
        buffer.putLong(BODY_OFFSET + CUT_DROPPED_LAST_SEQ_OFFSET, result.droppedLastSeq, BYTE_ORDER);
        buffer.putShort(BODY_OFFSET + CUT_NOTE_LENGTH_OFFSET, (short)note.length, BYTE_ORDER);
        buffer.putBytes(BODY_OFFSET + CUT_NOTE_OFFSET, note);
        final HashChain chain = new HashChain();
        final byte[] head = new byte[CHAIN_LENGTH];
        for (int i = 0; i < CHAIN_LENGTH; i++)
        {
            head[i] = (byte)Integer.parseInt(result.lastChainHeadHex.substring(2 * i, 2 * i + 2), 16);
        }
        chain.reset(head, 0);
        chain.seal(bytes, BODY_OFFSET + bodyLength);
        write(appender, bytes, JournalEntryDescriptor.entryLength(bodyLength));
    }

    /**
     * @return the text as ASCII, anything else as '?', at most {@link JournalEntryDescriptor#CUT_NOTE_LENGTH_MAX}
     *         bytes.
     */
    private static byte[] ascii(final String text)
    {
        final int length = Math.min(text.length(), CUT_NOTE_LENGTH_MAX);
        final byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            final char c = text.charAt(i);
            bytes[i] = (byte)(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return bytes;
    }

    private static void checkTarget(final Path source, final Path target)
    {
        final Path sourcePath = source.toAbsolutePath().normalize();
        final Path targetPath = target.toAbsolutePath().normalize();
        if (targetPath.startsWith(sourcePath) || sourcePath.startsWith(targetPath))
        {
            throw new IllegalArgumentException("--out " + target + " must be a new directory outside journal " +
                source + ": the damaged journal is evidence and is never written to");
        }
        if (!Files.exists(target))
        {
            return;
        }
        if (!Files.isDirectory(target))
        {
            throw new IllegalArgumentException("--out " + target + " is a file: give a new directory");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target))
        {
            if (entries.iterator().hasNext())
            {
                throw new IllegalArgumentException("--out " + target + " is not empty: give a new directory");
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list --out " + target, ex);
        }
    }

    /**
     * @return the roll cycle whose file names the journal's cycle files have, so that the new journal rolls alike;
     *         the default one when none matches every name.
     */
    static RollCycle rollCycleOf(final List<Path> cycleFiles)
    {
        for (final RollCycle cycle : RollCycles.all())
        {
            final DateTimeFormatter format = DateTimeFormatter.ofPattern(cycle.format());
            boolean all = !cycleFiles.isEmpty();
            for (final Path file : cycleFiles)
            {
                final String name = file.getFileName().toString();
                final String stem = name.substring(0, name.length() - ".cq4".length());
                try
                {
                    final TemporalAccessor parsed = format.parse(stem);
                    all &= format.format(parsed).equals(stem);
                }
                catch (final java.time.DateTimeException ex)
                {
                    all = false;
                }
            }
            if (all)
            {
                return cycle;
            }
        }
        return ChronicleJournalContext.rollCycleByName(ChronicleJournalContext.ROLL_CYCLE_DEFAULT);
    }

    private static void forceDirectory(final Path directory) throws IOException
    {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    private static void deleteQuietly(final Path directory)
    {
        if (!Files.exists(directory))
        {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(directory))
        {
            for (final Path file : files.sorted(java.util.Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(file);
            }
        }
        catch (final IOException ex)
        {
            // The temporary directory is the repair's own: one left behind is named when the next repair starts.
            System.getLogger(JournalRepair.class.getName()).log(System.Logger.Level.WARNING,
                "cannot remove the repair's temporary directory " + directory + ": " + ex);
        }
    }

    /**
     * What a repair kept and dropped.
     */
    public static final class Result
    {
        private final Path source;
        private final long truncateAfterSeq;
        private Path target;
        private long lastSeq;
        private long lastEntryIndex;
        private String lastChainHeadHex;
        private long droppedEntries;
        private long droppedFirstSeq;
        private long droppedLastSeq;
        private String damage;
        private long timestampNs;
        private long cutEntryIndex;
        private String chainHeadHex;
        /** The seq of the anchor kept, 0 when the journal begins at its first command. */
        private long anchorSeq;

        Result(final Path source, final long truncateAfterSeq)
        {
            this.source = source;
            this.truncateAfterSeq = truncateAfterSeq;
        }

        /**
         * @return the seq of the anchor the new journal begins at (a cluster node's journal), 0 when none.
         */
        public long anchorSeq()
        {
            return anchorSeq;
        }

        /**
         * @return the new journal.
         */
        public Path target()
        {
            return target;
        }

        /**
         * @return the last command kept: the sequence asked for.
         */
        public long lastSeq()
        {
            return lastSeq;
        }

        /**
         * @return the index of the last entry kept.
         */
        public long lastEntryIndex()
        {
            return lastEntryIndex;
        }

        /**
         * @return the chain value of the last entry kept, which the cut entry records.
         */
        public String lastChainHeadHex()
        {
            return lastChainHeadHex;
        }

        /**
         * @return whole entries read after the cut and dropped.
         */
        public long droppedEntries()
        {
            return droppedEntries;
        }

        /**
         * @return the first command dropped, 0 when none could be read.
         */
        public long droppedFirstSeq()
        {
            return droppedFirstSeq;
        }

        /**
         * @return the last command dropped that could be read, 0 when none.
         */
        public long droppedLastSeq()
        {
            return droppedLastSeq;
        }

        /**
         * @return the damage that ended the reading of the source, or {@code null} when it was read to its end.
         */
        public String damage()
        {
            return damage;
        }

        /**
         * @return when the repair ran, nanoseconds since the epoch: the cut entry's time.
         */
        public long timestampNs()
        {
            return timestampNs;
        }

        /**
         * @return the index of the cut entry in the new journal.
         */
        public long cutEntryIndex()
        {
            return cutEntryIndex;
        }

        /**
         * @return the new journal's chain head: the cut entry's chain value.
         */
        public String chainHeadHex()
        {
            return chainHeadHex;
        }

        /**
         * @return the sequence asked for.
         */
        public long truncateAfterSeq()
        {
            return truncateAfterSeq;
        }
    }
}
