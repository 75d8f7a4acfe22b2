package io.ledgerguard.core.pipeline;

import java.util.ArrayList;
import java.util.List;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;

/**
 * The in-memory journal keeps the {@link Journal} contract: it keeps commands (not decisions), shows a reader only
 * what was flushed, and refuses an append beyond its byte bound.
 */
class InMemoryJournalContractTest extends JournalContractTest
{
    /** Room for every case, the pipeline's included, before the bound is reached. */
    private static final int BYTES_MAX = 4 << 20;

    @Override
    protected Journal newJournal()
    {
        return new InMemoryJournal(BYTES_MAX, 64 << 10);
    }

    @Override
    protected List<Entry> read(final Journal journal)
    {
        final List<Entry> entries = new ArrayList<>();
        ((InMemoryJournal)journal).forEach(command -> entries.add(new Entry(command, null)));
        return entries;
    }

    @Override
    protected Command refusedAppend(final Journal journal, final long nextSeq)
    {
        // The journal refuses an append once fewer than CommandCodec.ENCODED_LENGTH_MAX bytes are left below bytesMax:
        // fill it with flushed commands up to there.
        long held = 0;
        for (final Entry entry : read(journal))
        {
            held += entry.command.length;
        }
        long seq = nextSeq;
        while (held <= BYTES_MAX - CommandCodec.ENCODED_LENGTH_MAX)
        {
            final Command command = command(seq++);
            held += encode(command).length;
            journal.append(command, decision(command));
            journal.flush();
        }
        return command(seq);
    }
}
