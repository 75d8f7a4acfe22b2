package io.ledgerguard.core.engine;

/**
 * Layout of the globals part of the state: one 64-byte record of 8-byte words.
 * <pre>
 *   word  name             owner         what                                                        hashed
 *   +----+----------------+-------------+-----------------------------------------------------------+------+
 *   |  0 | flags          | KillSwitches| FLAG_HALTED: the kill switch for everything                | yes  |
 *   |  1 | lastTimestampNs| GuardEngine | the guard's clock: the latest sequencing time seen         | no   |
 *   |  2 | commands       | GuardEngine | commands applied, duplicates and rejections included       | no   |
 *   |  3 | haltedAtMs     | KillSwitches| when the kill switch for everything engaged, 0 if lifted   | yes  |
 *   |  4 | frozenAccounts | Accounts    | accounts FROZEN now, derived from their statuses           | no   |
 *   |  5 | capacityWarned | Capacity    | one bit per TableKind ordinal: past 80% and alerted        | no   |
 *   |6-7 | (reserved)     |             |                                                            |      |
 *   +----+----------------+-------------+-----------------------------------------------------------+------+
 * </pre>
 * The layout is part of the snapshot format and of the state hash: change it only with a new snapshot format.
 */
public final class GlobalDescriptor
{
    public static final int BYTES = 64;
    public static final int FLAGS = 0;
    public static final int LAST_TIMESTAMP_NS = 1;
    public static final int COMMANDS = 2;
    public static final int HALTED_AT_MS = 3;
    public static final int FROZEN_ACCOUNTS = 4;
    public static final int CAPACITY_WARNED = 5;

    /** Everything is halted. */
    public static final long FLAG_HALTED = 1;

    private GlobalDescriptor()
    {
    }

    /**
     * @param word a word of the record.
     * @return its byte offset.
     */
    public static int offset(final int word)
    {
        return word * 8;
    }
}
