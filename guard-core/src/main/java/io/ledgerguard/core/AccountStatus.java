package io.ledgerguard.core;

/**
 * Account status (SPEC §2). Nothing leaves a {@link #FROZEN} account, but credits still land and holds can be
 * released or settled. No command of SPEC §4 closes an account yet; {@link #CLOSED} is reserved for that.
 */
public enum AccountStatus
{
    ACTIVE(0),
    FROZEN(1),
    CLOSED(2);

    private final int code;

    AccountStatus(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable numeric code stored in the account table.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code a stable numeric code.
     * @return the status with that code.
     */
    public static AccountStatus fromCode(final int code)
    {
        switch (code)
        {
            case 0: return ACTIVE;
            case 1: return FROZEN;
            case 2: return CLOSED;
            default: throw new IllegalArgumentException("unknown account status: code=" + code);
        }
    }
}
