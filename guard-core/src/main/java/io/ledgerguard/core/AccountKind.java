package io.ledgerguard.core;

/**
 * What an account is for (SPEC §2). Only a {@link #CREDIT_LINE} position may go below zero, down to its limit.
 */
public enum AccountKind
{
    CUSTOMER(1),
    OPERATOR(2),
    CREDIT_LINE(3);

    private final int code;

    AccountKind(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable numeric code stored in the account table and the journal.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code a stable numeric code.
     * @return the kind with that code, or {@code null} when there is none.
     */
    public static AccountKind fromCode(final int code)
    {
        switch (code)
        {
            case 1: return CUSTOMER;
            case 2: return OPERATOR;
            case 3: return CREDIT_LINE;
            default: return null;
        }
    }
}
