package io.ledgerguard.journal;

/**
 * A journal whose hash chain, sequence or entry layout is broken: the evidence was modified, entries were inserted,
 * deleted or reordered, or an entry is damaged. Names the first bad entry.
 */
public final class JournalCorruptException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final long entryIndex;
    private final String problem;

    /**
     * @param directory  the journal.
     * @param entryIndex index of the first bad entry, 0 being the journal header.
     * @param problem    what is wrong with it.
     */
    public JournalCorruptException(final String directory, final long entryIndex, final String problem)
    {
        super("journal corrupt: directory=" + directory + ", entryIndex=" + entryIndex + ", problem=" + problem);
        this.entryIndex = entryIndex;
        this.problem = problem;
    }

    /**
     * @return index of the first bad entry, 0 being the journal header.
     */
    public long entryIndex()
    {
        return entryIndex;
    }

    /**
     * @return what is wrong with the entry.
     */
    public String problem()
    {
        return problem;
    }
}
