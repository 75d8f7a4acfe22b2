package io.ledgerguard.replay;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

import io.ledgerguard.core.Reason;

/**
 * What a replay did: lines read, commands sequenced and their outcomes, lines rejected before sequencing, alerts
 * raised, the final state hash and the result of the invariant check (SPEC §3 I1, I3) run at the end.
 * <p>
 * Every non-blank line is either sequenced or not: {@code lines == sequenced + malformed}. A line is not sequenced
 * when it is malformed, or when it is a batch too large for the guard to hold ({@code BATCH_TOO_LARGE}).
 */
public final class ReplaySummary
{
    private final long lines;
    private final long sequenced;
    private final long accepted;
    private final long malformed;
    private final long alerts;
    private final Map<Reason, Long> rejectedByReason;
    private final String stateHash;
    private final String invariantViolation;

    ReplaySummary(
        final long lines,
        final long sequenced,
        final long accepted,
        final long malformed,
        final long alerts,
        final Map<Reason, Long> rejectedByReason,
        final String stateHash,
        final String invariantViolation)
    {
        this.lines = lines;
        this.sequenced = sequenced;
        this.accepted = accepted;
        this.malformed = malformed;
        this.alerts = alerts;
        this.rejectedByReason = Collections.unmodifiableMap(new EnumMap<>(rejectedByReason));
        this.stateHash = stateHash;
        this.invariantViolation = invariantViolation;
        assert lines == sequenced + malformed :
            "lines=" + lines + ", sequenced=" + sequenced + ", malformed=" + malformed;
        assert accepted <= sequenced : "accepted=" + accepted + ", sequenced=" + sequenced;
    }

    /**
     * @return non-blank lines read.
     */
    public long lines()
    {
        return lines;
    }

    /**
     * @return commands sequenced and applied.
     */
    public long sequenced()
    {
        return sequenced;
    }

    /**
     * @return sequenced commands accepted.
     */
    public long accepted()
    {
        return accepted;
    }

    /**
     * @return sequenced commands rejected.
     */
    public long rejected()
    {
        return sequenced - accepted;
    }

    /**
     * @return lines answered without being sequenced: malformed, or a batch too large.
     */
    public long malformed()
    {
        return malformed;
    }

    /**
     * @return alerts raised.
     */
    public long alerts()
    {
        return alerts;
    }

    /**
     * @return sequenced rejections by reason, in reason order.
     */
    public Map<Reason, Long> rejectedByReason()
    {
        return rejectedByReason;
    }

    /**
     * @param reason a reason.
     * @return how many sequenced commands were rejected for it.
     */
    public long rejected(final Reason reason)
    {
        return rejectedByReason.getOrDefault(reason, 0L);
    }

    /**
     * @return the final state hash, hex.
     */
    public String stateHash()
    {
        return stateHash;
    }

    /**
     * @return the first invariant found broken at the end, or {@code null} when they all hold.
     */
    public String invariantViolation()
    {
        return invariantViolation;
    }

    /**
     * @return the one-line summary printed by {@code ledger-guard replay}.
     */
    public String line()
    {
        return "replay: " + lines + " lines, " + sequenced + " sequenced (" + accepted + " accepted, " + rejected() +
            " rejected), " + malformed + " malformed, " + alerts + " alerts, stateHash=" + stateHash +
            (invariantViolation == null ? "" : ", INVARIANT VIOLATED: " + invariantViolation);
    }

    @Override
    public String toString()
    {
        return line();
    }
}
