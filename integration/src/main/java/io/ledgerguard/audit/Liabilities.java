package io.ledgerguard.audit;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;

/**
 * {@code audit liabilities} and {@code audit verify-proof} (issue 18): the customer's side of proof of reserves. From
 * the journal's state at a sequence, a {@link LiabilityTree} over every customer account (kinds {@code CUSTOMER} and
 * {@code CREDIT_LINE}, one leaf each, its balance per asset above zero), published as {@code root.json} (the root's
 * hash and per-asset totals, tied to the journal by seq and chain head, beside the house's own balances, the credit
 * lines below zero, the obligations and the holdings of {@code audit report}), with one inclusion proof per account
 * under {@code proofs/}. The totals must add up: the tree's liabilities plus the house's balances are the guard's
 * obligations, or nothing is written.
 */
public final class Liabilities
{
    static final String ROOT_FORMAT = "ledger-guard liabilities root";
    static final String PROOF_FORMAT = "ledger-guard liability proof";
    /** Not published: the operator keeps it to answer a customer's question about their proof later. */
    public static final String SECRET_FILE = "publication-secret.hex";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Liabilities()
    {
    }

    /**
     * What a publication wrote.
     *
     * @param seq      the sequence it is as of.
     * @param accounts the customer accounts in the tree.
     * @param leaves   the tree's leaves, padding included.
     * @param rootHash the root's hash, hex.
     * @param files    the files written: the root, the reserves, the secret (when generated here), the proofs.
     */
    public record Published(long seq, int accounts, int leaves, String rootHash, List<Path> files)
    {
    }

    /**
     * Replay the journal to a sequence and publish there.
     *
     * @param directory    the journal.
     * @param rules        the rules to replay it under.
     * @param atSeq        the sequence (0: before the first command), -1 for the journal's end.
     * @param secret       the publication's secret, 32 bytes; {@code null} to draw a fresh one, written to
     *                     {@value #SECRET_FILE} with owner-only permissions.
     * @param outDirectory where; must not exist, or be empty.
     * @return what was written.
     * @throws IOException when a file cannot be written.
     */
    public static Published publish(final Path directory, final JournalRules rules, final long atSeq,
        final byte[] secret, final Path outDirectory) throws IOException
    {
        if (Files.exists(outDirectory) && (!Files.isDirectory(outDirectory) || !isEmpty(outDirectory)))
        {
            throw new AuditArgumentException("--out " + outDirectory + " exists and is not an empty directory: a " +
                "publication is written whole into a new one");
        }
        final Positions positions = new Positions();
        final ReserveReport reserves = ReserveReport.at(directory, rules, atSeq, positions::read);
        if (reserves.invariantViolation() != null)
        {
            throw new AuditException("the invariants do not hold at seq " + reserves.seq() + ": " +
                reserves.invariantViolation() + "; nothing is published");
        }
        final byte[] key = secret != null ? secret : freshSecret();
        final LiabilityTree tree;
        try
        {
            tree = LiabilityTree.build(key, positions.assets, positions.accounts(), positions.amounts());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new AuditArgumentException("cannot build the tree at seq " + reserves.seq() + ": " +
                ex.getMessage());
        }
        final long[] liabilities = tree.rootSums();
        for (int a = 0; a < positions.assets; a++)
        {
            if (Math.addExact(liabilities[a], positions.house[a]) != reserves.obligations(a))
            {
                throw new AuditException("asset " + positions.codes[a] + ": the customers' balances " +
                    liabilities[a] + " and the house's " + positions.house[a] + " do not add up to the obligations " +
                    reserves.obligations(a) + " the guard kept at seq " + reserves.seq());
            }
        }
        Files.createDirectories(outDirectory.resolve("proofs"));
        final List<Path> files = new ArrayList<>();
        final ObjectNode root = root(reserves, tree, positions);
        files.add(write(outDirectory.resolve("root.json"), root));
        final StringWriter reserveJson = new StringWriter();
        reserves.writeJson(reserveJson);
        final Path reservesFile = outDirectory.resolve("reserves.json");
        Files.writeString(reservesFile, reserveJson.toString(), StandardCharsets.UTF_8);
        files.add(reservesFile);
        if (secret == null)
        {
            files.add(writeSecret(outDirectory.resolve(SECRET_FILE), key));
        }
        final List<String> codes = List.of(positions.codes);
        final String publication = root.get("publicationHash").asText();
        for (final long account : positions.accounts())
        {
            final ObjectNode proof = proofJson(tree.proof(account), reserves.seq(), reserves.chainHeadHex(), codes);
            proof.put("publicationHash", publication);
            files.add(write(outDirectory.resolve("proofs").resolve(account + ".json"), proof));
        }
        return new Published(reserves.seq(), positions.accountIds.size(), tree.leaves(),
            LiabilityTree.hex(tree.rootHash()), files);
    }

    /**
     * Check one account's proof against a published root.
     *
     * @param proofFile the account's proof.
     * @param rootFile  the publication's {@code root.json}.
     * @param out       receives what was checked.
     * @return null when included and every level adds up; otherwise what fails, naming the level.
     * @throws IOException            when what was checked cannot be written.
     * @throws AuditArgumentException when a file is not a proof or a root, naming the field.
     */
    public static String verify(final Path proofFile, final Path rootFile, final Writer out) throws IOException
    {
        final JsonNode proof = read(proofFile, PROOF_FORMAT);
        final JsonNode root = read(rootFile, ROOT_FORMAT);
        for (final String field : new String[] {"seq", "chainHead", "publicationHash"})
        {
            if (!proof.path(field).equals(root.path(field)))
            {
                return "publication: the proof is for " + field + " " + proof.path(field) + ", the root for " +
                    field + " " + root.path(field) + ": a proof verifies only against the root of its own publication";
            }
        }
        final JsonNode assets = root.path("assets");
        final List<String> codes = new ArrayList<>();
        final long[] rootSums = new long[assets.size()];
        for (int a = 0; a < assets.size(); a++)
        {
            codes.add(text(assets.get(a), "asset", rootFile));
            rootSums[a] = number(assets.get(a), "liabilities", rootFile);
        }
        final List<String> proofAssets = new ArrayList<>();
        proof.path("assets").forEach(code -> proofAssets.add(code.asText()));
        if (!codes.equals(proofAssets))
        {
            return "publication: the proof's assets " + proofAssets + " are not the root's " + codes;
        }
        final byte[] rootHash = hexField(root, "rootHash", rootFile);
        // The root's labels are bound to its tree by the publication hash: recomputed, it must be the one stated.
        final JsonNode chainHead = root.get("chainHead");
        final byte[] publication = LiabilityTree.publicationHash(number(root, "seq", rootFile),
            chainHead == null || chainHead.isNull() ? null : hexField(root, "chainHead", rootFile), codes, rootSums,
            (int)number(root, "depth", rootFile), rootHash);
        if (!LiabilityTree.hex(publication).equals(text(root, "publicationHash", rootFile)))
        {
            return "publication: the root's seq, chain head, assets, totals, depth and hash make the publication " +
                "hash " + LiabilityTree.hex(publication) + ", not the " + root.get("publicationHash").asText() +
                " it states: the root was changed";
        }
        final LiabilityTree.Proof parsed = parse(proof, proofFile);
        if (parsed.siblingHashes.length != number(root, "depth", rootFile))
        {
            return "level " + parsed.siblingHashes.length + ": the proof has " + parsed.siblingHashes.length +
                " levels, the tree " + root.get("depth") + ": every leaf is as deep as the tree";
        }
        final String failure = LiabilityTree.verify(parsed, rootHash, rootSums);
        if (failure == null)
        {
            final StringBuilder balances = new StringBuilder();
            for (int a = 0; a < codes.size(); a++)
            {
                balances.append(a == 0 ? "" : ", ").append(codes.get(a)).append(' ').append(parsed.balances[a]);
            }
            out.write("included: account " + parsed.accountId + " with " + balances + " (minor units) in the " +
                "liabilities published at seq " + root.get("seq") + ", chain head " + root.path("chainHead")
                .asText() + "; the sums add up at each of " + parsed.siblingHashes.length + " levels to the root's " +
                "totals and hash " + root.get("rootHash").asText() + "; publication hash " +
                LiabilityTree.hex(publication) + ": compare it with the one the exchange published\n");
            out.flush();
        }
        return failure;
    }

    private static ObjectNode root(final ReserveReport reserves, final LiabilityTree tree, final Positions positions)
    {
        final ObjectNode root = JSON.createObjectNode();
        root.put("format", ROOT_FORMAT);
        root.put("version", LiabilityTree.VERSION);
        root.put("seq", reserves.seq());
        if (reserves.seq() > 0)
        {
            root.put("time", EntryText.time(reserves.timestampNs()));
        }
        root.put("chainHead", reserves.chainHeadHex());
        root.put("rootHash", LiabilityTree.hex(tree.rootHash()));
        root.put("leaves", tree.leaves());
        root.put("depth", tree.depth());
        root.put("publicationHash", LiabilityTree.hex(LiabilityTree.publicationHash(reserves.seq(),
            reserves.chainHeadHex() == null ? null : HexFormat.of().parseHex(reserves.chainHeadHex()),
            List.of(positions.codes), tree.rootSums(), tree.depth(), tree.rootHash())));
        final ArrayNode assets = root.putArray("assets");
        final long[] liabilities = tree.rootSums();
        for (int a = 0; a < positions.assets; a++)
        {
            final ObjectNode asset = assets.addObject();
            asset.put("asset", positions.codes[a]);
            if (positions.scales[a] >= 0)
            {
                asset.put("scale", positions.scales[a]);
            }
            else
            {
                asset.putNull("scale");
            }
            asset.put("liabilities", liabilities[a]);
            asset.put("house", positions.house[a]);
            asset.put("obligations", reserves.obligations(a));
            asset.put("creditLinesBelowZero", positions.receivables[a]);
            asset.put("creditLinesBelowZeroCount", positions.receivableCount[a]);
            asset.put("holdings", reserves.holdings(a));
            // The ratios, in basis points rounded down (null when nothing is owed): holdings over everything owed, and
            // over what is owed to customers alone.
            putBps(asset, "coverageBps", io.ledgerguard.core.Coverage.bps(reserves.holdings(a),
                reserves.obligations(a)));
            putBps(asset, "customerCoverageBps", io.ledgerguard.core.Coverage.bps(reserves.holdings(a),
                liabilities[a]));
        }
        return root;
    }

    private static void putBps(final ObjectNode asset, final String field, final long bps)
    {
        if (bps < 0)
        {
            asset.putNull(field);
        }
        else
        {
            asset.put(field, bps);
        }
    }

    /**
     * @param proof     an account's proof.
     * @param seq       the publication's sequence.
     * @param chainHead the chain value of its journal entry, hex; null at sequence 0.
     * @param codes     its assets, in order.
     * @return the proof file's bytes, as {@code audit liabilities} writes them.
     * @throws IOException when it cannot be encoded.
     */
    public static byte[] proofFile(final LiabilityTree.Proof proof, final long seq, final String chainHead,
        final List<String> codes) throws IOException
    {
        return JSON.writeValueAsBytes(proofJson(proof, seq, chainHead, codes));
    }

    private static ObjectNode proofJson(final LiabilityTree.Proof proof, final long seq, final String chainHead,
        final List<String> codes)
    {
        final ObjectNode json = JSON.createObjectNode();
        json.put("format", PROOF_FORMAT);
        json.put("version", LiabilityTree.VERSION);
        json.put("seq", seq);
        json.put("chainHead", chainHead);
        final ArrayNode assets = json.putArray("assets");
        codes.forEach(assets::add);
        json.put("accountId", proof.accountId);
        json.put("salt", LiabilityTree.hex(proof.salt));
        final ArrayNode balances = json.putArray("balances");
        for (final long balance : proof.balances)
        {
            balances.add(balance);
        }
        final ArrayNode path = json.putArray("path");
        for (int level = 0; level < proof.siblingHashes.length; level++)
        {
            final ObjectNode step = path.addObject();
            step.put("level", level + 1);
            step.put("sibling", proof.siblingOnLeft[level] ? "left" : "right");
            step.put("hash", LiabilityTree.hex(proof.siblingHashes[level]));
            final ArrayNode sums = step.putArray("sums");
            for (final long sum : proof.siblingSums[level])
            {
                sums.add(sum);
            }
        }
        return json;
    }

    private static LiabilityTree.Proof parse(final JsonNode proof, final Path file)
    {
        final long accountId = number(proof, "accountId", file);
        final byte[] salt = hexField(proof, "salt", file);
        final long[] balances = numbers(proof.path("balances"), "balances", file);
        final JsonNode path = proof.path("path");
        if (!path.isArray())
        {
            throw new AuditArgumentException(file + ": path must be an array");
        }
        final byte[][] hashes = new byte[path.size()][];
        final long[][] sums = new long[path.size()][];
        final boolean[] onLeft = new boolean[path.size()];
        for (int level = 0; level < path.size(); level++)
        {
            final JsonNode step = path.get(level);
            final String side = text(step, "sibling", file);
            if (!"left".equals(side) && !"right".equals(side))
            {
                throw new AuditArgumentException(file + ": path[" + level + "].sibling must be left or right, was " +
                    side);
            }
            onLeft[level] = "left".equals(side);
            hashes[level] = hexField(step, "hash", file);
            sums[level] = numbers(step.path("sums"), "path[" + level + "].sums", file);
        }
        return new LiabilityTree.Proof(accountId, salt, balances, hashes, sums, onLeft);
    }

    private static JsonNode read(final Path file, final String format)
    {
        final JsonNode json;
        try
        {
            json = JSON.readTree(file.toFile());
        }
        catch (final com.fasterxml.jackson.core.JsonProcessingException ex)
        {
            throw new AuditArgumentException(file + " is not JSON: " + ex.getOriginalMessage());
        }
        catch (final IOException ex)
        {
            // Not "not included": a file that cannot be read is a usage error (exit 2).
            throw new AuditArgumentException("cannot read " + file + ": " + ex);
        }
        if (json == null || !format.equals(json.path("format").asText()))
        {
            throw new AuditArgumentException(file + ": format must be \"" + format + "\", was " +
                (json == null ? "nothing" : json.path("format")));
        }
        if (json.path("version").asInt() != LiabilityTree.VERSION)
        {
            throw new AuditArgumentException(file + ": version " + json.path("version") + " is not " +
                LiabilityTree.VERSION + ", the one this build reads");
        }
        return json;
    }

    private static long number(final JsonNode node, final String field, final Path file)
    {
        final JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isIntegralNumber() || !value.canConvertToLong())
        {
            throw new AuditArgumentException(file + ": " + field + " must be an integer, was " + value);
        }
        return value.asLong();
    }

    private static long[] numbers(final JsonNode array, final String field, final Path file)
    {
        if (!array.isArray())
        {
            throw new AuditArgumentException(file + ": " + field + " must be an array of integers");
        }
        final long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++)
        {
            if (!array.get(i).isIntegralNumber() || !array.get(i).canConvertToLong())
            {
                throw new AuditArgumentException(file + ": " + field + "[" + i + "] must be an integer, was " +
                    array.get(i));
            }
            values[i] = array.get(i).asLong();
        }
        return values;
    }

    private static String text(final JsonNode node, final String field, final Path file)
    {
        final JsonNode value = node == null ? null : node.get(field);
        if (value == null || !value.isTextual())
        {
            throw new AuditArgumentException(file + ": " + field + " must be a string, was " + value);
        }
        return value.asText();
    }

    private static byte[] hexField(final JsonNode node, final String field, final Path file)
    {
        final String text = text(node, field, file);
        try
        {
            final byte[] bytes = HexFormat.of().parseHex(text);
            if (bytes.length != LiabilityTree.HASH_LENGTH)
            {
                throw new IllegalArgumentException(bytes.length + " bytes");
            }
            return bytes;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new AuditArgumentException(file + ": " + field + " must be 64 hex digits, was " + text);
        }
    }

    private static Path write(final Path file, final JsonNode json) throws IOException
    {
        JSON.writeValue(file.toFile(), json);
        return file;
    }

    private static boolean isEmpty(final Path directory) throws IOException
    {
        try (var entries = Files.list(directory))
        {
            return entries.findAny().isEmpty();
        }
    }

    private static byte[] freshSecret()
    {
        final byte[] secret = new byte[LiabilityTree.SECRET_LENGTH];
        new SecureRandom().nextBytes(secret);
        return secret;
    }

    /** Created readable by its owner only, before a byte is written; elsewhere than POSIX, as the directory is. */
    private static Path writeSecret(final Path file, final byte[] secret) throws IOException
    {
        final byte[] text = (HexFormat.of().formatHex(secret) + "\n").getBytes(StandardCharsets.US_ASCII);
        try
        {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        catch (final UnsupportedOperationException ex)
        {
            Files.createFile(file);
        }
        Files.write(file, text);
        return file;
    }

    /**
     * The accounts' positions at the sequence, read from the stopped replay: per customer account its balances above
     * zero; the house's balances and the credit lines below zero apart.
     */
    private static final class Positions
    {
        int assets;
        String[] codes;
        int[] scales;
        long[] house;
        long[] receivables;
        long[] receivableCount;
        final List<Long> accountIds = new ArrayList<>();
        final Map<Long, long[]> balances = new HashMap<>();

        void read(final GuardEngine engine)
        {
            assets = engine.assetCount();
            codes = new String[assets];
            scales = new int[assets];
            for (int a = 0; a < assets; a++)
            {
                codes[a] = engine.assetCode(a);
                // The rules in force at the sequence: an asset listed by a change is there too.
                final GuardConfig.AssetConfig listed = engine.config().assetByCode(codes[a]);
                scales[a] = listed == null ? -1 : listed.scale;
            }
            house = new long[assets];
            receivables = new long[assets];
            receivableCount = new long[assets];
            final Map<Long, AccountKind> kinds = new HashMap<>();
            engine.forEachAccount((id, kind, status) ->
            {
                kinds.put(id, kind);
                if (kind != AccountKind.OPERATOR)
                {
                    accountIds.add(id);
                    balances.put(id, new long[assets]);
                }
            });
            engine.forEachPosition((accountId, asset, available, held, creditLimit) ->
            {
                final long balance = Math.addExact(available, held);
                if (balance < 0)
                {
                    receivables[asset] = Math.addExact(receivables[asset], -balance);
                    receivableCount[asset]++;
                }
                else if (kinds.get(accountId) == AccountKind.OPERATOR)
                {
                    house[asset] = Math.addExact(house[asset], balance);
                }
                else
                {
                    balances.get(accountId)[asset] = balance;
                }
            });
        }

        long[] accounts()
        {
            final long[] ids = new long[accountIds.size()];
            for (int i = 0; i < ids.length; i++)
            {
                ids[i] = accountIds.get(i);
            }
            return ids;
        }

        long[] amounts()
        {
            final long[] amounts = new long[accountIds.size() * assets];
            for (int i = 0; i < accountIds.size(); i++)
            {
                System.arraycopy(balances.get(accountIds.get(i)), 0, amounts, i * assets, assets);
            }
            return amounts;
        }
    }
}
