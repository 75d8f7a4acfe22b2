package io.ledgerguard.core.engine;

/**
 * Layout of an asset's record in the assets part of the state: ten 8-byte words per asset, in configuration order.
 * Each word has one owner, the room that writes it; the others only read it.
 * <pre>
 *   word  name                 owner          what
 *   +----+--------------------+--------------+-------------------------------------------------------------+
 *   |  0 | obligations        | Cover        | sum over positions of max(balance, 0)                       |
 *   |  1 | holdings           | Custody      | sum of the asset's wallets' expected holdings               |
 *   |  2 | held               | Holds        | sum over positions of held                                  |
 *   |  3 | flags              | (see below)  | HALTED, OUTFLOWS_HALTED: KillSwitches; COLD_RATIO_ALERTED:  |
 *   |    |                    |              | Custody; VOLUME_ALERTED: Windows                            |
 *   |  4 | attestedOldestMs   | Custody      | the oldest of its wallets' attestation times                |
 *   |  5 | stale              | Custody      | 1 once ATTESTATION_STALE was raised; not in the state hash  |
 *   |  6 | haltedAtMs         | KillSwitches | when the asset's kill switch engaged, 0 when it is lifted   |
 *   |  7 | haltCause          | KillSwitches | a KillSwitchCause code                                      |
 *   |  8 | outflowsHaltedAtMs | KillSwitches | when the outflow halt engaged, 0 when it is released        |
 *   |  9 | outflowsHaltCause  | KillSwitches | a KillSwitchCause code                                      |
 *   +----+--------------------+--------------+-------------------------------------------------------------+
 * </pre>
 * The layout is part of the snapshot format and of the state hash: change it only with a new snapshot format.
 */
public final class AssetDescriptor
{
    public static final int WORDS = 10;
    public static final int OBLIGATIONS = 0;
    public static final int HOLDINGS = 1;
    public static final int HELD = 2;
    public static final int FLAGS = 3;
    public static final int ATTESTED_OLDEST_MS = 4;
    public static final int STALE = 5;
    public static final int HALTED_AT_MS = 6;
    public static final int HALT_CAUSE = 7;
    public static final int OUTFLOWS_HALTED_AT_MS = 8;
    public static final int OUTFLOWS_HALT_CAUSE = 9;

    /** The asset's kill switch is engaged (SPEC §5.1, an operator's HALT). */
    public static final long FLAG_HALTED = 1;
    /** Outflows (withdrawals) of the asset halted: custody drift or a velocity burst (SPEC §5.2, §5.4). */
    public static final long FLAG_OUTFLOWS_HALTED = 2;
    /** The hot wallets' share of holdings is above the maximum and has been alerted (SPEC §5.7). */
    public static final long FLAG_COLD_RATIO_ALERTED = 4;
    /** Traded volume in the window is above the multiple of holdings and has been alerted (SPEC §5.3). */
    public static final long FLAG_VOLUME_ALERTED = 8;

    private AssetDescriptor()
    {
    }

    /**
     * @param asset an asset index.
     * @param word  a word of its record.
     * @return the word's byte offset in the assets part.
     */
    public static int offset(final int asset, final int word)
    {
        return (asset * WORDS + word) * 8;
    }
}
