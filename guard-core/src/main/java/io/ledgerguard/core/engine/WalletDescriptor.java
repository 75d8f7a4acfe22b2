package io.ledgerguard.core.engine;

/**
 * Layout of a wallet's record in the wallets part of the state: eight 8-byte words per wallet, in configuration order.
 * <pre>
 *   word  name           owner          what
 *   +----+--------------+--------------+------------------------------------------------------------------+
 *   |  0 | attested     | Custody      | the latest attested balance                                      |
 *   |  1 | attestedAtMs | Custody      | when, epoch ms; {@link #NEVER} before the first attestation      |
 *   |  2 | inflowsSince | Custody      | inflows (and sweeps in) recorded since the last attestation      |
 *   |  3 | outflowsSince| Custody      | settled withdrawals (and sweeps out) since the last attestation  |
 *   |  4 | pending      | Withdrawals  | the sum of open withdrawal holds on the wallet                   |
 *   |  5 | expected     | Custody      | attested + inflowsSince - outflowsSince                          |
 *   |  6 | flags        | KillSwitches | FLAG_HALTED                                                      |
 *   |  7 | haltedAtMs   | KillSwitches | when the wallet's kill switch engaged, 0 when it is released     |
 *   +----+--------------+--------------+------------------------------------------------------------------+
 * </pre>
 * The layout is part of the snapshot format and of the state hash: change it only with a new snapshot format.
 */
public final class WalletDescriptor
{
    public static final int WORDS = 8;
    public static final int ATTESTED = 0;
    public static final int ATTESTED_AT_MS = 1;
    public static final int INFLOWS_SINCE = 2;
    public static final int OUTFLOWS_SINCE = 3;
    public static final int PENDING = 4;
    public static final int EXPECTED = 5;
    public static final int FLAGS = 6;
    public static final int HALTED_AT_MS = 7;

    /** The wallet's kill switch is engaged: no withdrawal from it. */
    public static final long FLAG_HALTED = 1;

    /** The attestation time of a wallet never attested. */
    public static final long NEVER = Long.MIN_VALUE;

    private WalletDescriptor()
    {
    }

    /**
     * @param wallet a wallet index.
     * @param word   a word of its record.
     * @return the word's byte offset in the wallets part.
     */
    public static int offset(final int wallet, final int word)
    {
        return (wallet * WORDS + word) * 8;
    }
}
