package io.ledgerguard.core.internal;

import io.ledgerguard.core.TableKind;

/**
 * The slot size of each table, from its layout: {@link AccountDescriptor}, {@link PositionDescriptor},
 * {@link HoldDescriptor}, {@link TxIdDescriptor}, {@link InflowDescriptor} and {@link CreditDescriptor}.
 */
public final class Descriptors
{
    private Descriptors()
    {
    }

    /**
     * @param table a table.
     * @return bytes per slot.
     */
    public static int slotBytes(final TableKind table)
    {
        switch (table)
        {
            case ACCOUNTS: return AccountDescriptor.WORDS * 8;
            case POSITIONS: return PositionDescriptor.WORDS * 8;
            case HOLDS: return HoldDescriptor.WORDS * 8;
            case TX_IDS: return TxIdDescriptor.WORDS * 8;
            case INFLOWS: return InflowDescriptor.SLOT_BYTES;
            case CREDITS: return CreditDescriptor.WORDS * 8;
            default: throw new IllegalArgumentException(String.valueOf(table));
        }
    }
}
