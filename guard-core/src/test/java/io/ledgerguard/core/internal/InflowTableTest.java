package io.ledgerguard.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * InflowTable keys inflows by their chain reference byte for byte: references that share a home slot, wrap past the
 * last slot, or differ only in length or one byte are told apart; it agrees with a HashMap on seeded random
 * inserts, and rolls back to the exact bytes.
 */
class InflowTableTest
{
    private static byte[] ref(final String value)
    {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    private static int find(final InflowTable table, final String value)
    {
        final byte[] bytes = ref(value);
        return table.find(InflowTable.hash(bytes, bytes.length), bytes, bytes.length);
    }

    private static int insert(final InflowTable table, final String value, final long amount)
    {
        final byte[] bytes = ref(value);
        return table.insert(InflowTable.hash(bytes, bytes.length), bytes, bytes.length, 3, 1, amount);
    }

    private static int home(final InflowTable table, final String value)
    {
        final byte[] bytes = ref(value);
        return (int)InflowTable.hash(bytes, bytes.length) & (table.capacity() - 1);
    }

    private static int indexOf(final InflowTable table, final int offset)
    {
        return (offset - OffHeapTable.HEADER_BYTES) / InflowDescriptor.SLOT_BYTES;
    }

    @Test
    void shouldRecordAndFindAnInflow()
    {
        final InflowTable table = new InflowTable(4, new UndoLog());
        final int offset = insert(table, "btc:tx1:0", 500);

        assertEquals(offset, find(table, "btc:tx1:0"));
        assertEquals(500, table.amount(offset));
        assertEquals(3, table.walletIndex(offset));
        assertEquals(1, table.assetIndex(offset));
        assertEquals(0, table.credited(offset));
        table.credited(offset, 200);
        assertEquals(200, table.credited(offset));
        assertEquals(1, table.size());
    }

    @Test
    void shouldTellApartReferencesThatDifferInLengthOrOneByte()
    {
        final InflowTable table = new InflowTable(8, new UndoLog());
        insert(table, "abcdefgh", 1);
        insert(table, "abcdefghi", 2);

        assertEquals(1, table.amount(find(table, "abcdefgh")));
        assertEquals(2, table.amount(find(table, "abcdefghi")));
        assertEquals(-1, find(table, "abcdefgi"));
        assertEquals(-1, find(table, "abcdefg"));
        final String longest = "z".repeat(InflowDescriptor.CHAIN_REF_LENGTH_MAX);
        insert(table, longest, 3);
        assertEquals(3, table.amount(find(table, longest)));
        assertEquals(-1, find(table, "z".repeat(InflowDescriptor.CHAIN_REF_LENGTH_MAX - 1) + "y"));
    }

    @Test
    void shouldProbePastCollidingReferencesAcrossTheWrapAround()
    {
        final InflowTable table = new InflowTable(8, new UndoLog());
        final int last = table.capacity() - 1;
        final List<String> colliding = new ArrayList<>();
        for (int i = 0; colliding.size() < 3; i++)
        {
            if (home(table, "ref:" + i) == last)
            {
                colliding.add("ref:" + i);
            }
        }
        for (int i = 0; i < colliding.size(); i++)
        {
            insert(table, colliding.get(i), 10 + i);
        }

        assertEquals(last, indexOf(table, find(table, colliding.get(0))));
        assertEquals(0, indexOf(table, find(table, colliding.get(1))));
        assertEquals(1, indexOf(table, find(table, colliding.get(2))));
        for (int i = 0; i < colliding.size(); i++)
        {
            assertEquals(10 + i, table.amount(find(table, colliding.get(i))));
        }
        // An absent reference with the same home walks the run and stops at the empty slot.
        for (int i = 1_000; ; i++)
        {
            if (home(table, "ref:" + i) == last)
            {
                assertEquals(-1, find(table, "ref:" + i));
                break;
            }
        }
    }

    @Test
    void shouldNeverGiveAZeroHash()
    {
        for (int i = 0; i < 10_000; i++)
        {
            final byte[] bytes = ref("h" + i);
            assertNotEquals(0, InflowTable.hash(bytes, bytes.length));
        }
    }

    @Test
    void shouldRefuseAnInsertPastItsLimit()
    {
        final InflowTable table = new InflowTable(2, new UndoLog());
        insert(table, "a", 1);
        insert(table, "b", 1);
        assertTrue(table.isFull());
        assertThrows(IllegalStateException.class, () -> insert(table, "c", 1));
    }

    @Test
    void shouldAgreeWithAHashMapOnRandomInserts()
    {
        final long seed = OffHeapTableTest.seed();
        final Random random = new Random(seed);
        final InflowTable table = new InflowTable(300, new UndoLog());
        final Map<String, Long> model = new HashMap<>();
        try
        {
            for (int op = 0; op < 5_000; op++)
            {
                final String value = "r" + random.nextInt(400) + (random.nextBoolean() ? "" : ":" + random.nextInt(3));
                final int offset = find(table, value);
                assertEquals(model.containsKey(value), offset >= 0, "op " + op + " " + value);
                if (offset >= 0)
                {
                    assertEquals(model.get(value), table.amount(offset));
                }
                else if (!table.isFull())
                {
                    final long amount = 1 + random.nextInt(1_000_000);
                    insert(table, value, amount);
                    model.put(value, amount);
                }
                assertEquals(model.size(), table.size());
            }
        }
        catch (final AssertionError e)
        {
            throw new AssertionError("replay with -Dguard.seed=" + seed + ": " + e.getMessage(), e);
        }
    }

    @Test
    void shouldRollBackToTheExactBytes()
    {
        final UndoLog undo = new UndoLog();
        final InflowTable table = new InflowTable(8, undo);
        final int kept = insert(table, "kept", 5);
        final byte[] before = new byte[table.buffer().capacity()];
        table.buffer().getBytes(0, before);

        undo.begin();
        insert(table, "x".repeat(100), 7);
        table.credited(kept, 5);
        undo.rollback();

        final byte[] after = new byte[table.buffer().capacity()];
        table.buffer().getBytes(0, after);
        assertArrayEquals(before, after);
        assertEquals(-1, find(table, "x".repeat(100)));
        assertEquals(0, table.credited(kept));
    }
}
