package io.ledgerguard.core.pipeline;

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

        JournalHandler(final Journal journal, final AtomicReference<Throwable> failure)
        {
            this.journal = journal;
            this.failure = failure;
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
            catch (final RuntimeException ex)
            {
                // The command is not in the journal: its decision must not be released as made, and the guard
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

        GuardHandler(final GuardEngine engine, final AtomicReference<Throwable> failure)
        {
            this.engine = engine;
            this.failure = failure;
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

        ReleaseHandler(final AlertListener alertListener)
        {
            this.alertListener = alertListener;
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
            final ReplySlot reply = event.reply;
            final DecisionListener listener = event.listener;
            event.reply = null;
            event.listener = null;
            if (alertListener != null)
            {
                for (int i = 0; i < decision.alertCount; i++)
                {
                    final Alert alert = decision.alert(i);
                    alertListener.onAlert(alert);
                }
            }
            if (reply != null)
            {
                reply.complete(decision);
            }
            else if (listener != null)
            {
                listener.onDecision(event.command, decision);
            }
        }
    }

    /**
     * An exception escaping a stage stops the guard: every later command is answered {@link Reason#GUARD_FAILED}
     * rather than left waiting or applied to state that may be inconsistent.
     */
    static final class FailStopHandler implements ExceptionHandler<CommandEvent>
    {
        private final AtomicReference<Throwable> failure;

        FailStopHandler(final AtomicReference<Throwable> failure)
        {
            this.failure = failure;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final CommandEvent event)
        {
            failure.compareAndSet(null, ex);
            event.decision.reason = Reason.GUARD_FAILED;
            event.decision.alertCount = 0;
            System.err.println("ledger-guard: pipeline stage failed at sequence=" + sequence + ": " + ex);
            ex.printStackTrace();
            if (event.reply != null || event.listener != null)
            {
                // A failure in the release stage itself: still answer the caller so that no one waits forever.
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
                    catch (final RuntimeException ignore)
                    {
                        // The listener already failed once for this event.
                    }
                }
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
            System.err.println("ledger-guard: pipeline stage failed at shutdown: " + ex);
        }
    }
}
