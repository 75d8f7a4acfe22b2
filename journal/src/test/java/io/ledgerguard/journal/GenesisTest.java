package io.ledgerguard.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §13 in the journal: a new journal records its genesis, the journal's rules are the authority whatever file is
 * given later, and the rule changes it holds come back through recovery, from a snapshot or by replay.
 */
class GenesisTest
{
    private static final long START_NS = 1_800_000_000_000L * 1_000_000L;

    @TempDir
    Path temp;

    private static final PublicKey OPS_1 = publicKey();
    private static final PublicKey OPS_2 = publicKey();

    private static PublicKey publicKey()
    {
        try
        {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new AssertionError(ex);
        }
    }

    private static GuardConfig config()
    {
        return JournalFixture.config()
            .key(new GuardConfig.KeyConfig("ops-1", OPS_1))
            .key(new GuardConfig.KeyConfig("ops-2", OPS_2))
            .approvals(ApprovalClass.CONFIGURE, new GuardConfig.ApprovalRule(2, List.of("ops-1", "ops-2")));
    }

    /** Writes a journal of a few commands and {@code changes} rule changes; returns the live engine. */
    private static GuardEngine write(final Path directory, final GuardConfig file, final int changes)
    {
        final Genesis genesis = Genesis.of(directory, file);
        assertNotNull(genesis.toRecord(), "a new journal records its genesis");
        final GuardEngine engine = new GuardEngine(genesis.rules());
        final Command command = new Command();
        final Decision decision = new Decision();
        long seq = 0;
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)
            .genesisRules(genesis.toRecord())))
        {
            command.reset();
            command.type = CommandType.OPEN_ACCOUNT;
            command.txId = 1;
            command.accountId = 1001;
            command.accountKind = AccountKind.CUSTOMER;
            seq = apply(engine, journal, command, decision, seq);
            for (int i = 0; i < changes; i++)
            {
                approvedChange(command, 100 + i, "assets.BTC.creditCapMinorUnits=" + (1_000 + i) + "\n");
                seq = apply(engine, journal, command, decision, seq);
                assertEquals(Reason.OK, decision.reason, decision::toString);
            }
        }
        return engine;
    }

    /** A rule change as the approval verifier passes it: two approvals counted against the genesis's approvers. */
    private static void approvedChange(final Command command, final long txId, final String settings)
    {
        command.reset();
        command.type = CommandType.CONFIGURE;
        command.txId = txId;
        command.settings(settings);
        command.expiresAtMs = START_NS / 1_000_000 + 60_000;
        command.addApproval("ops-1", new byte[Command.SIGNATURE_LENGTH]);
        command.addApproval("ops-2", new byte[Command.SIGNATURE_LENGTH]);
        command.approvalsVerified = 2;
    }

    private static long apply(final GuardEngine engine, final ChronicleJournal journal, final Command command,
        final Decision decision, final long seq)
    {
        command.seq = seq + 1;
        command.timestampNs = START_NS + command.seq * 1_000_000L;
        engine.apply(command, decision);
        journal.append(command, decision);
        return command.seq;
    }

    @Test
    void shouldDecideUnderTheJournalsRulesWhateverFileIsGivenLater()
    {
        final Path directory = temp.resolve("journal");
        final GuardConfig file = config();
        final GuardEngine live = write(directory, file, 3);
        assertEquals(3, live.rulesVersion());

        final GuardConfig edited = config();
        edited.assetByCode("USD").reserveBufferMinorUnits = 77;
        edited.limits().txIdsMax = 8192;
        final Genesis reopened = Genesis.of(directory, edited);
        assertNull(reopened.toRecord(), "an existing journal keeps its genesis");
        assertTrue(reopened.inJournal());
        assertEquals(0, reopened.rules().assetByCode("USD").reserveBufferMinorUnits, "the file's edit is not taken");
        assertEquals(8192, reopened.rules().limits().txIdsMax, "table sizes are the file's");

        final GuardEngine recovered = new GuardEngine(reopened.rules());
        final Recovery.Result recovery = Recovery.recover(directory, null, recovered);
        assertEquals(live.stateHash().hex(), recovery.stateHashHex());
        assertEquals(3, recovered.rulesVersion());
        assertEquals(1_002, recovered.config().assetByCode("BTC").creditCapMinorUnits);
        final List<String> differences = Genesis.differences(recovered.config(), edited);
        assertTrue(differences.contains("assets.BTC.creditCapMinorUnits: 1002 -> " + Long.MAX_VALUE),
            differences::toString);
        assertTrue(differences.contains("assets.USD.reserveBufferMinorUnits: 0 -> 77"), differences::toString);
        assertEquals(2, differences.size(), differences::toString);

        final Genesis.History history = Genesis.history(directory, null, Long.MAX_VALUE);
        assertEquals(3, history.changes().size());
        assertEquals(List.of(2L, 3L, 4L), history.changes().stream().map(Genesis.Change::seq).toList());
        assertEquals(1_002, history.rules().assetByCode("BTC").creditCapMinorUnits);
        assertEquals(1_000, Genesis.history(directory, null, 2).rules().assetByCode("BTC").creditCapMinorUnits);
        assertEquals(Rules.settings(file), Rules.settings(history.genesis()));
        assertEquals(file.limits().txIdsMax,
            Rules.build(Rules.parse(JournalReader.readGenesis(directory)), null).limits().txIdsMax,
            "the genesis records the table sizes the journal was begun with, for tools that read it alone");
    }

    @Test
    void shouldCarryTheRulesInForceInASnapshot()
    {
        final Path directory = temp.resolve("journal");
        final GuardConfig file = config();
        final GuardEngine live = write(directory, file, 2);
        final SnapshotStore store = SnapshotStore.inJournal(directory);
        final String hash = live.stateHash().hex();
        final Path snapshot = store.write(live, 3, hash);

        final GuardEngine restored = new GuardEngine(Genesis.of(directory, file).rules());
        assertEquals(0, restored.rulesVersion());
        final SnapshotStore.Loaded loaded = SnapshotStore.load(snapshot, restored);
        assertEquals(hash, loaded.stateHashHex());
        assertEquals(2, restored.rulesVersion());
        assertEquals(3, restored.rulesChangeSeq());
        assertEquals(1_001, restored.config().assetByCode("BTC").creditCapMinorUnits);
        assertEquals(hash, restored.stateHash().hex());
    }

    @Test
    void shouldRecoverAnAssetListedMidStreamFromTheJournalAndFromASnapshot()
    {
        final Path directory = temp.resolve("journal");
        final GuardConfig file = config();
        final Genesis genesis = Genesis.of(directory, file);
        final GuardEngine live = new GuardEngine(genesis.rules());
        final Command command = new Command();
        final Decision decision = new Decision();
        long seq = 0;
        try (ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)
            .genesisRules(genesis.toRecord())))
        {
            approvedChange(command, 1, "assets=+SOL\nassets.SOL.id=7\nassets.SOL.scale=9\n" +
                "assets.SOL.reserveBufferMinorUnits=0\nassets.SOL.breachToleranceMinorUnits=0\n" +
                "assets.SOL.creditCapMinorUnits=100000\nassets.SOL.attestationAgeMsMax=60000\n" +
                "assets.SOL.hotShareBpsMax=10000\nassets.SOL.volumeAlert.windowMs=60000\n" +
                "assets.SOL.volumeAlert.holdingsMultipleBps=10000\nassets.SOL.outflow.windowMs=3600000\n" +
                "assets.SOL.outflow.minorUnitsMax=1000000\nassets.SOL.outflow.hotShareBpsMax=10000\n" +
                "assets.SOL.outflow.burstRejections=3\n" +
                "wallets=+301\nwallets.301.asset=SOL\nwallets.301.kind=HOT\nwallets.301.driftToleranceMinorUnits=0\n");
            seq = apply(live, journal, command, decision, seq);
            assertEquals(Reason.OK, decision.reason, decision::toString);
            command.reset();
            command.type = CommandType.INFLOW;
            command.txId = 2;
            command.walletId = 301;
            command.assetId = 7;
            command.amount = 5_000;
            command.chainRef("sol-1");
            seq = apply(live, journal, command, decision, seq);
            assertEquals(Reason.OK, decision.reason, decision::toString);
        }
        assertEquals(3, live.assetCount());
        assertEquals(5_000, live.holdings(2));
        final String hash = live.stateHash().hex();

        // From the journal alone, under the file that never listed SOL.
        final GuardEngine replayed = new GuardEngine(Genesis.of(directory, file).rules());
        assertEquals(hash, Recovery.recover(directory, null, replayed).stateHashHex());
        assertEquals(3, replayed.assetCount());
        // From a snapshot, into an engine of the genesis: its records, windows and rules.
        final Path snapshot = SnapshotStore.inJournal(directory).write(live, seq, hash);
        final GuardEngine restored = new GuardEngine(Genesis.of(directory, file).rules());
        assertEquals(2, restored.assetCount());
        assertEquals(hash, SnapshotStore.load(snapshot, restored).stateHashHex());
        assertEquals(hash, restored.stateHash().hex());
        assertEquals(3, restored.counters().assetCount());
        assertEquals(5_000, restored.holdings(2));
        assertEquals(null, restored.checkInvariants());
    }

    @Test
    void shouldKeepAnEnginesOwnRulesWhenASnapshotHoldsNoChange()
    {
        // A snapshot of rules never changed restores into an engine of other genesis rules (a journal begun before
        // rules were journaled, read with an edited file) without bringing its own: the engine's are in force.
        final GuardConfig file = config();
        final GuardEngine live = new GuardEngine(file);
        final Path snapshot = SnapshotStore.inJournal(temp).write(live, 0, live.stateHash().hex());
        final GuardConfig edited = config();
        edited.assetByCode("BTC").creditCapMinorUnits = 55;
        final GuardEngine restored = new GuardEngine(edited);
        SnapshotStore.load(snapshot, restored);
        assertEquals(55, restored.config().assetByCode("BTC").creditCapMinorUnits);
        assertEquals(0, restored.rulesVersion());
    }

    @Test
    void shouldWriteTheGenesisOfAJournalThatHoldsOnlyItsHeader()
    {
        // The process stopped between the header and the genesis: nothing was decided, the journal begins again.
        final Path directory = temp.resolve("header-only");
        new ChronicleJournal(new ChronicleJournalContext().directory(directory)).close();
        final GuardConfig file = config();
        final Genesis genesis = Genesis.of(directory, file);
        assertNotNull(genesis.toRecord());
        new ChronicleJournal(new ChronicleJournalContext().directory(directory).genesisRules(genesis.toRecord()))
            .close();
        assertEquals(Rules.genesis(file), JournalReader.readGenesis(directory));
        assertNull(Genesis.of(directory, file).toRecord());
    }

    @Test
    void shouldReadAJournalBegunBeforeRulesWereJournaledUnderTheFilesRules()
    {
        final Path directory = temp.resolve("old");
        JournalFixture.runPipeline(new ChronicleJournal(new ChronicleJournalContext().directory(directory)), 1,
            new GuardEngine(JournalFixture.config()), 3, 1);
        assertNull(JournalReader.readGenesis(directory));
        final GuardConfig file = JournalFixture.config();
        final Genesis genesis = Genesis.of(directory, file);
        assertNull(genesis.toRecord());
        assertTrue(!genesis.inJournal());
        // The file's rules, as then: without the gateway's clients and roles, which were not rules then.
        assertEquals(Rules.settings(Rules.withoutClients(file)), Rules.settings(genesis.rules()));
        assertTrue(!genesis.rules().clientsInRules());
        assertTrue(!genesis.clientsInJournal());
        assertNull(Genesis.history(directory, null, Long.MAX_VALUE));
    }

    @Test
    void shouldRecordAGenesisLongerThanOneEntryInParts()
    {
        // Many wallets: a genesis longer than the longest entry body is recorded in several entries.
        final GuardConfig file = config();
        for (int i = 0; i < 600; i++)
        {
            file.wallet(new GuardConfig.WalletConfig(10_000 + i, "BTC", io.ledgerguard.core.WalletKind.COLD));
        }
        final String text = Rules.genesis(file);
        assertTrue(text.length() > JournalEntryDescriptor.BODY_LENGTH_MAX, "length=" + text.length());
        final Path directory = temp.resolve("long");
        write(directory, file, 1);
        assertEquals(text, JournalReader.readGenesis(directory));
        assertEquals(1_000, Genesis.history(directory, null, Long.MAX_VALUE).rules()
            .assetByCode("BTC").creditCapMinorUnits);
    }

    @Test
    void shouldRefuseAGenesisThatEndsBeforeItsLastPart() throws Exception
    {
        final GuardConfig file = config();
        for (int i = 0; i < 600; i++)
        {
            file.wallet(new GuardConfig.WalletConfig(10_000 + i, "BTC", io.ledgerguard.core.WalletKind.COLD));
        }
        final Path directory = temp.resolve("cut");
        write(directory, file, 0);
        // Keep the header and the first part only: as if the process died while beginning the journal.
        final Path repaired = temp.resolve("cut-copy");
        final List<byte[]> excerpts = JournalFixture.rawExcerpts(directory);
        assertTrue(excerpts.size() >= 3, "header, parts, command: " + excerpts.size());
        JournalFixture.writeRawExcerpts(repaired, excerpts.subList(0, 2));
        assertTrue(Files.isDirectory(repaired));
        final JournalCorruptException refused = assertThrows(JournalCorruptException.class,
            () -> Genesis.of(repaired, file));
        assertTrue(refused.getMessage().contains("genesis rules"), refused.getMessage());
    }
}
