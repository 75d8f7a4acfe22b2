package io.ledgerguard.core.engine;

/**
 * Exact arithmetic on minor units: overflow is detected, never wrapped, and shares are compared without rounding.
 */
public final class Arithmetic
{
    private Arithmetic()
    {
    }

    /**
     * @return true when {@code a + b} does not fit in a long.
     */
    public static boolean overflows(final long a, final long b)
    {
        final long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0;
    }

    /**
     * @return true when {@code a - b} does not fit in a long.
     */
    public static boolean subtractionOverflows(final long a, final long b)
    {
        final long difference = a - b;
        return ((a ^ b) & (a ^ difference)) < 0;
    }

    /**
     * @return what a balance contributes to obligations: {@code max(balance, 0)}.
     */
    public static long positivePart(final long balance)
    {
        return balance > 0 ? balance : 0;
    }

    /**
     * @return true when {@code part * 10,000 > whole * bps}, exactly, for non-negative values.
     */
    public static boolean exceedsShare(final long part, final long whole, final long bps)
    {
        final long leftHigh = Math.multiplyHigh(part, 10_000);
        final long leftLow = part * 10_000;
        final long rightHigh = Math.multiplyHigh(whole, bps);
        final long rightLow = whole * bps;
        return leftHigh != rightHigh ? leftHigh > rightHigh : Long.compareUnsigned(leftLow, rightLow) > 0;
    }
}
