package io.ledgerguard.core;

import java.math.BigInteger;

/**
 * Coverage (SPEC §2): holdings / obligations, in basis points, computed without overflow or floating point.
 */
public final class Coverage
{
    private static final BigInteger BPS = BigInteger.valueOf(10_000);

    private Coverage()
    {
    }

    /**
     * @param holdings    the asset's holdings.
     * @param obligations the asset's obligations.
     * @return coverage in basis points, rounded down; -1 when there are no obligations (coverage is unbounded).
     */
    public static long bps(final long holdings, final long obligations)
    {
        if (obligations <= 0)
        {
            return -1;
        }
        if (holdings <= 0)
        {
            return 0;
        }
        if (holdings <= Long.MAX_VALUE / 10_000)
        {
            return holdings * 10_000 / obligations;
        }
        final BigInteger result = BigInteger.valueOf(holdings).multiply(BPS).divide(BigInteger.valueOf(obligations));
        return result.bitLength() < 63 ? result.longValue() : Long.MAX_VALUE;
    }
}
