package io.ledgerguard.core.engine;

/**
 * The parts the guard's state consists of: the one list that snapshots and the state hash follow. Everything else in
 * the engine is configuration or per-command scratch.
 * <p>
 * The order is the snapshot format's (a part's ordinal is its place in a snapshot file), the names are written into
 * snapshot files, and the tags seed the state hash: change none of them without a new snapshot format. The hash has
 * two digests: the ledger, and the decisions recorded for idempotency with the outflow windows, which rejected
 * commands move too (a rejected withdrawal counts towards a burst).
 */
public enum StatePart
{
    ACCOUNTS("accounts", 1, false),
    POSITIONS("positions", 2, false),
    HOLDS("holds", 3, false),
    TX_IDS("txIds", 8, true),
    INFLOWS("inflows", 4, false),
    ASSETS("assets", 5, false),
    WALLETS("wallets", 6, false),
    /** Only the flags word (tag 7) and the halted-at word ({@link #GLOBAL_HALTED_AT_TAG}) are hashed. */
    GLOBALS("globals", 7, false),
    WINDOWS("windows", 10, true),
    CREDITS("credits", 11, false),
    /** The decided txIds in the order they are forgotten, with when each was recorded (SPEC §11). */
    TX_ID_EXPIRY("txIdExpiry", 12, true),
    /** The credits in the order they leave the reversal window, with when each was credited (SPEC §11). */
    CREDIT_EXPIRY("creditExpiry", 13, false),
    /** The inflows in the order they come up for forgetting, with when each last did (SPEC §11). */
    INFLOW_EXPIRY("inflowExpiry", 14, false);

    /** The hash tag of the globals' halted-at word. */
    public static final int GLOBAL_HALTED_AT_TAG = 9;

    private static final StatePart[] VALUES = values();

    private final String snapshotName;
    private final int hashTag;
    private final boolean decisions;

    StatePart(final String snapshotName, final int hashTag, final boolean decisions)
    {
        this.snapshotName = snapshotName;
        this.hashTag = hashTag;
        this.decisions = decisions;
    }

    /**
     * @return how many parts there are.
     */
    public static int count()
    {
        return VALUES.length;
    }

    /**
     * @param index a part's place in a snapshot.
     * @return the part.
     */
    public static StatePart of(final int index)
    {
        return VALUES[index];
    }

    /**
     * @return the part's name in snapshot files, stable across versions of the same snapshot format.
     */
    public String snapshotName()
    {
        return snapshotName;
    }

    /**
     * @return the tag its entries are hashed with.
     */
    public int hashTag()
    {
        return hashTag;
    }

    /**
     * @return true when it goes into the decisions digest, false for the ledger digest.
     */
    public boolean inDecisionsDigest()
    {
        return decisions;
    }
}
