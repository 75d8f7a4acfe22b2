package io.ledgerguard.demo;

import java.math.BigDecimal;

/**
 * Minor units shown as decimal amounts, for people; never used for arithmetic.
 */
final class Amounts
{
    private Amounts()
    {
    }

    static String format(final long minorUnits, final int scale)
    {
        return String.format("%,." + scale + "f", BigDecimal.valueOf(minorUnits, scale));
    }

    static String coverage(final long coverageBps)
    {
        return coverageBps < 0 ? "n/a" : String.format("%d.%02d%%", coverageBps / 100, coverageBps % 100);
    }
}
