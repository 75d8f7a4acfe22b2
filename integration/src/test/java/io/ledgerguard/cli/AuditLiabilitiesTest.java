package io.ledgerguard.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.ledgerguard.cli.CliRun.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code audit liabilities} and {@code audit verify-proof} on the command line (issue 18): what they print and their
 * exit codes, on the journal of the hot-wallet drain.
 */
class AuditLiabilitiesTest
{
    @TempDir
    static Path temp;

    private static Path journal;

    @BeforeAll
    static void journal()
    {
        journal = temp.resolve("drain");
        final CliRun replay = execute("replay", "--config", Path.of("..", "examples", "config.yaml").toString(),
            "--commands", Path.of("..", "examples", "scenarios", "hot-wallet-drain.jsonl").toString(), "--journal",
            journal.toString(), "--decisions", temp.resolve("decisions.jsonl").toString());
        assertEquals(0, replay.code, replay.text());
    }

    @Test
    void shouldPublishAndVerifyEveryCustomersProof() throws Exception
    {
        final Path out = temp.resolve("publication");
        final CliRun published = execute("audit", "liabilities", journal.toString(), "--out", out.toString());

        assertEquals(0, published.code, published.text());
        assertTrue(published.out.startsWith("liabilities at seq 16: 2 customer accounts in a tree of 2 leaves; root "),
            published.out);
        assertTrue(published.out.contains("keep " + out.resolve("publication-secret.hex") + " private"));
        for (final String account : new String[] {"1001", "1002"})
        {
            final CliRun verified = execute("audit", "verify-proof", out.resolve("proofs").resolve(account + ".json")
                .toString(), "--root", out.resolve("root.json").toString());
            assertEquals(0, verified.code, verified.text());
            assertTrue(verified.out.startsWith("included: account " + account + " with BTC "), verified.out);
        }

        final Path tampered = temp.resolve("tampered.json");
        Files.writeString(tampered, Files.readString(out.resolve("proofs").resolve("1001.json"))
            .replace("\"sibling\" : \"left\"", "\"sibling\" : \"RIGHT\"").replace("\"sibling\" : \"right\"",
                "\"sibling\" : \"left\"").replace("\"RIGHT\"", "\"right\""), StandardCharsets.UTF_8);
        final CliRun swapped = execute("audit", "verify-proof", tampered.toString(), "--root",
            out.resolve("root.json").toString());
        assertEquals(1, swapped.code, swapped.text());
        assertTrue(swapped.err.startsWith("ledger-guard audit verify-proof: NOT included: level 1 (the root): "),
            swapped.err);

        final CliRun notAProof = execute("audit", "verify-proof", out.resolve("root.json").toString(), "--root",
            out.resolve("root.json").toString());
        assertEquals(2, notAProof.code, notAProof.text());
        final CliRun missing = execute("audit", "verify-proof", out.resolve("proofs").resolve("9999.json").toString(),
            "--root", out.resolve("root.json").toString());
        assertEquals(2, missing.code, "a file that cannot be read is not 'not included': " + missing.text());
        assertTrue(missing.err.contains("cannot read "), missing.err);
    }

    @Test
    void shouldWriteTheSamePublicationAgainWithItsSecret() throws Exception
    {
        final Path secret = temp.resolve("secret.hex");
        Files.writeString(secret, "11".repeat(32) + "\n");
        final Path first = temp.resolve("first");
        final Path second = temp.resolve("second");
        assertEquals(0, execute("audit", "liabilities", journal.toString(), "--at", "12", "--secret",
            secret.toString(), "--out", first.toString()).code);
        assertEquals(0, execute("audit", "liabilities", journal.toString(), "--at", "12", "--secret",
            secret.toString(), "--out", second.toString()).code);

        assertEquals(Files.readString(first.resolve("root.json")), Files.readString(second.resolve("root.json")));
        assertFalse(Files.exists(first.resolve("publication-secret.hex")), "the secret given is not written again");
    }

    @Test
    void shouldRefuseWhatItCannotDo() throws Exception
    {
        final CliRun beyond = execute("audit", "liabilities", journal.toString(), "--at", "99", "--out",
            temp.resolve("beyond").toString());
        assertEquals(2, beyond.code, beyond.text());
        assertTrue(beyond.err.contains("--at 99 is beyond journal"), beyond.err);

        final CliRun negative = execute("audit", "liabilities", journal.toString(), "--at", "-2", "--out",
            temp.resolve("negative").toString());
        assertEquals(2, negative.code, negative.text());
        assertTrue(negative.err.contains("ledger-guard audit liabilities: --at must be >= 0, was -2"), negative.err);

        Files.createDirectories(temp.resolve("taken"));
        Files.writeString(temp.resolve("taken").resolve("x"), "x");
        final CliRun taken = execute("audit", "liabilities", journal.toString(), "--out",
            temp.resolve("taken").toString());
        assertEquals(2, taken.code, taken.text());
        assertTrue(taken.err.contains("exists and is not an empty directory"), taken.err);

        Files.writeString(temp.resolve("short.hex"), "abcd");
        final CliRun secret = execute("audit", "liabilities", journal.toString(), "--secret",
            temp.resolve("short.hex").toString(), "--out", temp.resolve("short").toString());
        assertEquals(2, secret.code, secret.text());
        assertTrue(secret.err.contains("must hold 64 hex digits"), secret.err);
    }
}
