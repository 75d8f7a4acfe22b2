package io.ledgerguard.journal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;

/**
 * Which rules a journal is decided under (SPEC §13). A new journal records the configuration file's rules as its
 * genesis; from then on the journal is the authority: its genesis, changed by the {@code CONFIGURE} commands it holds,
 * whatever file is on disk. A journal begun before rules were journaled has no genesis and is read under the file's
 * rules, as it always was. Table sizes ({@code limits}) always come from the file: they size memory.
 */
public final class Genesis
{
    private final GuardConfig rules;
    private final String toRecord;
    private final boolean recorded;
    private final boolean clientsRecorded;

    private Genesis(final GuardConfig rules, final String toRecord, final boolean recorded,
        final boolean clientsRecorded)
    {
        this.rules = rules;
        this.toRecord = toRecord;
        this.recorded = recorded;
        this.clientsRecorded = clientsRecorded;
    }

    /**
     * @param journalDirectory a journal directory; missing or empty for a new journal.
     * @param file             the configuration file's rules and limits, concluded.
     * @return the rules to build the engine with, and the genesis to record when the journal is new.
     * @throws JournalFormatException  when the directory is not a journal.
     * @throws JournalCorruptException when its first entries do not verify, or its genesis is incomplete.
     * @throws io.ledgerguard.core.ConfigurationException when the journal's genesis is not valid rules (naming the
     *                                                    setting): a journal of a build that knew other settings.
     */
    public static Genesis of(final Path journalDirectory, final GuardConfig file)
    {
        if (!Files.isDirectory(journalDirectory) || isEmpty(journalDirectory))
        {
            final String text = Rules.genesis(file);
            return new Genesis(Rules.build(Rules.parse(text), file.limits()), text, true, true);
        }
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalReader reader = JournalReader.open(journalDirectory).allowingAnchor())
        {
            final int kind = reader.readGenesisEntries(command, decision);
            if (!reader.headerRead() || (reader.entries() == 1 && reader.genesisRules() == null && kind < 0))
            {
                // Created and never written, or only its header (the process stopped before the genesis): begun as
                // new, and the genesis is written now.
                final String text = Rules.genesis(file);
                return new Genesis(Rules.build(Rules.parse(text), file.limits()), text, true, true);
            }
            final String text = reader.genesisRules();
            if (text == null)
            {
                // Begun before rules were journaled: the file's rules, as then, which held no clients.
                return new Genesis(Rules.withoutClients(file), null, false, false);
            }
            final GuardConfig rules = Rules.build(Rules.parse(text), file.limits());
            return new Genesis(rules, null, true, rules.clientsInRules());
        }
    }

    private static boolean isEmpty(final Path directory)
    {
        try (var files = Files.list(directory))
        {
            return files.noneMatch(file -> file.getFileName().toString().endsWith(".cq4"));
        }
        catch (final java.io.IOException ex)
        {
            throw new JournalFormatException("cannot list journal directory " + directory + ": " + ex.getMessage());
        }
    }

    /**
     * @return the rules to build the engine with: the journal's genesis, the file's for a new journal (read back
     *     from the genesis text, so that a new and a reopened journal are decided by the same rules), or the file's
     *     for a journal begun before rules were journaled (without its clients and roles, which the gateway takes
     *     from the file).
     */
    public GuardConfig rules()
    {
        return rules;
    }

    /**
     * @return the genesis a new journal records (for {@link ChronicleJournalContext#genesisRules}); {@code null} for a
     *     journal that exists.
     */
    public String toRecord()
    {
        return toRecord;
    }

    /**
     * @return true when the journal holds its rules (or will, being new): the journal is the authority.
     */
    public boolean inJournal()
    {
        return recorded;
    }

    /**
     * @return true when the journal holds the gateway's roles and clients too (SPEC §12, §13); false for one begun
     *     before they were rules, whose gateway takes the file's.
     */
    public boolean clientsInJournal()
    {
        return clientsRecorded;
    }

    /**
     * The rules a journal holds at a sequence, read without an engine: its genesis, then every {@code CONFIGURE}
     * command the guard accepted up to the sequence, as the guard applied them.
     *
     * @param journalDirectory a journal with a genesis.
     * @param limits           table sizes for the rules; {@code null} for the genesis's.
     * @param atSeq            the last sequence to take; {@link Long#MAX_VALUE} for the whole journal.
     * @return the rules and their changes; {@code null} when the journal holds no genesis.
     * @throws JournalCorruptException when an entry does not verify.
     */
    public static History history(final Path journalDirectory, final GuardConfig.Limits limits, final long atSeq)
    {
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalReader reader = JournalReader.open(journalDirectory))
        {
            History history = null;
            int kind;
            while ((kind = reader.nextEntry(command, decision)) >= 0)
            {
                if (kind != JournalEntryDescriptor.KIND_COMMAND)
                {
                    continue;
                }
                if (history == null)
                {
                    final String text = reader.genesisRules();
                    if (text == null)
                    {
                        return null;
                    }
                    history = new History(Rules.build(Rules.parse(text), limits));
                }
                if (command.seq > atSeq)
                {
                    break;
                }
                if (isChange(command, decision))
                {
                    final String settings = command.settingsString();
                    history.rules = Rules.change(history.rules, Rules.parse(settings));
                    history.changes.add(new Change(command.seq, command.timestampNs, command.txId, settings));
                }
            }
            if (history == null)
            {
                final String text = reader.genesisRules();
                return text == null ? null : new History(Rules.build(Rules.parse(text), limits));
            }
            return history;
        }
    }

    /**
     * @param command  a command entry's command.
     * @param decision its recorded decision.
     * @return true when it changed the rules: a {@code CONFIGURE} the guard accepted, not as a resubmission.
     */
    public static boolean isChange(final Command command, final Decision decision)
    {
        return command.type == CommandType.CONFIGURE && decision.accepted() && !decision.duplicate;
    }

    /**
     * The rules of a journal at a sequence and the changes that made them.
     */
    public static final class History
    {
        private final GuardConfig genesis;
        private GuardConfig rules;
        private final List<Change> changes = new ArrayList<>();

        History(final GuardConfig genesis)
        {
            this.genesis = genesis;
            this.rules = genesis;
        }

        /**
         * @return the journal's genesis rules.
         */
        public GuardConfig genesis()
        {
            return genesis;
        }

        /**
         * @return the rules in force at the sequence read to.
         */
        public GuardConfig rules()
        {
            return rules;
        }

        /**
         * @return the accepted changes, in order: the version of the rules in force is their count.
         */
        public List<Change> changes()
        {
            return changes;
        }
    }

    /**
     * One accepted change of the rules.
     *
     * @param seq         its sequence: the rules it made are in force from there on.
     * @param timestampNs its sequenced time.
     * @param txId        its txId.
     * @param settings    the settings it set, {@code name=value} lines.
     */
    public record Change(long seq, long timestampNs, long txId, String settings)
    {
    }

    /**
     * @param inForce the rules in force after recovery.
     * @param file    the configuration file.
     * @return what the file would change of the rules in force, each as {@code name: in force -> file}; empty when
     *     they agree.
     */
    public static List<String> differences(final GuardConfig inForce, final GuardConfig file)
    {
        // A journal begun before clients were rules leaves them to the file: they are not a difference.
        return Rules.diff(Rules.settings(inForce),
            Rules.settings(inForce.clientsInRules() ? file : Rules.withoutClients(file)));
    }
}
