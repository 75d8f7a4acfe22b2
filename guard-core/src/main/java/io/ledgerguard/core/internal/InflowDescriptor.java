package io.ledgerguard.core.internal;

import io.ledgerguard.core.Command;

/**
 * Layout of an inflow slot in {@link InflowTable}. Bytes are little-endian words, zero padded.
 * <pre>
 *   0        8        16                                   144            152      160       168           176
 *   +--------+--------+------------------------------------+--------------+--------+---------+-------------+
 *   | hash   | length | chain reference (128 bytes)        | asset|wallet | amount | credited| liveCredits |
 *   +--------+--------+------------------------------------+--------------+--------+---------+-------------+
 * </pre>
 * {@code hash} is the chain reference's, unique among the inflows held (a second reference with the same hash is
 * refused), so credits name their inflow by it. {@code liveCredits} counts the credits that name it: the inflow is
 * kept while any does (SPEC §11).
 */
public final class InflowDescriptor
{
    public static final int CHAIN_REF_LENGTH_MAX = Command.CHAIN_REF_LENGTH_MAX;
    public static final int HASH_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int BYTES_OFFSET = 16;
    public static final int WALLET_ASSET_OFFSET = BYTES_OFFSET + CHAIN_REF_LENGTH_MAX;
    public static final int AMOUNT_OFFSET = WALLET_ASSET_OFFSET + 8;
    public static final int CREDITED_OFFSET = AMOUNT_OFFSET + 8;
    public static final int LIVE_CREDITS_OFFSET = CREDITED_OFFSET + 8;
    public static final int SLOT_BYTES = LIVE_CREDITS_OFFSET + 8;

    private InflowDescriptor()
    {
    }
}
