package io.ledgerguard.core.engine;

/**
 * The life of one kill switch, whatever its scope (an asset, an asset's outflows, a wallet, everything): lifted, then
 * engaged with a time and a cause, then lifted again with a record of how long it held (the alert that says so is
 * {@code KILL_SWITCH_RELEASED}, its stable name). Every transition is made by {@link KillSwitches}, which asserts it
 * starts from the state it expects. In this codebase "release" is kept for a hold's {@code RELEASE}.
 */
public enum KillSwitchState
{
    /** Nothing is stopped by this switch. */
    LIFTED,
    /** Engaged: the commands its scope covers are rejected until approved commands lift it. */
    ENGAGED;

    static KillSwitchState of(final boolean engaged)
    {
        return engaged ? ENGAGED : LIFTED;
    }
}
