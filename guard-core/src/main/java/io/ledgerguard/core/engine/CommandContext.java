package io.ledgerguard.core.engine;

import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;

/**
 * What every room knows of the command being applied: its sequence number and txId, the guard's clock (sequenced
 * time, which only moves forward) and the decision being written. Set by the engine at the start of each command; no
 * room reads a clock of its own.
 */
public final class CommandContext
{
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private long seq;
    private long txId;
    private long nowNs;
    private long nowMs;
    private Decision decision;

    /**
     * Start a command.
     *
     * @param seq      its sequence number.
     * @param txId     its txId.
     * @param nowNs    the guard's clock for it: never earlier than the previous command's.
     * @param decision the decision being written.
     */
    public void begin(final long seq, final long txId, final long nowNs, final Decision decision)
    {
        this.seq = seq;
        this.txId = txId;
        this.nowNs = nowNs;
        this.nowMs = nowNs / NANOS_PER_MILLI;
        this.decision = decision;
    }

    /**
     * The command is decided: no room may write to its decision any more.
     */
    public void end()
    {
        decision = null;
    }

    /**
     * Set the clock without a command: after a snapshot was restored.
     *
     * @param seq   the sequence the snapshot was taken at.
     * @param nowNs the clock it recorded.
     */
    public void restore(final long seq, final long nowNs)
    {
        this.seq = seq;
        this.nowNs = nowNs;
        this.nowMs = nowNs / NANOS_PER_MILLI;
    }

    public long seq()
    {
        return seq;
    }

    public long txId()
    {
        return txId;
    }

    public long nowNs()
    {
        return nowNs;
    }

    public long nowMs()
    {
        return nowMs;
    }

    /**
     * @return the decision of the command being applied.
     */
    public Decision decision()
    {
        assert decision != null : "no command is being applied";
        return decision;
    }

    /**
     * A table has no room for what the command would add: the decision names it.
     *
     * @param table the full table.
     * @return {@link Reason#CAPACITY_EXHAUSTED}.
     */
    public Reason exhausted(final TableKind table)
    {
        decision().exhaustedTable = table;
        return Reason.CAPACITY_EXHAUSTED;
    }
}
