package io.ledgerguard.core;

/**
 * Why a command was accepted or rejected (SPEC §7). Codes are stable and grouped by area; names read as rules.
 * <p>
 * Every command is checked in this order, and the first rule it breaks is its reason:
 * <ol>
 *     <li>the transaction id ({@link #TX_ID_MUST_BE_POSITIVE}) and idempotency ({@code 6xxx}: a known id returns
 *     its original decision, or {@link #TX_ID_REUSED} when its fields differ);</li>
 *     <li>room to record the decision ({@link #CAPACITY_EXHAUSTED} for the txId table);</li>
 *     <li>the command's own fields ({@code 1xxx}), which need no state;</li>
 *     <li>what the command refers to ({@code 5xxx}): asset, wallet, accounts, hold, inflow, in field order;</li>
 *     <li>status ({@code 4xxx}): asset halted, asset restricted, wallet halted, account frozen or closed;</li>
 *     <li>funds ({@code 2xxx}: invariant I1 and the wallet and inflow limits);</li>
 *     <li>the sanity cap ({@link #CREDIT_CAP_EXCEEDED}), then arithmetic ({@link #AMOUNT_OVERFLOW}), then reserve
 *     cover ({@link #RESERVE_COVER_EXCEEDED}, invariant I2);</li>
 *     <li>capacity of the tables the command inserts into.</li>
 * </ol>
 * The order inside each command is written out, rule by rule, in {@code docs/reject-reasons.md}.
 */
public enum Reason
{
    /** Accepted. */
    OK(0),

    // 1xxx: the command's own fields.
    MALFORMED_COMMAND(1000),
    AMOUNT_MUST_BE_POSITIVE(1001),
    AMOUNT_MUST_NOT_BE_ZERO(1002),
    TX_ID_MUST_BE_POSITIVE(1003),
    ACCOUNT_ID_MUST_NOT_BE_ZERO(1004),
    ACCOUNTS_MUST_BE_DIFFERENT(1005),
    HOLD_ID_MUST_NOT_BE_ZERO(1006),
    CHAIN_REF_MUST_NOT_BE_EMPTY(1007),
    CHAIN_REF_TOO_LONG(1008),
    CREDIT_LIMIT_ONLY_FOR_CREDIT_LINE(1009),
    CREDIT_LIMIT_MUST_NOT_BE_NEGATIVE(1010),
    BALANCE_MUST_NOT_BE_NEGATIVE(1011),
    BATCH_MUST_NOT_BE_EMPTY(1012),
    BATCH_MUST_NOT_BE_NESTED(1013),
    BATCH_TOO_LARGE(1014),
    SCOPE_MUST_NAME_ONE_TARGET(1015),
    ACCOUNT_KIND_MUST_BE_SET(1016),
    MEMO_TOO_LONG(1017),
    REVERSED_TX_ID_MUST_BE_POSITIVE(1018),
    /** A SWEEP from a wallet to itself. */
    WALLETS_MUST_BE_DIFFERENT(1019),
    /**
     * A {@code CONFIGURE} command's settings are not a valid change of the rules in force (SPEC §13): a setting that
     * is unknown, out of range, or fixed. The gateway and the admin server name the setting before sequencing.
     */
    CONFIGURATION_INVALID(1020),

    // 2xxx: funds (I1) and the limits of wallets and inflows.
    INSUFFICIENT_AVAILABLE(2001),
    HOLD_AMOUNT_EXCEEDED(2002),
    WALLET_FUNDS_INSUFFICIENT(2003),
    INFLOW_AMOUNT_EXCEEDED(2004),
    AMOUNT_OVERFLOW(2005),

    // 3xxx: automatic controls and reserve cover (I2, SPEC §5).
    RESERVE_COVER_EXCEEDED(3001),
    CREDIT_CAP_EXCEEDED(3002),
    /** SPEC §5.4: the withdrawal would take the asset's, or its hot wallet's, outflows in the window past the limit. */
    OUTFLOW_VELOCITY_EXCEEDED(3003),

    // 4xxx: status and kill switches.
    ASSET_HALTED(4001),
    ASSET_RESTRICTED(4002),
    ACCOUNT_FROZEN(4003),
    ACCOUNT_CLOSED(4004),
    WALLET_HALTED(4005),

    // 5xxx: references to things that must, or must not, exist.
    ASSET_NOT_FOUND(5001),
    ACCOUNT_NOT_FOUND(5002),
    ACCOUNT_ALREADY_EXISTS(5003),
    WALLET_NOT_FOUND(5004),
    WALLET_ASSET_MISMATCH(5005),
    HOLD_NOT_FOUND(5006),
    HOLD_ALREADY_EXISTS(5007),
    HOLD_ACCOUNT_MISMATCH(5008),
    HOLD_ASSET_MISMATCH(5009),
    HOLD_NOT_WITHDRAWAL(5010),
    HOLD_IS_WITHDRAWAL(5011),
    INFLOW_NOT_FOUND(5012),
    INFLOW_ALREADY_RECORDED(5013),
    INFLOW_ASSET_MISMATCH(5014),
    COMMAND_NOT_SUPPORTED(5015),
    /** REVERSE names no reversible credit: unknown, rejected, not a deposit or crediting adjustment, or a reversal. */
    CREDIT_NOT_FOUND(5016),
    /** A {@code CONFIGURE} command retires a wallet that still holds funds or has withdrawals pending (SPEC §13). */
    WALLET_NOT_EMPTY(5017),
    /** A {@code CONFIGURE} command retires an asset that still has obligations, holds or holdings (SPEC §13). */
    ASSET_NOT_EMPTY(5018),

    // 6xxx: idempotency and linked batches (I6).
    TX_ID_REUSED(6001),
    LINKED_COMMAND_FAILED(6002),
    /** The credit was reversed already. */
    CREDIT_ALREADY_REVERSED(6003),
    /**
     * SPEC §11: the command's own time ({@link Command#submittedAtMs}, else its time) is older than the txId window,
     * so its txId may already be forgotten: it is refused rather than risk applying it twice.
     */
    COMMAND_OLDER_THAN_TX_ID_WINDOW(6004),
    /**
     * SPEC §11: an {@code INFLOW} or {@code SWEEP} whose chain reference differs from one held but has the same 64-bit
     * hash, by which credits name their inflow (about one chance in 2^64 a pair): refused rather than made ambiguous.
     */
    CHAIN_REF_HASH_COLLISION(6005),

    // 7xxx: capacity of the fixed tables.
    CAPACITY_EXHAUSTED(7001),

    // 8xxx: authorisation (SPEC §6): signatures verified before sequencing, the requirement met by the guard.
    UNAUTHORIZED(8001),
    /**
     * SPEC §12: the client's role does not allow the command's type (or an inner command's, in a {@code BATCH}).
     * Decided by the gateway before sequencing: the command is not sequenced, journaled or applied; the refusal is
     * counted per client and raises a {@code CLIENT_FORBIDDEN} alert.
     */
    NOT_IN_ROLE(8002),

    // 9xxx: the pipeline, not the ledger: the command was not sequenced.
    RING_FULL(9001),
    GUARD_CLOSED(9002),
    GUARD_FAILED(9003);

    private static final Reason[] BY_CODE;

    static
    {
        int codeMax = 0;
        for (final Reason reason : values())
        {
            codeMax = Math.max(codeMax, reason.code);
        }
        BY_CODE = new Reason[codeMax + 1];
        for (final Reason reason : values())
        {
            assert BY_CODE[reason.code] == null : "duplicate reason code " + reason.code;
            BY_CODE[reason.code] = reason;
        }
    }

    private final int code;

    Reason(final int code)
    {
        this.code = code;
    }

    /**
     * @return the stable numeric code of this reason.
     */
    public int code()
    {
        return code;
    }

    /**
     * @return true for {@link #OK}.
     */
    public boolean isAccepted()
    {
        return this == OK;
    }

    /**
     * @param code a stable numeric code.
     * @return the reason with that code, or {@code null} when there is none.
     */
    public static Reason fromCode(final int code)
    {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
