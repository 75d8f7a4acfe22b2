package io.ledgerguard.core;

/**
 * The fixed-capacity off-heap tables, named in a {@link Reason#CAPACITY_EXHAUSTED} decision and in limits.
 */
public enum TableKind
{
    ACCOUNTS("accountsMax"),
    POSITIONS("positionsMax"),
    HOLDS("holdsMax"),
    TX_IDS("txIdsMax"),
    INFLOWS("inflowsMax"),
    CREDITS("creditsMax");

    private final String limitKey;

    TableKind(final String limitKey)
    {
        this.limitKey = limitKey;
    }

    /**
     * @return the configuration key under {@code limits} that sizes this table.
     */
    public String limitKey()
    {
        return limitKey;
    }
}
