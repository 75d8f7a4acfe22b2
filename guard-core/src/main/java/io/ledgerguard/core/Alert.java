package io.ledgerguard.core;

/**
 * An alert (SPEC §7), raised on the guard thread in the same step as the decision that caused it. Instances are
 * preallocated in each {@link Decision} and overwritten by the next command: copy what must outlive it.
 */
public final class Alert
{
    /** {@link #node} outside a cluster. */
    public static final int NO_NODE = -1;
    /** {@link #term} outside a cluster. */
    public static final long NO_TERM = -1;

    public long seq;
    public long timestampNs;
    public long txId;
    public AlertType type;
    public AlertScope scope;
    /** The asset id, or 0 when the scope is wider than an asset. */
    public int assetId;
    /** The wallet id, or 0. */
    public long walletId;
    /** The account id, or 0. */
    public long accountId;
    /**
     * The cluster node that published the alert (SPEC §10): the member id of the leader that applied the command, or
     * of the node that raised an alert of its own. {@link #NO_NODE} outside a cluster. Not part of the decision: every
     * node raises the same alerts, and the journal and the decision's encoding leave this out.
     */
    public int node = NO_NODE;
    /**
     * The leadership term of the log the node applied the command from (its current term for an alert of its own), or
     * {@link #NO_TERM} outside a cluster and on a node that has not yet heard of a term.
     */
    public long term = NO_TERM;
    private final long[] figures = new long[AlertType.FIGURES_MAX];

    /**
     * @param index of a figure, in {@link AlertType#figureName(int)} order.
     * @return the figure.
     */
    public long figure(final int index)
    {
        assert index < type.figureCount() : "figure " + index + " of " + type;
        return figures[index];
    }

    /**
     * Start the alert: for the engine's alert room, which raises every alert of a decision.
     *
     * @param seq         the seq of the command that raised it.
     * @param timestampNs the guard's clock.
     * @param txId        the command's txId.
     * @param type        what it is.
     * @param scope       what it concerns.
     * @param assetId     the asset, 0 for none.
     * @param walletId    the wallet, 0 for none.
     * @param accountId   the account, 0 for none.
     */
    public void set(
        final long seq,
        final long timestampNs,
        final long txId,
        final AlertType type,
        final AlertScope scope,
        final int assetId,
        final long walletId,
        final long accountId)
    {
        this.seq = seq;
        this.timestampNs = timestampNs;
        this.txId = txId;
        this.type = type;
        this.scope = scope;
        this.assetId = assetId;
        this.walletId = walletId;
        this.accountId = accountId;
        node = NO_NODE;
        term = NO_TERM;
        figures[0] = 0;
        figures[1] = 0;
        figures[2] = 0;
        figures[3] = 0;
    }

    /**
     * Set a figure: for the engine's alert room, which names each figure it sets.
     *
     * @param index in {@link AlertType#figureName(int)} order.
     * @param value the figure.
     */
    public void figure(final int index, final long value)
    {
        figures[index] = value;
    }

    /**
     * Say which cluster node publishes the alert, and in which leadership term: set by the node after the decision,
     * as the command's seq and figures are the same on every node and these are not.
     *
     * @param node its member id.
     * @param term its leadership term, {@link #NO_TERM} when it has heard of none.
     */
    public void raisedBy(final int node, final long term)
    {
        assert node >= 0 : "node=" + node;
        this.node = node;
        this.term = term;
    }

    /**
     * Make this an {@link AlertType#ALERTS_DROPPED} alert.
     *
     * @param seq          the seq of the last alert delivered before the drops were noticed.
     * @param timestampNs  its time.
     * @param dropped      alerts dropped since the previous such alert.
     * @param droppedTotal alerts dropped since the start.
     */
    public void dropped(final long seq, final long timestampNs, final long dropped, final long droppedTotal)
    {
        set(seq, timestampNs, 0, AlertType.ALERTS_DROPPED, AlertScope.ALL, 0, 0, 0);
        figures[0] = dropped;
        figures[1] = droppedTotal;
    }

    /**
     * Make this an {@link AlertType#GUARD_STOPPED} alert.
     *
     * @param seq         the first command answered {@code GUARD_FAILED}.
     * @param timestampNs its time.
     * @param txId        its txId.
     */
    public void guardStopped(final long seq, final long timestampNs, final long txId)
    {
        set(seq, timestampNs, txId, AlertType.GUARD_STOPPED, AlertScope.ALL, 0, 0, 0);
    }

    /**
     * Copy another alert into this one.
     *
     * @param source the alert to copy.
     */
    public void copyFrom(final Alert source)
    {
        set(source.seq, source.timestampNs, source.txId, source.type, source.scope, source.assetId,
            source.walletId, source.accountId);
        node = source.node;
        term = source.term;
        System.arraycopy(source.figures, 0, figures, 0, AlertType.FIGURES_MAX);
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(96);
        sb.append(type).append(" scope=").append(scope).append(" seq=").append(seq).append(" txId=").append(txId);
        if (assetId != 0)
        {
            sb.append(" assetId=").append(assetId);
        }
        for (int i = 0; i < type.figureCount(); i++)
        {
            sb.append(' ').append(type.figureName(i)).append('=').append(figures[i]);
        }
        if (node != NO_NODE)
        {
            sb.append(" node=").append(node).append(" term=").append(term);
        }
        return sb.toString();
    }
}
