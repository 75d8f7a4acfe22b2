package io.ledgerguard.core.internal;

/**
 * Layout of a position's slot in the positions table, keyed by (account id, asset index). Words are 8 bytes.
 * <pre>
 *   0           8            16          24     32            40               48
 *   +-----------+------------+-----------+------+-------------+----------------+
 *   | accountId | assetIndex | available | held | creditLimit | withdrawalHeld |
 *   +-----------+------------+-----------+------+-------------+----------------+
 * </pre>
 * {@code withdrawalHeld} is the part of {@code held} that is pending withdrawals: units already promised to leave
 * custody. Positions are never removed, so a hold may keep its position's slot offset. Part of the snapshot format
 * and of the state hash.
 */
public final class PositionDescriptor
{
    public static final int WORDS = 6;
    public static final int ACCOUNT_ID = 0;
    public static final int ASSET_INDEX = 1;
    public static final int AVAILABLE = 2;
    public static final int HELD = 3;
    public static final int CREDIT_LIMIT = 4;
    public static final int WITHDRAWAL_HELD = 5;

    private PositionDescriptor()
    {
    }
}
