package io.ledgerguard.journal;

import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

import org.agrona.BitUtil;
import org.agrona.concurrent.UnsafeBuffer;

import com.lmax.disruptor.Sequence;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;

/**
 * Reads a journal ahead of the thread that replays it. A thread of its own reads the entries with a
 * {@link JournalReader} (the copy out of the queue, the SHA-256 chain, every check) and copies the body of each
 * command entry, its command and recorded decision as encoded, into a ring of bytes; the caller decodes them from
 * there and replays them. The reading so runs beside the engine rather than before it, and a replay goes at about
 * the speed of {@code apply}:
 * <pre>
 *   // 1. read-ahead (R): read, verify -> ring of RING_BYTES -> 2. caller (C): decode, replay
 * </pre>
 * The caller sees what the reader on its own thread would show: the journal's commands in order, and the reader's
 * exception ({@link JournalCorruptException}, ...) thrown by {@link #next()} once every command before the entry that
 * failed was handed out. Allocates nothing per command.
 * <p>
 * A record in the ring is {@code [int bodyLength][body]}, aligned to 8 bytes; one that would not fit before the
 * ring's end is preceded by a {@link #PADDING} length there and written from the start. Each side waits for the other
 * by spinning for at most {@link #SPIN_NS_MAX}, then parking until the other has a batch of half the ring for it (or
 * has ended): a wake-up costs a system call, so it is paid once per some hundreds of
 * commands, and a side that waits gives its core up rather than take it from the side it waits for, as on a machine
 * where both share one core. No side parks with a timeout, which sleeps some 50 µs on Linux.
 */
public final class JournalReadAhead implements AutoCloseable
{
    /** Bytes of the ring, a power of two: some 800 commands of an exchange's mix. */
    static final int RING_BYTES = 256 * 1024;
    /** Bytes the caller has replayed before it gives them back to R. */
    static final int RELEASE_BYTES = 4 * 1024;
    /** How long a waiting side spins before it parks. */
    static final long SPIN_NS_MAX = 5_000;
    /** The length that marks the rest of the ring as unused. */
    static final int PADDING = -1;
    private static final int LENGTH_BYTES = 4;
    private static final int ALIGNMENT = 8;
    /** The longest record: a ring must hold four, so that half of it (a batch) holds two. */
    static final int RECORD_LENGTH_MAX =
        BitUtil.align(LENGTH_BYTES + JournalEntryDescriptor.BODY_LENGTH_MAX, ALIGNMENT);
    /** Spins between two reads of the clock. */
    private static final int SPINS_PER_CLOCK_READ = 16;
    /** A wake-up position no side parks for. */
    private static final long NOT_PARKED = Long.MAX_VALUE;

    private final JournalReader reader;
    private final long afterSeq;
    private final int ringBytes;
    private final int mask;
    /** A parked side is woken once this many bytes are ready for it: half the ring. */
    private final int wakeBytes;
    private final byte[] bytes;
    private final UnsafeBuffer ring;
    private final Thread thread;
    /** Bytes R has written: its writes to the ring happen before its release here. */
    private final Sequence published = new Sequence(0);
    /** Bytes C is done with: its reads of the ring happen before its release here. */
    private final Sequence freed = new Sequence(0);
    /** Set by R once it publishes nothing more; {@link #failure} is written before it. */
    private volatile boolean ended;
    private Throwable failure;
    /** Set by C to stop R early. */
    private volatile boolean closing;
    /**
     * The position that wakes a parked side, {@link #NOT_PARKED} while it runs: {@link #freed} wakes R,
     * {@link #published} wakes C. A side about to park sets it before a full fence and a last look at the position it
     * waits for; the other side reads it after it advanced that position with a volatile write. So one of the two
     * sees the other's write, and no wake-up is lost.
     */
    private volatile long readAheadWakeAt = NOT_PARKED;
    private volatile long callerWakeAt = NOT_PARKED;
    /** The thread that waits in {@link #next()}, written before {@link #callerWakeAt}. */
    private Thread caller;

    // Owned by C.
    private final Command command = new Command();
    private final Decision recorded = new Decision();
    private long head;
    private long publishedSeen;
    private long freedUpTo;
    private boolean handedOut;
    private boolean finished;
    private boolean closed;

    private JournalReadAhead(final JournalReader reader, final long afterSeq, final int ringBytes)
    {
        if (Integer.bitCount(ringBytes) != 1 || ringBytes < 4 * RECORD_LENGTH_MAX)
        {
            throw new IllegalArgumentException("ringBytes=" + ringBytes + " must be a power of two, at least " +
                4 * RECORD_LENGTH_MAX);
        }
        this.reader = reader;
        this.afterSeq = afterSeq;
        this.ringBytes = ringBytes;
        mask = ringBytes - 1;
        wakeBytes = ringBytes / 2;
        assert RELEASE_BYTES < wakeBytes : "RELEASE_BYTES=" + RELEASE_BYTES + ", wakeBytes=" + wakeBytes;
        bytes = new byte[ringBytes];
        ring = new UnsafeBuffer(bytes);
        thread = new Thread(this::run, "ledger-guard-read-ahead");
        thread.setDaemon(true);
    }

    /**
     * Open a journal ({@link JournalReader#open(Path)} and, with a checkpoint,
     * {@link JournalReader#startAfter(JournalReader.Checkpoint)}) and start reading it ahead.
     *
     * @param directory  the journal.
     * @param checkpoint where to start, or {@code null} for the journal's first entry.
     * @param afterSeq   commands up to this sequence are read and verified but not handed out: 0 for all.
     * @return the read-ahead, reading.
     * @throws JournalFormatException  as {@link JournalReader#open(Path)}.
     * @throws JournalCorruptException as {@link JournalReader#open(Path)} and
     *                                 {@link JournalReader#startAfter(JournalReader.Checkpoint)}.
     */
    public static JournalReadAhead start(
        final Path directory, final JournalReader.Checkpoint checkpoint, final long afterSeq)
    {
        return start(directory, checkpoint, afterSeq, RING_BYTES);
    }

    /**
     * As {@link #start(Path, JournalReader.Checkpoint, long)}, with a ring of another size: for tests, which wrap a
     * small ring around many times.
     */
    static JournalReadAhead start(
        final Path directory, final JournalReader.Checkpoint checkpoint, final long afterSeq, final int ringBytes)
    {
        final JournalReader reader = JournalReader.open(directory);
        try
        {
            if (checkpoint != null)
            {
                reader.startAfter(checkpoint);
            }
            // Opened here, so that what opening throws is thrown here; read and closed on other threads.
            reader.shareBetweenThreads();
            final JournalReadAhead readAhead = new JournalReadAhead(reader, afterSeq, ringBytes);
            readAhead.thread.start();
            return readAhead;
        }
        catch (final RuntimeException | Error ex)
        {
            reader.close();
            throw ex;
        }
    }

    /**
     * Decode the next command and its recorded decision; those handed out before are given back.
     *
     * @return false at the end of the journal.
     * @throws JournalCorruptException as {@link JournalReader#next(Command, Decision)}, once every command before the
     *                                 entry that failed was handed out.
     */
    public boolean next()
    {
        if (head - freedUpTo >= RELEASE_BYTES)
        {
            free();
        }
        while (true)
        {
            if (head == publishedSeen && !awaitPublished())
            {
                handedOut = false;
                return false;
            }
            final int offset = (int)head & mask;
            final int bodyLength = ring.getInt(offset);
            if (bodyLength == PADDING)
            {
                head += ringBytes - offset;
                continue;
            }
            final int body = offset + LENGTH_BYTES;
            // R's reader decoded both already, with every check: these cannot fail.
            final int commandLength = CommandCodec.decode(ring, body, command);
            DecisionCodec.decode(ring, body + commandLength, bodyLength - commandLength, command.seq, recorded);
            assert command.seq > afterSeq : "seq=" + command.seq + ", afterSeq=" + afterSeq;
            head += BitUtil.align(LENGTH_BYTES + bodyLength, ALIGNMENT);
            handedOut = true;
            return true;
        }
    }

    /**
     * @return the command {@link #next()} handed out; valid until the next call.
     */
    public Command command()
    {
        assert handedOut : "no command handed out";
        return command;
    }

    /**
     * @return the decision the journal recorded for {@link #command()}; valid until the next call.
     */
    public Decision recorded()
    {
        assert handedOut : "no command handed out";
        return recorded;
    }

    /**
     * @return the reader, once {@link #next()} returned false (or after {@link #close()}): its totals, chain head and
     *         checkpoints.
     */
    public JournalReader reader()
    {
        if (!finished && !closed)
        {
            throw new IllegalStateException("the journal is still being read");
        }
        return reader;
    }

    /**
     * Stop reading, if it has not ended, wait for the read-ahead thread and close the reader.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        closing = true;
        LockSupport.unpark(thread);
        join();
        reader.close();
    }

    /**
     * Give back the bytes replayed so far, and wake R if it parked for want of room and now has a batch.
     */
    private void free()
    {
        freedUpTo = head;
        // Volatile, not only ordered: the read of readAheadWakeAt after it must not move before it.
        freed.setVolatile(head);
        if (head >= readAheadWakeAt)
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * @return false when R ended and every record was handed out.
     */
    private boolean awaitPublished()
    {
        if (finished)
        {
            return false;
        }
        // C waits: give back every byte, and wake R if it parked, however little room that makes.
        free();
        if (readAheadWakeAt != NOT_PARKED)
        {
            LockSupport.unpark(thread);
        }
        int spins = 0;
        long spinStartNs = 0;
        boolean interrupted = false;
        while (true)
        {
            final long published = this.published.get();
            if (published > head)
            {
                publishedSeen = published;
                keepInterrupt(interrupted);
                return true;
            }
            if (ended)
            {
                // R published its last record before it ended: look again before concluding there is none.
                if (this.published.get() > head)
                {
                    continue;
                }
                keepInterrupt(interrupted);
                return end();
            }
            if (spins++ == 0)
            {
                spinStartNs = System.nanoTime();
            }
            if (spinning(spins, spinStartNs))
            {
                continue;
            }
            caller = Thread.currentThread();
            callerWakeAt = head + wakeBytes;
            // Sequence.get() is an acquire read: keep it from moving before the write of callerWakeAt.
            VarHandle.fullFence();
            if (this.published.get() <= head && !ended)
            {
                LockSupport.park(this);
                // park returns at once while the interrupt flag is set: clear it so as not to spin, restore it after.
                interrupted |= Thread.interrupted();
            }
            callerWakeAt = NOT_PARKED;
            spins = 0;
        }
    }

    private static void keepInterrupt(final boolean interrupted)
    {
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * R ended and every record was handed out: rethrow what ended it, if anything.
     *
     * @return false.
     */
    private boolean end()
    {
        finished = true;
        join();
        final Throwable failure = this.failure;
        if (failure instanceof RuntimeException)
        {
            throw (RuntimeException)failure;
        }
        if (failure instanceof Error)
        {
            throw (Error)failure;
        }
        assert failure == null : "a checked exception from the reader: " + failure;
        return false;
    }

    private void join()
    {
        boolean interrupted = false;
        while (thread.isAlive())
        {
            try
            {
                thread.join();
            }
            catch (final InterruptedException ex)
            {
                // R stops at its next entry once closing is set, or at the journal's end: wait for it all the same,
                // so that the reader can be closed when this returns, and keep the interrupt for the caller.
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void run()
    {
        final Command scratchCommand = new Command();
        final Decision scratchDecision = new Decision();
        try
        {
            long tail = 0;
            while (!closing && reader.next(scratchCommand, scratchDecision))
            {
                if (scratchCommand.seq > afterSeq)
                {
                    tail = write(tail);
                }
            }
        }
        catch (final RuntimeException | Error ex)
        {
            failure = ex;
        }
        finally
        {
            ended = true;
            wakeParkedCaller();
        }
    }

    /**
     * Copy the body of the entry the reader read last into the ring, after the room for it, and publish it.
     *
     * @return the new tail, or the old one when closing.
     */
    private long write(final long tail)
    {
        final int bodyLength = reader.lastBodyLength();
        final int recordLength = BitUtil.align(LENGTH_BYTES + bodyLength, ALIGNMENT);
        final int offset = (int)tail & mask;
        final int padding = offset + recordLength > ringBytes ? ringBytes - offset : 0;
        if (!awaitRoom(tail + padding + recordLength))
        {
            return tail;
        }
        if (padding > 0)
        {
            ring.putInt(offset, PADDING);
        }
        final int at = (int)(tail + padding) & mask;
        reader.copyLastBody(bytes, at + LENGTH_BYTES);
        ring.putInt(at, bodyLength);
        final long next = tail + padding + recordLength;
        // Volatile, not only ordered: the read of callerWakeAt after it must not move before it.
        published.setVolatile(next);
        if (next >= callerWakeAt)
        {
            LockSupport.unpark(caller);
        }
        return next;
    }

    private void wakeParkedCaller()
    {
        if (callerWakeAt != NOT_PARKED)
        {
            LockSupport.unpark(caller);
        }
    }

    /**
     * Wait until the ring has room up to a position: spinning, then parked until C frees a batch.
     *
     * @return false when closing.
     */
    private boolean awaitRoom(final long upTo)
    {
        if (upTo - freed.get() <= ringBytes)
        {
            return true;
        }
        // The ring is full: C has records to replay, and must not stay parked waiting for a whole batch.
        wakeParkedCaller();
        int spins = 0;
        long spinStartNs = 0;
        while (!closing)
        {
            if (upTo - freed.get() <= ringBytes)
            {
                return true;
            }
            if (spins++ == 0)
            {
                spinStartNs = System.nanoTime();
            }
            if (spinning(spins, spinStartNs))
            {
                continue;
            }
            readAheadWakeAt = upTo - ringBytes + wakeBytes;
            // Sequence.get() is an acquire read: keep it from moving before the write of readAheadWakeAt.
            VarHandle.fullFence();
            if (upTo - freed.get() > ringBytes && !closing)
            {
                LockSupport.park(this);
            }
            readAheadWakeAt = NOT_PARKED;
            spins = 0;
        }
        return false;
    }

    /**
     * Spin once more, or not when the spinning began {@link #SPIN_NS_MAX} ago.
     *
     * @return false when it is time to park.
     */
    private static boolean spinning(final int spins, final long spinStartNs)
    {
        if (spins % SPINS_PER_CLOCK_READ == 0 && System.nanoTime() - spinStartNs >= SPIN_NS_MAX)
        {
            return false;
        }
        Thread.onSpinWait();
        return true;
    }
}
