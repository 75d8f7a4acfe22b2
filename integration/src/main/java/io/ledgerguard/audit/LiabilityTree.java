package io.ledgerguard.audit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Proof of liabilities (issue 18): a Merkle-sum tree over the accounts' balances, one leaf per account with one
 * non-negative amount per asset. Every node commits to both children's sums and both children's hashes (hashing only
 * the total would let an operator shift liabilities between siblings unseen); a node's sums are its children's, added
 * without overflow. Leaves are salted per account and per publication with a secret the operator keeps, ordered by
 * their hash, and the tree is padded with leaves of zero that look like any other to the next power of two, at least
 * two: its size tells the number of accounts within a factor of two only. The encoding, byte by byte, with test
 * vectors, is in {@code docs/proof-of-reserves.md}; {@link #verify} is what a customer runs.
 */
public final class LiabilityTree
{
    /** The encoding's version, in every publication and proof. */
    public static final int VERSION = 1;
    public static final int HASH_LENGTH = 32;
    /** The publication secret's length: 32 bytes. */
    public static final int SECRET_LENGTH = 32;
    static final byte[] LEAF_TAG = tag("ledger-guard/por/v1/leaf");
    static final byte[] PADDING_TAG = tag("ledger-guard/por/v1/padding");
    static final byte[] NODE_TAG = tag("ledger-guard/por/v1/node");
    static final byte[] SALT_TAG = tag("ledger-guard/por/v1/salt");
    static final byte[] PADDING_SALT_TAG = tag("ledger-guard/por/v1/padding-salt");
    /** Accounts beyond this are refused: the padded leaves' hashes (32 bytes each) must fit one array. */
    static final int LEAVES_MAX = 1 << 25;
    /** Assets beyond this are refused: the leaves' sums must fit one array at the most leaves. */
    static final int ASSETS_MAX = 32;
    static final byte[] PUBLICATION_TAG = tag("ledger-guard/por/v1/publication");

    private final int assets;
    private final int depth;
    /** Per level, from the leaves (0) to the root ({@link #depth}): each node's hash, 32 bytes apiece. */
    private final byte[][] hashes;
    /** Per level: each node's sums, {@link #assets} apiece. */
    private final long[][] sums;
    /** The accounts, ascending; for each, the leaf it landed on and its index in the order given. */
    private final long[] accountsSorted;
    private final int[] leafOfSorted;
    private final int[] givenOfSorted;
    /** Per account, in the order given: its salt, and its amounts. */
    private final byte[] salts;
    private final long[] amounts;

    private LiabilityTree(final int assets, final int depth, final byte[][] hashes, final long[][] sums,
        final long[] accountsSorted, final int[] leafOfSorted, final int[] givenOfSorted, final byte[] salts,
        final long[] amounts)
    {
        this.assets = assets;
        this.depth = depth;
        this.hashes = hashes;
        this.sums = sums;
        this.accountsSorted = accountsSorted;
        this.leafOfSorted = leafOfSorted;
        this.givenOfSorted = givenOfSorted;
        this.salts = salts;
        this.amounts = amounts;
    }

    /**
     * Build the tree.
     *
     * @param secret   the publication's secret, {@value #SECRET_LENGTH} bytes: fresh for every publication.
     * @param assets   amounts per leaf.
     * @param accounts the accounts' ids, distinct and non-zero.
     * @param amounts  their amounts, {@code assets} per account in the order of {@code accounts}: each at least 0.
     * @return the tree.
     * @throws IllegalArgumentException when an amount is negative, an id repeats or is 0, the sums overflow, or the
     *                                  accounts are too many; the message names the account or the asset.
     */
    public static LiabilityTree build(final byte[] secret, final int assets, final long[] accounts,
        final long[] amounts)
    {
        checkShape(secret, assets, accounts, amounts);
        final int size = Math.max(2, Integer.highestOneBit(Math.max(1, accounts.length - 1)) << 1);
        final int depth = Integer.numberOfTrailingZeros(size);
        final byte[][] hashes = new byte[depth + 1][];
        final long[][] sums = new long[depth + 1][];
        final byte[] leafHashes = new byte[size * HASH_LENGTH];
        final long[] leafSums = new long[size * assets];
        final byte[] salts = new byte[accounts.length * HASH_LENGTH];
        final Hashing hashing = new Hashing(secret, assets);
        for (int a = 0; a < accounts.length; a++)
        {
            if (accounts[a] == 0)
            {
                throw new IllegalArgumentException("account id 0 at " + a);
            }
            for (int i = 0; i < assets; i++)
            {
                if (amounts[a * assets + i] < 0)
                {
                    throw new IllegalArgumentException("account " + accounts[a] + ": amount " +
                        amounts[a * assets + i] + " of asset " + i + " is negative: a leaf never holds a negative " +
                        "amount (credit lines below zero are reported apart)");
                }
            }
            hashing.salt(accounts[a], salts, a * HASH_LENGTH);
            hashing.leaf(salts, a * HASH_LENGTH, accounts[a], amounts, a * assets, leafHashes, a * HASH_LENGTH);
            System.arraycopy(amounts, a * assets, leafSums, a * assets, assets);
        }
        for (int p = accounts.length; p < size; p++)
        {
            hashing.padding(p - accounts.length, leafHashes, p * HASH_LENGTH);
        }
        // Leaves in the order of their hashes: the position of a leaf says nothing of its account.
        final int[] order = orderByHash(leafHashes, size, depth);
        hashes[0] = new byte[size * HASH_LENGTH];
        sums[0] = new long[size * assets];
        final int[] leafOfGiven = new int[accounts.length];
        for (int position = 0; position < size; position++)
        {
            final int leaf = order[position];
            System.arraycopy(leafHashes, leaf * HASH_LENGTH, hashes[0], position * HASH_LENGTH, HASH_LENGTH);
            System.arraycopy(leafSums, leaf * assets, sums[0], position * assets, assets);
            if (leaf < accounts.length)
            {
                leafOfGiven[leaf] = position;
            }
        }
        for (int level = 1; level <= depth; level++)
        {
            final int nodes = size >>> level;
            hashes[level] = new byte[nodes * HASH_LENGTH];
            sums[level] = new long[nodes * assets];
            for (int node = 0; node < nodes; node++)
            {
                try
                {
                    hashing.node(hashes[level - 1], sums[level - 1], 2 * node, hashes[level], sums[level], node,
                        level);
                }
                catch (final ArithmeticException ex)
                {
                    throw new IllegalArgumentException("the sums overflow a long at level " + level + ": " +
                        "liabilities beyond 2^63-1 minor units of one asset", ex);
                }
            }
        }
        final long[] sortedKeys = accounts.clone();
        Arrays.sort(sortedKeys);
        final int[] leafOfSorted = new int[accounts.length];
        final int[] givenOfSorted = new int[accounts.length];
        for (int i = 1; i < sortedKeys.length; i++)
        {
            if (sortedKeys[i] == sortedKeys[i - 1])
            {
                throw new IllegalArgumentException("account " + sortedKeys[i] + " is given twice: one leaf per " +
                    "account");
            }
        }
        for (int a = 0; a < accounts.length; a++)
        {
            final int sorted = Arrays.binarySearch(sortedKeys, accounts[a]);
            leafOfSorted[sorted] = leafOfGiven[a];
            givenOfSorted[sorted] = a;
        }
        return new LiabilityTree(assets, depth, hashes, sums, sortedKeys, leafOfSorted, givenOfSorted, salts,
            amounts.clone());
    }

    private static void checkShape(final byte[] secret, final int assets, final long[] accounts,
        final long[] amounts)
    {
        if (secret.length != SECRET_LENGTH)
        {
            throw new IllegalArgumentException("the publication secret must be " + SECRET_LENGTH + " bytes, was " +
                secret.length);
        }
        if (assets < 1 || assets > ASSETS_MAX || amounts.length != (long)accounts.length * assets)
        {
            throw new IllegalArgumentException("amounts: " + amounts.length + " for " + accounts.length +
                " accounts of " + assets + " assets (1 to " + ASSETS_MAX + ")");
        }
        if (accounts.length > LEAVES_MAX)
        {
            throw new IllegalArgumentException(accounts.length + " accounts: at most " + LEAVES_MAX);
        }
    }

    /**
     * @return the root's hash.
     */
    public byte[] rootHash()
    {
        return Arrays.copyOf(hashes[depth], HASH_LENGTH);
    }

    /**
     * @return the root's sums, one per asset: the liabilities the tree commits to.
     */
    public long[] rootSums()
    {
        return Arrays.copyOf(sums[depth], assets);
    }

    /**
     * @return the leaves, padding included: a power of two.
     */
    public int leaves()
    {
        return 1 << depth;
    }

    /**
     * @return levels above the leaves: the number of siblings in every proof.
     */
    public int depth()
    {
        return depth;
    }

    /**
     * @param accountId an account in the tree.
     * @return its inclusion proof.
     * @throws IllegalArgumentException when it is not in the tree.
     */
    public Proof proof(final long accountId)
    {
        final int found = Arrays.binarySearch(accountsSorted, accountId);
        if (found < 0)
        {
            throw new IllegalArgumentException("account " + accountId + " is not in the tree");
        }
        int index = leafOfSorted[found];
        final int given = givenOfSorted[found];
        final byte[] salt = Arrays.copyOfRange(salts, given * HASH_LENGTH, (given + 1) * HASH_LENGTH);
        final long[] balances = Arrays.copyOfRange(amounts, given * assets, (given + 1) * assets);
        final byte[][] siblingHashes = new byte[depth][];
        final long[][] siblingSums = new long[depth][];
        final boolean[] siblingOnLeft = new boolean[depth];
        for (int level = 0; level < depth; level++)
        {
            final int sibling = index ^ 1;
            siblingOnLeft[level] = (index & 1) == 1;
            siblingHashes[level] = Arrays.copyOfRange(hashes[level], sibling * HASH_LENGTH,
                (sibling + 1) * HASH_LENGTH);
            siblingSums[level] = Arrays.copyOfRange(sums[level], sibling * assets, (sibling + 1) * assets);
            index >>>= 1;
        }
        return new Proof(accountId, salt, balances, siblingHashes, siblingSums, siblingOnLeft);
    }

    /**
     * Recompute a proof's path: the leaf from the account's salt and balances, then each level from its sibling, up
     * to a root that must be the one given, hash and sums.
     *
     * @param proof     the account's proof.
     * @param rootHash  the published root's hash.
     * @param rootSums  the published root's sums, one per asset.
     * @return null when the account's balances are included and every level's sums add up; otherwise what fails and
     *     at which level (0: the leaf; the proof's depth: the root).
     */
    public static String verify(final Proof proof, final byte[] rootHash, final long[] rootSums)
    {
        final int assets = rootSums.length;
        if (proof.balances.length != assets)
        {
            return "level 0: the proof has " + proof.balances.length + " balances, the root " + assets + " assets";
        }
        if (proof.salt.length != HASH_LENGTH)
        {
            return "level 0: the salt is " + proof.salt.length + " bytes, not " + HASH_LENGTH;
        }
        for (int i = 0; i < assets; i++)
        {
            if (proof.balances[i] < 0)
            {
                return "level 0: balance " + proof.balances[i] + " of asset " + i + " is negative: a leaf with a " +
                    "negative amount is refused";
            }
        }
        final Hashing hashing = new Hashing(null, assets);
        byte[] hash = new byte[HASH_LENGTH];
        hashing.leaf(proof.salt, 0, proof.accountId, proof.balances, 0, hash, 0);
        long[] sums = proof.balances.clone();
        for (int level = 0; level < proof.siblingHashes.length; level++)
        {
            final long[] sibling = proof.siblingSums[level];
            if (sibling.length != assets || proof.siblingHashes[level].length != HASH_LENGTH)
            {
                return "level " + (level + 1) + ": the sibling has " + sibling.length + " sums and a " +
                    proof.siblingHashes[level].length + "-byte hash, not " + assets + " and " + HASH_LENGTH;
            }
            for (int i = 0; i < assets; i++)
            {
                if (sibling[i] < 0)
                {
                    return "level " + (level + 1) + ": the sibling's sum " + sibling[i] + " of asset " + i +
                        " is negative";
                }
            }
            final byte[] pair = new byte[2 * HASH_LENGTH];
            final long[] pairSums = new long[2 * assets];
            final int mine = proof.siblingOnLeft[level] ? 1 : 0;
            System.arraycopy(hash, 0, pair, mine * HASH_LENGTH, HASH_LENGTH);
            System.arraycopy(proof.siblingHashes[level], 0, pair, (1 - mine) * HASH_LENGTH, HASH_LENGTH);
            System.arraycopy(sums, 0, pairSums, mine * assets, assets);
            System.arraycopy(sibling, 0, pairSums, (1 - mine) * assets, assets);
            hash = new byte[HASH_LENGTH];
            sums = new long[assets];
            try
            {
                hashing.node(pair, pairSums, 0, hash, sums, 0, level + 1);
            }
            catch (final ArithmeticException ex)
            {
                return "level " + (level + 1) + ": the sums overflow";
            }
        }
        final int top = proof.siblingHashes.length;
        if (!Arrays.equals(sums, rootSums))
        {
            return "level " + top + " (the root): the path's sums " + Arrays.toString(sums) + " are not the root's " +
                Arrays.toString(rootSums);
        }
        if (!MessageDigest.isEqual(hash, rootHash))
        {
            return "level " + top + " (the root): the path's hash " + hex(hash) + " is not the root's " +
                hex(rootHash) + ": the balances, the salt or a sibling differ from what the root commits to";
        }
        return null;
    }

    /**
     * Sort the given indexes of the leaves by their hashes' first bits, ties by index: a permutation, in a sort of
     * primitive longs (the index in the low {@code depth} bits).
     */
    private static int[] orderByHash(final byte[] leafHashes, final int size, final int depth)
    {
        final long[] keys = new long[size];
        final ByteBuffer buffer = ByteBuffer.wrap(leafHashes);
        for (int leaf = 0; leaf < size; leaf++)
        {
            final long prefix = buffer.getLong(leaf * HASH_LENGTH) >>> 1;
            keys[leaf] = (prefix >>> depth << depth) | leaf;
        }
        Arrays.sort(keys);
        final int[] order = new int[size];
        final long mask = (1L << depth) - 1;
        for (int position = 0; position < size; position++)
        {
            order[position] = (int)(keys[position] & mask);
        }
        return order;
    }

    static String hex(final byte[] bytes)
    {
        return java.util.HexFormat.of().formatHex(bytes);
    }

    private static byte[] tag(final String name)
    {
        final byte[] text = name.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(text, text.length + 1);
    }

    /**
     * What a publication commits to, beyond the tree: {@code H(PUBLICATION_TAG || version[4] || seq[8] ||
     * chainHead[32] || n[4] || (length[1] || code) x n || sums[8] x n || depth[4] || rootHash[32])}, the chain head
     * all zeros before the first command. Relabelling a root with another sequence, chain head or asset order changes
     * it: the exchange publishes it where it cannot take it back, and a customer compares.
     *
     * @param seq       the journal's sequence.
     * @param chainHead its entry's chain value; {@code null} at sequence 0.
     * @param codes     the assets, in the order of the sums.
     * @param rootSums  the root's sums.
     * @param depth     the tree's levels.
     * @param rootHash  the root's hash.
     * @return the publication's hash.
     */
    public static byte[] publicationHash(final long seq, final byte[] chainHead, final java.util.List<String> codes,
        final long[] rootSums, final int depth, final byte[] rootHash)
    {
        assert codes.size() == rootSums.length : codes + " " + Arrays.toString(rootSums);
        final MessageDigest digest = new Hashing(null, 1).sha256;
        final ByteBuffer fixed = ByteBuffer.allocate(4 + 8 + HASH_LENGTH + 4);
        fixed.putInt(VERSION).putLong(seq).put(chainHead == null ? new byte[HASH_LENGTH] : chainHead)
            .putInt(codes.size());
        digest.update(PUBLICATION_TAG);
        digest.update(fixed.array());
        for (final String code : codes)
        {
            final byte[] bytes = code.getBytes(StandardCharsets.US_ASCII);
            digest.update((byte)bytes.length);
            digest.update(bytes);
        }
        final ByteBuffer tail = ByteBuffer.allocate(8 * rootSums.length + 4 + HASH_LENGTH);
        for (final long sum : rootSums)
        {
            tail.putLong(sum);
        }
        tail.putInt(depth).put(rootHash);
        digest.update(tail.array());
        return digest.digest();
    }

    /**
     * An account's inclusion proof: its id, salt and balances, and from the leaf up, each level's sibling (hash and
     * sums) and whether the sibling is the left child.
     */
    public static final class Proof
    {
        public final long accountId;
        final byte[] salt;
        final long[] balances;
        final byte[][] siblingHashes;
        final long[][] siblingSums;
        final boolean[] siblingOnLeft;

        Proof(final long accountId, final byte[] salt, final long[] balances, final byte[][] siblingHashes,
            final long[][] siblingSums, final boolean[] siblingOnLeft)
        {
            this.accountId = accountId;
            this.salt = salt;
            this.balances = balances;
            this.siblingHashes = siblingHashes;
            this.siblingSums = siblingSums;
            this.siblingOnLeft = siblingOnLeft;
        }
    }

    /**
     * The hashes of the encoding, each allocated once per build or verification.
     */
    static final class Hashing
    {
        private final MessageDigest sha256;
        private final Mac hmac;
        private final int assets;
        private final ByteBuffer scratch;

        Hashing(final byte[] secret, final int assets)
        {
            this.assets = assets;
            try
            {
                sha256 = MessageDigest.getInstance("SHA-256");
                hmac = secret == null ? null : Mac.getInstance("HmacSHA256");
                if (hmac != null)
                {
                    hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
                }
            }
            catch (final GeneralSecurityException ex)
            {
                throw new IllegalStateException("this JDK lacks SHA-256 or HmacSHA256", ex);
            }
            scratch = ByteBuffer.allocate(64 + 2 * assets * Long.BYTES + 2 * HASH_LENGTH);
        }

        /** salt = HMAC-SHA256(secret, SALT_TAG || accountId). */
        void salt(final long accountId, final byte[] into, final int offset)
        {
            hmac.update(SALT_TAG);
            hmac.update(longBytes(accountId));
            doFinal(into, offset);
        }

        /** leaf = SHA-256(LEAF_TAG || salt || accountId || assets || amount per asset). */
        void leaf(final byte[] salt, final int saltOffset, final long accountId, final long[] amounts,
            final int amountsOffset, final byte[] into, final int offset)
        {
            scratch.clear();
            scratch.put(LEAF_TAG).put(salt, saltOffset, HASH_LENGTH).putLong(accountId).putInt(assets);
            for (int i = 0; i < assets; i++)
            {
                scratch.putLong(amounts[amountsOffset + i]);
            }
            digest(into, offset);
        }

        /** padding leaf p = SHA-256(PADDING_TAG || HMAC-SHA256(secret, PADDING_SALT_TAG || p)), its sums 0. */
        void padding(final long p, final byte[] into, final int offset)
        {
            final byte[] salt = new byte[HASH_LENGTH];
            hmac.update(PADDING_SALT_TAG);
            hmac.update(longBytes(p));
            doFinal(salt, 0);
            scratch.clear();
            scratch.put(PADDING_TAG).put(salt);
            digest(into, offset);
        }

        /**
         * node = SHA-256(NODE_TAG || level || assets || left sums || left hash || right sums || right hash); its sums
         * the children's, added exactly.
         */
        void node(final byte[] childHashes, final long[] childSums, final int left, final byte[] into,
            final long[] intoSums, final int node, final int level)
        {
            scratch.clear();
            scratch.put(NODE_TAG).putInt(level).putInt(assets);
            for (int child = left; child <= left + 1; child++)
            {
                for (int i = 0; i < assets; i++)
                {
                    scratch.putLong(childSums[child * assets + i]);
                }
                scratch.put(childHashes, child * HASH_LENGTH, HASH_LENGTH);
            }
            for (int i = 0; i < assets; i++)
            {
                intoSums[node * assets + i] = Math.addExact(childSums[left * assets + i],
                    childSums[(left + 1) * assets + i]);
            }
            digest(into, node * HASH_LENGTH);
        }

        private void digest(final byte[] into, final int offset)
        {
            sha256.update(scratch.array(), 0, scratch.position());
            try
            {
                sha256.digest(into, offset, HASH_LENGTH);
            }
            catch (final java.security.DigestException ex)
            {
                throw new IllegalStateException("SHA-256 into " + into.length + " bytes at " + offset, ex);
            }
        }

        private void doFinal(final byte[] into, final int offset)
        {
            try
            {
                hmac.doFinal(into, offset);
            }
            catch (final javax.crypto.ShortBufferException ex)
            {
                throw new IllegalStateException("HMAC into " + into.length + " bytes at " + offset, ex);
            }
        }

        private static byte[] longBytes(final long value)
        {
            return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
        }
    }
}
