package io.ledgerguard.core;

/**
 * The alert types of SPEC §7, each with the names of the figures it carries, in {@link Alert#figure(int)} order.
 */
public enum AlertType
{
    RESERVE_COVER_BREACH("holdings", "obligations", "amount", "reserveBuffer"),
    CUSTODY_DRIFT("attested", "expected", "tolerance"),
    ATTESTATION_STALE("attestedOldestMs", "nowMs", "attestationAgeMsMax"),
    ATTESTATION_FRESH("attestedOldestMs", "nowMs", "attestationAgeMsMax"),
    VOLUME_EXCEEDS_HOLDINGS("volume", "holdings"),
    OUTFLOW_VELOCITY("outflow", "limit"),
    SANITY_CAP("amount", "creditCap"),
    COLD_RATIO("hotShareBps", "hotShareBpsMax"),
    REVERSAL_SHORTFALL("credited", "recovered", "shortfall"),
    /**
     * A privileged command refused (SPEC §6): {@code fault} is an {@link ApprovalFault} code, {@code required} the
     * approvers its class needs, {@code verified} those whose signatures verified, {@code expiresAtMs} its expiry.
     */
    UNAUTHORIZED("fault", "required", "verified", "expiresAtMs"),
    /**
     * {@code cause} is a {@link KillSwitchCause} code; {@code outflowsOnly} is 1 when only outflows halted;
     * {@code tolerance} the one exceeded (the wallet's drift tolerance, or the asset's breach tolerance), 0 for an
     * operator's HALT.
     */
    KILL_SWITCH_ENGAGED("cause", "outflowsOnly", "tolerance"),
    /** {@code sinceMs} is when it engaged, {@code heldMs} how long it held; {@code outflowsOnly} as when engaged. */
    KILL_SWITCH_RELEASED("cause", "sinceMs", "heldMs", "outflowsOnly"),
    /**
     * Raised by an alert dispatcher, not the guard: alerts were dropped because the sinks fell behind. {@code dropped}
     * counts them since the previous such alert, {@code droppedTotal} since the start.
     */
    ALERTS_DROPPED("dropped", "droppedTotal"),
    /**
     * SPEC §11: a table passed 80% of its limit; raised once per crossing. {@code table} is the {@link TableKind}'s
     * ordinal, {@code size} its entries, {@code sizeMax} its limit (for txIds without the control reserve).
     */
    CAPACITY_WARNING("table", "size", "sizeMax"),
    /**
     * Raised by the pipeline, not the guard, once: the journal failed (a full disk, an I/O error) or the engine threw,
     * and the guard stopped accepting. Its seq is the first command answered {@code GUARD_FAILED}; nothing from there
     * on was acknowledged, and the log says why.
     */
    GUARD_STOPPED(),
    /**
     * Raised by the gateway, not the guard (SPEC §12): a client sent a command its role does not allow, refused
     * {@link Reason#NOT_IN_ROLE} before sequencing (so its seq is 0). {@code client} is the client's 1-based place
     * in the configuration's {@code clients:}, {@code commandType} the {@link CommandType} code refused.
     */
    CLIENT_FORBIDDEN("client", "commandType"),
    /**
     * Raised by the gateway, not the guard, once a window: {@code failures} handshakes failed to prove a client's key
     * within {@code windowMs}, reaching {@code threshold}. The log names each attempt's peer and claimed id.
     */
    AUTHENTICATION_FAILURES("failures", "windowMs", "threshold"),
    /**
     * Raised by a node of a guard cluster, not in a decision (issue 16): at the same sequence ({@link Alert#seq}) this
     * node's evidence differs from the leader's. {@code what} is 1 when its journal's chain head differs, 2 when its
     * state hash at a snapshot does; {@code memberId} is the node's, {@code leaderMemberId} the leader's. The node's
     * log holds both values. The node must not be trusted until it is rebuilt from the others (docs/cluster.md).
     */
    NODE_DIVERGED("what", "memberId", "leaderMemberId");

    /** Most figures any alert type carries. */
    public static final int FIGURES_MAX = 4;

    private final String[] figureNames;

    AlertType(final String... figureNames)
    {
        assert figureNames.length <= FIGURES_MAX : name() + " has too many figures";
        this.figureNames = figureNames;
    }

    /**
     * @return how many figures this type carries.
     */
    public int figureCount()
    {
        return figureNames.length;
    }

    /**
     * @param index of a figure.
     * @return its name, as written in alert files.
     */
    public String figureName(final int index)
    {
        return figureNames[index];
    }
}
