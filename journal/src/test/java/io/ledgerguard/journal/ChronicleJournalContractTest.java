package io.ledgerguard.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.core.pipeline.JournalContractTest;

/**
 * The Chronicle journal keeps the {@link Journal} contract in both durability modes, read back from its files by an
 * independent {@link JournalReader}: it keeps commands with their decisions, and refuses a sequence that does not
 * follow the last one.
 */
class ChronicleJournalContractTest
{
    @Nested
    class Process extends ChronicleContract
    {
        Process()
        {
            super(JournalDurability.PROCESS);
        }
    }

    @Nested
    class Os extends ChronicleContract
    {
        Os()
        {
            super(JournalDurability.OS);
        }
    }

    abstract static class ChronicleContract extends JournalContractTest
    {
        private final JournalDurability durability;

        @TempDir
        Path directory;

        ChronicleContract(final JournalDurability durability)
        {
            this.durability = durability;
        }

        @Override
        protected Journal newJournal()
        {
            return new ChronicleJournal(new ChronicleJournalContext()
                .directory(directory.resolve("journal"))
                .durability(durability));
        }

        @Override
        protected List<Entry> read(final Journal journal)
        {
            final List<Entry> entries = new ArrayList<>();
            try (JournalReader reader = JournalReader.open(directory.resolve("journal")))
            {
                final Command command = new Command();
                final Decision decision = new Decision();
                while (reader.next(command, decision))
                {
                    entries.add(new Entry(command, decision));
                }
            }
            return entries;
        }

        @Override
        protected Command refusedAppend(final Journal journal, final long nextSeq)
        {
            // Two pipelines on one journal, or a recovery that resumed at the wrong sequence: refused before writing.
            return command(nextSeq + 1);
        }
    }
}
