package io.ledgerguard.journal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 digests and the lower-case hex the journal, its checkpoints and snapshots write them in.
 */
final class Sha256
{
    /** Bytes of a SHA-256 value. */
    static final int LENGTH = 32;

    private Sha256()
    {
    }

    /**
     * @return a new SHA-256 digest.
     */
    static MessageDigest digest()
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            // Every Java platform must provide SHA-256 (MessageDigest's Javadoc): its absence is a broken JDK.
            throw new IllegalStateException("SHA-256 unavailable", ex);
        }
    }

    /**
     * @param bytes  the bytes.
     * @param offset where to start.
     * @param length how many.
     * @return them as lower-case hex.
     */
    static String hex(final byte[] bytes, final int offset, final int length)
    {
        final byte[] text = new byte[length * 2];
        writeHex(bytes, offset, length, text, 0);
        return new String(text, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Write bytes as lower-case ASCII hex into another array. Allocates nothing.
     *
     * @param from       the bytes.
     * @param fromOffset where to start.
     * @param length     how many.
     * @param to         receives {@code 2 * length} ASCII bytes.
     * @param toOffset   where they go.
     */
    static void writeHex(final byte[] from, final int fromOffset, final int length, final byte[] to, final int toOffset)
    {
        for (int i = 0; i < length; i++)
        {
            final int b = from[fromOffset + i] & 0xFF;
            to[toOffset + 2 * i] = (byte)Character.forDigit(b >> 4, 16);
            to[toOffset + 2 * i + 1] = (byte)Character.forDigit(b & 0xF, 16);
        }
    }
}
