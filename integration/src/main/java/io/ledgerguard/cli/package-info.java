/**
 * The {@code ledger-guard} command-line program (SPEC §9): {@link io.ledgerguard.cli.LedgerGuardCli} and its
 * subcommands. Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
package io.ledgerguard.cli;
