package io.ledgerguard.core;

/**
 * Where custody of an asset is kept (SPEC §2).
 */
public enum WalletKind
{
    HOT,
    COLD,
    CUSTODIAN,
    BANK
}
