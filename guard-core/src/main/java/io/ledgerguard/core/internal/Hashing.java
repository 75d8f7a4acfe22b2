package io.ledgerguard.core.internal;

/**
 * Hash functions for table keys and state digests. Deterministic across runs and machines: replay equality and
 * snapshots depend on it.
 */
public final class Hashing
{
    private Hashing()
    {
    }

    /**
     * The SplitMix64 finaliser: a bijection on 64 bits that spreads every input bit.
     *
     * @param value to mix.
     * @return the mixed value.
     */
    public static long mix(final long value)
    {
        long z = value * 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * @param k0 first key word.
     * @param k1 second key word.
     * @return a hash of both.
     */
    public static long hash(final long k0, final long k1)
    {
        return mix(mix(k0) ^ (k1 * 0xc2b2ae3d27d4eb4fL));
    }
}
