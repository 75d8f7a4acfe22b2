package io.ledgerguard.bench;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.pipeline.Journal;

/**
 * A journal stage for load runs: encodes every command as a journal would, into one scratch buffer it overwrites,
 * and keeps nothing, so that a run of any length costs the encoding but no memory. The Chronicle journal's own cost is
 * measured by {@code JournalBenchmark} and {@code PipelineJournalBenchmark}.
 */
final class EncodingJournal implements Journal
{
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[CommandCodec.ENCODED_LENGTH_MAX]);
    private long bytes;

    @Override
    public void append(final Command command, final Decision decision)
    {
        bytes += CommandCodec.encode(command, scratch, 0);
    }

    /**
     * @return true, as a Chronicle journal with {@code process} durability: the pipeline runs as it would with one.
     */
    @Override
    public boolean durableOnAppend()
    {
        return true;
    }

    /**
     * @return bytes encoded so far.
     */
    long bytes()
    {
        return bytes;
    }

    @Override
    public void close()
    {
    }
}
