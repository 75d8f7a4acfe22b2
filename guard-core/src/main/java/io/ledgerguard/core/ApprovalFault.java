package io.ledgerguard.core;

/**
 * Why a privileged command was rejected {@link Reason#UNAUTHORIZED}: the {@code fault} figure of an
 * {@link AlertType#UNAUTHORIZED} alert. The code is stable. Signature faults are found by the approval verifier before
 * sequencing and carried in the command; expiry faults are found by the guard against the sequenced time.
 */
public enum ApprovalFault
{
    /** No fault. */
    NONE(0),
    /** The command carries no approval at all. */
    MISSING(1),
    /** An approval names a key the configuration does not have. */
    UNKNOWN_KEY(2),
    /** An approval is by a key that is not an approver of this command's class. */
    KEY_NOT_IN_CLASS(3),
    /** A signature does not verify over the command's canonical bytes (wrong key, or the command was altered). */
    BAD_SIGNATURE(4),
    /** The same approver signed twice; it counts once. */
    DUPLICATE_APPROVER(5),
    /** Every approval was valid, but there were fewer than the class requires. */
    TOO_FEW(6),
    /** The command carries no expiry ({@code expiresAtMs}); a signed command must. */
    EXPIRY_MISSING(7),
    /** The command's expiry has passed: a replay of an old approval, or one sent too late. */
    EXPIRED(8),
    /** The expiry lies further ahead than the configured {@code approvals.validityMsMax} allows. */
    EXPIRY_TOO_FAR(9),
    /** A privileged command inside a linked batch: approvals are given on top-level commands only. */
    PRIVILEGED_IN_BATCH(10),
    /**
     * The command has no canonical form to sign: a memo or chain reference with a control character or bytes that
     * are not UTF-8, or an asset the configuration does not know.
     */
    NOT_SIGNABLE(11),
    /**
     * The class has no approvers: {@code CONFIGURE} is never open, so a change of the rules needs
     * {@code approvals.CONFIGURE} configured (SPEC §13).
     */
    NO_APPROVERS(12),
    /**
     * The approvers changed between the verification of the signatures and the command's sequence: the signatures
     * were counted against keys no longer in force. Refused, to be verified again and resubmitted (SPEC §13).
     */
    APPROVERS_CHANGED(13);

    private static final ApprovalFault[] BY_CODE;

    static
    {
        BY_CODE = new ApprovalFault[values().length];
        for (final ApprovalFault fault : values())
        {
            assert BY_CODE[fault.code] == null : "duplicate fault code " + fault.code;
            BY_CODE[fault.code] = fault;
        }
    }

    private final int code;

    ApprovalFault(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable numeric code.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code a stable numeric code.
     * @return the fault with that code, or {@code null} when there is none.
     */
    public static ApprovalFault fromCode(final int code)
    {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
