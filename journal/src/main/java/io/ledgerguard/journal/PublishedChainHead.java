package io.ledgerguard.journal;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

import static io.ledgerguard.journal.JournalEntryDescriptor.CHAIN_LENGTH;

/**
 * The journal's chain head as of the last entry written (or read on opening), with the sequence of the last command
 * entry it covers, for monitors on other threads (the admin server's {@code /status}): one writer, the journal
 * thread, publishes 32 bytes and a sequence under a sequence lock; a reader copies them and retries while a write is
 * under way. Publishing allocates nothing and takes no lock.
 */
final class PublishedChainHead
{
    /** Spins, then yields (the writer may be descheduled mid-publish on a busy machine), before giving up. */
    private static final int SPINS = 1_000;
    private static final int YIELDS = 10_000;
    /** What {@link #read} returns when no consistent reading came: the writer was publishing throughout. */
    static final long BUSY = -2;

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
     *     published; {@link #BUSY} when no consistent reading came in a thousand spins and ten thousand yields.
     */
    long read(final byte[] into)
    {
        assert into.length >= CHAIN_LENGTH : "into.length=" + into.length;
        for (int attempt = 0; attempt < SPINS + YIELDS; attempt++)
        {
            final long before = version.getAcquire();
            if ((before & 1) != 0)
            {
                if (attempt < SPINS)
                {
                    Thread.onSpinWait();
                }
                else
                {
                    Thread.yield();
                }
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
        return BUSY;
    }
}
