package io.ledgerguard.core.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.ledgerguard.core.GuardConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OffHeapTable finds what it holds after any sequence of inserts and backward-shift removals, across the wrap-around
 * at the end of the slots, agrees with a java.util.HashMap on seeded random operations, and an undo log rolls its
 * writes back to the exact bytes.
 */
class OffHeapTableTest
{
    private static final int WORDS = 3;
    private static final int VALUE = 2;

    static long seed()
    {
        final String property = System.getProperty("guard.seed");
        return property == null || property.isBlank() ? System.nanoTime() : Long.parseLong(property);
    }

    private static int home(final OffHeapTable table, final long k0, final long k1)
    {
        return (int)Hashing.hash(k0, k1) & (table.capacity() - 1);
    }

    private static int indexOf(final OffHeapTable table, final int offset)
    {
        return (offset - OffHeapTable.HEADER_BYTES) / table.slotBytes();
    }

    /**
     * @return the first {@code count} keys from 1 up whose home slot is {@code slot}.
     */
    private static List<Long> keysWithHome(final OffHeapTable table, final int slot, final int count, final long from)
    {
        final List<Long> keys = new ArrayList<>();
        for (long key = from; keys.size() < count; key++)
        {
            if (home(table, key, 0) == slot)
            {
                keys.add(key);
            }
        }
        return keys;
    }

    private static byte[] bytes(final UnsafeBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    @Test
    void shouldInsertFindAndRemove()
    {
        final OffHeapTable table = new OffHeapTable(8, WORDS, 1, new UndoLog());
        assertEquals(16, table.capacity());
        final int offset = table.insert(42, 0);
        table.put(offset, VALUE, 4242);

        assertEquals(offset, table.find(42, 0));
        assertEquals(4242, table.get(offset, VALUE));
        assertEquals(1, table.size());
        assertEquals(-1, table.find(43, 0));

        table.remove(offset);
        assertEquals(-1, table.find(42, 0));
        assertEquals(0, table.size());
        assertFalse(table.isOccupied(offset));
    }

    @Test
    void shouldShiftBackAcrossTheWrapAround()
    {
        final OffHeapTable table = new OffHeapTable(8, WORDS, 1, new UndoLog());
        final int last = table.capacity() - 1;
        // Three keys at home in the last slot run over the end into slots 0 and 1; a key at home in 0 goes to 2.
        final List<Long> atLast = keysWithHome(table, last, 3, 1);
        final long atZero = keysWithHome(table, 0, 1, 1).get(0);
        for (final long key : atLast)
        {
            table.put(table.insert(key, 0), VALUE, key * 10);
        }
        table.put(table.insert(atZero, 0), VALUE, atZero * 10);
        assertEquals(last, indexOf(table, table.find(atLast.get(0), 0)));
        assertEquals(0, indexOf(table, table.find(atLast.get(1), 0)));
        assertEquals(1, indexOf(table, table.find(atLast.get(2), 0)));
        assertEquals(2, indexOf(table, table.find(atZero, 0)));

        table.remove(table.find(atLast.get(0), 0));

        assertEquals(-1, table.find(atLast.get(0), 0));
        assertEquals(last, indexOf(table, table.find(atLast.get(1), 0)), "shifted back over the wrap");
        assertEquals(0, indexOf(table, table.find(atLast.get(2), 0)));
        assertEquals(1, indexOf(table, table.find(atZero, 0)));
        assertFalse(table.isOccupied(table.slotOffset(2)));
        for (final long key : List.of(atLast.get(1), atLast.get(2), atZero))
        {
            assertEquals(key * 10, table.get(table.find(key, 0), VALUE), "values move with their keys");
        }
        assertEquals(3, table.size());
    }

    @Test
    void shouldNotShiftAnEntryPastItsHome()
    {
        final OffHeapTable table = new OffHeapTable(8, WORDS, 1, new UndoLog());
        final List<Long> atFive = keysWithHome(table, 5, 2, 1);
        final long atSix = keysWithHome(table, 6, 1, 1).get(0);
        final long atSeven = keysWithHome(table, 7, 1, 1).get(0);
        table.insert(atFive.get(0), 0);
        table.insert(atSix, 0);
        table.insert(atFive.get(1), 0);
        table.insert(atSeven, 0);
        // Slots: 5 atFive0, 6 atSix, 7 atFive1, 8 atSeven.

        table.remove(table.find(atSix, 0));

        // atFive1 moves into 6 (its home 5 is not between); atSeven moves into 7, its home.
        assertEquals(5, indexOf(table, table.find(atFive.get(0), 0)));
        assertEquals(6, indexOf(table, table.find(atFive.get(1), 0)));
        assertEquals(7, indexOf(table, table.find(atSeven, 0)));
        assertFalse(table.isOccupied(table.slotOffset(8)));
    }

    @Test
    void shouldRefuseAnInsertPastItsLimit()
    {
        final OffHeapTable table = new OffHeapTable(2, WORDS, 1, new UndoLog());
        table.insert(1, 0);
        assertTrue(table.hasRoomFor(1));
        assertFalse(table.hasRoomFor(2));
        table.insert(2, 0);
        assertTrue(table.isFull());
        assertThrows(IllegalStateException.class, () -> table.insert(3, 0));
    }

    @Test
    void shouldAgreeWithAHashMapOnRandomOperations()
    {
        final long seed = seed();
        try
        {
            randomAgainstModel(seed, 1);
            randomAgainstModel(seed + 1, 2);
        }
        catch (final AssertionError e)
        {
            throw new AssertionError("replay with -Dguard.seed=" + seed + ": " + e.getMessage(), e);
        }
    }

    private static void randomAgainstModel(final long seed, final int keyWords)
    {
        final int sizeMax = 100;
        final OffHeapTable table = new OffHeapTable(sizeMax, 4, keyWords, new UndoLog());
        final Map<List<Long>, Long> model = new HashMap<>();
        final Random random = new Random(seed);
        // Few distinct keys, so that probe runs are long, collide and wrap.
        final int keyRange = 160;
        for (int op = 0; op < 50_000; op++)
        {
            final long k0 = 1 + random.nextInt(keyRange);
            final long k1 = keyWords == 2 ? random.nextInt(3) : 0;
            final List<Long> key = List.of(k0, k1);
            final int offset = table.find(k0, k1);
            assertEquals(model.containsKey(key), offset >= 0, "op " + op + " find " + key);
            if (offset >= 0)
            {
                assertEquals(model.get(key), table.get(offset, 3), "op " + op + " value of " + key);
                if (random.nextBoolean())
                {
                    table.remove(offset);
                    model.remove(key);
                }
            }
            else if (!table.isFull())
            {
                final long value = random.nextLong();
                table.put(table.insert(k0, k1), 3, value);
                model.put(key, value);
            }
            assertEquals(model.size(), table.size());
        }
        // Every live slot is reachable from its home without crossing an empty slot.
        int occupied = 0;
        for (int i = 0; i < table.capacity(); i++)
        {
            final int offset = table.slotOffset(i);
            if (table.isOccupied(offset))
            {
                occupied++;
                final long k0 = table.get(offset, 0);
                final long k1 = keyWords == 2 ? table.get(offset, 1) : 0;
                assertEquals(offset, table.find(k0, k1));
            }
        }
        assertEquals(model.size(), occupied);
    }

    @Test
    void shouldRollBackToTheExactBytes()
    {
        final UndoLog undo = new UndoLog();
        final OffHeapTable table = new OffHeapTable(GuardConfig.capacityFor(8) / 2, WORDS, 1, undo);
        for (long key = 1; key <= 5; key++)
        {
            table.put(table.insert(key, 0), VALUE, key);
        }
        final byte[] before = bytes(table.buffer());

        undo.begin();
        for (long key = 100; key < 103; key++)
        {
            table.put(table.insert(key, 0), VALUE, -key);
        }
        table.put(table.find(3, 0), VALUE, 333);
        assertEquals(8, table.size());
        undo.rollback();

        assertArrayEquals(before, bytes(table.buffer()));
        assertEquals(5, table.size());
        assertEquals(-1, table.find(100, 0));
        assertEquals(3, table.get(table.find(3, 0), VALUE));
        assertFalse(undo.isActive());
    }

    @Test
    void shouldKeepCommittedWrites()
    {
        final UndoLog undo = new UndoLog();
        final OffHeapTable table = new OffHeapTable(8, WORDS, 1, undo);
        undo.begin();
        table.put(table.insert(7, 0), VALUE, 70);
        undo.commit();

        assertEquals(70, table.get(table.find(7, 0), VALUE));
        // Outside a batch writes go straight through and a later rollback scope does not see them.
        undo.begin();
        undo.rollback();
        assertEquals(70, table.get(table.find(7, 0), VALUE));
    }
}
