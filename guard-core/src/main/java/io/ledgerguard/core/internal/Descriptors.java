package io.ledgerguard.core.internal;

import io.ledgerguard.core.TableKind;

/**
 * Slot layouts of the long-keyed tables, in words, with the diagram of each. All words are 8 bytes.
 * <pre>
 * account  (3 words):  accountId | kind (bits 0-7), status (bits 8-15) | reserved
 * position (6 words):  accountId | assetIndex | available | held | creditLimit | withdrawalHeld
 * hold     (6 words):  holdId | accountId | assetIndex (bits 0-31), kind (bits 32-39) | remaining
 *                      | walletIndex (-1 for an order hold) | position slot offset
 * txId     (3 words):  txId | fingerprint | outcome: reason code (bits 0-15), failed inner index + 1 (bits 16-31),
 *                      exhausted table ordinal + 1 (bits 32-39)
 * </pre>
 * Positions are never removed, so a hold may keep its position's slot offset.
 */
public final class Descriptors
{
    public static final int ACCOUNT_WORDS = 3;
    public static final int ACCOUNT_ID = 0;
    public static final int ACCOUNT_KIND_STATUS = 1;

    public static final int POSITION_WORDS = 6;
    public static final int POSITION_ACCOUNT_ID = 0;
    public static final int POSITION_ASSET_INDEX = 1;
    public static final int POSITION_AVAILABLE = 2;
    public static final int POSITION_HELD = 3;
    public static final int POSITION_CREDIT_LIMIT = 4;
    /** The part of held that is pending withdrawals: units already promised to leave custody. */
    public static final int POSITION_WITHDRAWAL_HELD = 5;

    public static final int HOLD_WORDS = 6;
    public static final int HOLD_ID = 0;
    public static final int HOLD_ACCOUNT_ID = 1;
    public static final int HOLD_ASSET_KIND = 2;
    public static final int HOLD_REMAINING = 3;
    public static final int HOLD_WALLET_INDEX = 4;
    public static final int HOLD_POSITION_OFFSET = 5;
    public static final int HOLD_KIND_ORDER = 1;
    public static final int HOLD_KIND_WITHDRAWAL = 2;

    public static final int TX_WORDS = 3;
    public static final int TX_ID = 0;
    public static final int TX_FINGERPRINT = 1;
    public static final int TX_OUTCOME = 2;

    /** A reversible credit (SPEC §5.6): a DEPOSIT or a crediting ADJUST, keyed by its txId. */
    public static final int CREDIT_WORDS = 7;
    public static final int CREDIT_TX_ID = 0;
    public static final int CREDIT_ACCOUNT_ID = 1;
    public static final int CREDIT_ASSET_INDEX = 2;
    public static final int CREDIT_AMOUNT = 3;
    /** The inflow slot a deposit credited, -1 for an adjustment. */
    public static final int CREDIT_INFLOW = 4;
    /** The txId of the REVERSE that returned it, 0 while it stands. */
    public static final int CREDIT_REVERSED_BY = 5;
    /** What the reversal could not take back: a claim on the account. */
    public static final int CREDIT_CLAIM = 6;

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
            case ACCOUNTS: return ACCOUNT_WORDS * 8;
            case POSITIONS: return POSITION_WORDS * 8;
            case HOLDS: return HOLD_WORDS * 8;
            case TX_IDS: return TX_WORDS * 8;
            case INFLOWS: return InflowDescriptor.SLOT_BYTES;
            case CREDITS: return CREDIT_WORDS * 8;
            default: throw new IllegalArgumentException(String.valueOf(table));
        }
    }
}
