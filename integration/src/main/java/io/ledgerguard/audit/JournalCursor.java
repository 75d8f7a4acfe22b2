package io.ledgerguard.audit;

import java.nio.file.Path;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.journal.JournalReader;

/**
 * A {@link JournalReader} that every audit tool reads through, so that they all report a damaged journal alike: the
 * reader checks the queue files first ({@link io.ledgerguard.journal.QueueFileCheck}), and an entry that is missing or
 * unreadable, like one whose chain does not verify, ends the reading with a {@link JournalCorruptException} naming the
 * entry's index.
 */
final class JournalCursor implements AutoCloseable
{
    private final Path directory;
    private final JournalReader reader;
    private long entryIndex = -1;

    private JournalCursor(final Path directory, final JournalReader reader)
    {
        this.directory = directory;
        this.reader = reader;
    }

    /**
     * @param directory the journal.
     * @return a cursor before the journal's first entry.
     * @throws JournalFormatException  when the directory is missing or is not a journal.
     * @throws JournalCorruptException when a damaged queue file leaves no entry to read.
     */
    static JournalCursor open(final Path directory)
    {
        // The tools that replay from the first command refuse an anchored journal themselves (refuseAnchor), naming it.
        return new JournalCursor(directory, JournalReader.open(directory).allowingAnchor());
    }

    /**
     * Read and verify the next entry after the header.
     *
     * @param command  receives a command entry's command.
     * @param decision receives its recorded decision.
     * @return the entry's kind, or -1 at the end of the journal.
     * @throws JournalFormatException  when the first entry is not a journal header of this version.
     * @throws JournalCorruptException at the first entry that is missing, unreadable or fails verification.
     */
    int next(final Command command, final Decision decision)
    {
        final int kind;
        try
        {
            kind = reader.nextEntry(command, decision);
        }
        catch (final JournalCorruptException | JournalFormatException ex)
        {
            throw ex;
        }
        catch (final InternalError | RuntimeException ex)
        {
            // The files changed since they were checked (a fault on a mapped page past a file's end), or the queue
            // itself cannot read them.
            throw new JournalCorruptException(directory.toString(), Math.max(0, reader.entries() - 1),
                "unreadable at or just after this entry: " + ex);
        }
        if (kind >= 0)
        {
            entryIndex = reader.entries() - 1;
        }
        return kind;
    }

    /**
     * For a tool that replays a journal from its first command into a fresh guard: a journal that begins at an anchor
     * (a cluster node seeded from the cluster's snapshot) holds no command before it, so the replay would start from
     * the wrong state.
     *
     * @param kind the kind of the entry just read.
     * @param tool the tool, to name.
     * @throws AuditException when it is the journal's anchor.
     */
    void refuseAnchor(final int kind, final String tool)
    {
        if (kind == io.ledgerguard.journal.JournalEntryDescriptor.KIND_ANCHOR)
        {
            throw new AuditException(tool + ": journal " + directory + " begins at an anchor after seq=" +
                reader.anchor().seq() + " (a cluster node seeded from the cluster's snapshot), and this tool replays " +
                "a journal from its first command: run it on another node's journal, or audit verify this one " +
                "(which replays from the snapshot kept beside it)");
        }
    }

    /**
     * @return the index of the entry read last, 0 being the header; -1 before the first.
     */
    long entryIndex()
    {
        return entryIndex;
    }

    /**
     * @return the reader, for its counts, checkpoints and chain head.
     */
    JournalReader reader()
    {
        return reader;
    }

    @Override
    public void close()
    {
        reader.close();
    }
}
