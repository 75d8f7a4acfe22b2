package io.ledgerguard.audit;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalEntryDescriptor;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.journal.JournalReader;

/**
 * {@code audit dump}: one line per journal entry, for people, each entry verified (chain, layout, sequence) before it
 * is printed:
 * <pre>
 * entry 0      HEADER     ledger-guard journal formatVersion=2 commandCodecVersion=1 decisionCodecVersion=1
 * entry 1      RULES      seq=0 genesis rules: 58 settings, 2211 bytes: assets=BTC,KRW wallets=1,2,3 keys=...
 * entry 14     COMMAND    seq=13 2026-01-01T00:00:06Z HOLD txId=13 holdId=77 ... => ACCEPTED OK alerts=none
 * entry 41     CHECKPOINT seq=20 stateHash=... chainHead=...
 * </pre>
 * The bodies are binary ({@link JournalEntryDescriptor}); this is their decoded form. The genesis (SPEC §13) is
 * summed up on the entry that completes it; a {@code CONFIGURE} command shows the settings it sets. Assets are named
 * by the codes of the configuration given, or else of the journal's genesis.
 */
public final class JournalDump
{
    /** Items of a list (assets, wallets, keys) a genesis summary shows. */
    private static final int LISTED_MAX = 10;

    private final Path directory;
    private GuardConfig config;
    private long fromSeq;
    private long limit = Long.MAX_VALUE;

    /**
     * @param directory the journal.
     */
    public JournalDump(final Path directory)
    {
        this.directory = directory;
    }

    /**
     * @param config for asset codes; {@code null} takes those of the journal's genesis, and prints asset ids for a
     *               journal that holds none.
     * @return this for a fluent style.
     */
    public JournalDump config(final GuardConfig config)
    {
        this.config = config;
        return this;
    }

    /**
     * Start at the command entry of a sequence: it and every entry after it are printed, the header is not.
     *
     * @param seq a sequence, or 0 to start at the header.
     * @return this for a fluent style.
     * @throws AuditArgumentException when it is negative.
     */
    public JournalDump fromSeq(final long seq)
    {
        if (seq < 0)
        {
            throw new AuditArgumentException("--from must be >= 0, was " + seq);
        }
        this.fromSeq = seq;
        return this;
    }

    /**
     * @param lines most lines to print, at least 1.
     * @return this for a fluent style.
     * @throws AuditArgumentException when it is below 1.
     */
    public JournalDump limit(final long lines)
    {
        if (lines < 1)
        {
            throw new AuditArgumentException("--limit must be >= 1, was " + lines);
        }
        this.limit = lines;
        return this;
    }

    /**
     * Print the entries.
     *
     * @param out where the lines go; flushed.
     * @return lines printed.
     * @throws AuditArgumentException  when {@code --from} is beyond the journal's last command.
     * @throws JournalFormatException  when the directory is not a journal of this version.
     * @throws JournalCorruptException at the first entry that fails verification; the lines before it are printed.
     */
    public long dump(final PrintWriter out)
    {
        final Command command = new Command();
        final Decision decision = new Decision();
        long printed = 0;
        boolean started = fromSeq == 0;
        boolean headerShown = !started;
        GuardConfig names = config;
        int rulesParts = 0;
        try (JournalCursor cursor = JournalCursor.open(directory))
        {
            final JournalReader reader = cursor.reader();
            while (printed < limit)
            {
                final int kind = cursor.next(command, decision);
                if (!headerShown && reader.headerRead())
                {
                    // The reader checked the header's magic and versions: this build reads them.
                    headerShown = true;
                    out.println(line(0, "HEADER", "ledger-guard journal formatVersion=" +
                        JournalEntryDescriptor.FORMAT_VERSION + " commandCodecVersion=" + reader.headerCodecVersion() +
                        " decisionCodecVersion=" + DecisionCodec.VERSION));
                    if (++printed == limit)
                    {
                        break;
                    }
                }
                if (kind < 0)
                {
                    break;
                }
                if (kind == JournalEntryDescriptor.KIND_COMMAND)
                {
                    started |= command.seq >= fromSeq;
                    if (started)
                    {
                        out.println(line(cursor.entryIndex(), "COMMAND", "seq=" + command.seq + " " +
                            EntryText.time(command.timestampNs) + " " + EntryText.command(command, names) + " => " +
                            EntryText.decision(decision) + " alerts=" + (decision.alertCount == 0 ? "none" :
                            "[" + EntryText.alerts(decision, names) + "]")));
                        printed++;
                    }
                }
                else if (kind == JournalEntryDescriptor.KIND_RULES)
                {
                    rulesParts++;
                    final String genesis = reader.genesisRules();
                    if (names == null && genesis != null)
                    {
                        names = namesOf(genesis);
                    }
                    if (started)
                    {
                        out.println(line(cursor.entryIndex(), "RULES", "seq=0 " + genesis(genesis, rulesParts)));
                        printed++;
                    }
                }
                else if (started && kind == JournalEntryDescriptor.KIND_ANCHOR)
                {
                    final JournalReader.Anchor anchor = reader.anchor();
                    out.println(line(cursor.entryIndex(), "ANCHOR", "seq=" + anchor.seq() + " begins after the " +
                        "cluster's snapshot: stateHash=" + anchor.stateHashHex() + " chainHead=" +
                        anchor.chainHeadHex()));
                    printed++;
                }
                else if (started && kind == JournalEntryDescriptor.KIND_CUT)
                {
                    final List<JournalReader.Cut> cuts = reader.cuts();
                    out.println(line(cursor.entryIndex(), "CUT", EntryText.cut(cuts.get(cuts.size() - 1))));
                    printed++;
                }
                else if (started)
                {
                    final JournalReader.Checkpoint checkpoint = reader.lastCheckpoint();
                    out.println(line(cursor.entryIndex(), "CHECKPOINT", "seq=" + checkpoint.seq() + " stateHash=" +
                        checkpoint.stateHashHex() + " chainHead=" + checkpoint.chainHeadHex()));
                    printed++;
                }
            }
            if (!started && fromSeq > reader.lastSeq())
            {
                throw new AuditArgumentException("--from " + fromSeq + " is beyond journal " + directory +
                    ", whose last command is seq=" + reader.lastSeq());
            }
        }
        finally
        {
            out.flush();
        }
        return printed;
    }

    /**
     * @param genesis the genesis rules' text once complete, else {@code null}.
     * @param parts   the entries of it read so far.
     * @return what a rules entry shows: a summary of the genesis on the entry that completes it.
     */
    private static String genesis(final String genesis, final int parts)
    {
        if (genesis == null)
        {
            return "genesis rules, part " + parts + ": continued in the next entry";
        }
        final String head = "genesis rules" + (parts == 1 ? "" : ", part " + parts + " of " + parts) + ": ";
        final int bytes = genesis.getBytes(StandardCharsets.UTF_8).length;
        final SortedMap<String, String> settings;
        try
        {
            settings = Rules.parse(genesis);
        }
        catch (final ConfigurationException ex)
        {
            return head + bytes + " bytes, not settings: " + EntryText.quoted(ex.getMessage());
        }
        final StringBuilder text = new StringBuilder(head).append(settings.size()).append(" settings, ").append(bytes)
            .append(" bytes");
        String separator = ": ";
        for (final String list : new String[] {"assets", "wallets", "keys"})
        {
            if (settings.containsKey(list))
            {
                text.append(separator).append(EntryText.setting(list, shortened(settings.get(list))));
                separator = " ";
            }
        }
        return text.toString();
    }

    /**
     * @param list a list setting's value, {@code a,b,c}.
     * @return it, or its first {@value #LISTED_MAX} items and the count, as {@code 1,2,...(403)}, when it is longer.
     */
    private static String shortened(final String list)
    {
        final String[] items = list.split(",", -1);
        return items.length <= LISTED_MAX ? list :
            String.join(",", Arrays.copyOf(items, LISTED_MAX)) + ",...(" + items.length + ")";
    }

    /**
     * @return the genesis's rules, for asset codes; {@code null} when this build does not read them.
     */
    private static GuardConfig namesOf(final String genesis)
    {
        try
        {
            return Rules.build(Rules.parse(genesis), null);
        }
        catch (final ConfigurationException ex)
        {
            return null;
        }
    }

    private static String line(final long entryIndex, final String kind, final String text)
    {
        return String.format("entry %-6d %-10s %s", entryIndex, kind, text);
    }
}
