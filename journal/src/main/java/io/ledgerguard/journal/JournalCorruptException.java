package io.ledgerguard.journal;

/**
 * A journal whose hash chain, sequence or entry layout is broken, or whose queue files are damaged: the evidence was
 * modified, entries were inserted, deleted or reordered, an entry is damaged, or a file was cut short. Names the first
 * bad entry and, where it can, the last good one and what to do.
 */
public final class JournalCorruptException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final long entryIndex;
    private final String problem;
    private final String remedy;

    /**
     * @param directory  the journal.
     * @param entryIndex index of the first bad entry, 0 being the journal header.
     * @param problem    what is wrong with it.
     */
    public JournalCorruptException(final String directory, final long entryIndex, final String problem)
    {
        this(directory, entryIndex, problem, null);
    }

    /**
     * @param directory  the journal.
     * @param entryIndex index of the first bad entry, 0 being the journal header.
     * @param problem    what is wrong with it.
     * @param remedy     the last good entry and what an operator can do, or {@code null}.
     */
    public JournalCorruptException(
        final String directory, final long entryIndex, final String problem, final String remedy)
    {
        super("journal corrupt: directory=" + directory + ", entryIndex=" + entryIndex + ", problem=" + problem +
            (remedy == null ? "" : "; " + remedy));
        this.entryIndex = entryIndex;
        this.problem = problem;
        this.remedy = remedy;
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

    /**
     * @return the last good entry and what an operator can do, or {@code null}.
     */
    public String remedy()
    {
        return remedy;
    }
}
