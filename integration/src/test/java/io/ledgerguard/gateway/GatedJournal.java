package io.ledgerguard.gateway;

import java.util.concurrent.CountDownLatch;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.pipeline.InMemoryJournal;
import io.ledgerguard.core.pipeline.Journal;

/**
 * An in-memory journal whose append waits while a gate is set: nothing is answered until it opens.
 */
final class GatedJournal implements Journal
{
    private final InMemoryJournal journal;
    private volatile CountDownLatch gate;

    GatedJournal(final InMemoryJournal journal)
    {
        this.journal = journal;
    }

    /**
     * @param gate appends wait for it from now on; {@code null} for none.
     */
    void gate(final CountDownLatch gate)
    {
        this.gate = gate;
    }

    /**
     * Open the gate, if one is set, and set none.
     */
    void open()
    {
        final CountDownLatch current = gate;
        gate = null;
        if (current != null)
        {
            current.countDown();
        }
    }

    @Override
    public void append(final Command command, final Decision decision)
    {
        final CountDownLatch current = gate;
        if (current != null)
        {
            try
            {
                current.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        journal.append(command, decision);
    }

    @Override
    public void flush()
    {
        journal.flush();
    }

    @Override
    public void close()
    {
        journal.close();
    }
}
