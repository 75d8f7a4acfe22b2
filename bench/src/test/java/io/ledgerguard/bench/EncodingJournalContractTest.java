package io.ledgerguard.bench;

import java.util.List;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.core.pipeline.JournalContractTest;

/**
 * The load runs' encoding journal keeps the {@link Journal} contract as far as it goes: it keeps nothing to read and
 * never refuses an append, so the cases about reading and refusing are skipped, and the rest (snapshots, flushes,
 * closing twice, a whole pipeline) run.
 */
class EncodingJournalContractTest extends JournalContractTest
{
    @Override
    protected Journal newJournal()
    {
        return new EncodingJournal();
    }

    @Override
    protected List<Entry> read(final Journal journal)
    {
        // Every command is encoded into one scratch buffer and overwritten by the next.
        return null;
    }

    @Override
    protected Command refusedAppend(final Journal journal, final long nextSeq)
    {
        // Its scratch buffer holds CommandCodec.ENCODED_LENGTH_MAX bytes, the longest encoding of any command.
        return null;
    }
}
