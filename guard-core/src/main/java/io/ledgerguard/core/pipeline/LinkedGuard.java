package io.ledgerguard.core.pipeline;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;

/**
 * The guard linked into its caller (SPEC §8, "linked into the matching engine"): the caller's own thread sequences
 * each command, applies it and appends it to the journal with its decision. No ring, no other thread, no hand-off:
 * a command costs the rules and the journal's append, nothing more.
 * <pre>
 *   caller --> sequence, stamp --> GuardEngine.apply --> Journal.append --> (commit) --> decision
 * </pre>
 * <b>One thread.</b> A linked guard belongs to the thread that calls it, as the engine does: a matching engine's event
 * loop, for example. Several producers need the {@link LedgerGuard pipeline} instead.
 * <p>
 * <b>Acknowledgement.</b> A decision may be acted on once its command is in the journal as durably as the journal
 * promises. By default ({@link #commitEvery(int) commitEvery} 1) every {@link #apply(Command)} commits before it
 * returns. With a journal that syncs to the device ({@code os} durability) that is one sync a command; group commit
 * amortises it: with {@code commitEvery(0)} the caller applies a batch of commands, then calls {@link #commit()} once
 * and acts on the batch's decisions only when it returns true (with {@code commitEvery(n)}, every n-th apply commits
 * too). With {@code process} durability the append alone survives the process being killed, and a commit costs
 * nothing.
 * <p>
 * <b>Failure.</b> As in the pipeline, a failure that can lose a command stops the guard: the journal throwing, or the
 * engine throwing (its state may then be half-applied). The command that met it, and every later one, is answered
 * {@link Reason#GUARD_FAILED}: not acknowledged, outcome unknown until recovery, which rebuilds the state from the
 * journal. A commit that fails returns false: no decision since the last good commit is acknowledged. The first
 * such decision raises {@link io.ledgerguard.core.AlertType#GUARD_STOPPED} once.
 * <p>
 * <b>Snapshots</b> are taken by a {@code JournalFollower} (journal module), a second engine on a thread of its own that
 * tails the journal: the caller never pauses for one. A {@link SnapshotTrigger} may be given instead, which copies the
 * state on the caller's thread.
 * <p>
 * Applying allocates nothing, takes no lock and reads the clock once, to stamp the command; the journal's append
 * does its I/O.
 */
public final class LinkedGuard implements AutoCloseable
{
    private final GuardEngine engine;
    private final Journal journal;
    private final EpochNanoClock clock;
    private final AlertListener alertListener;
    private final SnapshotTrigger snapshots;
    private final Decision decision = new Decision();
    private final Alert stopped = new Alert();
    private int commitEvery = 1;
    private long nextSeq;
    private int uncommitted;
    private Throwable failure;
    private boolean stoppedRaised;
    private boolean closed;
    private Thread owner;

    /**
     * @param engine        the state machine, recovered from the journal when it is not new; it then belongs to the
     *                      caller's thread.
     * @param journal       where every command goes with its decision; not closed by the guard.
     * @param firstSeq      the sequence of the first command applied: 1 for a new journal, one past the last
     *                      recovered otherwise.
     * @param alertListener told of every alert on the caller's thread, after the decision that raised it; it must not
     *                      block (an {@link AlertDispatcher} hands them to sinks on a thread of its own); may be
     *                      {@code null}: the decision carries its alerts anyway.
     */
    public LinkedGuard(final GuardEngine engine, final Journal journal, final long firstSeq,
        final AlertListener alertListener)
    {
        this(engine, journal, firstSeq, alertListener, null, new OffsetEpochNanoClock());
    }

    /**
     * As {@link #LinkedGuard(GuardEngine, Journal, long, AlertListener)}, with a snapshot trigger run after every
     * command on the caller's thread, and the clock that stamps commands.
     *
     * @param snapshots copies the state for a snapshot when it decides to; {@code null} for none.
     * @param clock     stamps each command's {@code timestampNs}, epoch nanoseconds.
     */
    public LinkedGuard(final GuardEngine engine, final Journal journal, final long firstSeq,
        final AlertListener alertListener, final SnapshotTrigger snapshots, final EpochNanoClock clock)
    {
        if (engine == null || journal == null || clock == null)
        {
            throw new IllegalArgumentException("an engine, a journal and a clock are required");
        }
        if (firstSeq < 1)
        {
            throw new IllegalArgumentException("firstSeq must be >= 1, was " + firstSeq);
        }
        this.engine = engine;
        this.journal = journal;
        this.clock = clock;
        this.alertListener = alertListener;
        this.snapshots = snapshots;
        this.nextSeq = firstSeq;
    }

    /**
     * @param commands commit after every this many applied commands; 1 (the default) commits each before
     *                 {@link #apply(Command)} returns; 0 commits only when {@link #commit()} is called.
     * @return this guard.
     */
    public LinkedGuard commitEvery(final int commands)
    {
        if (commands < 0)
        {
            throw new IllegalArgumentException("commitEvery must be >= 0, was " + commands);
        }
        this.commitEvery = commands;
        return this;
    }

    /**
     * Sequence, apply and journal one command on the calling thread.
     *
     * @param command the command; its {@code seq} and {@code timestampNs} are assigned here, in place.
     * @return the decision: the guard's, and overwritten by the next call; copy what must outlive it. A command whose
     *     shape the guard cannot hold is refused unsequenced ({@code seq} 0) with the reason of
     *     {@link Command#checkShape()}.
     */
    public Decision apply(final Command command)
    {
        final Thread current = Thread.currentThread();
        if (current != owner)
        {
            bind(current);
        }
        if (closed || failure != null)
        {
            return refuse(command, closed ? Reason.GUARD_CLOSED : Reason.GUARD_FAILED, 0);
        }
        final Reason shape = command.checkShape();
        if (shape != null)
        {
            return refuse(command, shape, 0);
        }
        final long seq = nextSeq;
        command.seq = seq;
        command.timestampNs = clock.nanoTime();
        try
        {
            engine.apply(command, decision);
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
            return stop(command);
        }
        final boolean snapshotTaken = snapshots != null && snapshots.afterApply(engine, seq);
        try
        {
            journal.append(command, decision);
            if (snapshotTaken)
            {
                journal.snapshotTaken(seq);
            }
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
            return stop(command);
        }
        nextSeq = seq + 1;
        uncommitted++;
        if (commitEvery > 0 && uncommitted >= commitEvery && !commit())
        {
            return stop(command);
        }
        deliverAlerts();
        return decision;
    }

    /**
     * Make every command applied so far as durable as the journal promises (a sync to the device with {@code os}
     * durability): group commit. Decisions applied since the last commit may be acted on once it returns true.
     *
     * @return true when they are; false when the journal failed: the guard has stopped, and none of them is
     *     acknowledged.
     */
    public boolean commit()
    {
        if (failure != null)
        {
            return false;
        }
        if (uncommitted == 0)
        {
            return true;
        }
        try
        {
            journal.flush();
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
            return false;
        }
        uncommitted = 0;
        return true;
    }

    /**
     * @return the engine, for reads between commands on the guard's own thread (positions, counters, state hash).
     */
    public GuardEngine engine()
    {
        return engine;
    }

    /**
     * @return the sequence the next command will get.
     */
    public long nextSeq()
    {
        return nextSeq;
    }

    /**
     * @return what stopped the guard, or {@code null} while it runs.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * Commit what is applied, then take no more commands ({@link Reason#GUARD_CLOSED}). The journal stays open: its
     * owner closes it.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            commit();
            closed = true;
        }
    }

    private Decision stop(final Command command)
    {
        decision.reset(command.seq, command.txId, command.timestampNs);
        decision.reason = Reason.GUARD_FAILED;
        if (alertListener != null && !stoppedRaised)
        {
            stoppedRaised = true;
            stopped.guardStopped(command.seq, command.timestampNs, command.txId);
            deliver(stopped);
        }
        return decision;
    }

    private Decision refuse(final Command command, final Reason reason, final long seq)
    {
        decision.reset(seq, command.txId, 0);
        decision.reason = reason;
        return decision;
    }

    private void deliverAlerts()
    {
        if (alertListener != null)
        {
            for (int i = 0, n = decision.alertCount; i < n; i++)
            {
                deliver(decision.alert(i));
            }
        }
    }

    private void deliver(final Alert alert)
    {
        try
        {
            alertListener.onAlert(alert);
        }
        catch (final RuntimeException ignored)
        {
            // A failing sink must not stop the guard; an AlertDispatcher counts its sinks' failures.
        }
    }

    /**
     * The first command's thread owns the guard, and the journal is handed to it; another thread is refused, always:
     * two threads appending at once would interleave journal entries.
     */
    private void bind(final Thread current)
    {
        if (owner != null)
        {
            throw new IllegalStateException("a linked guard belongs to one thread: " + owner.getName() +
                " applies its commands, " + current.getName() + " may not");
        }
        owner = current;
        journal.handOver();
    }
}
