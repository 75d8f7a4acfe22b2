package io.ledgerguard.audit;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.pipeline.WaitStrategyKind;
import io.ledgerguard.demo.ExchangeSimulation;
import io.ledgerguard.journal.JournalDurability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18 from a journal: the demo's exchange journaled, then its liabilities published at its end and at an earlier
 * sequence. Every customer's proof verifies against its root; the totals are the guard's obligations less the house's
 * balances; a proof does not verify against the root of another sequence, nor once a field is changed.
 */
class LiabilitiesTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;

    private static Path journal;
    private static Liabilities.Published atEnd;
    private static Liabilities.Published earlier;

    @BeforeAll
    static void publish() throws Exception
    {
        journal = temp.resolve("journal");
        new ExchangeSimulation(7, 1_000, 2, 3_000, WaitStrategyKind.BLOCKING, 256)
            .journal(journal, JournalDurability.PROCESS).run();
        final JournalRules rules = JournalRules.of(journal, null, null);
        atEnd = Liabilities.publish(journal, rules, -1, null, temp.resolve("end"));
        earlier = Liabilities.publish(journal, rules, 5_000, null, temp.resolve("earlier"));
    }

    @Test
    void shouldProveEveryCustomerOfTheDemosJournal() throws Exception
    {
        final Path out = temp.resolve("end");
        final JsonNode root = JSON.readTree(out.resolve("root.json").toFile());
        assertEquals(atEnd.seq(), root.get("seq").asLong());
        assertTrue(root.get("chainHead").asText().matches("[0-9a-f]{64}"));
        assertEquals(1_024, root.get("leaves").asInt(), "1,000 customers and an operator pool: 1,024 leaves");
        assertEquals(1_000, atEnd.accounts(), "the customers; the house's pools are apart");
        assertTrue(Files.exists(out.resolve(Liabilities.SECRET_FILE)));
        final JsonNode reserves = JSON.readTree(out.resolve("reserves.json").toFile());
        for (int a = 0; a < root.get("assets").size(); a++)
        {
            final JsonNode asset = root.get("assets").get(a);
            assertEquals(asset.get("obligations").asLong(), asset.get("liabilities").asLong() +
                asset.get("house").asLong(), asset.toString());
            assertEquals(reserves.get("assets").get(a).get("holdings").asLong(), asset.get("holdings").asLong());
        }
        final List<Path> proofs;
        try (Stream<Path> files = Files.list(out.resolve("proofs")))
        {
            proofs = files.sorted().toList();
        }
        assertEquals(1_000, proofs.size());
        for (final Path proof : proofs)
        {
            final StringWriter said = new StringWriter();
            assertNull(Liabilities.verify(proof, out.resolve("root.json"), said), proof.toString());
            assertTrue(said.toString().startsWith("included: account "), said.toString());
        }
    }

    @Test
    void shouldRefuseAProofAgainstTheRootOfAnotherSequence() throws Exception
    {
        final Path proof = someProof(temp.resolve("earlier"));
        final String failure = Liabilities.verify(proof, temp.resolve("end").resolve("root.json"),
            new StringWriter());
        assertTrue(failure.startsWith("publication: the proof is for seq " + earlier.seq() + ", the root for seq " +
            atEnd.seq()), failure);
    }

    @Test
    void shouldNameTheLevelThatFailsWhenAProofIsTampered() throws Exception
    {
        final Path out = temp.resolve("end");
        final ObjectNode proof = (ObjectNode)JSON.readTree(someProof(out).toFile());
        ((ArrayNode)proof.get("balances")).set(0, proof.get("balances").get(0).asLong() + 1);
        final Path tampered = temp.resolve("tampered.json");
        JSON.writeValue(tampered.toFile(), proof);
        final String failure = Liabilities.verify(tampered, out.resolve("root.json"), new StringWriter());
        assertTrue(failure.startsWith("level 10 (the root): "), failure);

        final ObjectNode broken = proof.deepCopy();
        ((ObjectNode)broken.get("path").get(2)).put("sibling", "up");
        JSON.writeValue(tampered.toFile(), broken);
        final AuditArgumentException malformed = assertThrows(AuditArgumentException.class, () ->
            Liabilities.verify(tampered, out.resolve("root.json"), new StringWriter()));
        assertTrue(malformed.getMessage().endsWith("path[2].sibling must be left or right, was up"),
            malformed.getMessage());
        final AuditArgumentException notARoot = assertThrows(AuditArgumentException.class, () ->
            Liabilities.verify(someProof(out), out.resolve("reserves.json"), new StringWriter()));
        assertTrue(notARoot.getMessage().contains("format must be \"ledger-guard liabilities root\""),
            notARoot.getMessage());
    }

    /**
     * The root's labels are bound to its tree by the publication hash: a root and its proofs relabelled together with
     * another sequence no longer verify, though the tree is the same.
     */
    @Test
    void shouldRefuseARootRelabelledWithAnotherSequence() throws Exception
    {
        final Path out = temp.resolve("end");
        final ObjectNode root = (ObjectNode)JSON.readTree(out.resolve("root.json").toFile());
        final ObjectNode proof = (ObjectNode)JSON.readTree(someProof(out).toFile());
        root.put("seq", 5_000);
        proof.put("seq", 5_000);
        final Path relabelled = temp.resolve("relabelled");
        Files.createDirectories(relabelled);
        JSON.writeValue(relabelled.resolve("root.json").toFile(), root);
        JSON.writeValue(relabelled.resolve("proof.json").toFile(), proof);

        final String failure = Liabilities.verify(relabelled.resolve("proof.json"), relabelled.resolve("root.json"),
            new StringWriter());

        assertTrue(failure.startsWith("publication: the root's seq, chain head, assets, totals, depth and hash make " +
            "the publication hash "), failure);
        assertTrue(failure.endsWith("it states: the root was changed"), failure);
    }

    /**
     * A credit line below zero is never netted against customers: its leaf holds 0 and the debt is reported apart;
     * the house's balances are apart too; the customers' liabilities and the house's make the obligations.
     */
    @Test
    void shouldReportCreditLinesBelowZeroAndTheHouseApart() throws Exception
    {
        final Path creditJournal = temp.resolve("credit");
        final String commands = String.join("\n",
            line(1, "OPEN_ACCOUNT", "\"accountId\":1001,\"kind\":\"CUSTOMER\""),
            line(2, "OPEN_ACCOUNT", "\"accountId\":2001,\"kind\":\"CREDIT_LINE\",\"creditLimit\":{\"BTC\":500000000}"),
            line(3, "OPEN_ACCOUNT", "\"accountId\":3001,\"kind\":\"OPERATOR\""),
            line(4, "ATTEST", "\"walletId\":1,\"asset\":\"BTC\",\"balance\":0"),
            line(5, "ATTEST", "\"walletId\":2,\"asset\":\"BTC\",\"balance\":0"),
            line(6, "INFLOW", "\"walletId\":1,\"asset\":\"BTC\",\"amount\":1000000000,\"chainRef\":\"a\""),
            line(7, "DEPOSIT", "\"accountId\":1001,\"asset\":\"BTC\",\"amount\":300000000,\"chainRef\":\"a\""),
            line(8, "DEPOSIT", "\"accountId\":3001,\"asset\":\"BTC\",\"amount\":400000000,\"chainRef\":\"a\""),
            line(9, "TRANSFER", "\"debitAccountId\":2001,\"creditAccountId\":1001,\"asset\":\"BTC\"," +
                "\"amount\":200000000")) + "\n";
        final io.ledgerguard.core.GuardConfig config = io.ledgerguard.config.ConfigLoader.load(
            Path.of("..", "examples", "config.yaml"));
        final StringWriter decisions = new StringWriter();
        try (io.ledgerguard.journal.ChronicleJournal chronicle = new io.ledgerguard.journal.ChronicleJournal(
            new io.ledgerguard.journal.ChronicleJournalContext().directory(creditJournal)))
        {
            new io.ledgerguard.replay.Replay(config).journal(chronicle).run(new java.io.ByteArrayInputStream(
                commands.getBytes(java.nio.charset.StandardCharsets.UTF_8)), decisions, new StringWriter());
        }
        assertTrue(!decisions.toString().contains("REJECTED"), decisions.toString());

        final Path out = temp.resolve("credit-publication");
        final Liabilities.Published published = Liabilities.publish(creditJournal, JournalRules.of(creditJournal,
            config, null), -1, null, out);

        assertEquals(2, published.accounts(), "the customer and the credit line; not the house");
        final JsonNode btc = JSON.readTree(out.resolve("root.json").toFile()).get("assets").get(0);
        assertEquals(500_000_000L, btc.get("liabilities").asLong(), "the customer's 3 + 2 BTC");
        assertEquals(400_000_000L, btc.get("house").asLong());
        assertEquals(200_000_000L, btc.get("creditLinesBelowZero").asLong());
        assertEquals(1, btc.get("creditLinesBelowZeroCount").asLong());
        assertEquals(900_000_000L, btc.get("obligations").asLong());
        final JsonNode creditLine = JSON.readTree(out.resolve("proofs").resolve("2001.json").toFile());
        assertEquals(0, creditLine.get("balances").get(0).asLong(), "a debt is not a negative liability");
        assertNull(Liabilities.verify(out.resolve("proofs").resolve("2001.json"), out.resolve("root.json"),
            new StringWriter()));
    }

    private static String line(final long txId, final String type, final String fields)
    {
        return "{\"type\":\"" + type + "\",\"txId\":" + txId + ",\"atMs\":1767225600000," + fields + "}";
    }

    @Test
    void shouldWriteOnlyIntoANewDirectory()
    {
        final AuditArgumentException exists = assertThrows(AuditArgumentException.class, () ->
            Liabilities.publish(journal, JournalRules.of(journal, null, null), -1, null, temp.resolve("end")));
        assertTrue(exists.getMessage().contains("exists and is not an empty directory"), exists.getMessage());
    }

    private static Path someProof(final Path out) throws Exception
    {
        try (Stream<Path> files = Files.list(out.resolve("proofs")))
        {
            return files.sorted().findFirst().orElseThrow();
        }
    }
}
