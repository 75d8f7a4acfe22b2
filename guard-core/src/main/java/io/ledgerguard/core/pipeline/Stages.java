package io.ledgerguard.core.pipeline;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;

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
     * J: appends every command to the journal; flushes at the end of each batch of events.
     */
    static final class JournalHandler implements EventHandler<CommandEvent>
    {
        private final Journal journal;
        private final AtomicReference<Throwable> failure;

        private final CountDownLatch started;

        JournalHandler(final Journal journal, final AtomicReference<Throwable> failure, final CountDownLatch started)
        {
            this.journal = journal;
            this.failure = failure;
            this.started = started;
        }

        @Override
        public void onStart()
        {
            started.countDown();
        }

        @Override
        public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
        {
            event.journalFailed = false;
            if (failure.get() != null)
            {
                event.journalFailed = true;
                return;
            }
            try
            {
                journal.append(event.command);
                if (endOfBatch)
                {
                    journal.flush();
                }
            }
            catch (final Throwable ex)
            {
                // The command is not in the journal (an I/O error, or an Error such as the InternalError a mapped
                // file raises when the disk is full): its decision must not be released as made, and the guard
                // stops, since its state may now hold a command the journal does not.
                event.journalFailed = true;
                failure.compareAndSet(null, ex);
            }
        }
    }

    /**
     * G: applies every command to the engine.
     */
    static final class GuardHandler implements EventHandler<CommandEvent>
    {
        private final GuardEngine engine;
        private final AtomicReference<Throwable> failure;

        private final CountDownLatch started;

        GuardHandler(final GuardEngine engine, final AtomicReference<Throwable> failure, final CountDownLatch started)
        {
            this.engine = engine;
            this.failure = failure;
            this.started = started;
        }

        @Override
        public void onStart()
        {
            started.countDown();
        }

        @Override
        public void onEvent(final CommandEvent event, final long sequence, final boolean endOfBatch)
        {
            if (failure.get() != null)
            {
                event.decision.reset(event.command.seq, event.command.txId, event.command.timestampNs);
                event.decision.reason = Reason.GUARD_FAILED;
                return;
            }
            engine.apply(event.command, event.decision);
        }
    }

    /**
     * R: once both J and G are done with an event, hands its decision to its caller and its alerts to the listener.
     */
    static final class ReleaseHandler implements EventHandler<CommandEvent>
    {
        private final AlertListener alertListener;
        private final CountDownLatch started;
        private final AtomicLong alertListenerFailures = new AtomicLong();
        private volatile Thread thread;

        ReleaseHandler(final AlertListener alertListener, final CountDownLatch started)
        {
            this.alertListener = alertListener;
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
            if (event.journalFailed)
            {
                decision.reason = Reason.GUARD_FAILED;
                decision.alertCount = 0;
            }
            // Answer the caller first: nothing below may keep a decision from reaching whoever waits for it.
            answer(event);
            if (alertListener != null)
            {
                for (int i = 0; i < decision.alertCount; i++)
                {
                    final Alert alert = decision.alert(i);
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
            }
        }

        /**
         * Hand the event's decision to its synchronous caller or its listener, once.
         */
        static void answer(final CommandEvent event)
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
                listener.onDecision(event.command, event.decision);
            }
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
     * An exception escaping a stage stops the guard: every later command is answered {@link Reason#GUARD_FAILED}
     * rather than left waiting or applied to state that may be inconsistent. Each stage has its own handler and
     * touches only what that stage owns; only the release stage ever answers a caller.
     */
    static final class FailStopHandler implements ExceptionHandler<CommandEvent>
    {
        private final AtomicReference<Throwable> failure;
        private final Stage stage;

        FailStopHandler(final AtomicReference<Throwable> failure, final Stage stage)
        {
            this.failure = failure;
            this.stage = stage;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final CommandEvent event)
        {
            failure.compareAndSet(null, ex);
            System.err.println("ledger-guard: " + stage + " stage failed at sequence=" + sequence + ": " + ex);
            ex.printStackTrace();
            if (event == null)
            {
                return;
            }
            switch (stage)
            {
                case JOURNAL:
                    // The guard stage may be applying this event now: mark it, and let the release stage answer.
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
                    try
                    {
                        ReleaseHandler.answer(event);
                    }
                    catch (final RuntimeException again)
                    {
                        // The listener failed once already for this event; it has been told all it can be.
                    }
                    break;
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
            System.err.println("ledger-guard: " + stage + " stage failed at shutdown: " + ex);
        }
    }
}
