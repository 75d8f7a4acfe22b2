package io.ledgerguard.journal;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;

import static io.ledgerguard.journal.JournalEntryDescriptor.CHAIN_LENGTH;

/**
 * The running SHA-256 chain over journal entries: {@code h_n = SHA-256(h_(n-1) || entry bytes)}. One digest and one
 * head, allocated once; advancing the chain allocates nothing.
 */
final class HashChain
{
    private final MessageDigest digest;
    private final byte[] head = new byte[CHAIN_LENGTH];

    HashChain()
    {
        digest = Sha256.digest();
        assert digest.getDigestLength() == CHAIN_LENGTH : "digestLength=" + digest.getDigestLength();
    }

    /**
     * Compute the chain value after an entry and write it into the entry, right after the hashed bytes; the head
     * becomes that value.
     *
     * @param entry  the entry's bytes.
     * @param length bytes hashed, from 0; the chain value goes at this offset.
     */
    void seal(final byte[] entry, final int length)
    {
        next(entry, length, entry, length);
        System.arraycopy(entry, length, head, 0, CHAIN_LENGTH);
    }

    /**
     * Check the chain value stored in an entry right after its hashed bytes; on success the head becomes that value.
     *
     * @param entry    the entry's bytes.
     * @param length   bytes hashed, from 0; the stored chain value is at this offset.
     * @param computed receives the value computed, {@link JournalEntryDescriptor#CHAIN_LENGTH} bytes.
     * @return true when the stored value is the one computed.
     */
    boolean verify(final byte[] entry, final int length, final byte[] computed)
    {
        next(entry, length, computed, 0);
        if (!Arrays.equals(computed, 0, CHAIN_LENGTH, entry, length, length + CHAIN_LENGTH))
        {
            return false;
        }
        System.arraycopy(computed, 0, head, 0, CHAIN_LENGTH);
        return true;
    }

    /**
     * Make the head the chain value stored in an entry right after its hashed bytes, without verifying it: for a
     * reader starting at an entry whose chain value a checkpoint vouches for.
     *
     * @param entry  the entry's bytes.
     * @param length bytes hashed, from 0; the stored chain value is at this offset.
     */
    void reset(final byte[] entry, final int length)
    {
        System.arraycopy(entry, length, head, 0, CHAIN_LENGTH);
    }

    /**
     * @param into receives the current head, {@link JournalEntryDescriptor#CHAIN_LENGTH} bytes.
     */
    void head(final byte[] into)
    {
        System.arraycopy(head, 0, into, 0, CHAIN_LENGTH);
    }

    private void next(final byte[] entry, final int length, final byte[] out, final int outOffset)
    {
        digest.update(head, 0, CHAIN_LENGTH);
        digest.update(entry, 0, length);
        try
        {
            digest.digest(out, outOffset, CHAIN_LENGTH);
        }
        catch (final DigestException ex)
        {
            // Only thrown when the output space is too small, which the callers' buffers exclude.
            throw new IllegalStateException("SHA-256 digest failed", ex);
        }
    }
}
