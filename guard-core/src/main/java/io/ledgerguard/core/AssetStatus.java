package io.ledgerguard.core;

/**
 * Asset status (SPEC §2). {@link #RESTRICTED}: no deposit, no crediting adjustment, no withdrawal, nothing that raises
 * obligations. {@link #HALTED}: only ATTEST, INFLOW, RELEASE, WITHDRAW_CANCEL, WITHDRAW_SETTLE, REVERSE and RESUME.
 */
public enum AssetStatus
{
    NORMAL(0),
    RESTRICTED(1),
    HALTED(2);

    private final int code;

    AssetStatus(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable numeric code published to monitors.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code a stable numeric code.
     * @return the status with that code.
     */
    public static AssetStatus fromCode(final int code)
    {
        switch (code)
        {
            case 0: return NORMAL;
            case 1: return RESTRICTED;
            case 2: return HALTED;
            default: throw new IllegalArgumentException("unknown asset status: code=" + code);
        }
    }
}
