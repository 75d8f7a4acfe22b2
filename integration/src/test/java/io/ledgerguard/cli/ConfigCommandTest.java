package io.ledgerguard.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.audit.AuditJournals;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.RulesProposal;
import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ledger-guard config diff} and {@code config propose} (SPEC §13): a file is compared with the rules its
 * journal holds, setting by setting; the difference becomes unsigned {@code CONFIGURE} lines that the approvers in
 * force sign with {@code keys sign}, that a guard accepts, and after which the file agrees with the journal. What no
 * command can change is marked in the diff and refused by propose, and a journal without rules is refused.
 */
class ConfigCommandTest
{
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OUTFLOW = "minorUnitsMax: 5000000000";
    private static final String TIGHTER_OUTFLOW = "minorUnitsMax: 2500000000";

    @TempDir
    Path temp;

    private final Map<String, String> keyEntries = new HashMap<>();
    /** The example configuration with approvers alice, bob and carol: two of them change the rules. */
    private Path config;
    /** The same with BTC's outflow limit halved and carol's key rotated out for dave's. */
    private Path changed;
    /** A journal of the example commands, begun with {@link #config}: its genesis. */
    private Path journal;

    @BeforeEach
    void keysConfigurationsAndJournal() throws IOException
    {
        for (final String id : List.of("alice", "bob", "carol", "dave"))
        {
            final String[] result = execute("keys", "generate", "--id", id, "--out",
                temp.resolve(id + ".key").toString());
            assertEquals("0", result[0], result[2]);
            keyEntries.put(id, result[1].lines().filter(l -> l.startsWith("- ")).findFirst().orElseThrow());
        }
        config = write("guard.yaml", List.of("alice", "bob", "carol"));
        changed = Files.writeString(temp.resolve("changed.yaml"), Files.readString(
            write("rotated.yaml", List.of("alice", "bob", "dave"))).replace(OUTFLOW, TIGHTER_OUTFLOW));
        journal = temp.resolve("journal");
        final String[] replay = execute("replay", "--config", config.toString(), "--commands",
            EXAMPLES.resolve("commands.jsonl").toString(), "--decisions", temp.resolve("d0.jsonl").toString(),
            "--journal", journal.toString());
        assertEquals("0", replay[0], replay[2]);
    }

    @Test
    void shouldAgreeWithTheRulesTheJournalWasBegunWith()
    {
        final String[] diff = execute("config", "diff", "--journal", journal.toString(), "--config",
            config.toString());

        assertEquals("0", diff[0], diff[2]);
        assertEquals("config diff: the file agrees with the rules in force: version 0 (the journal's genesis)\n",
            diff[1]);
        final String[] propose = execute("config", "propose", "--journal", journal.toString(), "--config",
            config.toString(), "--tx-id", "1000");
        assertEquals("0", propose[0], propose[2]);
        assertEquals("", propose[1]);
        assertTrue(propose[2].contains("nothing to propose"), propose[2]);
    }

    @Test
    void shouldNameEachSettingATighterLimitAndARotatedKeyChange()
    {
        final String[] diff = execute("config", "diff", "--journal", journal.toString(), "--config",
            changed.toString());

        assertEquals("1", diff[0], diff[2]);
        final List<String> lines = diff[1].lines().toList();
        assertEquals(List.of(
            "approvals.CONFIGURE.keys: alice,bob,carol -> alice,bob,dave",
            "assets.BTC.outflow.minorUnitsMax: 5000000000 -> 2500000000",
            "keys: alice,bob,carol -> alice,bob,dave",
            "keys.carol.publicKey: " + publicKey("carol") + " -> (none)",
            "keys.dave.publicKey: (none) -> " + publicKey("dave"),
            "config diff: 5 settings differ; rules in force: version 0 (the journal's genesis)"), lines);
    }

    @Test
    void shouldProposeCommandsTheApproversSignAndTheGuardAcceptsAfterWhichTheFileAgrees() throws IOException
    {
        final Path proposal = temp.resolve("proposal.jsonl");
        final String[] propose = execute("config", "propose", "--journal", journal.toString(), "--config",
            changed.toString(), "--tx-id", "1000", "--out", proposal.toString());
        assertEquals("0", propose[0], propose[2]);
        assertTrue(propose[2].contains("approved by approvals.CONFIGURE in force: 2 of alice, bob, carol"),
            propose[2]);
        assertTrue(propose[2].contains("keys sign --key A.key --config " + changed + " --commands " + proposal +
            " --line 1"), propose[2]);

        final List<String> lines = Files.readAllLines(proposal);
        assertEquals(2, lines.size(), "one command for BTC, then the keys and approvers");
        final JsonNode asset = JSON.readTree(lines.get(0));
        assertEquals("CONFIGURE", asset.get("type").asText());
        assertEquals(1000, asset.get("txId").asLong());
        assertEquals("{\"assets.BTC.outflow.minorUnitsMax\":\"2500000000\"}", asset.get("settings").toString());
        final JsonNode approvers = JSON.readTree(lines.get(1));
        assertEquals(1001, approvers.get("txId").asLong());
        assertEquals(List.of("approvals.CONFIGURE.keys", "keys", "keys.dave.publicKey"),
            fieldNames(approvers.get("settings")), "carol's public key goes with her place in keys");
        final long expiry = asset.get("expiresAtMs").asLong();
        assertEquals(3_600_000, expiry - asset.get("atMs").asLong());

        final Path rotated = replayWithSigned(EXAMPLES.resolve("commands.jsonl"), lines, "rotated");

        final String[] after = execute("config", "diff", "--journal", rotated.toString(), "--config",
            changed.toString());
        assertEquals("0", after[0], after[1] + after[2]);
        assertTrue(after[1].startsWith("config diff: the file agrees with the rules in force: version 2 (changed " +
            "last at seq 38)"), after[1]);
        final String[] old = execute("config", "diff", "--journal", rotated.toString(), "--config",
            config.toString());
        assertEquals("1", old[0], old[2]);
        final String[] atGenesis = execute("config", "diff", "--journal", rotated.toString(), "--config",
            config.toString(), "--at", "36");
        assertEquals("0", atGenesis[0], atGenesis[1] + atGenesis[2]);
        final String[] again = execute("config", "propose", "--journal", rotated.toString(), "--config",
            changed.toString(), "--tx-id", "2000");
        assertEquals("0", again[0], again[2]);
        assertEquals("", again[1], "nothing left to propose");
    }

    @Test
    void shouldRetireAWalletTheFileSaysIsRetired() throws IOException
    {
        final Path quiet = temp.resolve("quiet");
        final Path opening = Files.writeString(temp.resolve("opening.jsonl"), "{\"type\":\"OPEN_ACCOUNT\"," +
            "\"txId\":1,\"atMs\":" + System.currentTimeMillis() + ",\"accountId\":1001,\"kind\":\"CUSTOMER\"}\n");
        assertEquals("0", execute("replay", "--config", config.toString(), "--commands", opening.toString(),
            "--decisions", temp.resolve("d1.jsonl").toString(), "--journal", quiet.toString())[0]);
        final Path retiring = Files.writeString(temp.resolve("retiring.yaml"), Files.readString(config)
            .replace("kind: BANK, driftToleranceMinorUnits: 0 }", "kind: BANK, driftToleranceMinorUnits: 5, " +
                "retired: true }"));

        final String[] propose = execute("config", "propose", "--journal", quiet.toString(), "--config",
            retiring.toString(), "--tx-id", "50");
        assertEquals("0", propose[0], propose[2]);
        final List<String> lines = propose[1].lines().toList();
        assertEquals(1, lines.size(), propose[1]);
        assertEquals("{\"wallets.3.driftToleranceMinorUnits\":\"5\",\"wallets.3.retired\":\"true\"}",
            JSON.readTree(lines.get(0)).get("settings").toString());

        final Path retired = replayWithSigned(opening, lines, "retired");
        assertEquals("0", execute("config", "diff", "--journal", retired.toString(), "--config",
            retiring.toString())[0]);
        final String[] unretire = execute("config", "diff", "--journal", retired.toString(), "--config",
            config.toString());
        assertEquals("1", unretire[0], unretire[2]);
        assertTrue(unretire[1].contains("wallets.3.retired: true -> (none) (not changeable by a command: a retired " +
            "wallet stays retired"), unretire[1]);
    }

    @Test
    void shouldProposeListingAnAssetWithItsWalletAndTheGuardTradesItAtOnce() throws IOException
    {
        final Path listing = Files.writeString(temp.resolve("listing.yaml"), Files.readString(config)
            .replace("wallets:", "  - { code: ETH, id: 3, scale: 18, creditCapMinorUnits: 5000, " +
                "attestationAgeMsMax: 60000 }\nwallets:")
            .replace("  - { id: 3, asset: KRW, kind: BANK, driftToleranceMinorUnits: 0 }",
                "  - { id: 3, asset: KRW, kind: BANK, driftToleranceMinorUnits: 0 }\n" +
                "  - { id: 9, asset: ETH, kind: HOT, driftToleranceMinorUnits: 0 }"));

        final String[] diff = execute("config", "diff", "--journal", journal.toString(), "--config",
            listing.toString());
        assertEquals("1", diff[0], diff[2]);
        assertTrue(diff[1].contains("assets: BTC,KRW -> BTC,KRW,ETH\n"), diff[1]);
        assertTrue(diff[1].contains("wallets: 1,2,3 -> 1,2,3,9\n"), diff[1]);
        assertFalse(diff[1].contains("not changeable"), diff[1]);

        final String[] propose = execute("config", "propose", "--journal", journal.toString(), "--config",
            listing.toString(), "--tx-id", "900");
        assertEquals("0", propose[0], propose[2]);
        final List<String> lines = propose[1].lines().toList();
        assertEquals(2, lines.size(), propose[1]);
        final JsonNode asset = JSON.readTree(lines.get(0)).get("settings");
        assertEquals("+ETH", asset.get("assets").asText(), lines.get(0));
        assertEquals("3", asset.get("assets.ETH.id").asText());
        assertEquals("5000", asset.get("assets.ETH.creditCapMinorUnits").asText());
        assertEquals("{\"wallets\":\"+9\",\"wallets.9.asset\":\"ETH\",\"wallets.9.driftToleranceMinorUnits\":\"0\"," +
            "\"wallets.9.kind\":\"HOT\"}", JSON.readTree(lines.get(1)).get("settings").toString());

        final Path listed = replayWithSigned(EXAMPLES.resolve("commands.jsonl"), lines, "listed");
        assertEquals("0", execute("config", "diff", "--journal", listed.toString(), "--config",
            listing.toString())[0]);

        // Traded at once: funded through its new wallet, credited, moved between customers; replayed anew from the
        // journal under the old file, every decision again.
        final long atMs = System.currentTimeMillis();
        final Path trading = Files.writeString(temp.resolve("trading.jsonl"), String.join("\n",
            "{\"type\":\"OPEN_ACCOUNT\",\"txId\":951,\"atMs\":" + atMs + ",\"accountId\":7001,\"kind\":\"CUSTOMER\"}",
            "{\"type\":\"OPEN_ACCOUNT\",\"txId\":952,\"atMs\":" + atMs + ",\"accountId\":7002,\"kind\":\"CUSTOMER\"}",
            "{\"type\":\"INFLOW\",\"txId\":953,\"atMs\":" + atMs + ",\"walletId\":9,\"asset\":\"ETH\"," +
                "\"amount\":4000,\"chainRef\":\"eth-1\"}",
            "{\"type\":\"DEPOSIT\",\"txId\":954,\"atMs\":" + atMs + ",\"accountId\":7001,\"asset\":\"ETH\"," +
                "\"amount\":4000,\"chainRef\":\"eth-1\"}",
            "{\"type\":\"TRANSFER\",\"txId\":955,\"atMs\":" + atMs + ",\"debitAccountId\":7001," +
                "\"creditAccountId\":7002,\"asset\":\"ETH\",\"amount\":1500}") + "\n");
        final Path decisions = temp.resolve("trading-decisions.jsonl");
        final Path all = Files.writeString(temp.resolve("all.jsonl"), Files.readString(EXAMPLES.resolve(
            "commands.jsonl")) + signedLines(lines) + Files.readString(trading));
        final String[] replay = execute("replay", "--config", config.toString(), "--commands", all.toString(),
            "--decisions", decisions.toString(), "--journal", temp.resolve("traded").toString());
        assertEquals("0", replay[0], replay[2]);
        final List<String> decided = Files.readAllLines(decisions);
        for (final String decision : decided.subList(decided.size() - 7, decided.size()))
        {
            assertEquals("OK", JSON.readTree(decision).get("reason").asText(), decision);
        }
        final String[] verify = execute("audit", "verify", temp.resolve("traded").toString());
        assertEquals("0", verify[0], verify[1] + verify[2]);
        // The listing and the first trade in it are explained from the journal alone.
        final String[] listingExplained = execute("audit", "explain", temp.resolve("traded").toString(), "900");
        assertEquals("0", listingExplained[0], listingExplained[1] + listingExplained[2]);
        assertTrue(listingExplained[1].contains("assets=+ETH") || listingExplained[1].contains("assets.ETH.id"),
            listingExplained[1]);
        final String[] tradeExplained = execute("audit", "explain", temp.resolve("traded").toString(), "955");
        assertEquals("0", tradeExplained[0], tradeExplained[1] + tradeExplained[2]);
        assertTrue(tradeExplained[1].contains("ETH"), tradeExplained[1]);
    }

    private String signedLines(final List<String> proposed)
    {
        final StringBuilder signed = new StringBuilder();
        for (final String line : proposed)
        {
            signed.append(sign("bob", sign("alice", line))).append('\n');
        }
        return signed.toString();
    }

    @Test
    void shouldRefuseToProposeAReorderedListOrAnotherRetentionNamingEach() throws IOException
    {
        final Path listing = Files.writeString(temp.resolve("listing.yaml"), Files.readString(changed)
            .replace("wallets:", "  - { code: ETH, id: 3, scale: 18 }\nwallets:")
            .replace("  - { id: 1, asset: BTC, kind: HOT,  driftToleranceMinorUnits: 0 }\n" +
                "  - { id: 2, asset: BTC, kind: COLD, driftToleranceMinorUnits: 0 }",
                "  - { id: 2, asset: BTC, kind: COLD, driftToleranceMinorUnits: 0 }\n" +
                "  - { id: 1, asset: BTC, kind: HOT,  driftToleranceMinorUnits: 0 }")
            .replace("txIdWindowMs: 3600000", "txIdWindowMs: 7200000"));
        final Path proposal = temp.resolve("proposal.jsonl");

        final String[] propose = execute("config", "propose", "--journal", journal.toString(), "--config",
            listing.toString(), "--tx-id", "1000", "--out", proposal.toString());

        assertEquals("2", propose[0], propose[2]);
        assertTrue(propose[2].contains("nothing proposed"), propose[2]);
        assertTrue(propose[2].contains("  wallets: wallets are only appended to"), propose[2]);
        assertTrue(propose[2].contains("  retention.txIdWindowMs: the retention windows decide what the tables"),
            propose[2]);
        assertFalse(propose[2].contains("assets.BTC"), "what a command could change is not named: " + propose[2]);
        assertFalse(propose[2].contains("assets.ETH"), "a listing a command can make is not named: " + propose[2]);
        assertFalse(Files.exists(proposal), "nothing is proposed");

        final String[] diff = execute("config", "diff", "--journal", journal.toString(), "--config",
            listing.toString());
        assertEquals("1", diff[0], diff[2]);
        assertTrue(diff[1].contains("wallets: 1,2,3 -> 2,1,3 (not changeable by a command: wallets are only " +
            "appended to"), diff[1]);
        assertTrue(diff[1].contains("assets.BTC.outflow.minorUnitsMax: 5000000000 -> 2500000000\n"), diff[1]);
    }

    @Test
    void shouldRefuseAJournalBegunBeforeRulesWereJournaled()
    {
        final Path old = temp.resolve("old");
        AuditJournals.writeJournal(old, EXAMPLES.resolve("config.yaml"), EXAMPLES.resolve("commands.jsonl"), 0);

        final String[] diff = execute("config", "diff", "--journal", old.toString(), "--config", config.toString());
        final String[] propose = execute("config", "propose", "--journal", old.toString(), "--config",
            config.toString(), "--tx-id", "1");

        for (final String[] result : List.of(diff, propose))
        {
            assertEquals("2", result[0], result[2]);
            assertTrue(result[2].contains("holds no rules: it was begun before rules were journaled"), result[2]);
        }
        final String[] missing = execute("config", "diff", "--journal", temp.resolve("none").toString(), "--config",
            config.toString());
        assertEquals("2", missing[0], missing[2]);
        assertTrue(missing[2].contains("no journal"), missing[2]);
    }

    @Test
    void shouldSplitAKeyChangeTooLongForOneCommandIntoStepsEachValid() throws GeneralSecurityException, IOException
    {
        final GuardConfig inForce = ConfigLoader.load(config);
        final StringBuilder keys = new StringBuilder();
        final List<String> ids = new ArrayList<>(List.of("alice", "bob"));
        final KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
        for (int i = 0; i < 60; i++)
        {
            final String id = "operator-" + i;
            ids.add(id);
            keys.append("  - { id: ").append(id).append(", publicKey: \"").append(Base64.getEncoder()
                .encodeToString(generator.generateKeyPair().getPublic().getEncoded())).append("\" }\n");
        }
        final String yaml = Files.readString(config)
            .replace("  " + keyEntries.get("carol") + "\n", keys.toString())
            .replace("keys: [alice, bob, carol]", "keys: [alice, bob, operator-0]");
        final GuardConfig file = ConfigLoader.parse(yaml);

        final List<RulesProposal.Change> changes = new RulesProposal(inForce, file).changes();

        assertTrue(changes.size() >= 3, "keys added in parts, then the approvers, then carol dropped: " + changes);
        GuardConfig rules = inForce;
        for (final RulesProposal.Change change : changes)
        {
            assertEquals(RulesProposal.APPROVERS, change.group());
            assertTrue(Rules.text(change.settings()).getBytes(StandardCharsets.UTF_8).length <=
                Rules.CHANGE_LENGTH_MAX);
            assertEquals(rules.approvalRule(ApprovalClass.CONFIGURE).keys, change.approvers().keys);
            rules = Rules.change(rules, change.settings());
        }
        assertEquals(Rules.settings(file), Rules.settings(rules));
        assertEquals(List.of("alice", "bob", "carol"), changes.get(0).approvers().keys);
        assertEquals(List.of("alice", "bob", "operator-0"), changes.get(changes.size() - 1).approvers().keys);
        assertEquals(Map.of("keys", String.join(",", ids)), changes.get(changes.size() - 1).settings());
    }

    /**
     * Have alice and bob, two of the approvers in force, sign each line with {@code keys sign}; replay the commands
     * and then the signed lines into a new journal begun with {@link #config}, every signed line accepted.
     */
    private Path replayWithSigned(final Path commands, final List<String> proposed, final String name)
        throws IOException
    {
        final List<String> lines = new ArrayList<>(Files.readAllLines(commands));
        for (final String line : proposed)
        {
            lines.add(sign("bob", sign("alice", line)));
        }
        final Path file = Files.write(temp.resolve(name + ".jsonl"), lines, StandardCharsets.UTF_8);
        final Path decisions = temp.resolve(name + "-decisions.jsonl");
        final Path written = temp.resolve(name);
        final String[] replay = execute("replay", "--config", config.toString(), "--commands", file.toString(),
            "--decisions", decisions.toString(), "--journal", written.toString());
        assertEquals("0", replay[0], replay[2]);
        final List<String> decided = Files.readAllLines(decisions);
        for (final String decision : decided.subList(decided.size() - proposed.size(), decided.size()))
        {
            assertEquals("OK", JSON.readTree(decision).get("reason").asText(), decision);
        }
        return written;
    }

    private String sign(final String keyId, final String line)
    {
        final String[] result = execute("keys", "sign", "--key", temp.resolve(keyId + ".key").toString(), "--config",
            config.toString(), "--command", line);
        assertEquals("0", result[0], result[2]);
        return result[1].strip();
    }

    private Path write(final String name, final List<String> keyIds) throws IOException
    {
        final StringBuilder yaml = new StringBuilder(Files.readString(EXAMPLES.resolve("config.yaml")));
        yaml.append("\nkeys:\n");
        for (final String id : keyIds)
        {
            yaml.append("  ").append(keyEntries.get(id)).append('\n');
        }
        yaml.append("approvals:\n  CONFIGURE: { required: 2, keys: [").append(String.join(", ", keyIds))
            .append("] }\n");
        return Files.writeString(temp.resolve(name), yaml.toString());
    }

    private String publicKey(final String keyId)
    {
        final String entry = keyEntries.get(keyId);
        final int start = entry.indexOf("publicKey: ") + "publicKey: ".length();
        return entry.substring(start).replaceAll("[\"} ]", "");
    }

    private static List<String> fieldNames(final JsonNode object)
    {
        final List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String[] execute(final String... args)
    {
        final CliRun run = CliRun.execute(args);
        return new String[]{String.valueOf(run.code), run.out, run.err};
    }
}
