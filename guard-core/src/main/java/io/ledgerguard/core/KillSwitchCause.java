package io.ledgerguard.core;

/**
 * Why a kill switch engaged, as {@link AlertType#KILL_SWITCH_ENGAGED} and {@link AlertType#KILL_SWITCH_RELEASED}
 * carry it in their {@code cause} figure. The codes are stable.
 */
public enum KillSwitchCause
{
    /** A {@code HALT} command. */
    OPERATOR(1),
    /** An attestation left obligations above holdings beyond the breach tolerance (SPEC §5.1): the asset halts. */
    COVER_BREACH(2),
    /** An attestation showed an unexplained decrease beyond the wallet's tolerance (SPEC §5.2): outflows halt. */
    CUSTODY_DRIFT(3),
    /** Several withdrawals rejected for outflow velocity within the window (SPEC §5.4): outflows halt. */
    VELOCITY_BURST(4);

    private final int code;

    KillSwitchCause(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable code.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code a stable code.
     * @return the cause, or {@code null} for an unknown code.
     */
    public static KillSwitchCause fromCode(final long code)
    {
        for (final KillSwitchCause cause : values())
        {
            if (cause.code == code)
            {
                return cause;
            }
        }
        return null;
    }
}
