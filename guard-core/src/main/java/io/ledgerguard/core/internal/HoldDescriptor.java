package io.ledgerguard.core.internal;

/**
 * Layout of a hold's slot in the holds table, keyed by the hold id. Words are 8 bytes.
 * <pre>
 *   0        8           16                                   24          32            40                48
 *   +--------+-----------+------------------------------------+-----------+-------------+-----------------+
 *   | holdId | accountId | assetIndex (0-31), kind (32-39)    | remaining | walletIndex | position offset |
 *   +--------+-----------+------------------------------------+-----------+-------------+-----------------+
 * </pre>
 * {@code walletIndex} is -1 for an order hold. The position offset is a cache that depends on insertion order: the
 * state hash leaves it out. Part of the snapshot format.
 */
public final class HoldDescriptor
{
    public static final int WORDS = 6;
    public static final int ID = 0;
    public static final int ACCOUNT_ID = 1;
    public static final int ASSET_KIND = 2;
    public static final int REMAINING = 3;
    public static final int WALLET_INDEX = 4;
    public static final int POSITION_OFFSET = 5;

    /** A hold for an order: {@code RELEASE} and {@code TRANSFER} use it. */
    public static final int KIND_ORDER = 1;
    /** A hold for a withdrawal: {@code WITHDRAW_SETTLE} and {@code WITHDRAW_CANCEL} use it. */
    public static final int KIND_WITHDRAWAL = 2;

    private HoldDescriptor()
    {
    }
}
