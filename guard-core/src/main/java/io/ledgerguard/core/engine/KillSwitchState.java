package io.ledgerguard.core.engine;

/**
 * The life of one kill switch, whatever its scope (an asset, an asset's outflows, a wallet, everything): released,
 * then engaged with a time and a cause, then released again with a record of how long it held. Every transition is
 * made by {@link KillSwitches}, which asserts it starts from the state it expects.
 */
public enum KillSwitchState
{
    /** Nothing is stopped by this switch. */
    RELEASED,
    /** Engaged: the commands its scope covers are rejected until approved commands lift it. */
    ENGAGED;

    static KillSwitchState of(final boolean engaged)
    {
        return engaged ? ENGAGED : RELEASED;
    }
}
