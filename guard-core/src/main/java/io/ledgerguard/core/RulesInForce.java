package io.ledgerguard.core;

/**
 * The rules in force at one moment (SPEC §13), with the sequences that go with them: what another thread reads of a
 * guard's rules, whole, such as an approval verifier stamping {@link #approversSeq} into the commands it counted.
 */
public final class RulesInForce
{
    /** The rules. */
    public final GuardConfig rules;
    /** The sequence of the last change; 0 for the genesis. */
    public final long changeSeq;
    /** The sequence of the change that set the approvers; 0 for the genesis. */
    public final long approversSeq;
    /** How many changes were accepted: the rules' version. */
    public final long changes;

    /**
     * @param rules        the rules.
     * @param changeSeq    the sequence of the last change; 0 for the genesis.
     * @param approversSeq the sequence of the change that set the approvers; 0 for the genesis.
     * @param changes      how many changes were accepted.
     */
    public RulesInForce(final GuardConfig rules, final long changeSeq, final long approversSeq, final long changes)
    {
        this.rules = rules;
        this.changeSeq = changeSeq;
        this.approversSeq = approversSeq;
        this.changes = changes;
    }
}
