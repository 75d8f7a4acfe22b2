package io.ledgerguard.core.engine;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.TableKind;

/**
 * SPEC §11: every table has a fixed limit, and a table past 80% of it raises
 * {@link io.ledgerguard.core.AlertType#CAPACITY_WARNING}, once per crossing: it may raise again after falling back to
 * 80% or below (tables that forget, such as txIds, do). Checked once a command is decided, in constant work.
 */
public final class Capacity
{
    /** {@code TableKind.values()} copies its array on every call; the apply path must not allocate. */
    private static final TableKind[] TABLES = TableKind.values();
    private static final int WARNING_PERCENT = 80;

    private final EngineParts parts;
    private final long[] sizeMax = new long[TABLES.length];

    Capacity(final GuardConfig.Limits limits, final EngineParts parts)
    {
        this.parts = parts;
        for (final TableKind table : TABLES)
        {
            sizeMax[table.ordinal()] = limits.limitOf(table);
        }
    }

    /**
     * Raise a warning for each table that crossed 80% since the last check.
     */
    public void check()
    {
        final long warned = parts.globals.get(GlobalDescriptor.CAPACITY_WARNED);
        long now = warned;
        for (final TableKind table : TABLES)
        {
            final int ordinal = table.ordinal();
            final long size = parts.tableSize(table);
            final long max = sizeMax[ordinal];
            final boolean past = size * 100 > max * WARNING_PERCENT;
            final long bit = 1L << ordinal;
            if (past && (warned & bit) == 0)
            {
                now |= bit;
                parts.alerts.capacityWarning(table, size, max);
            }
            else if (!past && (warned & bit) != 0)
            {
                now &= ~bit;
            }
        }
        if (now != warned)
        {
            parts.globals.putPlain(GlobalDescriptor.CAPACITY_WARNED, now);
        }
    }

    /**
     * @return true when the table is past 80% of its limit, as of the last check.
     */
    public boolean isWarned(final TableKind table)
    {
        return (parts.globals.get(GlobalDescriptor.CAPACITY_WARNED) & (1L << table.ordinal())) != 0;
    }

    /**
     * @return true when ordinary commands can add nothing to the table any more.
     */
    public boolean isFull(final TableKind table)
    {
        return parts.tableSize(table) >= sizeMax[table.ordinal()];
    }

    /**
     * @return the table's configured limit: for txIds, without the control commands' reserve.
     */
    public long sizeMax(final TableKind table)
    {
        return sizeMax[table.ordinal()];
    }
}
