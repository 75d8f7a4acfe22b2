package io.ledgerguard.journal;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

import static io.ledgerguard.journal.JournalEntryDescriptor.CHAIN_LENGTH;

/**
 * The journal's chain head as of the last entry written (or read on opening), with the sequence of the last command
 * entry it covers, for monitors on other threads (the admin server's
 * {@code /status}): one writer, the journal thread, publishes 32 bytes and a sequence under a sequence lock; a reader
 * copies them and retries while a write is under way. Publishing allocates nothing and takes no lock.
 */
final class PublishedChainHead
{
    private static final int READ_ATTEMPTS = 1_000;

    /** Odd while the writer is between its two stores. */
    private final AtomicLong version = new AtomicLong();
    private final byte[] head = new byte[CHAIN_LENGTH];
    private long seq = -1;

    /**
     * Journal thread.
     *
     * @param chain  the bytes holding the chain value.
     * @param offset where it starts.
     * @param seq    the sequence of the last command entry it covers; 0 when none.
     */
    void publish(final byte[] chain, final int offset, final long seq)
    {
        final long before = version.get();
        version.setOpaque(before + 1);
        // The odd version must be visible before any byte below changes.
        VarHandle.storeStoreFence();
        System.arraycopy(chain, offset, head, 0, CHAIN_LENGTH);
        this.seq = seq;
        version.setRelease(before + 2);
    }

    /**
     * Any thread.
     *
     * @param into receives the 32 bytes of the head.
     * @return the sequence of the last command entry the head covers (0 when none); -1 before anything was
     *     published, or when no consistent reading came within a thousand attempts.
     */
    long read(final byte[] into)
    {
        assert into.length >= CHAIN_LENGTH : "into.length=" + into.length;
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++)
        {
            final long before = version.getAcquire();
            if ((before & 1) != 0)
            {
                Thread.onSpinWait();
                continue;
            }
            System.arraycopy(head, 0, into, 0, CHAIN_LENGTH);
            final long read = seq;
            VarHandle.loadLoadFence();
            if (version.getAcquire() == before)
            {
                return read;
            }
        }
        return -1;
    }
}
