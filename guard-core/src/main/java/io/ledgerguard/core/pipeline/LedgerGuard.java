package io.ledgerguard.core.pipeline;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;

import org.agrona.concurrent.EpochNanoClock;

import io.ledgerguard.core.AssetCounters;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.RulesInForce;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.StateView;

/**
 * The guard embedded with its own ring-buffer pipeline (SPEC §8), for many producer threads:
 * <pre>
 *   producers --> ring --> 1. guard (G) --> 2. journal (J) --> 3. release (R)
 * </pre>
 * Producers claim a slot, copy their command in (or hand it over, {@link #submitAsyncTaking}) and stamp its sequence
 * and time. G applies it; J appends it to the journal with G's decision, and flushes at the end of each batch; R
 * releases a decision only once J has flushed its entry, so a decision is never released before its command is in the
 * journal. With a journal that is durable on append ({@code process} durability) the three stages run fused on one
 * thread by default, each command through G, J and R before the next ({@link PipelineContext#fuseStages(boolean)}): a
 * synchronous submit then wakes two threads, that one and the caller, instead of four. Submitting allocates nothing in
 * steady state: ring slots and per-thread reply slots are reused.
 * <p>
 * When the ring is full a producer waits ({@link BackPressure#BLOCK}) or is refused with {@link Reason#RING_FULL}
 * ({@link BackPressure#REJECT}); a refused command was not sequenced. {@link #close()} stops accepting commands,
 * drains every one already accepted, and only then stops the stages.
 * <p>
 * A failure that can lose a command stops the guard: the journal failing, or the engine throwing. Commands the
 * journal holds durably are still answered with their decisions; every other command, and every later one, is
 * answered {@link Reason#GUARD_FAILED}, which means <em>not acknowledged, outcome unknown until recovery</em>: the
 * command may have reached the journal. Resubmit it after recovery with the same txId, and idempotency (I6) returns
 * its original decision if it was decided. A listener that throws is counted and does not stop the guard. Listeners
 * run on the release thread and must not call {@link #submit(Command)} or {@link #close()} (both refuse).
 */
public final class LedgerGuard implements GuardPort, AutoCloseable
{
    private static final long SHUTDOWN_TIMEOUT_SECONDS = 30;
    private static final long DRAIN_POLL_NS = 100_000;

    private final GuardEngine engine;
    private final StateQueries queries;
    private final PipelineContext context;
    private final Disruptor<CommandEvent> disruptor;
    private final Stages.ReleaseHandler releaseHandler;
    private final Stages.GuardHandler guardHandler;
    private final Stages.JournalHandler journalHandler;
    /** The three stages on one thread, or {@code null} when they run on three. */
    private final Stages.FusedHandler fused;
    /** The handlers whose sequences say how far commands are applied, journaled and released. */
    private final com.lmax.disruptor.EventHandler<CommandEvent> first;
    private final com.lmax.disruptor.EventHandler<CommandEvent> journaled;
    private final com.lmax.disruptor.EventHandler<CommandEvent> last;
    private final RingBuffer<CommandEvent> ring;
    private final EpochNanoClock clock;
    private final long seqBase;
    private final int replySpins;
    private final boolean rejectWhenFull;
    private final ThreadLocal<ReplySlot> replySlots = ThreadLocal.withInitial(ReplySlot::new);
    private final ThreadLocal<Decision> refusals = ThreadLocal.withInitial(Decision::new);
    private final AtomicInteger producersInside = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch drained = new CountDownLatch(1);
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
        this.queries = new StateQueries(engine);
        this.context = context.conclude();
        this.clock = context.clock();
        this.seqBase = context.firstSeq() - 1;
        this.replySpins = context.replySpins();
        this.rejectWhenFull = context.backPressure() == BackPressure.REJECT;

        final com.lmax.disruptor.WaitStrategy waitStrategy = context.waitStrategy().create();
        disruptor = new Disruptor<>(
            CommandEvent::new, context.ringSize(), context.threadFactory(), ProducerType.MULTI, waitStrategy);
        final CountDownLatch started = new CountDownLatch(3);
        journalHandler = new Stages.JournalHandler(context.journal(), failure, started);
        guardHandler = new Stages.GuardHandler(engine, journalHandler, context.snapshotTrigger(), queries, started);
        releaseHandler = new Stages.ReleaseHandler(context.alertListener(), journalHandler, started);
        if (context.fuseStages())
        {
            // G, J and R on one thread (issue 15): the caller and this thread are all a submit wakes.
            fused = new Stages.FusedHandler(guardHandler, journalHandler, releaseHandler, failure);
            if (context.stageHost() != null && waitStrategy instanceof BlockingBackoffWaitStrategy)
            {
                // The one stage thread is the only one to wait on the cursor: it may run a loop while it waits.
                ((BlockingBackoffWaitStrategy)waitStrategy).host(context.stageHost());
            }
            disruptor.handleEventsWith(fused);
            disruptor.handleExceptionsFor(fused)
                .with(new Stages.FailStopHandler(failure, Stages.Stage.RELEASE, guardHandler));
            last = fused;
            first = fused;
            journaled = fused;
        }
        else
        {
            // 1. guard (G) -> 2. journal (J) -> 3. release (R). The journal follows the guard so that one chained
            // entry holds a command and the decision on it; a pipeline's throughput is its slowest stage's either way.
            fused = null;
            // G and J publish their progress and signal the stage that waits on them, which blocks rather than parks.
            if (waitStrategy instanceof BlockingBackoffWaitStrategy)
            {
                final BlockingBackoffWaitStrategy blocking = (BlockingBackoffWaitStrategy)waitStrategy;
                guardHandler.progress.downstream(blocking);
                journalHandler.progress.downstream(blocking);
                blocking.upstreamSignals();
            }
            disruptor.handleEventsWith(guardHandler).then(journalHandler).then(releaseHandler);
            disruptor.handleExceptionsFor(journalHandler)
                .with(new Stages.FailStopHandler(failure, Stages.Stage.JOURNAL, guardHandler, journalHandler.progress));
            disruptor.handleExceptionsFor(guardHandler)
                .with(new Stages.FailStopHandler(failure, Stages.Stage.GUARD, guardHandler, guardHandler.progress));
            disruptor.handleExceptionsFor(releaseHandler)
                .with(new Stages.FailStopHandler(failure, Stages.Stage.RELEASE, guardHandler));
            last = releaseHandler;
            first = guardHandler;
            journaled = journalHandler;
        }
        ring = disruptor.start();
        // Disruptor's processors only count as running once their threads have started; until then a halt would
        // make them exit without processing what is already in the ring. Do not accept commands before that.
        awaitStarted(started);
    }

    /**
     * @return the rules in force (SPEC §13), with the sequences that go with them; readable from any thread, as the
     *     adapters' approval verifiers read them.
     */
    @Override
    public RulesInForce rulesInForce()
    {
        return engine.rulesInForce();
    }

    private void awaitStarted(final CountDownLatch started)
    {
        try
        {
            if (!started.await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                disruptor.halt();
                throw new IllegalStateException(
                    "pipeline stages did not start within " + SHUTDOWN_TIMEOUT_SECONDS + "s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            disruptor.halt();
            throw new IllegalStateException("interrupted while starting the pipeline", ex);
        }
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
        if (Thread.currentThread() == releaseHandler.thread())
        {
            // The release thread answers every caller, itself included: it would wait for itself forever.
            throw new IllegalStateException("submit() called from a decision or alert listener, on the release " +
                "thread; use submitAsync");
        }
        final ReplySlot reply = replySlots.get();
        final long seq = publish(command, null, 0, reply, null);
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
     *     {@link Reason#GUARD_CLOSED}, {@link Reason#GUARD_FAILED}, or a reason of {@link Command#checkShape()});
     *     a refused command never reaches the listener.
     */
    @Override
    public long submitAsync(final Command command, final DecisionListener listener)
    {
        return publish(command, null, 0, null, listener);
    }

    /**
     * Submit a command without waiting, taking it into the ring instead of copying it: the ring slot's own command
     * comes back in its place, free for the caller's use (the gateway decodes the next request into it).
     *
     * @param commands holds the command at {@code index}; one made with {@code new Command()} is taken, any other
     *                 copied.
     * @param index    where.
     * @param listener receives the decision.
     * @return as {@link #submitAsync(Command, DecisionListener)}; a refused command is not taken.
     */
    @Override
    public long submitAsyncTaking(final Command[] commands, final int index, final DecisionListener listener)
    {
        final Command command = commands[index];
        // Only a command that can hold a batch may take a ring slot's place: an inner one is copied instead.
        return publish(command, command.canHoldBatch() ? commands : null, index, null, listener);
    }

    /**
     * @param exchange when not {@code null}, the command is taken into the slot from {@code exchange[index]}, which
     *                 gets the slot's command back; otherwise the command is copied into the slot.
     */
    private long publish(final Command command, final Command[] exchange, final int index, final ReplySlot reply,
        final DecisionListener listener)
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
            // A command whose lengths or counts it cannot hold would fail half-way through the copy into a slot
            // that must be published anyway: refuse it here, unsequenced.
            final Reason shape = command.checkShape();
            if (shape != null)
            {
                return -shape.code();
            }
            final long sequence;
            // The release thread must never wait for ring space: only it can free that space.
            if (rejectWhenFull || Thread.currentThread() == releaseHandler.thread())
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
            // Computed before publishing: once published, the slot may be consumed and reused by another producer
            // before this thread runs again, and reading the slot's seq then would wait for someone else's reply.
            final long seq = seqBase + sequence + 1;
            try
            {
                if (exchange == null)
                {
                    event.command.copyFrom(command);
                }
                else
                {
                    // Every stage is done with the slot, claimed again only now: its command is nobody's.
                    exchange[index] = event.command;
                    event.command = command;
                }
                event.command.seq = seq;
                event.command.timestampNs = clock.nanoTime();
                event.reply = reply;
                event.listener = listener;
            }
            finally
            {
                // A claimed slot must always be published, or every stage would wait on it forever.
                ring.publish(sequence);
            }
            return seq;
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
     * Wait until the release stage has passed every sequenced command, then halt the stages. Disruptor's own
     * {@code shutdown} busy-spins meanwhile, taking a core the stages need on a small machine.
     */
    private void drain()
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(SHUTDOWN_TIMEOUT_SECONDS);
        final long cursor = ring.getCursor();
        while (disruptor.getSequenceValueFor(last) < cursor)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                disruptor.halt();
                throw new IllegalStateException("pipeline did not drain within " + SHUTDOWN_TIMEOUT_SECONDS +
                    "s: cursor=" + cursor + ", released=" + disruptor.getSequenceValueFor(last));
            }
            LockSupport.parkNanos(DRAIN_POLL_NS);
        }
        disruptor.halt();
    }

    /**
     * Read the guard's state as of one point between two commands, from any thread: the kill switches, the frozen
     * accounts' count, every wallet, and the account the view names. Never delays the guard by more than a lookup
     * or two between commands.
     *
     * @param view      filled in; make one with {@code new StateView(engine)} and reuse it.
     * @param timeoutMs how long to try.
     * @return false when no consistent reading could be had in time (the guard failed in the middle of a command);
     * at once when the guard has failed and the engine is between commands no more.
     */
    public boolean readState(final StateView view, final long timeoutMs)
    {
        // A failed guard may have stopped in the middle of a command: one optimistic attempt, never a wait.
        return queries.read(view, failure.get() != null ? 0 : TimeUnit.MILLISECONDS.toNanos(timeoutMs));
    }

    /**
     * @return commands the guard stage decided that the journal stage has not yet written: the journal's lag.
     */
    public long journalLag()
    {
        return Math.max(0, disruptor.getSequenceValueFor(first) - disruptor.getSequenceValueFor(journaled));
    }

    /**
     * For monitors on any thread (SPEC §8).
     *
     * @param into receives the 32 bytes of the journal's chain head as of its last entry written.
     * @return the sequence of the last command the head covers; -1 when the journal keeps no chain; -2 when the
     *     journal was writing throughout the attempt to read it.
     */
    public long journalChainHead(final byte[] into)
    {
        return context.journal().chainHead(into);
    }

    /**
     * @return a view sized for this guard's configuration, for {@link #readState}.
     */
    public StateView newStateView()
    {
        return new StateView(engine);
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
     * @return how often the alert listener threw; such alerts are lost, the guard goes on.
     */
    public long alertListenerFailures()
    {
        return releaseHandler.alertListenerFailures();
    }

    /**
     * @return how often a decision listener threw; the guard goes on.
     */
    public long decisionListenerFailures()
    {
        return releaseHandler.decisionListenerFailures();
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
        if (Thread.currentThread() == releaseHandler.thread())
        {
            // Draining waits for the release stage, which would be waiting for this call to return.
            throw new IllegalStateException("close() called from a decision or alert listener, on the release thread");
        }
        if (!closing.compareAndSet(false, true))
        {
            // Someone else is closing: return only once the guard is drained, as the first caller does.
            awaitDrained();
            return;
        }
        closed = true;
        try
        {
            // A producer that passed the closed check is publishing now; its command must be drained too.
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(SHUTDOWN_TIMEOUT_SECONDS);
            while (producersInside.get() > 0)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("producers still publishing after " + SHUTDOWN_TIMEOUT_SECONDS +
                        "s: count=" + producersInside.get());
                }
                LockSupport.parkNanos(DRAIN_POLL_NS);
            }
            drain();
        }
        finally
        {
            try
            {
                context.journal().close();
            }
            finally
            {
                drained.countDown();
            }
        }
    }

    private void awaitDrained()
    {
        try
        {
            if (!drained.await(2 * SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("pipeline still closing after " + 2 * SHUTDOWN_TIMEOUT_SECONDS + "s");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the pipeline to close", ex);
        }
    }
}
