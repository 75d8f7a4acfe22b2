package io.ledgerguard.core;

/**
 * The classes of privileged commands of SPEC §6. Each class has its own approvers and its own M of N in the
 * configuration; a class the configuration names no keys for needs no approval.
 */
public enum ApprovalClass
{
    /**
     * {@link CommandType#ADJUST}: a privileged credit or debit. Never fewer than two approvers: no single key mints.
     */
    ADJUST,
    /** {@link CommandType#REVERSE}: return of an erroneous credit. Never fewer than two approvers. */
    REVERSE,
    /** {@link CommandType#UNFREEZE} and {@link CommandType#RESUME}: lifting a freeze or a halt. */
    LIFT,
    /**
     * {@link CommandType#ATTEST}, {@link CommandType#INFLOW} and {@link CommandType#SWEEP}: the custody feed's figures.
     * Never fewer than two approvers (two independent observers): an inflow is what a deposit credits against.
     */
    CUSTODY_FEED,
    /**
     * {@link CommandType#CONFIGURE}: a change of the rules (SPEC §13). Never open: with no approvers configured every
     * change is refused; never fewer than two approvers, and changing the approvers needs the current ones.
     */
    CONFIGURE;

    private static final ApprovalClass[] BY_TYPE = new ApprovalClass[CommandType.values().length];

    static
    {
        BY_TYPE[CommandType.ADJUST.ordinal()] = ADJUST;
        BY_TYPE[CommandType.REVERSE.ordinal()] = REVERSE;
        BY_TYPE[CommandType.UNFREEZE.ordinal()] = LIFT;
        BY_TYPE[CommandType.RESUME.ordinal()] = LIFT;
        BY_TYPE[CommandType.ATTEST.ordinal()] = CUSTODY_FEED;
        BY_TYPE[CommandType.INFLOW.ordinal()] = CUSTODY_FEED;
        BY_TYPE[CommandType.SWEEP.ordinal()] = CUSTODY_FEED;
        BY_TYPE[CommandType.CONFIGURE.ordinal()] = CONFIGURE;
    }

    /**
     * @param type a command type, or {@code null}.
     * @return the class that approves it, or {@code null} when the type is not privileged.
     */
    public static ApprovalClass of(final CommandType type)
    {
        return type == null ? null : BY_TYPE[type.ordinal()];
    }
}
