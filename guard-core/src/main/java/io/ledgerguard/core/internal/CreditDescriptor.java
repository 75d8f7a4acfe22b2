package io.ledgerguard.core.internal;

/**
 * Layout of a reversible credit's slot in the credits table (SPEC §5.6): a {@code DEPOSIT} or a crediting
 * {@code ADJUST}, keyed by its txId. Words are 8 bytes.
 * <pre>
 *   0      8           16           24       32       40           48       56            64
 *   +------+-----------+------------+--------+--------+------------+--------+-------------+
 *   | txId | accountId | assetIndex | amount | inflow | reversedBy | claim  | creditedAtMs|
 *   +------+-----------+------------+--------+--------+------------+--------+-------------+
 * </pre>
 * {@code creditedAtMs} is the guard's clock when it was credited: {@code REVERSE} may return it within the credit
 * reversal window (SPEC §11).
 * {@code inflow} is the chain reference hash of the inflow a deposit credited (unique among the inflows held, and
 * unlike a slot offset the same in tables of any size), 0 for an adjustment; {@code reversedBy} the txId of the
 * {@code REVERSE} that returned it, 0 while it stands; {@code claim} what the reversal could not take back. Part of
 * the snapshot format and of the state hash.
 */
public final class CreditDescriptor
{
    public static final int WORDS = 8;
    public static final int TX_ID = 0;
    public static final int ACCOUNT_ID = 1;
    public static final int ASSET_INDEX = 2;
    public static final int AMOUNT = 3;
    public static final int INFLOW = 4;
    public static final int REVERSED_BY = 5;
    public static final int CLAIM = 6;
    public static final int CREDITED_AT_MS = 7;

    private CreditDescriptor()
    {
    }
}
