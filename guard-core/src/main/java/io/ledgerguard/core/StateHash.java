package io.ledgerguard.core;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.internal.Hashing;

/**
 * A 128-bit digest of the guard's state that does not depend on the order entries were inserted in: each entry is
 * hashed on its own and the entry hashes are added, modulo 2^64, in two independently seeded lanes. Two parts:
 * the ledger (accounts, positions, holds, inflows, assets, wallets, kill switches) and the decisions recorded for
 * idempotency (txIds) with the outflow windows. A rejected command changes only the second, with one exception: the
 * velocity rejection that completes a burst halts the asset's outflows (SPEC §5.4), which is ledger state.
 */
public final class StateHash
{
    private final long ledgerHigh;
    private final long ledgerLow;
    private final long decisionsHigh;
    private final long decisionsLow;

    /**
     * @param ledger    the digest of the ledger's entries.
     * @param decisions the digest of the recorded decisions and the outflow windows.
     */
    public StateHash(final Builder ledger, final Builder decisions)
    {
        this.ledgerHigh = ledger.high;
        this.ledgerLow = ledger.low;
        this.decisionsHigh = decisions.high;
        this.decisionsLow = decisions.low;
    }

    /**
     * @return the ledger part, 32 hex digits.
     */
    public String ledgerHex()
    {
        return String.format("%016x%016x", ledgerHigh, ledgerLow);
    }

    /**
     * @return the whole state hash (ledger and decisions), 64 hex digits.
     */
    public String hex()
    {
        return String.format("%016x%016x%016x%016x", ledgerHigh, ledgerLow, decisionsHigh, decisionsLow);
    }

    @Override
    public boolean equals(final Object other)
    {
        if (!(other instanceof StateHash))
        {
            return false;
        }
        final StateHash that = (StateHash)other;
        return ledgerHigh == that.ledgerHigh && ledgerLow == that.ledgerLow &&
            decisionsHigh == that.decisionsHigh && decisionsLow == that.decisionsLow;
    }

    @Override
    public int hashCode()
    {
        return Long.hashCode(ledgerLow ^ decisionsLow);
    }

    @Override
    public String toString()
    {
        return hex();
    }

    /**
     * Adds entries into one part of a state hash, in any order.
     */
    public static final class Builder
    {
        private long high;
        private long low;

        /**
         * Add one entry.
         *
         * @param tag      the state part's hash tag, so that equal words in two parts hash apart.
         * @param buffer   holds the entry.
         * @param offset   of its first word.
         * @param words    how many 8-byte words it has.
         * @param skipWord a word to leave out (derived or cached), or -1.
         */
        public void add(final int tag, final UnsafeBuffer buffer, final int offset, final int words, final int skipWord)
        {
            long a = Hashing.mix(tag * 0x9e3779b97f4a7c15L + 1);
            long b = Hashing.mix(tag * 0xc2b2ae3d27d4eb4fL + 2);
            for (int w = 0; w < words; w++)
            {
                if (w == skipWord)
                {
                    continue;
                }
                final long word = buffer.getLong(offset + w * 8);
                a = Hashing.mix(a ^ word);
                b = Hashing.mix(b + word * 0xff51afd7ed558ccdL);
            }
            high += a;
            low += b;
        }
    }
}
