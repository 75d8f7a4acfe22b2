package io.ledgerguard.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;
import io.ledgerguard.core.WalletKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that the YAML of SPEC §9 loads into a concluded configuration and that every kind of mistake is rejected
 * with the path of the offending key, and its line where the parser knows it.
 */
class ConfigLoaderTest
{
    /** SPEC §9's example, verbatim. */
    private static final String SPEC_EXAMPLE = """
        assets:
          - code: BTC                 # unique, [A-Z0-9]{2,12}
            id: 1                     # unique int > 0
            scale: 8
            reserveBufferMinorUnits: 0      # I2 buffer
            breachToleranceMinorUnits: 0    # §5.1
            creditCapMinorUnits: 10000000000 # §5.5, single credit cap
            attestationAgeMsMax: 60000       # I5
            volumeAlert: { windowMs: 60000, holdingsMultiple: 1.0 }                 # §5.3
            outflow: { windowMs: 3600000, minorUnitsMax: 5000000000, hotShareBpsMax: 2000 }  # §5.4
            hotShareBpsMax: 2000             # §5.7
        wallets:
          - { id: 1, asset: BTC, kind: HOT,  driftToleranceMinorUnits: 0 }
          - { id: 2, asset: BTC, kind: COLD, driftToleranceMinorUnits: 0 }
        limits: { accountsMax: 1000000, positionsMax: 4000000, holdsMax: 1000000, txIdsMax: 16000000 }
        """;

    /** Two assets, the second one's lines easy to edit. */
    private static final String TWO_ASSETS = """
        assets:
          - code: BTC
            id: 1
            scale: 8
          - code: KRW
            id: 2
            scale: 0
        wallets:
          - { id: 1, asset: BTC, kind: HOT }
          - { id: 2, asset: KRW, kind: BANK }
        limits: { accountsMax: 100, positionsMax: 400, holdsMax: 100, txIdsMax: 1000 }
        """;

    @Test
    void shouldLoadApproversAndNameEveryMistakeInThem()
    {
        final String alice = "MCowBQYDK2VwAyEAPOcgMGye22qb8JGVHDUX4qx9VWgDum7adkPNoZ05dAM=";
        final String bobRaw = "LmPXhJcvosjZY+qk2U3fpch/bl13ASfp/gnz2ktOhrA=";
        final String keys = "keys:\n  - { id: alice, publicKey: \"" + alice + "\" }\n" +
            "  - { id: bob, publicKey: \"" + bobRaw + "\" }\n";
        final GuardConfig config = ConfigLoader.parse(TWO_ASSETS + keys +
            "approvals:\n  validityMsMax: 60000\n  ADJUST: { required: 2, keys: [alice, bob] }\n" +
            "  LIFT: { required: 1, keys: [bob] }\n");
        assertEquals(2, config.approvalsRequired(io.ledgerguard.core.ApprovalClass.ADJUST));
        assertEquals(1, config.approvalsRequired(io.ledgerguard.core.ApprovalClass.LIFT));
        assertEquals(0, config.approvalsRequired(io.ledgerguard.core.ApprovalClass.REVERSE));
        assertEquals(60_000, config.approvalValidityMsMax());
        assertEquals(java.util.List.of(io.ledgerguard.core.ApprovalClass.REVERSE,
            io.ledgerguard.core.ApprovalClass.CUSTODY_FEED), config.openApprovalClasses());

        assertEquals("keys[0].publicKey: not base64: Illegal base64 character 21 (line 13)", assertThrows(
            ConfigurationException.class, () -> ConfigLoader.parse(TWO_ASSETS +
                "keys:\n  - { id: alice, publicKey: \"!!\" }\n")).getMessage());
        assertEquals("keys[0].publicKey: not an Ed25519 public key: expected 32 raw bytes or a 44-byte X.509 " +
            "encoding (base64), got 3 bytes (line 13)", assertThrows(ConfigurationException.class,
                () -> ConfigLoader.parse(TWO_ASSETS + "keys:\n  - { id: alice, publicKey: \"YWJj\" }\n")).getMessage());
        assertTrue(assertThrows(ConfigurationException.class, () -> ConfigLoader.parse(TWO_ASSETS + keys +
            "approvals:\n  MINT: { required: 2, keys: [alice, bob] }\n")).getMessage()
            .startsWith("approvals.MINT: unknown key; expected one of validityMsMax, domain, ADJUST, REVERSE, LIFT, " +
                "CUSTODY_FEED"));
        assertEquals("approvals.LIFT.required: must be 1..2 (the number of keys), was 3 (line 16)",
            assertThrows(ConfigurationException.class, () -> ConfigLoader.parse(TWO_ASSETS + keys +
                "approvals:\n  LIFT: { required: 3, keys: [alice, bob] }\n")).getMessage());
    }

    @Test
    void shouldLoadTheSpecExample()
    {
        final GuardConfig config = ConfigLoader.parse(SPEC_EXAMPLE);

        assertTrue(config.isConcluded());
        assertEquals(1, config.assets().size());
        final GuardConfig.AssetConfig btc = config.assets().get(0);
        assertEquals("BTC", btc.code);
        assertEquals(1, btc.id);
        assertEquals(8, btc.scale);
        assertEquals(0, btc.reserveBufferMinorUnits);
        assertEquals(0, btc.breachToleranceMinorUnits);
        assertEquals(10_000_000_000L, btc.creditCapMinorUnits);
        assertEquals(60_000, btc.attestationAgeMsMax);
        assertEquals(60_000, btc.volumeAlertWindowMs);
        assertEquals(10_000, btc.volumeAlertHoldingsMultipleBps);
        assertEquals(3_600_000, btc.outflowWindowMs);
        assertEquals(5_000_000_000L, btc.outflowMinorUnitsMax);
        assertEquals(2_000, btc.outflowHotShareBpsMax);
        assertEquals(2_000, btc.hotShareBpsMax);

        assertEquals(2, config.wallets().size());
        assertEquals(1, config.wallets().get(0).id);
        assertEquals("BTC", config.wallets().get(0).asset);
        assertEquals(WalletKind.HOT, config.wallets().get(0).kind);
        assertEquals(WalletKind.COLD, config.wallets().get(1).kind);

        assertEquals(1_000_000, config.limits().accountsMax);
        assertEquals(4_000_000, config.limits().positionsMax);
        assertEquals(1_000_000, config.limits().holdsMax);
        assertEquals(16_000_000, config.limits().txIdsMax);
    }

    @Test
    void shouldLoadTheExampleFileOfTheRepository()
    {
        // Tests run in the module's directory; the examples are at the repository root.
        final GuardConfig config = ConfigLoader.load(Path.of("..", "examples", "config.yaml"));

        assertEquals("BTC", config.assets().get(0).code);
        assertEquals(3, config.wallets().size());
    }

    @Test
    void shouldLoadAFileAndAcceptInflowsMax(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("config.yaml");
        Files.writeString(file, TWO_ASSETS.replace("txIdsMax: 1000 }", "txIdsMax: 1000, inflowsMax: 50 }"),
            StandardCharsets.UTF_8);

        final GuardConfig config = ConfigLoader.load(file);

        assertEquals(50, config.limits().inflowsMax);
        assertEquals(2, config.assets().size());
    }

    @Test
    void shouldReadTheAdminTokensAndNameEveryMistakeInThem(@TempDir final Path dir) throws IOException
    {
        final String viewer = "a".repeat(64);
        final String auditor = "b".repeat(64);
        final Path file = dir.resolve("config.yaml");
        Files.writeString(file, TWO_ASSETS + "admin:\n  tokens:\n" +
            "    - { name: dashboard, role: viewer, sha256: " + viewer + " }\n" +
            "    - { name: auditor, role: auditor, sha256: " + auditor + " }\n");
        final AdminSettings settings = ConfigLoader.loadAdminSettings(file);
        assertEquals(2, settings.tokens().size());
        assertEquals(AdminSettings.Role.VIEWER, settings.tokens().get(0).role());
        assertEquals("auditor", settings.tokens().get(1).name());
        assertEquals(0, ConfigLoader.loadAdminSettings(writeTo(dir, TWO_ASSETS)).tokens().size());

        final String[][] mistakes = {
            {"admin: { tokens: [ { name: x, role: root, sha256: " + viewer + " } ] }", "admin.tokens[0].role"},
            {"admin: { tokens: [ { name: x, role: viewer, sha256: abc } ] }", "admin.tokens[0].sha256"},
            {"admin: { tokens: [ { name: x, role: viewer } ] }", "admin.tokens[0].sha256"},
            {"admin: { tokens: [ { name: x, role: viewer, sha256: " + viewer + " }, { name: x, role: viewer, " +
                "sha256: " + auditor + " } ] }", "admin.tokens[1].name"},
            {"admin: { tokens: [ { name: x, role: viewer, sha256: " + viewer + " }, { name: y, role: viewer, " +
                "sha256: " + viewer + " } ] }", "admin.tokens[1].sha256"},
            {"admin: { token: [] }", "admin.token"},
        };
        for (final String[] mistake : mistakes)
        {
            final ConfigurationException ex = assertThrows(ConfigurationException.class,
                () -> ConfigLoader.parse(TWO_ASSETS + mistake[0] + "\n"), mistake[0]);
            assertEquals(mistake[1], ex.key(), ex.getMessage());
        }
    }

    private static Path writeTo(final Path dir, final String text) throws IOException
    {
        final Path file = dir.resolve("plain.yaml");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void shouldReadTheJournalSectionWithDefaultsWhereItIsSilent(@TempDir final Path dir) throws IOException
    {
        final Path file = dir.resolve("config.yaml");
        Files.writeString(file, TWO_ASSETS + "journal: { durability: os, snapshotsKept: 5 }\n", StandardCharsets.UTF_8);

        final JournalSettings settings = ConfigLoader.loadJournalSettings(file);

        assertEquals(io.ledgerguard.journal.JournalDurability.OS, settings.durability());
        assertEquals(5, settings.snapshotsKept());
        assertEquals("FAST_DAILY", settings.rollCycle());
        assertEquals(JournalSettings.SNAPSHOT_EVERY_COMMANDS_DEFAULT, settings.snapshotEveryCommands());
        assertEquals(2, ConfigLoader.load(file).assets().size(), "the guard's part reads the same file");
    }

    @Test
    void shouldReadTheRetentionWindowsWithDefaultsWhereItIsSilent()
    {
        final GuardConfig config = ConfigLoader.parse(TWO_ASSETS + "retention: { txIdWindowMs: 60000 }\n");

        assertEquals(60_000, config.retention().txIdWindowMs);
        assertEquals(GuardConfig.Retention.CREDIT_REVERSAL_WINDOW_MS_DEFAULT,
            config.retention().creditReversalWindowMs);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "retention: { txIdWindowMs: 0 }|retention.txIdWindowMs: ",
        "retention: { creditReversalWindowMs: -5 }|retention.creditReversalWindowMs: ",
        "retention: { txIdWindow: 5 }|retention.txIdWindow: unknown key"
    })
    void shouldNameTheRetentionKeyAtFault(final String section, final String expected)
    {
        final ConfigurationException refused =
            assertThrows(ConfigurationException.class, () -> ConfigLoader.parse(TWO_ASSETS + section + "\n"));
        assertTrue(refused.getMessage().startsWith(expected), refused.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "journal: { durability: disk }|journal.durability: must be process or os, was \"disk\"",
        "journal: { rollCycle: WEEKLYISH }|journal.rollCycle: unknown roll cycle WEEKLYISH",
        "journal: { snapshotsKept: 0 }|journal.snapshotsKept: must be 1..1000, was 0",
        "journal: { retention: 3 }|journal.retention: unknown key"
    })
    void shouldNameTheJournalKeyAtFault(final String section, final String expected)
    {
        final ConfigurationException refused =
            assertThrows(ConfigurationException.class, () -> ConfigLoader.parse(TWO_ASSETS + section + "\n"));
        assertTrue(refused.getMessage().startsWith(expected), refused.getMessage());
        assertTrue(refused.getMessage().contains("line "), refused.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "1.0, 10000",
        "2, 20000",
        "1.25, 12500",
        "0.0001, 1",
        "3.1415, 31415"
    })
    void shouldStoreHoldingsMultipleExactlyInBasisPoints(final String multiple, final long bps)
    {
        final GuardConfig config = ConfigLoader.parse(
            SPEC_EXAMPLE.replace("holdingsMultiple: 1.0", "holdingsMultiple: " + multiple));

        assertEquals(bps, config.assets().get(0).volumeAlertHoldingsMultipleBps);
    }

    @Test
    void shouldRejectHoldingsMultipleFinerThanABasisPoint()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class, () -> ConfigLoader.parse(
            SPEC_EXAMPLE.replace("holdingsMultiple: 1.0", "holdingsMultiple: 1.00005")));

        assertEquals("assets[0].volumeAlert.holdingsMultiple", ex.key());
        assertTrue(ex.getMessage().contains("at most 4 decimal places"), ex.getMessage());
        assertTrue(ex.getMessage().endsWith("(line 9)"), ex.getMessage());
    }

    @Test
    void shouldRejectAnUnknownKeyListingTheExpectedOnes()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class, () -> ConfigLoader.parse(
            SPEC_EXAMPLE.replace("reserveBufferMinorUnits: 0", "reserveBufer: 0")));

        assertEquals("assets[0].reserveBufer", ex.key());
        assertTrue(ex.getMessage().startsWith(
            "assets[0].reserveBufer: unknown key; expected one of code, id, scale, reserveBufferMinorUnits"),
            ex.getMessage());
        assertTrue(ex.getMessage().endsWith("(line 5)"), ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "limits: { accountsMax: 100|limits: { accountMax: 100|limits.accountMax",
        "  - { id: 1, asset: BTC, kind: HOT }|  - { id: 1, asset: BTC, kind: HOT, drift: 1 }|wallets[0].drift",
        "wallets:|walets:|walets",
        "    scale: 0|    scale: 0\\n    outflow: { windowMs: 1, maxMinorUnits: 1 }|assets[1].outflow.maxMinorUnits"
    })
    void shouldRejectUnknownKeysAtEveryLevel(final String from, final String to, final String key)
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"))));

        assertEquals(key, ex.key());
        assertTrue(ex.getMessage().contains("unknown key; expected one of"), ex.getMessage());
    }

    @Test
    void shouldReadAWalletRetiredByARuleChange()
    {
        final GuardConfig config = ConfigLoader.parse(TWO_ASSETS.replace("kind: BANK", "kind: BANK, retired: true"));

        assertTrue(config.wallets().get(1).retired);
        assertFalse(config.wallets().get(0).retired);
        assertTrue(Rules.settings(config).containsKey("wallets.2.retired"));
    }

    @Test
    void shouldRejectAWrongTypeQuotingWhatWasGiven()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("scale: 0", "scale: eight")));

        assertEquals("assets[1].scale: must be an integer 0..18, was \"eight\" (line 7)", ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "scale: 0|scale: '8'|assets[1].scale|must be an integer 0..18, was \"8\"",
        "scale: 0|scale: 2.0|assets[1].scale|must be an integer 0..18, was 2.0",
        "scale: 0|scale: 19|assets[1].scale|must be 0..18, was 19",
        "scale: 0|scale: 012|assets[1].scale|must be an integer 0..18, was 012",
        "id: 2|id: 0x2|assets[1].id|must be an integer 1..2147483647, was 0x2",
        "id: 2|id: 3000000000|assets[1].id|must be 1..2147483647, was 3000000000",
        "scale: 0|scale: 0\\n    creditCapMinorUnits: 1e9|assets[1].creditCapMinorUnits|" +
            "must be an integer > 0, was 1e9",
        "scale: 0|scale: 0\\n    creditCapMinorUnits: 99999999999999999999|assets[1].creditCapMinorUnits|" +
            "must be an integer > 0 that fits in 64 bits, was 99999999999999999999",
        "scale: 0|scale: 0\\n    hotShareBpsMax: 10001|assets[1].hotShareBpsMax|" +
            "must be 0..10000 basis points, was 10001",
        "scale: 0|scale: 0\\n    volumeAlert: 5|assets[1].volumeAlert|must be a mapping, was 5",
        "kind: BANK|kind: bank|wallets[1].kind|must be one of HOT, COLD, CUSTODIAN, BANK, was \"bank\"",
        "kind: BANK|kind: [BANK]|wallets[1].kind|must be a string, was a list",
        "kind: BANK|kind: BANK, retired: 1|wallets[1].retired|must be true or false, was 1",
        "{ accountsMax: 100, positionsMax: 400, holdsMax: 100, txIdsMax: 1000 }|[1]|limits|" +
            "must be a mapping, was a list",
        "  - { id: 1, asset: BTC, kind: HOT }\\n  - { id: 2, asset: KRW, kind: BANK }|  HOT|wallets|" +
            "must be a list, was \"HOT\""
    })
    void shouldRejectWrongTypesAndRangesNamingTheKey(
        final String from, final String to, final String key, final String problem)
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace(from.replace("\\n", "\n"), to.replace("\\n", "\n"))));

        assertEquals(key, ex.key(), ex.getMessage());
        assertTrue(ex.getMessage().startsWith(key + ": " + problem + " (line "), ex.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "holdsMax: 100|holdsMax: 0|limits.holdsMax: must be > 0, was 0 (line 11)",
        "holdsMax: 100|holdsMax: -5|limits.holdsMax: must be > 0, was -5 (line 11)",
        "  - { id: 1, asset: BTC, kind: HOT }|  - { id: 1, asset: BTC, kind: HOT, driftToleranceMinorUnits: -1 }|" +
            "wallets[0].driftToleranceMinorUnits: must be >= 0, was -1 (line 9)"
    })
    void shouldRejectANegativeOrZeroLimit(final String from, final String to, final String message)
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace(from, to)));

        assertEquals(message, ex.getMessage());
    }

    @Test
    void shouldRejectABadAssetCode()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("code: KRW", "code: krw")));

        assertEquals("assets[1].code", ex.key());
        assertEquals("assets[1].code: must match [A-Z0-9]{2,12}, was 'krw' (line 5)", ex.getMessage());
    }

    @Test
    void shouldRejectADuplicateAssetId()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("id: 2", "id: 1")));

        assertEquals("assets[1].id: duplicate asset id 1 (line 6)", ex.getMessage());
    }

    @Test
    void shouldRejectADuplicateWalletId()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("{ id: 2, asset: KRW", "{ id: 1, asset: KRW")));

        assertEquals("wallets[1].id: duplicate wallet id 1 (line 10)", ex.getMessage());
    }

    @Test
    void shouldRejectAWalletOfAnUnknownAsset()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("asset: BTC", "asset: BTX")));

        assertEquals("wallets[0].asset: unknown asset 'BTX' (line 9)", ex.getMessage());
    }

    @Test
    void shouldRejectADuplicateKey()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("    scale: 8\n", "    scale: 8\n    scale: 6\n")));

        assertEquals("assets[0].scale: duplicate key (line 5)", ex.getMessage());
    }

    @Test
    void shouldRejectAMissingRequiredKey()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("    scale: 0\n", "")));

        assertEquals("assets[1].scale: missing required key (line 5)", ex.getMessage());
    }

    @Test
    void shouldRejectAYamlSyntaxError()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(TWO_ASSETS.replace("asset: KRW, kind: BANK }", "asset: [KRW }")));

        assertEquals(ConfigLoader.DOCUMENT_KEY, ex.key());
        assertTrue(ex.getMessage().startsWith("(document): YAML syntax error: "), ex.getMessage());
        assertTrue(ex.getMessage().endsWith("(line 10)"), ex.getMessage());
    }

    @Test
    void shouldRejectAnEmptyDocument()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse("# nothing here\n"));

        assertEquals(ConfigLoader.DOCUMENT_KEY, ex.key());
        assertTrue(ex.getMessage().contains("empty configuration"), ex.getMessage());
    }

    @Test
    void shouldRejectADocumentWithoutAssets()
    {
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse("limits: { holdsMax: 5 }\n"));

        assertEquals("(document): missing required key 'assets' (line 1)", ex.getMessage());
    }

    @Test
    void shouldNameTheFileThatCannotBeRead(@TempDir final Path dir)
    {
        final Path missing = dir.resolve("missing.yaml");

        final ConfigurationException ex = assertThrows(ConfigurationException.class, () -> ConfigLoader.load(missing));

        assertEquals(missing.toString(), ex.key());
        assertTrue(ex.getMessage().endsWith("cannot read configuration file: no such file"), ex.getMessage());
    }
}
