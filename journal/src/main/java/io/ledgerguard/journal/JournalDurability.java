package io.ledgerguard.journal;

import java.util.Locale;

import io.ledgerguard.core.ConfigurationException;

/**
 * How durable an appended entry is when the journal stage's batch ends and decisions are released.
 */
public enum JournalDurability
{
    /**
     * Entries are written to memory-mapped files: they survive the process being killed (the kernel owns the pages)
     * but not the machine losing power before the kernel writes them back. Nothing is done at the end of a batch.
     */
    PROCESS,
    /**
     * As {@link #PROCESS}, and at the end of every batch the mapped pages written since the last batch are synced to
     * the device ({@code msync(MS_SYNC)}), so that released decisions survive the machine losing power.
     */
    OS;

    /**
     * @param name {@code process} or {@code os}, as the configuration file spells them (case-insensitive).
     * @return the mode.
     * @throws ConfigurationException naming the setting when the name is none of them.
     */
    public static JournalDurability fromName(final String name)
    {
        if (name != null)
        {
            for (final JournalDurability durability : values())
            {
                if (durability.name().equals(name.toUpperCase(Locale.ROOT)))
                {
                    return durability;
                }
            }
        }
        throw new ConfigurationException("journal.durability", "must be process or os, was " + name);
    }
}
