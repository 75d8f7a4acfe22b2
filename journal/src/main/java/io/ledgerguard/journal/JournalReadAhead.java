package io.ledgerguard.journal;

import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.Sequence;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;

/**
 * Reads a journal ahead of the thread that replays it. A thread of its own opens a {@link JournalReader}, verifies
 * each entry's chain value and decodes its command and recorded decision into a ring of slots allocated up front,
 * while the caller replays the slots before it. The copy out of the queue, the SHA-256 of the entry and the decoding
 * so run beside the engine rather than before it, and a replay goes at the speed of {@code apply}:
 * <pre>
 *   // 1. read-ahead (R): read, verify, decode -> ring of SLOTS -> 2. caller (C): replay
 * </pre>
 * The caller sees what a reader on its own thread would show: the journal's commands in order, and the reader's
 * exception ({@link JournalFormatException}, {@link JournalCorruptException}, ...) thrown by {@link #next()} once
 * every command before the entry that failed was handed out. Allocates nothing per command.
 * <p>
 * The read-ahead thread is the faster one and mostly waits for room, which the caller frees {@link #RELEASE_BATCH}
 * slots at a time, so that the two threads exchange a cache line once per batch rather than once per command. A
 * waiting side spins, then yields, then parks until the other side wakes it: never a timed park, which sleeps some
 * 50 µs on Linux, longer than the ring lasts. On a machine with a core to spare the waits end within the spinning
 * and yielding, and no side pays for a wake-up; on a busy one, a side that waits long gives its core up rather than
 * take it from the side it waits for.
 */
public final class JournalReadAhead implements AutoCloseable
{
    /**
     * Slots in the ring, a power of two. A command with room for a whole batch takes about 14 KB; 16 slots are some
     * 16 µs of replay, far more than a hand-over takes, and little to allocate once per replay.
     */
    static final int SLOTS = 16;
    /** Slots the caller frees at once. */
    static final int RELEASE_BATCH = 4;
    /** Spins on an unchanged sequence before a waiting side yields its core. */
    static final int SPINS_MAX = 100;
    /** Then yields before it parks until woken. */
    static final int YIELDS_MAX = 50;
    private static final int MASK = SLOTS - 1;

    private final Path directory;
    private final JournalReader.Checkpoint checkpoint;
    private final long afterSeq;
    private final Command[] commands = new Command[SLOTS];
    private final Decision[] decisions = new Decision[SLOTS];
    private final Thread thread;
    /** The last slot R filled: its writes to the slot happen before its release here. */
    private final Sequence published = new Sequence(-1);
    /** The last slot C is done with: its reads of the slots up to it happen before its release here. */
    private final Sequence freed = new Sequence(-1);
    /** Set by C to stop R early. */
    private volatile boolean closing;
    /** Set by R once it publishes nothing more; {@link #reader} and {@link #failure} are written before it. */
    private volatile boolean ended;
    /**
     * Set by a side about to park, before a full fence and a last look at what it waits for; read by the other side
     * after it changed that with a volatile write. So one of the two sides sees the other's write: no wake-up is lost.
     */
    private volatile boolean readAheadParked;
    private volatile boolean callerParked;
    /** The thread that waits in {@link #next()}, written before {@link #callerParked}. */
    private Thread caller;
    private JournalReader reader;
    private Throwable failure;

    // Owned by C.
    private long handedOut = -1;
    private long publishedSeen = -1;
    private long freedUpTo = -1;

    static
    {
        assert Integer.bitCount(SLOTS) == 1 : "SLOTS=" + SLOTS;
        assert RELEASE_BATCH > 0 && RELEASE_BATCH < SLOTS : "RELEASE_BATCH=" + RELEASE_BATCH + ", SLOTS=" + SLOTS;
    }

    private JournalReadAhead(final Path directory, final JournalReader.Checkpoint checkpoint, final long afterSeq)
    {
        this.directory = directory;
        this.checkpoint = checkpoint;
        this.afterSeq = afterSeq;
        for (int i = 0; i < SLOTS; i++)
        {
            commands[i] = new Command();
            decisions[i] = new Decision();
        }
        thread = new Thread(this::run, "ledger-guard-read-ahead");
        thread.setDaemon(true);
    }

    /**
     * Start reading a journal ahead: {@link JournalReader#open(Path)} and, with a checkpoint,
     * {@link JournalReader#startAfter(JournalReader.Checkpoint)}, on the read-ahead thread; what they throw,
     * {@link #next()} throws.
     *
     * @param directory  the journal.
     * @param checkpoint where to start, or {@code null} for the journal's first entry.
     * @param afterSeq   commands up to this sequence are read and verified but not handed out: 0 for all.
     * @return the read-ahead, reading.
     */
    public static JournalReadAhead start(
        final Path directory, final JournalReader.Checkpoint checkpoint, final long afterSeq)
    {
        final JournalReadAhead readAhead = new JournalReadAhead(directory, checkpoint, afterSeq);
        readAhead.thread.start();
        return readAhead;
    }

    /**
     * Hand out the next command; the one handed out before is given back.
     *
     * @return false at the end of the journal.
     * @throws JournalFormatException  as {@link JournalReader#next(Command, Decision)}, once every command before
     *                                 the entry that failed was handed out.
     * @throws JournalCorruptException likewise.
     */
    public boolean next()
    {
        final long wanted = handedOut + 1;
        if (handedOut - freedUpTo >= RELEASE_BATCH)
        {
            free();
        }
        if (wanted > publishedSeen && !awaitPublished(wanted))
        {
            return false;
        }
        handedOut = wanted;
        return true;
    }

    /**
     * @return the command {@link #next()} handed out; valid until the next call.
     */
    public Command command()
    {
        assert handedOut >= 0 : "no command handed out";
        return commands[(int)handedOut & MASK];
    }

    /**
     * @return the decision the journal recorded for {@link #command()}; valid until the next call.
     */
    public Decision recorded()
    {
        assert handedOut >= 0 : "no command handed out";
        return decisions[(int)handedOut & MASK];
    }

    /**
     * @return the reader, closed, once {@link #next()} returned false (or after {@link #close()}): its totals, chain
     *         head and checkpoints.
     */
    public JournalReader reader()
    {
        if (!ended || thread.isAlive())
        {
            throw new IllegalStateException("the journal is still being read: directory=" + directory);
        }
        return reader;
    }

    /**
     * Stop reading, if it has not ended, and wait for the read-ahead thread, which closes the reader.
     */
    @Override
    public void close()
    {
        closing = true;
        LockSupport.unpark(thread);
        join();
    }

    /**
     * Give back every slot handed out so far (the caller asks for the next one: it is done with them), and wake R if
     * it parked for want of room.
     */
    private void free()
    {
        freedUpTo = handedOut;
        // Volatile, not only ordered: the read of readAheadParked after it must not move before it.
        freed.setVolatile(handedOut);
        if (readAheadParked)
        {
            LockSupport.unpark(thread);
        }
    }

    private boolean awaitPublished(final long wanted)
    {
        // The caller waits: give back every slot handed out, since R may be waiting for room.
        free();
        int idle = 0;
        while (true)
        {
            final long published = this.published.get();
            if (published >= wanted)
            {
                publishedSeen = published;
                return true;
            }
            if (ended)
            {
                // R published its last slot before it ended: read again to be sure it is not this one.
                if (this.published.get() >= wanted)
                {
                    continue;
                }
                join();
                rethrowFailure();
                return false;
            }
            if (idle < SPINS_MAX + YIELDS_MAX)
            {
                idle = idle(idle);
                continue;
            }
            caller = Thread.currentThread();
            callerParked = true;
            // Sequence.get() is an acquire read: keep it from moving before the write of the flag.
            VarHandle.fullFence();
            if (this.published.get() < wanted && !ended)
            {
                LockSupport.park(this);
            }
            callerParked = false;
        }
    }

    private void rethrowFailure()
    {
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
                // so that the reader is closed when this returns, and keep the interrupt for the caller.
                closing = true;
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
        try (JournalReader reader = JournalReader.open(directory))
        {
            this.reader = reader;
            if (checkpoint != null)
            {
                reader.startAfter(checkpoint);
            }
            readAll(reader);
        }
        catch (final RuntimeException | Error ex)
        {
            failure = ex;
        }
        finally
        {
            ended = true;
            wakeCaller();
        }
    }

    private void wakeCaller()
    {
        if (callerParked)
        {
            LockSupport.unpark(caller);
        }
    }

    private void readAll(final JournalReader reader)
    {
        long next = 0;
        long writableUpTo = SLOTS - 1;
        while (!closing)
        {
            if (next > writableUpTo)
            {
                writableUpTo = awaitRoom(next);
                if (writableUpTo < next)
                {
                    return;
                }
            }
            final int slot = (int)next & MASK;
            final Command command = commands[slot];
            if (!reader.next(command, decisions[slot]))
            {
                return;
            }
            if (command.seq > afterSeq)
            {
                // Volatile, not only ordered: the read of callerParked after it must not move before it.
                published.setVolatile(next);
                next++;
                wakeCaller();
            }
        }
    }

    /**
     * @return the last slot R may fill, or less than {@code next} when closing.
     */
    private long awaitRoom(final long next)
    {
        int idle = 0;
        while (!closing)
        {
            final long writableUpTo = freed.get() + SLOTS;
            if (writableUpTo >= next)
            {
                return writableUpTo;
            }
            if (idle < SPINS_MAX + YIELDS_MAX)
            {
                idle = idle(idle);
                continue;
            }
            readAheadParked = true;
            // Sequence.get() is an acquire read: keep it from moving before the write of the flag.
            VarHandle.fullFence();
            if (freed.get() + SLOTS < next && !closing)
            {
                LockSupport.park(this);
            }
            readAheadParked = false;
        }
        return next - 1;
    }

    private static int idle(final int idle)
    {
        if (idle < SPINS_MAX)
        {
            Thread.onSpinWait();
        }
        else
        {
            Thread.yield();
        }
        return idle + 1;
    }
}
