package io.ledgerguard.core;

/**
 * The outcome of one sequenced command (SPEC §7): {@code {seq, txId, ACCEPTED | REJECTED, reason, timestampNs}}, with
 * the inner reasons of a linked batch and the alerts the command raised. Mutable and reused: a ring slot or a caller's
 * reply slot holds one, overwritten by the next command.
 */
public final class Decision
{
    /** Most alerts one command can raise; more are counted in {@link #alertsDropped}. */
    public static final int ALERTS_MAX = 8;

    public long seq;
    public long txId;
    public long timestampNs;
    public Reason reason = Reason.OK;
    /** True when the txId had been decided before and this is that original decision, returned again (I6). */
    public boolean duplicate;
    /** With {@link Reason#CAPACITY_EXHAUSTED}: the table that was full. */
    public TableKind exhaustedTable;

    /** For a batch: how many inner commands, their ids and their reasons. */
    public int linkedCount;
    public final long[] linkedTxIds = new long[Command.BATCH_COMMANDS_MAX];
    public final Reason[] linkedReasons = new Reason[Command.BATCH_COMMANDS_MAX];

    public int alertCount;
    public int alertsDropped;
    private final Alert[] alerts = new Alert[ALERTS_MAX];

    /**
     * A decision with its alert slots allocated up front.
     */
    public Decision()
    {
        for (int i = 0; i < ALERTS_MAX; i++)
        {
            alerts[i] = new Alert();
        }
    }

    /**
     * @return true when the command was accepted.
     */
    public boolean accepted()
    {
        return reason == Reason.OK;
    }

    /**
     * @param index below {@link #alertCount}.
     * @return the alert.
     */
    public Alert alert(final int index)
    {
        assert index < alertCount : "index=" + index + ", alertCount=" + alertCount;
        return alerts[index];
    }

    /**
     * Begin a decision for a command.
     *
     * @param seq         the command's sequence.
     * @param txId        the command's transaction id.
     * @param timestampNs the command's sequencing time.
     */
    public void reset(final long seq, final long txId, final long timestampNs)
    {
        this.seq = seq;
        this.txId = txId;
        this.timestampNs = timestampNs;
        reason = Reason.OK;
        duplicate = false;
        exhaustedTable = null;
        linkedCount = 0;
        alertCount = 0;
        alertsDropped = 0;
    }

    /**
     * Take the next alert slot, or count a dropped alert when all are used.
     *
     * @return the slot to fill, or {@code null} when the alert was dropped.
     */
    /**
     * Remove alerts {@code [from, to)}, keeping those after them in order. Allocates nothing.
     */
    void removeAlerts(final int from, final int to)
    {
        assert 0 <= from && from <= to && to <= alertCount : "from=" + from + ", to=" + to + ", count=" + alertCount;
        final int removed = to - from;
        if (removed == 0)
        {
            return;
        }
        for (int i = to; i < alertCount; i++)
        {
            alerts[i - removed].copyFrom(alerts[i]);
        }
        alertCount -= removed;
    }

    /**
     * For the engine's alert room: the next alert of this decision, to be filled in.
     *
     * @return the alert, or null when {@link #ALERTS_MAX} are taken (then the drop is counted).
     */
    public Alert nextAlert()
    {
        if (alertCount == ALERTS_MAX)
        {
            alertsDropped++;
            return null;
        }
        return alerts[alertCount++];
    }

    /**
     * Copy another decision into this one, alerts included, without allocating.
     *
     * @param source the decision to copy.
     */
    public void copyFrom(final Decision source)
    {
        seq = source.seq;
        txId = source.txId;
        timestampNs = source.timestampNs;
        reason = source.reason;
        duplicate = source.duplicate;
        exhaustedTable = source.exhaustedTable;
        linkedCount = source.linkedCount;
        System.arraycopy(source.linkedTxIds, 0, linkedTxIds, 0, linkedCount);
        System.arraycopy(source.linkedReasons, 0, linkedReasons, 0, linkedCount);
        alertCount = source.alertCount;
        alertsDropped = source.alertsDropped;
        for (int i = 0; i < alertCount; i++)
        {
            alerts[i].copyFrom(source.alerts[i]);
        }
    }

    @Override
    public String toString()
    {
        return "Decision{seq=" + seq + ", txId=" + txId + ", " + (accepted() ? "ACCEPTED" : "REJECTED") +
            ", reason=" + reason + (duplicate ? ", duplicate" : "") +
            (exhaustedTable != null ? ", table=" + exhaustedTable : "") + ", alerts=" + alertCount + '}';
    }
}
