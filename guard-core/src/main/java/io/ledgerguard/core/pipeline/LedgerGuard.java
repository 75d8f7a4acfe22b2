package io.ledgerguard.core.pipeline;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;

import org.agrona.concurrent.EpochNanoClock;

import io.ledgerguard.core.AssetCounters;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;

/**
 * The guard embedded with its own ring-buffer pipeline (SPEC §8), for many producer threads:
 * <pre>
 *   producers --> ring --> 1. journal (J) || 2. guard (G) --> 3. release (R)
 * </pre>
 * Producers claim a slot, copy their command in and stamp its sequence and time. J appends it to the journal while G
 * applies it; R runs only once both are done with an event, so a decision is never released before its command is
 * in the journal. Submitting allocates nothing in steady state: ring slots and per-thread reply slots are reused.
 * <p>
 * When the ring is full a producer waits ({@link BackPressure#BLOCK}) or is refused with {@link Reason#RING_FULL}
 * ({@link BackPressure#REJECT}); a refused command was not sequenced. {@link #close()} stops accepting commands,
 * drains every one already accepted, and only then stops the stages. An exception in a stage stops the guard:
 * every later command is answered {@link Reason#GUARD_FAILED}.
 */
public final class LedgerGuard implements AutoCloseable
{
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 30;

    private final GuardEngine engine;
    private final PipelineContext context;
    private final Disruptor<CommandEvent> disruptor;
    private final RingBuffer<CommandEvent> ring;
    private final EpochNanoClock clock;
    private final long seqBase;
    private final int replySpins;
    private final boolean rejectWhenFull;
    private final ThreadLocal<ReplySlot> replySlots = ThreadLocal.withInitial(ReplySlot::new);
    private final ThreadLocal<Decision> refusals = ThreadLocal.withInitial(Decision::new);
    private final AtomicInteger producersInside = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean closed;

    /**
     * Build and start the pipeline around an engine. The engine then belongs to the guard stage's thread.
     *
     * @param engine  the state machine.
     * @param context how to build the pipeline; concluded here.
     */
    public LedgerGuard(final GuardEngine engine, final PipelineContext context)
    {
        this.engine = engine;
        this.context = context.conclude();
        this.clock = context.clock();
        this.seqBase = context.firstSeq() - 1;
        this.replySpins = context.replySpins();
        this.rejectWhenFull = context.backPressure() == BackPressure.REJECT;

        disruptor = new Disruptor<>(
            CommandEvent::new, context.ringSize(), context.threadFactory(), ProducerType.MULTI,
            context.waitStrategy().create());
        disruptor.setDefaultExceptionHandler(new Stages.FailStopHandler(failure));
        // 1. journal (J) || 2. guard (G) -> 3. release (R)
        disruptor
            .handleEventsWith(
                new Stages.JournalHandler(context.journal(), failure),
                new Stages.GuardHandler(engine, failure))
            .then(new Stages.ReleaseHandler(context.alertListener()));
        ring = disruptor.start();
    }

    /**
     * Submit a command and wait for its decision.
     * <p>
     * The returned decision belongs to the calling thread and is overwritten by its next submit: copy what must
     * outlive that. The command is copied into the ring and may be reused at once.
     *
     * @param command the command; its {@code seq} and {@code timestampNs} are assigned by sequencing.
     * @return the decision.
     */
    public Decision submit(final Command command)
    {
        final ReplySlot reply = replySlots.get();
        final long seq = publish(command, reply, null);
        if (seq < 0)
        {
            return refusal(command, Reason.fromCode((int)-seq));
        }
        return reply.await(seq, replySpins);
    }

    /**
     * Submit a command without waiting; its decision reaches the listener on the release thread.
     *
     * @param command  the command; copied into the ring.
     * @param listener receives the decision; reuse one instance to submit without allocating.
     * @return the sequence assigned, or minus the code of the reason it was refused ({@link Reason#RING_FULL},
     *     {@link Reason#GUARD_CLOSED}, {@link Reason#GUARD_FAILED}); a refused command never reaches the listener.
     */
    public long submitAsync(final Command command, final DecisionListener listener)
    {
        return publish(command, null, listener);
    }

    private long publish(final Command command, final ReplySlot reply, final DecisionListener listener)
    {
        producersInside.incrementAndGet();
        try
        {
            if (closed)
            {
                return -Reason.GUARD_CLOSED.code();
            }
            if (failure.get() != null)
            {
                return -Reason.GUARD_FAILED.code();
            }
            final long sequence;
            if (rejectWhenFull)
            {
                try
                {
                    sequence = ring.tryNext();
                }
                catch (final InsufficientCapacityException ex)
                {
                    // Disruptor throws a preallocated instance: no allocation here.
                    return -Reason.RING_FULL.code();
                }
            }
            else
            {
                sequence = ring.next();
            }
            final CommandEvent event = ring.get(sequence);
            try
            {
                event.command.copyFrom(command);
                event.command.seq = seqBase + sequence + 1;
                event.command.timestampNs = clock.nanoTime();
                event.reply = reply;
                event.listener = listener;
            }
            finally
            {
                // A claimed slot must always be published, or every stage would wait on it forever.
                ring.publish(sequence);
            }
            return event.command.seq;
        }
        finally
        {
            producersInside.decrementAndGet();
        }
    }

    private Decision refusal(final Command command, final Reason reason)
    {
        final Decision decision = refusals.get();
        decision.reset(0, command.txId, 0);
        decision.reason = reason;
        return decision;
    }

    /**
     * @return the engine's per-asset figures, readable from any thread.
     */
    public AssetCounters counters()
    {
        return engine.counters();
    }

    /**
     * @return the number of commands sequenced so far.
     */
    public long sequenced()
    {
        return ring.getCursor() + 1;
    }

    /**
     * @return free ring slots right now.
     */
    public long remainingCapacity()
    {
        return ring.remainingCapacity();
    }

    /**
     * @return the ring size.
     */
    public int ringSize()
    {
        return context.ringSize();
    }

    /**
     * @return the failure that stopped the guard, or {@code null} while it is healthy.
     */
    public Throwable failure()
    {
        return failure.get();
    }

    /**
     * Stop accepting commands, wait until every accepted one has been journaled, applied and released, then stop
     * the stages and close the journal. Idempotent.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        // A producer that passed the closed check is publishing now; its command must be drained too.
        while (producersInside.get() > 0)
        {
            Thread.onSpinWait();
        }
        try
        {
            disruptor.shutdown(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final TimeoutException ex)
        {
            disruptor.halt();
            throw new IllegalStateException("pipeline did not drain within " + SHUTDOWN_TIMEOUT_SECONDS + "s", ex);
        }
        finally
        {
            context.journal().close();
        }
    }
}
