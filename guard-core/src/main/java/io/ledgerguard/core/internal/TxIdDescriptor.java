package io.ledgerguard.core.internal;

/**
 * Layout of a decided txId's slot in the txIds table (I6). Words are 8 bytes.
 * <pre>
 *   0      8             16                                                                               24
 *   +------+-------------+--------------------------------------------------------------------------------+
 *   | txId | fingerprint | outcome: reason code (0-15), failed inner index + 1 (16-31), table + 1 (32-39) |
 *   +------+-------------+--------------------------------------------------------------------------------+
 * </pre>
 * The table is the ordinal of the {@code TableKind} a {@code CAPACITY_EXHAUSTED} named. Part of the snapshot format
 * and of the state hash.
 */
public final class TxIdDescriptor
{
    public static final int WORDS = 3;
    public static final int ID = 0;
    public static final int FINGERPRINT = 1;
    public static final int OUTCOME = 2;

    private TxIdDescriptor()
    {
    }
}
