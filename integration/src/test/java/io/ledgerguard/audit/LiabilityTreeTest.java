package io.ledgerguard.audit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18: the Merkle-sum tree of liabilities. Every account's proof verifies against the root; every tampering
 * fails, at the level it can be seen: a changed balance, a dropped or an added account, a negative leaf or sum, a
 * swapped sibling, a sibling's sums under-reported. The test vectors of docs/proof-of-reserves.md are computed here.
 */
class LiabilityTreeTest
{
    private static final byte[] SECRET = HexFormat.of().parseHex(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42})
    void shouldVerifyEveryAccountsProof(final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final int count = 1 + random.nextInt(300);
        final long[] accounts = new long[count];
        final long[] amounts = new long[count * 3];
        final long[] totals = new long[3];
        for (int a = 0; a < count; a++)
        {
            accounts[a] = 1_000 + a * 7L + random.nextInt(7);
            for (int i = 0; i < 3; i++)
            {
                // Some zero balances: a customer with nothing is still in the tree.
                amounts[a * 3 + i] = random.nextInt(4) == 0 ? 0 : random.nextLong(1L << 50);
                totals[i] += amounts[a * 3 + i];
            }
        }

        final LiabilityTree tree = LiabilityTree.build(SECRET, 3, accounts, amounts);

        assertTrue(tree.leaves() >= count && tree.leaves() < 2 * Math.max(2, count), "padded to a power of two");
        assertEquals(Integer.bitCount(tree.leaves()), 1);
        assertTrue(Arrays.equals(totals, tree.rootSums()), "the root sums every balance");
        for (final long account : accounts)
        {
            final LiabilityTree.Proof proof = tree.proof(account);
            assertEquals(tree.depth(), proof.siblingHashes.length);
            assertNull(LiabilityTree.verify(proof, tree.rootHash(), tree.rootSums()), "account " + account);
        }
    }

    /** No account, one, two, a power of two and one past it: the smallest trees and the padding's edges. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 9})
    void shouldProveTreesOfAnySize(final int count)
    {
        final long[] accounts = new long[count];
        final long[] amounts = new long[count];
        for (int a = 0; a < count; a++)
        {
            accounts[a] = 7_000 + a;
            amounts[a] = a * 10L;
        }
        final LiabilityTree tree = LiabilityTree.build(SECRET, 1, accounts, amounts);
        assertEquals(Math.max(2, Integer.highestOneBit(Math.max(1, count - 1)) << 1), tree.leaves());
        assertEquals(count * (count - 1L) * 5, tree.rootSums()[0]);
        for (final long account : accounts)
        {
            assertNull(LiabilityTree.verify(tree.proof(account), tree.rootHash(), tree.rootSums()));
        }
    }

    @Test
    void shouldDetectAChangedBalance()
    {
        final LiabilityTree tree = sample();
        final LiabilityTree.Proof proof = tree.proof(1002);
        proof.balances[1]--;
        assertTrue(LiabilityTree.verify(proof, tree.rootHash(), tree.rootSums()).startsWith("level 3 (the root)"));
    }

    @Test
    void shouldDetectADroppedCustomer()
    {
        final LiabilityTree honest = sample();
        // The operator leaves account 1003 out: its customer's proof does not verify against that root.
        final LiabilityTree dropped = LiabilityTree.build(SECRET, 2, new long[] {1001, 1002, 1004, 1005},
            new long[] {5, 0, 7, 1, 0, 0, 9, 9});
        final String failure = LiabilityTree.verify(honest.proof(1003), dropped.rootHash(), dropped.rootSums());
        assertTrue(failure != null && failure.startsWith("level "), failure);
        assertThrows(IllegalArgumentException.class, () -> dropped.proof(1003));
    }

    @Test
    void shouldRefuseADuplicatedCustomerAndDetectAnAddedLeaf()
    {
        final IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () ->
            LiabilityTree.build(SECRET, 2, new long[] {1001, 1002, 1001}, new long[] {1, 1, 2, 2, 1, 1}));
        assertEquals("account 1001 is given twice: one leaf per account", twice.getMessage());

        // A leaf added under another id changes the root: every honest proof fails against it.
        final LiabilityTree honest = sample();
        final LiabilityTree added = LiabilityTree.build(SECRET, 2, new long[] {1001, 1002, 1003, 1004, 1005, 1006},
            new long[] {5, 0, 7, 1, 3, 3, 0, 0, 9, 9, 3, 3});
        for (final long account : new long[] {1001, 1002, 1003, 1004, 1005})
        {
            assertTrue(LiabilityTree.verify(honest.proof(account), added.rootHash(), added.rootSums()) != null);
        }
    }

    @Test
    void shouldRefuseANegativeLeafOrSum()
    {
        final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class, () ->
            LiabilityTree.build(SECRET, 2, new long[] {1001, 1002}, new long[] {1, -1, 2, 2}));
        assertTrue(negative.getMessage().startsWith("account 1001: amount -1 of asset 1 is negative"),
            negative.getMessage());

        final LiabilityTree tree = sample();
        final LiabilityTree.Proof leaf = tree.proof(1001);
        leaf.balances[0] = -5;
        assertTrue(LiabilityTree.verify(leaf, tree.rootHash(), tree.rootSums()).startsWith("level 0: balance -5"));
        final LiabilityTree.Proof sibling = tree.proof(1001);
        sibling.siblingSums[1][1] = -1;
        assertTrue(LiabilityTree.verify(sibling, tree.rootHash(), tree.rootSums())
            .startsWith("level 2: the sibling's sum -1 of asset 1 is negative"));
    }

    @Test
    void shouldDetectASwappedSibling()
    {
        final LiabilityTree tree = sample();
        final LiabilityTree.Proof proof = tree.proof(1004);
        proof.siblingOnLeft[1] = !proof.siblingOnLeft[1];
        assertTrue(LiabilityTree.verify(proof, tree.rootHash(), tree.rootSums()).startsWith("level 3 (the root)"));
    }

    /**
     * A sibling's sums are bound into its parent's hash: shown lowered to a customer, with the root's total lowered
     * to match, the path no longer reaches the root's hash. (The attack on schemes that let a sum go unchecked, a
     * negative sibling, is refused above.)
     */
    @Test
    void shouldDetectAnUnderReportedSibling()
    {
        final LiabilityTree tree = sample();
        final LiabilityTree.Proof proof = tree.proof(1002);
        proof.siblingSums[2][0] -= 1;
        final long[] lowered = tree.rootSums();
        lowered[0] -= 1;
        final String failure = LiabilityTree.verify(proof, tree.rootHash(), lowered);
        assertTrue(failure.startsWith("level 3 (the root): the path's hash"), failure);
    }

    @Test
    void shouldSaltPerPublicationSoLeavesDoNotLink()
    {
        final LiabilityTree first = sample();
        final byte[] other = SECRET.clone();
        other[0] = 1;
        final LiabilityTree second = LiabilityTree.build(other, 2, new long[] {1001, 1002, 1003, 1004, 1005},
            new long[] {5, 0, 7, 1, 3, 3, 0, 0, 9, 9});
        assertTrue(!Arrays.equals(first.proof(1001).salt, second.proof(1001).salt));
        assertTrue(!Arrays.equals(first.rootHash(), second.rootHash()));
        assertTrue(Arrays.equals(first.rootSums(), second.rootSums()));
    }

    /**
     * The vectors of docs/proof-of-reserves.md: the salt and leaf of account 1001, and the root, for the sample tree
     * with the secret 00 01 .. 1f. The document must show the values computed here.
     */
    @Test
    void shouldMatchTheDocumentsTestVectors() throws Exception
    {
        final LiabilityTree tree = sample();
        final LiabilityTree.Proof proof = tree.proof(1001);
        final byte[] leaf = new byte[LiabilityTree.HASH_LENGTH];
        new LiabilityTree.Hashing(null, 2).leaf(proof.salt, 0, 1001, proof.balances, 0, leaf, 0);
        final String doc = Files.readString(Path.of("..", "docs", "proof-of-reserves.md"), StandardCharsets.UTF_8);
        for (final String vector : new String[] {LiabilityTree.hex(proof.salt), LiabilityTree.hex(leaf),
            LiabilityTree.hex(tree.rootHash())})
        {
            assertTrue(doc.contains(vector), "docs/proof-of-reserves.md shows " + vector);
        }
        assertEquals(8, tree.leaves());
        assertTrue(Arrays.equals(new long[] {24, 13}, tree.rootSums()));
    }

    /** Five accounts, two assets: padded to eight leaves, three levels. */
    private static LiabilityTree sample()
    {
        return LiabilityTree.build(SECRET, 2, new long[] {1001, 1002, 1003, 1004, 1005},
            new long[] {5, 0, 7, 1, 3, 3, 0, 0, 9, 9});
    }
}
