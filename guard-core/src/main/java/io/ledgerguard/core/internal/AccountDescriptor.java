package io.ledgerguard.core.internal;

/**
 * Layout of an account's slot in the accounts table, keyed by the account id. Words are 8 bytes.
 * <pre>
 *   0           8                                          16          24
 *   +-----------+------------------------------------------+-----------+
 *   | accountId | kind (bits 0-7), status (bits 8-15)      | reserved  |
 *   +-----------+------------------------------------------+-----------+
 * </pre>
 * Part of the snapshot format and of the state hash.
 */
public final class AccountDescriptor
{
    public static final int WORDS = 3;
    public static final int ID = 0;
    public static final int KIND_STATUS = 1;

    private AccountDescriptor()
    {
    }
}
