package io.ledgerguard.core;

/**
 * The commands of SPEC §4. The ordinal is not stable; {@link #code()} is, and is what the journal stores.
 */
public enum CommandType
{
    OPEN_ACCOUNT(1),
    INFLOW(2),
    DEPOSIT(3),
    TRANSFER(4),
    HOLD(5),
    RELEASE(6),
    WITHDRAW(7),
    WITHDRAW_SETTLE(8),
    WITHDRAW_CANCEL(9),
    ADJUST(10),
    ATTEST(11),
    REVERSE(12),
    FREEZE(13),
    UNFREEZE(14),
    HALT(15),
    RESUME(16),
    BATCH(17),
    /**
     * Custody-internal movement between two wallets of an asset (a sweep from hot to cold, a refill of hot): an
     * extension of SPEC §4, reported by the custody feed once confirmed. Holdings and obligations are unchanged.
     */
    SWEEP(18),
    /**
     * A change of the rules (SPEC §13): settings in the form of {@link Rules}, approved by the {@code CONFIGURE}
     * class, applied between two commands and in force from its sequence on.
     */
    CONFIGURE(19);

    private static final CommandType[] BY_CODE = new CommandType[32];

    static
    {
        for (final CommandType type : values())
        {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;

    CommandType(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable numeric code of this command type.
     */
    public int code()
    {
        return code;
    }

    /**
     * @param code a stable numeric code.
     * @return the command type with that code, or {@code null} when there is none.
     */
    public static CommandType fromCode(final int code)
    {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
