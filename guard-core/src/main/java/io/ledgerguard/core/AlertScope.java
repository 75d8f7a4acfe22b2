package io.ledgerguard.core;

/**
 * How widely an alert or a kill switch applies (SPEC §5: account &lt; wallet &lt; asset &lt; all).
 */
public enum AlertScope
{
    ACCOUNT,
    WALLET,
    ASSET,
    ALL
}
