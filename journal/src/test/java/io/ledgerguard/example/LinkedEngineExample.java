package io.ledgerguard.example;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.core.pipeline.LinkedGuard;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.JournalFollower;
import io.ledgerguard.journal.Recovery;
import io.ledgerguard.journal.SnapshotStore;

/**
 * The example of the README's "Linking the guard into your engine", whole: the README shows the part between the
 * markers, and {@code LinkedEngineExampleTest} runs it and checks that the README shows it as it is here.
 */
public final class LinkedEngineExample
{
    private LinkedEngineExample()
    {
    }

    /**
     * Recover the guard from its journal, link it in, and decide a deposit and a transfer.
     *
     * @param journalDirectory the journal; made on the first run, recovered and continued on later ones.
     * @param out              where the decisions are printed.
     */
    public static void run(final Path journalDirectory, final PrintStream out)
    {
        // README:begin
        // The rules: the GuardConfig the YAML file gives (ConfigLoader.load, in io.ledgerguard:integration), or built.
        final GuardConfig config = new GuardConfig();
        final GuardConfig.AssetConfig btc = new GuardConfig.AssetConfig("BTC", 1, 8);
        btc.creditCapMinorUnits = 10_000_000_000L;
        config.asset(btc);
        config.wallet(new GuardConfig.WalletConfig(1, "BTC", WalletKind.HOT));
        config.limits().accountsMax = 10_000;
        config.limits().positionsMax = 10_000;
        config.limits().holdsMax = 10_000;
        config.limits().txIdsMax = 100_000;

        final GuardEngine engine = new GuardEngine(config);
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext()
            .directory(journalDirectory).durability(JournalDurability.PROCESS)))
        {
            // Start from the journal: the newest snapshot it vouches for, then every entry after it.
            final SnapshotStore snapshots = SnapshotStore.inJournal(journalDirectory);
            final long lastSeq = Recovery.recover(journal, snapshots, engine).lastSeq();
            // Snapshots come from a second engine that follows the journal: the caller never pauses for one.
            try (JournalFollower follower = new JournalFollower(config, snapshots, journal, 100_000, 60_000, 2,
                engine, lastSeq))
            {
                final LinkedGuard guard = new LinkedGuard(engine, journal, lastSeq + 1, null);

                // On the matching engine's own thread, one command per order, deposit or withdrawal.
                final Command command = new Command();
                command.reset();
                command.type = CommandType.ATTEST;
                command.txId = 1;
                command.walletId = 1;
                command.assetId = 1;
                command.amount = 0;
                out.println("attest:   " + guard.apply(command).reason);
                command.reset();
                command.type = CommandType.INFLOW;
                command.txId = 2;
                command.walletId = 1;
                command.assetId = 1;
                command.amount = 500_000_000L;
                command.chainRef("btc:tx:0001");
                out.println("inflow:   " + guard.apply(command).reason);
                for (final long account : new long[] {1001, 1002})
                {
                    command.reset();
                    command.type = CommandType.OPEN_ACCOUNT;
                    command.txId = 2 + account;
                    command.accountId = account;
                    command.accountKind = AccountKind.CUSTOMER;
                    guard.apply(command);
                }
                command.reset();
                command.type = CommandType.DEPOSIT;
                command.txId = 3;
                command.accountId = 1001;
                command.assetId = 1;
                command.amount = 500_000_000L;
                command.chainRef("btc:tx:0001");
                out.println("deposit:  " + guard.apply(command).reason);
                command.reset();
                command.type = CommandType.TRANSFER;
                command.txId = 4;
                command.debitAccountId = 1001;
                command.creditAccountId = 1002;
                command.assetId = 1;
                command.amount = 600_000_000L;
                final Decision decision = guard.apply(command);
                // Act on it only when accepted: here 6 BTC out of an account that holds 5.
                out.println("transfer: " + decision.reason + (decision.duplicate ? " (again)" : ""));
                guard.close();
                // Before stopping, let the follower read to the end: its last snapshot is then as new as it gets.
                follower.awaitFollowed(guard.nextSeq() - 1, 10, TimeUnit.SECONDS);
            }
        }
        // README:end
    }
}
