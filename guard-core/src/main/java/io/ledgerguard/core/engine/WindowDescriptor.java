package io.ledgerguard.core.engine;

/**
 * Layout of the windows part of the state: sliding windows of {@link #BUCKETS} buckets, each window 19 words.
 * <pre>
 *   word  name        what
 *   +----+-----------+--------------------------------------------------------------------------+
 *   |  0 | epoch     | the bucket number (sequenced time / bucketMs) the window was last moved to |
 *   |  1 | sum       | the sum of the buckets                                                     |
 *   |  2 | bucketMs  | the bucket length it was kept with; another one starts the window afresh   |
 *   |3-18| buckets   | one sum per bucket, bucket (epoch % 16) the current one                    |
 *   +----+-----------+--------------------------------------------------------------------------+
 * </pre>
 * Snapshots and the state hash give the windows in this order: per asset its outflows, per wallet its outflows, per
 * asset its velocity rejections (bursts), per asset its traded volume. The engine keeps each of these four groups
 * laid out for the most assets and wallets there can be ({@link Windows#offsetOf}), so that listing an asset moves
 * no window. A window of W ms counts what happened in the last W - W/16 to W ms. The record and the order are part
 * of the snapshot format and of the state hash.
 */
public final class WindowDescriptor
{
    /** Buckets per sliding window. */
    public static final int BUCKETS = 16;
    public static final int EPOCH = 0;
    public static final int SUM = 1;
    public static final int BUCKET_MS = 2;
    public static final int FIRST_BUCKET = 3;
    public static final int WORDS = FIRST_BUCKET + BUCKETS;

    private WindowDescriptor()
    {
    }

    /**
     * @param assetCount  configured assets.
     * @param walletCount configured wallets.
     * @return how many windows the state keeps.
     */
    public static int count(final int assetCount, final int walletCount)
    {
        return 3 * assetCount + walletCount;
    }

    /**
     * @param window a window's number in the engine's layout.
     * @return its byte offset in the windows part.
     */
    public static int offset(final int window)
    {
        return window * WORDS * 8;
    }
}
