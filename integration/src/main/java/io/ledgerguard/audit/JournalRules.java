package io.ledgerguard.audit;

import java.nio.file.Path;
import java.util.List;

import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.journal.JournalReader;

/**
 * Which rules the audit tools read a journal under (SPEC §13). A journal begun since rules were journaled holds them
 * as its genesis and is the authority: a replay starts from the genesis and takes every {@code CONFIGURE} command it
 * holds, whatever configuration file is given; a file given then only sizes the tables (table sizes are start-up
 * settings, not rules; without a file, those the journal was begun with) and is compared with the rules in force.
 * A journal begun before rules were journaled is read under the file's rules, as it always was, and needs one.
 */
public final class JournalRules
{
    private final GuardConfig rules;
    private final boolean inJournal;
    private final GuardConfig file;
    private final String fileName;

    private JournalRules(
        final GuardConfig rules, final boolean inJournal, final GuardConfig file, final String fileName)
    {
        this.rules = rules;
        this.inJournal = inJournal;
        this.file = file;
        this.fileName = fileName;
    }

    /**
     * Read a journal's genesis and settle the rules to read it under.
     *
     * @param directory the journal.
     * @param file      the configuration file given ({@code --config}), concluded; {@code null} when none.
     * @param fileName  how to name the file in messages ({@code null}: "the configuration given").
     * @return the rules to read the journal under.
     * @throws AuditArgumentException  when the journal holds no genesis and no file was given.
     * @throws AuditException          when the genesis is not rules this build reads.
     * @throws JournalFormatException  when the directory is not a journal.
     * @throws JournalCorruptException when its first entries do not verify, or its genesis is incomplete.
     */
    public static JournalRules of(final Path directory, final GuardConfig file, final String fileName)
    {
        final JournalRules rules = of(directory, JournalReader.readGenesis(directory), file, fileName);
        if (rules == null)
        {
            throw new AuditArgumentException(missing(directory));
        }
        return rules;
    }

    /**
     * @param directory the journal.
     * @param genesis   its genesis rules' text, as the reader read them; {@code null} when it holds none.
     * @param file      the configuration file given, concluded; {@code null} when none.
     * @param fileName  how to name the file in messages; {@code null} for "the configuration given".
     * @return the rules to read the journal under; {@code null} when it holds no genesis and no file was given.
     * @throws AuditException when the genesis is not rules this build reads.
     */
    static JournalRules of(final Path directory, final String genesis, final GuardConfig file, final String fileName)
    {
        if (genesis == null)
        {
            // The rules such a journal was decided under held no clients (SPEC §13).
            return file == null ? null : new JournalRules(Rules.withoutClients(file), false, file, fileName);
        }
        try
        {
            return new JournalRules(Rules.build(Rules.parse(genesis), file == null ? null : file.limits()), true, file,
                fileName);
        }
        catch (final ConfigurationException ex)
        {
            throw new AuditException("journal " + directory + ": its genesis rules are not rules this build reads (" +
                ex.getMessage() + "): was it written by another build?");
        }
    }

    /**
     * @param directory a journal that holds no genesis.
     * @return why a tool that replays it needs {@code --config}.
     */
    static String missing(final Path directory)
    {
        return "journal " + directory + " was begun before rules were journaled and holds no rules of its own: " +
            "give --config FILE, the configuration it was written with";
    }

    /**
     * @return the rules to build the guard with: the journal's genesis (sized by the file when one was given), or
     *     the file's for a journal begun before rules were journaled.
     */
    public GuardConfig rules()
    {
        return rules;
    }

    /**
     * @return true when the journal holds its rules (a genesis): it is the authority.
     */
    public boolean inJournal()
    {
        return inJournal;
    }

    /**
     * @return the configuration file given, or {@code null}.
     */
    public GuardConfig file()
    {
        return file;
    }

    /**
     * @return the rules read from, for people: {@code the journal's genesis}, or the file for a journal begun before
     *     rules were journaled.
     */
    public String source()
    {
        return inJournal ? "the journal's genesis" : fileText() + " (the journal was begun before rules were " +
            "journaled)";
    }

    /**
     * @return where the table sizes come from, for people.
     */
    public String tableSizes()
    {
        return file == null ? "as the journal was begun with" : "from " + fileText();
    }

    /**
     * @param changes   rule changes accepted (the version of the rules in force).
     * @param changeSeq the sequence of the last one.
     * @return the source and its changes, for people: {@code the journal's genesis, 2 changes (the last at seq 40)}.
     */
    public String describe(final long changes, final long changeSeq)
    {
        return source() + ", " + (changes == 0 ? "no change" : changes + (changes == 1 ? " change" : " changes") +
            " (the last at seq " + changeSeq + ")");
    }

    /**
     * @param inForce the rules in force at the end of a replay.
     * @return what the file given differs from them in, each as {@code name: in force -> file}; empty when no file
     *     was given, the journal holds no genesis (the file is then the rules), or they agree.
     */
    public List<String> differences(final GuardConfig inForce)
    {
        return inJournal && file != null ? Genesis.differences(inForce, file) : List.of();
    }

    /**
     * @return what to suspect when a replay under these rules decides a command otherwise than the journal recorded.
     */
    public String mismatchHint()
    {
        return inJournal ? "the replay took the journal's own rules, tables sized " + tableSizes() + ": were the " +
            "tables smaller than the journal needs, or was it written by a build that decides otherwise?" :
            "was the journal written with another configuration than --config?";
    }

    /**
     * @return the configuration file given, for people: {@code --config FILE}.
     */
    String fileText()
    {
        return fileName == null ? "the configuration given" : "--config " + fileName;
    }
}
