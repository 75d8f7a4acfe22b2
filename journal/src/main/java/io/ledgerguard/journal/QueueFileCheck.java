package io.ledgerguard.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks a journal's queue files with plain reads before Chronicle Queue opens any of them: every file's header, and
 * that every excerpt lies inside its file.
 * <p>
 * Why: Chronicle Queue maps its files. Given an empty file, or one whose header was never completed, it waits for
 * another process to write the header, then renames the file to {@code *.discard} and starts an empty one; given a
 * file cut inside its header it reads a shorter, or an empty, journal; and since it preallocates its files, the end
 * of the data is where the next excerpt header reads as zero, so a file cut at an entry boundary reads as a valid,
 * shorter journal (its chain verifies), and one cut inside a page makes a mapped read fault. Each would lose
 * acknowledged decisions, or hang, without a word. Here each is found and named: the file, the bytes, the first entry
 * missing, the last whole entry before it, and what to do.
 * <p>
 * The check costs a few reads per file: each file's header records where its last excerpt starts, and only the
 * excerpts from there on are read. When that finds a problem, every file is walked entry by entry
 * ({@link QueueFileWalker}) to name the first entry missing. {@link ChronicleJournal} refuses to open a damaged
 * journal; {@link JournalReader} reads up to the damage and then throws, so that the audit tools show what comes
 * before it.
 */
public final class QueueFileCheck
{
    /** Chronicle Queue's metadata file: its bookkeeping, no entries. */
    static final String METADATA_FILE = "metadata.cq4t";

    /**
     * What is wrong with a queue file.
     */
    public enum Problem
    {
        /** The file has no bytes. */
        EMPTY,
        /** The file's header was never completed: its first word is 0 or "not complete". */
        NO_HEADER,
        /** The file ends inside its header. */
        CUT_HEADER,
        /** The file is not a Chronicle Queue file of the kind its name says. */
        FOREIGN,
        /** The file ends where the next excerpt's header starts. */
        CUT_AT_EXCERPT,
        /** The file ends inside an entry. */
        CUT_INSIDE_ENTRY,
        /** The file ends inside Chronicle's index data, between entries. */
        CUT_INSIDE_INDEX
    }

    private QueueFileCheck()
    {
    }

    /**
     * Check every queue file of a journal directory.
     *
     * @param directory a journal directory holding only queue files ({@link JournalDirectory}).
     * @return the first damage, or {@code null} when every file is whole.
     * @throws JournalFormatException when a queue file is not a Chronicle Queue file.
     */
    public static Damage check(final Path directory)
    {
        final Path metadata = directory.resolve(METADATA_FILE);
        if (Files.exists(metadata))
        {
            final Damage damage = checkMetadata(metadata);
            if (damage != null)
            {
                return foreignRefused(directory, damage);
            }
        }
        final List<Path> files = cycleFiles(directory);
        for (final Path file : files)
        {
            if (excerptsReadToCheck(file) < 0)
            {
                return foreignRefused(directory, walk(files));
            }
        }
        return null;
    }

    /**
     * @param directory a journal directory.
     * @return its cycle files ({@code *.cq4}), in cycle order: Chronicle names them by date and time, most
     *         significant first, so their names sort as their cycles do.
     */
    static List<Path> cycleFiles(final Path directory)
    {
        try (Stream<Path> files = Files.list(directory))
        {
            return files.filter(file -> file.getFileName().toString().endsWith(".cq4") && Files.isRegularFile(file))
                .sorted().toList();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot list journal directory: directory=" + directory, ex);
        }
    }

    /**
     * Walk every entry of every cycle file.
     *
     * @return the first damage; {@code null} when there is none.
     */
    private static Damage walk(final List<Path> files)
    {
        final byte[] entry = new byte[JournalEntryDescriptor.ENTRY_LENGTH_MAX];
        try (QueueFileWalker walker = new QueueFileWalker(files))
        {
            while (walker.next(entry) >= 0)
            {
                assert walker.entries() > 0 : "an entry was read";
            }
            return walker.damage();
        }
    }

    private static Damage foreignRefused(final Path directory, final Damage damage)
    {
        if (damage != null && damage.problem == Problem.FOREIGN)
        {
            throw (JournalFormatException)damage.exception(directory.toString());
        }
        return damage;
    }

    /**
     * The quick check of one cycle file: its header, then the excerpts from the last one its header records.
     *
     * @param file a cycle file.
     * @return the excerpts read, or -1 when that finds a problem (the caller then walks every file to name it).
     */
    static long excerptsReadToCheck(final Path file)
    {
        try (QueueFileReader reader = new QueueFileReader(file))
        {
            final QueueFileWalker.FileHeader header =
                QueueFileWalker.readFileHeader(reader, QueueFileWalker.CYCLE_FILE_TYPE);
            if (header.problem != null)
            {
                return -1;
            }
            final long length = reader.length();
            final long recorded = header.writePosition;
            long position = header.dataStart;
            if (recorded > position && (recorded & (QueueFileWalker.HEADER_BYTES - 1)) == 0)
            {
                if (recorded + QueueFileWalker.HEADER_BYTES > length)
                {
                    return -1;
                }
                final int word = reader.intAt(recorded);
                if (word != 0 && (word & QueueFileWalker.NOT_COMPLETE) == 0)
                {
                    position = recorded;
                }
            }
            return excerptsWhole(reader, position);
        }
    }

    /**
     * @return the excerpts from {@code from} on, when every one lies inside the file; -1 when one does not.
     */
    private static long excerptsWhole(final QueueFileReader reader, final long from)
    {
        final long length = reader.length();
        long position = from;
        long excerpts = 0;
        while (true)
        {
            if (position + QueueFileWalker.HEADER_BYTES > length)
            {
                return -1;
            }
            final int word = reader.intAt(position);
            if (word == 0 || word == QueueFileWalker.END_OF_DATA || (word & QueueFileWalker.NOT_COMPLETE) != 0)
            {
                return excerpts;
            }
            final long end = position + QueueFileWalker.HEADER_BYTES + (word & QueueFileWalker.LENGTH_MASK);
            if (end > length)
            {
                return -1;
            }
            position = QueueFileWalker.align(end);
            excerpts++;
        }
    }

    private static Damage checkMetadata(final Path file)
    {
        try (QueueFileReader reader = new QueueFileReader(file))
        {
            final QueueFileWalker.FileHeader header =
                QueueFileWalker.readFileHeader(reader, QueueFileWalker.METADATA_FILE_TYPE);
            if (header.problem != null)
            {
                return new Damage(header.problem, file, reader.length(), header.end, header.end, 0, -1, 0, null,
                    false).found(header.found);
            }
            if (excerptsWhole(reader, header.dataStart) < 0)
            {
                return new Damage(Problem.CUT_INSIDE_INDEX, file, reader.length(), header.dataStart,
                    reader.length(), 0, -1, 0, null, false);
            }
            return null;
        }
    }

    /**
     * A damaged queue file: which, how, and what it costs.
     */
    public static final class Damage
    {
        private final Problem problem;
        private final Path file;
        private final long fileLength;
        private final long from;
        private final long to;
        private final long entryIndex;
        private final long lastWholeEntryIndex;
        private final long lastWholeSeq;
        private final Path lastWholeFile;
        private final boolean newestFile;
        private String found;

        Damage(
            final Problem problem, final Path file, final long fileLength, final long from, final long to,
            final long entryIndex, final long lastWholeEntryIndex, final long lastWholeSeq, final Path lastWholeFile,
            final boolean newestFile)
        {
            assert entryIndex == lastWholeEntryIndex + 1 || lastWholeEntryIndex == -1 :
                "entryIndex=" + entryIndex + ", lastWholeEntryIndex=" + lastWholeEntryIndex;
            this.problem = problem;
            this.file = file;
            this.fileLength = fileLength;
            this.from = from;
            this.to = to;
            this.entryIndex = entryIndex;
            this.lastWholeEntryIndex = lastWholeEntryIndex;
            this.lastWholeSeq = lastWholeSeq;
            this.lastWholeFile = lastWholeFile;
            this.newestFile = newestFile;
        }

        Damage found(final String found)
        {
            this.found = found;
            return this;
        }

        /**
         * @return what is wrong.
         */
        public Problem problem()
        {
            return problem;
        }

        /**
         * @return the damaged file.
         */
        public Path file()
        {
            return file;
        }

        /**
         * @return the index of the first entry that cannot be read, 0 being the journal header.
         */
        public long entryIndex()
        {
            return entryIndex;
        }

        /**
         * @return the index of the last whole entry before the damage, -1 when there is none.
         */
        public long lastWholeEntryIndex()
        {
            return lastWholeEntryIndex;
        }

        /**
         * @return the sequence of the last whole command before the damage, 0 when there is none.
         */
        public long lastWholeSeq()
        {
            return lastWholeSeq;
        }

        /**
         * @return what is wrong, where, and the last whole entry before it: for an operator.
         */
        public String problemText()
        {
            final String name = file.getFileName().toString();
            return what(name) + (name.equals(METADATA_FILE) ? "" : "; " + lastWhole());
        }

        /**
         * @return what an operator can do about it.
         */
        public String remedyText()
        {
            return remedy(file.getFileName().toString());
        }

        /**
         * @param directory the journal, for the message.
         * @return the exception to throw: {@link JournalFormatException} for a file that is not a queue file,
         *         {@link JournalCorruptException} naming the first entry lost otherwise.
         */
        public RuntimeException exception(final String directory)
        {
            if (problem == Problem.FOREIGN)
            {
                return new JournalFormatException("not a ledger-guard journal: directory=" + directory + ", file=" +
                    file.getFileName() + " is not a Chronicle Queue file: found " + found + ", expected=a header of " +
                    "type " + (file.getFileName().toString().equals(METADATA_FILE) ?
                    QueueFileWalker.METADATA_FILE_TYPE : QueueFileWalker.CYCLE_FILE_TYPE) +
                    "; move it out of the journal directory");
            }
            return new JournalCorruptException(directory, entryIndex, problemText(), remedyText());
        }

        private String what(final String name)
        {
            switch (problem)
            {
                case EMPTY:
                    return "queue file " + name + " is empty (0 bytes)";
                case NO_HEADER:
                    return "queue file " + name + " has no header (its first word is " + found + "): its creation " +
                        "never completed";
                case CUT_HEADER:
                    return "queue file " + name + " is cut inside its header: it is " + fileLength + " bytes long, " +
                        (to > fileLength ? "its header ends at byte " + to : "shorter than a header's length word");
                case CUT_AT_EXCERPT:
                    return "queue file " + name + " ends at byte " + fileLength + ", where the header of entry " +
                        entryIndex + " (or the file's end marker) starts at byte " + from + ": the file was cut " +
                        "short after entry " + (entryIndex - 1) + ", entries from " + entryIndex + " on are missing";
                case CUT_INSIDE_ENTRY:
                    return "queue file " + name + " ends at byte " + fileLength + ", inside entry " + entryIndex +
                        " (bytes " + from + ".." + to + "): the file was cut short, entry " + entryIndex +
                        " and any after it are missing";
                case CUT_INSIDE_INDEX:
                default:
                    return "queue file " + name + " ends at byte " + fileLength + ", inside Chronicle's index " +
                        "data (bytes " + from + ".." + to + ")" + (name.equals(METADATA_FILE) ? "" : " before entry " +
                        entryIndex + ": the file was cut short, entries from " + entryIndex + " on are missing");
            }
        }

        private String lastWhole()
        {
            return lastWholeEntryIndex < 0 ? "no entry before it is whole" : "the last whole entry: index=" +
                lastWholeEntryIndex + " seq=" + lastWholeSeq + " in " + lastWholeFile.getFileName();
        }

        private String remedy(final String name)
        {
            final Path directory = file.toAbsolutePath().getParent();
            if (name.equals(METADATA_FILE))
            {
                return "it holds no entry, only Chronicle Queue's bookkeeping: move it out of the journal directory " +
                    "(keep it) and start again; Chronicle Queue rebuilds it from the cycle files";
            }
            final String repair = lastWholeEntryIndex < 0 ? "restore " + name + " from a copy: no entry before it " +
                "can be kept" : "restore " + name + " from a copy, or write the journal up to the last whole entry " +
                "into a new directory and serve from that: ledger-guard audit repair " + directory +
                " --truncate-after " + lastWholeSeq + " --out NEWDIR";
            if (newestFile && (problem == Problem.EMPTY || problem == Problem.NO_HEADER))
            {
                return "if a process stopped while creating this newest file, nothing in it was acknowledged: move " +
                    "it out of the journal directory (keep it) and start again; if it held entries, " + repair;
            }
            return repair;
        }

        @Override
        public String toString()
        {
            return problemText() + "; " + remedyText();
        }
    }
}
