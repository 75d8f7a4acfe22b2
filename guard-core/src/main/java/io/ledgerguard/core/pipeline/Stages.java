package io.ledgerguard.core.pipeline;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.Sequence;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;

/**
 * The three ring-buffer stages and the handler of their failures.
 */
final class Stages
{
    private Stages()
    {
    }

    /**
     * How a stage that others wait on tells them it moved on (issue 15): at the end of each batch, and after a failed
     * event is marked, it publishes its sequence itself (the processor would only after the batch) and signals the
     * wait strategy, so that a downstream stage can block until then instead of parking for a fixed time. Signalling
     * costs an atomic exchange while no stage sleeps ({@link BlockingBackoffWaitStrategy#signalProgress()}). Unused
     * when the stages are fused, and with the other wait strategies.
     */
    static final class Progress
    {
        private Sequence sequence;
        private BlockingBackoffWaitStrategy downstream;

        void sequence(final Sequence sequence)
        {
            this.sequence = sequence;
        }

        void downstream(final BlockingBackoffWaitStrategy downstream)
        {
            this.downstream = downstream;
        }

        /**
         * @param done the stage is done with every event up to this sequence.
         */
        void done(final long done)
        {
            if (downstream != null && sequence != null)
            {
                // Volatile: a waiter that set its flag and then read the sequence is seen by the signal's flag read.
                sequence.setVolatile(done);
                downstream.signalProgress();
            }
        }
    }

    /**
     * J: appends every command, with the guard stage's decision on it, to the journal; flushes at the end of each
     * batch of events.
     */
    static final class JournalHandler implements EventHandler<CommandEvent>
    {
        /** No journal failure yet. */
        static final long NONE = Long.MAX_VALUE;

        private final Journal journal;
        private final boolean durableOnAppend;
        private final AtomicReference<Throwable> failure;
        private final CountDownLatch started;
        /** The ring sequence of the first command that may not be durable, once the journal failed. */
        private final AtomicLong failedFrom = new AtomicLong(NONE);
        /** The last ring sequence flushed: written before this stage's sequence advances past it. */
        private volatile long durableSequence = -1;
        final Progress progress = new Progress();

        JournalHandler(final Journal journal, final AtomicReference<Throwable> failure, final CountDownLatch started)
        {
            this.journal = journal;
            this.durableOnAppend = journal.durableOnAppend();
            this.failure = failure;
            this.started = started;
        }

        @Override
        public void onStart()
        {
            started.countDown();
        }

        @Override
        public void setSequenceCallback(final Sequence sequence)
        {
            progress.sequence(sequence);
        }

        @Override
        public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
        {
            journal(event, sequence, endOfBatch);
            if (endOfBatch)
            {
                progress.done(sequence);
            }
        }

        private void journal(final CommandEvent event, final long sequence, final boolean endOfBatch)
        {
            event.journalFailed = false;
            if (failedFrom.get() != NONE)
            {
                // After a failure nothing more is journaled: what is not in the journal is never acknowledged.
                event.journalFailed = true;
                return;
            }
            if (event.decision.reason == Reason.GUARD_FAILED)
            {
                // The guard stage did not apply this command (the engine failed): recording it would put a decision
                // in the journal that recovery could never reproduce. Make durable what was applied before it, and
                // journal nothing from here on.
                event.journalFailed = true;
                try
                {
                    journal.flush();
                    durableSequence = sequence - 1;
                    failedFrom.compareAndSet(NONE, sequence);
                }
                catch (final Throwable ex)
                {
                    failedFrom.compareAndSet(NONE, durableSequence + 1);
                    failure.compareAndSet(null, ex);
                }
                return;
            }
            try
            {
                journal.append(event.command, event.decision);
                if (event.snapshotTaken)
                {
                    journal.snapshotTaken(event.command.seq);
                }
                if (durableOnAppend)
                {
                    // As durable as the journal promises already: it may be answered without waiting for the batch.
                    durableSequence = sequence;
                }
                if (endOfBatch)
                {
                    journal.flush();
                    durableSequence = sequence;
                }
            }
            catch (final Throwable ex)
            {
                // An I/O error, or an Error such as the InternalError a mapped file raises when the disk is full.
                // Everything after the last successful flush may be lost, the earlier commands of this batch too.
                event.journalFailed = true;
                failedFrom.compareAndSet(NONE, durableSequence + 1);
                failure.compareAndSet(null, ex);
            }
        }

        /**
         * @return the last ring sequence known to be in the journal as durably as it promises.
         */
        long durableSequence()
        {
            return durableSequence;
        }

        /**
         * @return the ring sequence from which commands may not be in the journal, or {@link #NONE}.
         */
        long failedFrom()
        {
            return failedFrom.get();
        }
    }

    /**
     * G: applies every command to the engine, before the journal stage records it with its decision.
     */
    static final class GuardHandler implements EventHandler<CommandEvent>
    {
        private final GuardEngine engine;
        private final JournalHandler journal;
        private final SnapshotTrigger snapshots;
        private final StateQueries queries;
        private final CountDownLatch started;
        /** Set when the engine itself threw: its state may be half-applied, so nothing more is applied. */
        private volatile boolean failed;
        final Progress progress = new Progress();

        GuardHandler(
            final GuardEngine engine,
            final JournalHandler journal,
            final SnapshotTrigger snapshots,
            final StateQueries queries,
            final CountDownLatch started)
        {
            this.engine = engine;
            this.journal = journal;
            this.snapshots = snapshots;
            this.queries = queries;
            this.started = started;
        }

        @Override
        public void onStart()
        {
            started.countDown();
        }

        @Override
        public void setSequenceCallback(final Sequence sequence)
        {
            progress.sequence(sequence);
        }

        @Override
        public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
        {
            apply(event, sequence);
            if (endOfBatch)
            {
                progress.done(sequence);
            }
        }

        private void apply(final CommandEvent event, final long sequence)
        {
            // From a journal failure on nothing more is applied: the state must not run further ahead of the journal,
            // which is what recovery rebuilds it from.
            event.snapshotTaken = false;
            if (failed || sequence >= journal.failedFrom())
            {
                event.decision.reset(event.command.seq, event.command.txId, event.command.timestampNs);
                event.decision.reason = Reason.GUARD_FAILED;
                return;
            }
            engine.apply(event.command, event.decision);
            if (snapshots != null)
            {
                event.snapshotTaken = snapshots.afterApply(engine, event.command.seq);
            }
            queries.serve();
        }

        void markFailed()
        {
            failed = true;
        }
    }

    /**
     * R: once the journal stage (after G) is done with an event, hands its decision to its caller and its alerts to
     * the listener.
     */
    static final class ReleaseHandler implements EventHandler<CommandEvent>
    {
        private final AlertListener alertListener;
        private final JournalHandler journal;
        private final CountDownLatch started;
        private final AtomicLong alertListenerFailures = new AtomicLong();
        private final AtomicLong decisionListenerFailures = new AtomicLong();
        /** The one alert that says the guard stopped, raised with the first decision it could not acknowledge. */
        private final Alert stopped = new Alert();
        private boolean stoppedRaised;
        private volatile Thread thread;

        ReleaseHandler(final AlertListener alertListener, final JournalHandler journal, final CountDownLatch started)
        {
            this.alertListener = alertListener;
            this.journal = journal;
            this.started = started;
        }

        @Override
        public void onStart()
        {
            thread = Thread.currentThread();
            started.countDown();
        }

        @Override
        public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
        {
            final Decision decision = event.decision;
            if (event.journalFailed || sequence > journal.durableSequence())
            {
                // Not (durably) in the journal: never acknowledged, whatever the guard stage decided.
                decision.reason = Reason.GUARD_FAILED;
                decision.alertCount = 0;
            }
            // Answer the caller first: nothing below may keep a decision from reaching whoever waits for it.
            if (!answer(event))
            {
                decisionListenerFailures.incrementAndGet();
            }
            if (alertListener != null)
            {
                for (int i = 0; i < decision.alertCount; i++)
                {
                    deliver(decision.alert(i));
                }
                if (decision.reason == Reason.GUARD_FAILED && !stoppedRaised)
                {
                    stoppedRaised = true;
                    stopped.guardStopped(event.command.seq, event.command.timestampNs, event.command.txId);
                    deliver(stopped);
                }
            }
        }

        private void deliver(final Alert alert)
        {
            try
            {
                alertListener.onAlert(alert);
            }
            catch (final RuntimeException ex)
            {
                // A failing sink must not stop the guard; it is counted and can be watched.
                alertListenerFailures.incrementAndGet();
            }
        }

        /**
         * Hand the event's decision to its synchronous caller or its listener, once.
         *
         * @return false when the listener threw: one caller's bug must not stop the guard for everyone.
         */
        static boolean answer(final CommandEvent event)
        {
            final ReplySlot reply = event.reply;
            final DecisionListener listener = event.listener;
            event.reply = null;
            event.listener = null;
            if (reply != null)
            {
                reply.complete(event.decision);
            }
            else if (listener != null)
            {
                try
                {
                    listener.onDecision(event.command, event.decision);
                }
                catch (final RuntimeException ex)
                {
                    return false;
                }
            }
            return true;
        }

        /**
         * @return how often a decision listener threw.
         */
        long decisionListenerFailures()
        {
            return decisionListenerFailures.get();
        }

        /**
         * @return how often an alert listener threw.
         */
        long alertListenerFailures()
        {
            return alertListenerFailures.get();
        }

        /**
         * @return the release stage's thread, once started.
         */
        Thread thread()
        {
            return thread;
        }
    }

    /**
     * The stage an exception escaped from, which decides who may touch the event.
     */
    enum Stage
    {
        JOURNAL,
        GUARD,
        RELEASE
    }

    /**
     * G, J and R on one thread, each event through all three before the next (issue 15): with a journal that is
     * durable on append ({@code process} durability), a synchronous submit then wakes two threads, this one and the
     * caller, instead of four. The stages' own handlers do the work, so every rule of theirs holds unchanged; nothing
     * waits for the end of a batch to be answered, since the journal handler marks each entry durable as it appends it.
     */
    static final class FusedHandler implements EventHandler<CommandEvent>
    {
        private final GuardHandler guard;
        private final JournalHandler journal;
        private final ReleaseHandler release;
        private final boolean durableOnAppend;
        private final FailStopHandler guardFailed;
        private final FailStopHandler journalFailed;
        private final FailStopHandler releaseFailed;

        FusedHandler(final GuardHandler guard, final JournalHandler journal, final ReleaseHandler release,
            final AtomicReference<Throwable> failure)
        {
            this.guard = guard;
            this.journal = journal;
            this.release = release;
            this.durableOnAppend = journal.durableOnAppend;
            this.guardFailed = new FailStopHandler(failure, Stage.GUARD, guard);
            this.journalFailed = new FailStopHandler(failure, Stage.JOURNAL, guard);
            this.releaseFailed = new FailStopHandler(failure, Stage.RELEASE, guard);
        }

        @Override
        public void onStart()
        {
            guard.onStart();
            journal.onStart();
            release.onStart();
        }

        /**
         * The three stages' work on one event, in their order, each failure handled as the stage's own handler would:
         * so every event is answered, whatever fails.
         */
        @Override
        public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
        {
            try
            {
                guard.onEvent(event, sequence, endOfBatch);
            }
            catch (final Throwable ex)
            {
                guardFailed.handleEventException(ex, sequence, event);
            }
            try
            {
                // A journal that is durable only once flushed is flushed for every event: nothing here waits for a
                // batch to end before it is answered.
                journal.onEvent(event, sequence, endOfBatch || !durableOnAppend);
            }
            catch (final Throwable ex)
            {
                journalFailed.handleEventException(ex, sequence, event);
            }
            try
            {
                release.onEvent(event, sequence, endOfBatch);
            }
            catch (final Throwable ex)
            {
                releaseFailed.handleEventException(ex, sequence, event);
            }
        }
    }

    /**
     * An exception escaping a stage stops the guard: every later command is answered {@link Reason#GUARD_FAILED}
     * rather than left waiting or applied to state that may be inconsistent. Each stage has its own handler and
     * touches only what that stage owns; only the release stage ever answers a caller.
     */
    static final class FailStopHandler implements ExceptionHandler<CommandEvent>
    {
        /**
         * The JDK's platform log: guard-core depends on no logging library, and an application routes this log to
         * its own (the command-line program binds it to SLF4J).
         */
        private static final System.Logger LOGGER = System.getLogger(LedgerGuard.class.getName());

        private final AtomicReference<Throwable> failure;
        private final Stage stage;
        private final GuardHandler guard;
        /** The failing stage's, when stages wait on it: told once the failed event is marked. */
        private final Progress progress;

        FailStopHandler(final AtomicReference<Throwable> failure, final Stage stage, final GuardHandler guard)
        {
            this(failure, stage, guard, null);
        }

        FailStopHandler(
            final AtomicReference<Throwable> failure, final Stage stage, final GuardHandler guard,
            final Progress progress)
        {
            this.failure = failure;
            this.stage = stage;
            this.guard = guard;
            this.progress = progress;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final CommandEvent event)
        {
            failure.compareAndSet(null, ex);
            if (stage == Stage.GUARD)
            {
                guard.markFailed();
            }
            LOGGER.log(System.Logger.Level.ERROR, stage + " stage failed at sequence=" + sequence + ": " + ex, ex);
            if (event == null)
            {
                return;
            }
            switch (stage)
            {
                case JOURNAL:
                    // The guard stage is done with this event: mark it, and let the release stage answer.
                    event.journalFailed = true;
                    break;
                case GUARD:
                    event.decision.reset(event.command.seq, event.command.txId, event.command.timestampNs);
                    event.decision.reason = Reason.GUARD_FAILED;
                    break;
                case RELEASE:
                default:
                    // The release stage failed before answering: answer now, so that no one waits forever.
                    event.decision.reason = Reason.GUARD_FAILED;
                    event.decision.alertCount = 0;
                    ReleaseHandler.answer(event);
                    break;
            }
            if (progress != null)
            {
                // The event is marked: the next stage may take it now, and must not sleep past it.
                progress.done(sequence);
            }
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            failure.compareAndSet(null, ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            LOGGER.log(System.Logger.Level.ERROR, stage + " stage failed at shutdown: " + ex, ex);
        }
    }
}
