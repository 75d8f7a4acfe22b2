package io.ledgerguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ledger-guard keys}: operators generate keys and sign command lines in turn without writing code; replay then
 * accepts a credit two approvers signed and rejects {@code UNAUTHORIZED}, with an alert, one that is unsigned, signed
 * by one key, or altered after signing (SPEC §6).
 */
class KeysCommandTest
{
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CREDIT = "{\"type\":\"ADJUST\",\"txId\":10,\"atMs\":1767225601000,\"accountId\":1001," +
        "\"asset\":\"BTC\",\"amount\":100000,\"memo\":\"goodwill\"}";

    @TempDir
    Path temp;

    private Path config;

    @BeforeEach
    void keysAndConfiguration() throws IOException
    {
        final StringBuilder entries = new StringBuilder("keys:\n");
        for (final String id : List.of("alice", "bob", "carol"))
        {
            final Path keyFile = temp.resolve(id + ".key");
            final String[] result = execute("keys", "generate", "--id", id, "--out", keyFile.toString());
            assertEquals("0", result[0], result[2]);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile)));
            final String entry = result[1].lines().filter(l -> l.startsWith("- ")).findFirst().orElseThrow();
            entries.append("  ").append(entry).append('\n');
        }
        entries.append("approvals:\n  ADJUST: { required: 2, keys: [alice, bob, carol] }\n");
        config = temp.resolve("guard.yaml");
        Files.writeString(config, Files.readString(EXAMPLES.resolve("config.yaml")) + "\n" + entries);
    }

    @Test
    void shouldAcceptACreditOnlyOnceTwoApproversHaveSignedIt() throws IOException
    {
        final String byAlice = sign("alice", CREDIT);
        final String byAliceAndBob = sign("bob", byAlice);
        final String tampered = byAliceAndBob.replace("\"amount\":100000", "\"amount\":100000000");
        final String byAliceTwice = sign("alice", byAlice);

        final List<JsonNode> decisions = new ArrayList<>();
        final List<JsonNode> alerts = new ArrayList<>();
        replay(List.of(CREDIT, byAlice, byAliceTwice, tampered.replace("\"txId\":10", "\"txId\":11"), byAliceAndBob),
            decisions, alerts);

        assertEquals(List.of("UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "UNAUTHORIZED", "OK"),
            reasons(decisions).subList(3, 8));
        final List<String> faults = new ArrayList<>();
        for (final JsonNode alert : alerts)
        {
            assertEquals("UNAUTHORIZED", alert.get("type").asText());
            faults.add(alert.get("fault").asText());
        }
        assertEquals(List.of("EXPIRY_MISSING", "TOO_FEW", "TOO_FEW", "BAD_SIGNATURE"), faults);
        assertEquals(1, alerts.get(2).get("figures").get("verified").asInt(), "signing twice replaces, not adds");
        assertEquals(1767225601000L + 600_000, JSON.readTree(byAlice).get("expiresAtMs").asLong());
    }

    @Test
    void shouldPrintTheCanonicalTextItSigns()
    {
        final String[] result = execute("keys", "sign", "--key", temp.resolve("alice.key").toString(), "--config",
            config.toString(), "--command", CREDIT, "--show-payload");

        assertEquals("0", result[0], result[2]);
        assertEquals("ledger-guard-approval-v1\ndomain=\ntype=ADJUST\ntxId=10\naccountId=1001\nasset=BTC\n" +
            "amount=100000\nmemo=goodwill\nexpiresAtMs=1767226201000\n", result[2]);
    }

    @Test
    void shouldRefuseToSignWhatTakesNoApprovalAndNeverOverwriteAKey()
    {
        final String[] deposit = execute("keys", "sign", "--key", temp.resolve("alice.key").toString(), "--config",
            config.toString(), "--command", "{\"type\":\"DEPOSIT\",\"txId\":1,\"atMs\":1,\"accountId\":1," +
                "\"asset\":\"BTC\",\"amount\":1,\"chainRef\":\"x\"}");
        assertEquals("2", deposit[0]);
        assertTrue(deposit[2].contains("a DEPOSIT takes no approvals"), deposit[2]);

        final String[] again = execute("keys", "generate", "--id", "alice", "--out",
            temp.resolve("alice.key").toString());
        assertEquals("2", again[0]);
        assertTrue(again[2].contains("already exists; a key file is never overwritten"), again[2]);
    }

    @Test
    void shouldRefuseAConfigurationWhereOneKeyCouldCredit() throws IOException
    {
        Files.writeString(config, Files.readString(config).replace("ADJUST: { required: 2", "ADJUST: { required: 1"));

        final String[] result = execute("replay", "--config", config.toString(), "--commands",
            EXAMPLES.resolve("commands.jsonl").toString());

        assertEquals("2", result[0]);
        assertTrue(result[2].contains("approvals.ADJUST.required: must be at least 2: no single key may credit, " +
            "was 1 (line "), result[2]);
    }

    private String sign(final String keyId, final String line)
    {
        final String[] result = execute("keys", "sign", "--key", temp.resolve(keyId + ".key").toString(), "--config",
            config.toString(), "--command", line);
        assertEquals("0", result[0], result[2]);
        return result[1].strip();
    }

    private void replay(final List<String> privileged, final List<JsonNode> decisions, final List<JsonNode> alerts)
        throws IOException
    {
        final List<String> lines = new ArrayList<>();
        lines.add("{\"type\":\"ATTEST\",\"txId\":1,\"atMs\":1767225600000,\"walletId\":1,\"asset\":\"BTC\"," +
            "\"balance\":1000000000}");
        lines.add("{\"type\":\"ATTEST\",\"txId\":2,\"atMs\":1767225600000,\"walletId\":2,\"asset\":\"BTC\"," +
            "\"balance\":9000000000}");
        lines.add("{\"type\":\"OPEN_ACCOUNT\",\"txId\":3,\"atMs\":1767225600000,\"accountId\":1001," +
            "\"kind\":\"CUSTOMER\"}");
        lines.addAll(privileged);
        final Path commands = temp.resolve("commands.jsonl");
        Files.write(commands, lines, StandardCharsets.UTF_8);
        final Path decisionFile = temp.resolve("decisions.jsonl");
        final Path alertFile = temp.resolve("alerts.jsonl");
        final String[] result = execute("replay", "--config", config.toString(), "--commands", commands.toString(),
            "--decisions", decisionFile.toString(), "--alerts", alertFile.toString());
        assertEquals("0", result[0], result[2]);
        for (final String line : Files.readAllLines(decisionFile))
        {
            decisions.add(JSON.readTree(line));
        }
        for (final String line : Files.readAllLines(alertFile))
        {
            alerts.add(JSON.readTree(line));
        }
    }

    private static List<String> reasons(final List<JsonNode> decisions)
    {
        final List<String> reasons = new ArrayList<>();
        for (final JsonNode decision : decisions)
        {
            reasons.add(decision.get("reason").asText());
        }
        return reasons;
    }

    private static String[] execute(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = new CommandLine(new LedgerGuardCli());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int exitCode = commandLine.execute(args);
        return new String[]{String.valueOf(exitCode), out.toString(), err.toString()};
    }
}
