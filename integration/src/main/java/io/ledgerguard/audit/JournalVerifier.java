package io.ledgerguard.audit;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalEntryDescriptor;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.journal.JournalReader;
import io.ledgerguard.journal.SnapshotStore;

/**
 * {@code audit verify}: everything a journal can be checked for, stopping at the first problem, which is named by the
 * index of its entry.
 * <ol>
 *     <li>Every entry is whole in its queue file ({@link io.ledgerguard.journal.QueueFileCheck}): a file cut short is
 *     found even when it was cut at an entry boundary.</li>
 *     <li>Every entry's chain value, layout and sequence ({@link JournalReader}): an entry modified, inserted,
 *     deleted or moved breaks the chain at that entry.</li>
 *     <li>Nothing is missing at the end, as far as the evidence at hand shows: the journal reaches a chain head and
 *     a sequence published earlier ({@code --expect-head}, {@code --expect-seq}), and no snapshot in its
 *     {@code snapshots} directory was taken after its last command. Without such evidence a journal whose last
 *     entries were dropped is a valid shorter journal.</li>
 *     <li>Every checkpoint names the chain value that the command entry of its sequence really has (a second
 *     pass, since a checkpoint comes after its sequence).</li>
 *     <li>Whenever the rules are known, a replay into a fresh guard decides every command as the journal recorded,
 *     reaches each checkpoint's state hash at its sequence, and ends with every invariant holding. The rules are the
 *     journal's own when it holds a genesis (SPEC §13), changed by the {@code CONFIGURE} commands it holds, whatever
 *     configuration file is given: a file given then sizes the tables and what it differs in from the rules in force
 *     at the end is reported, not applied ({@link JournalRules}). A journal begun before rules were journaled is
 *     replayed only under a file given.</li>
 * </ol>
 */
public final class JournalVerifier
{
    private static final int HEX_LENGTH = JournalEntryDescriptor.CHAIN_LENGTH * 2;

    private final Path directory;
    private GuardConfig file;
    private String fileName;
    private String expectedHeadHex;
    private long expectedSeq;

    /**
     * @param directory the journal.
     */
    public JournalVerifier(final Path directory)
    {
        this.directory = directory;
    }

    /**
     * A configuration file to replay with: the rules of a journal begun before rules were journaled, which is not
     * replayed without one; for a journal that holds its genesis, the table sizes, and rules to compare with those in
     * force at the end.
     *
     * @param file the configuration file, concluded; {@code null} for none.
     * @param name how to name it in the output ({@code null}: "the configuration given").
     * @return this for a fluent style.
     */
    public JournalVerifier config(final GuardConfig file, final String name)
    {
        this.file = file;
        this.fileName = name;
        return this;
    }

    /**
     * Require the journal to reach a chain value published earlier (a verify's chain head, a checkpoint's).
     *
     * @param chainHeadHex 64 hex digits, or {@code null}.
     * @return this for a fluent style.
     * @throws AuditArgumentException when it is not 64 hex digits.
     */
    public JournalVerifier expectHead(final String chainHeadHex)
    {
        if (chainHeadHex != null && !isHex(chainHeadHex))
        {
            throw new AuditArgumentException("--expect-head must be " + HEX_LENGTH + " hex digits, was " +
                EntryText.quoted(chainHeadHex));
        }
        this.expectedHeadHex = chainHeadHex == null ? null : chainHeadHex.toLowerCase(Locale.ROOT);
        return this;
    }

    /**
     * Require the journal to hold commands up to a sequence published earlier.
     *
     * @param seq a sequence, or 0 for none.
     * @return this for a fluent style.
     * @throws AuditArgumentException when it is negative.
     */
    public JournalVerifier expectSeq(final long seq)
    {
        if (seq < 0)
        {
            throw new AuditArgumentException("--expect-seq must be >= 0, was " + seq);
        }
        this.expectedSeq = seq;
        return this;
    }

    /**
     * Run every check.
     *
     * @return what was verified, or the first problem.
     * @throws JournalFormatException when the directory is missing or is not a journal of this version.
     */
    public Result verify()
    {
        final Result result = new Result(directory);
        final Command command = new Command();
        final Decision recorded = new Decision();
        long expectedHeadIndex = -1;
        final String genesis;
        try (JournalCursor cursor = JournalCursor.open(directory))
        {
            final JournalReader reader = cursor.reader();
            int kind;
            while ((kind = cursor.next(command, recorded)) >= 0)
            {
                if (kind == JournalEntryDescriptor.KIND_COMMAND)
                {
                    if (result.commands++ == 0)
                    {
                        result.firstSeq = command.seq;
                        result.firstTimestampNs = command.timestampNs;
                    }
                    result.lastSeq = command.seq;
                    result.lastTimestampNs = command.timestampNs;
                    result.lastCommandEntry = cursor.entryIndex();
                }
                else if (kind == JournalEntryDescriptor.KIND_RULES)
                {
                    result.rulesEntries++;
                }
                else if (kind == JournalEntryDescriptor.KIND_ANCHOR)
                {
                    result.anchor = reader.anchor();
                    result.lastSeq = result.anchor.seq();
                }
                if (expectedHeadHex != null && expectedHeadIndex < 0 && expectedHeadHex.equals(reader.chainHeadHex()))
                {
                    expectedHeadIndex = cursor.entryIndex();
                }
            }
            result.entries = reader.entries();
            result.chainHeadHex = reader.chainHeadHex();
            result.checkpoints = List.copyOf(reader.checkpoints());
            result.cuts = List.copyOf(reader.cuts());
            if (reader.genesisPartial())
            {
                return result.fail(result.entries, "the genesis rules are incomplete: the journal was begun and not " +
                    "finished, and holds no command");
            }
            genesis = reader.genesisRules();
        }
        catch (final JournalCorruptException ex)
        {
            result.remedy = ex.remedy();
            return result.fail(ex.entryIndex(), ex.problem());
        }

        if (result.entries == 0)
        {
            return result.fail(0, "the journal holds no entry, not even its header: empty, or cut short to nothing");
        }
        final String end = "the journal ends at entry " + (result.entries - 1) + " (seq=" + result.lastSeq + ")";
        if (expectedSeq > result.lastSeq)
        {
            return result.fail(result.entries, end + " but --expect-seq is " + expectedSeq + ": " +
                (expectedSeq - result.lastSeq) + " commands are missing after it (entries dropped from its end)");
        }
        if (expectedHeadHex != null && expectedHeadIndex < 0)
        {
            return result.fail(result.entries, end + " without reaching the chain head given by --expect-head " +
                expectedHeadHex + ": entries are missing after it (dropped from its end), or it is another journal");
        }
        if (expectedHeadHex != null)
        {
            result.expectedHeadEntry = expectedHeadIndex;
        }
        final Result snapshotProblem = checkSnapshots(result, end);
        if (snapshotProblem != null)
        {
            return snapshotProblem;
        }
        try
        {
            result.rules = JournalRules.of(directory, genesis, file, fileName);
        }
        catch (final AuditException ex)
        {
            return result.fail(1, ex.getMessage());
        }
        if (!result.checkpoints.isEmpty() || result.rules != null)
        {
            return checkAgainstReplay(result);
        }
        return result;
    }

    private Result checkSnapshots(final Result result, final String end)
    {
        final List<Path> snapshots = SnapshotStore.inJournal(directory).list();
        result.snapshots = snapshots.size();
        if (!snapshots.isEmpty())
        {
            // Newest first: the one furthest ahead of the journal, if any is.
            final Path newest = snapshots.get(0);
            final long seq = SnapshotStore.seqOf(newest);
            if (seq > result.lastSeq)
            {
                return result.fail(result.entries, end + " but snapshot " + directory.relativize(newest) +
                    " was taken after seq=" + seq + ": " + (seq - result.lastSeq) + " commands are missing after " +
                    "it (entries dropped from its end, or lost in a machine crash with journal durability=process)");
            }
        }
        return null;
    }

    /**
     * The second pass: chain values at the checkpoints' sequences and, with a configuration, the replay.
     */
    private Result checkAgainstReplay(final Result result)
    {
        final Map<Long, String> chainHeadAt = new HashMap<>();
        final Map<Long, Long> entryAt = new HashMap<>();
        final Map<Long, String> stateHashAt = new HashMap<>();
        for (final JournalReader.Checkpoint checkpoint : result.checkpoints)
        {
            chainHeadAt.put(checkpoint.seq(), null);
        }
        final JournalRules rules = result.rules;
        final GuardEngine engine = replayEngine(result);
        if (!result.ok())
        {
            return result;
        }
        final Command command = new Command();
        final Decision recorded = new Decision();
        final Decision replayed = new Decision();
        try (JournalCursor cursor = JournalCursor.open(directory))
        {
            final JournalReader reader = cursor.reader();
            int kind;
            // Stop where the first pass stopped: a journal still being appended to is verified as far as it was.
            while (cursor.entryIndex() < result.entries - 1 && (kind = cursor.next(command, recorded)) >= 0)
            {
                final long index = cursor.entryIndex();
                if (kind == JournalEntryDescriptor.KIND_COMMAND)
                {
                    final long seq = command.seq;
                    if (engine != null)
                    {
                        engine.replay(command, replayed, recorded);
                        result.decisionsCompared++;
                        if (!DecisionCodec.sameOutcome(replayed, recorded))
                        {
                            return result.fail(index, "the replayed decision differs from the recorded one: seq=" +
                                seq + " txId=" + command.txId + ": journal recorded " + EntryText.decision(recorded) +
                                " alerts=" + recorded.alertCount + ", replay decided " + EntryText.decision(replayed) +
                                " alerts=" + replayed.alertCount + " (" + rules.mismatchHint() + ")");
                        }
                    }
                    if (chainHeadAt.containsKey(seq))
                    {
                        chainHeadAt.put(seq, reader.chainHeadHex());
                        entryAt.put(seq, index);
                        if (engine != null)
                        {
                            stateHashAt.put(seq, engine.stateHash().hex());
                        }
                    }
                }
                else if (kind == JournalEntryDescriptor.KIND_CHECKPOINT)
                {
                    final JournalReader.Checkpoint checkpoint = reader.lastCheckpoint();
                    final long seq = checkpoint.seq();
                    final String chainHead = chainHeadAt.get(seq);
                    if (chainHead == null)
                    {
                        return result.fail(index, "checkpoint for seq=" + seq + " names a seq that has no command " +
                            "entry in this journal");
                    }
                    if (!checkpoint.chainHeadHex().equals(chainHead))
                    {
                        return result.fail(index, "checkpoint for seq=" + seq + " records chain value " +
                            checkpoint.chainHeadHex() + " but entry " + entryAt.get(seq) + " (seq=" + seq +
                            ") has chain value " + chainHead);
                    }
                    result.checkpointsChecked++;
                    if (engine != null)
                    {
                        final String stateHash = stateHashAt.get(seq);
                        if (!checkpoint.stateHashHex().equals(stateHash))
                        {
                            return result.fail(index, "checkpoint for seq=" + seq + " records state hash " +
                                checkpoint.stateHashHex() + " but the replay's state after seq=" + seq +
                                " hashes to " + stateHash);
                        }
                        result.stateHashesChecked++;
                    }
                }
            }
        }
        catch (final JournalCorruptException ex)
        {
            // The files changed between the passes.
            return result.fail(ex.entryIndex(), ex.problem() + " (found on the second pass)");
        }
        return engine == null ? result : replayed(result, engine);
    }

    /** After the replay: its state hash and rules, and the invariants it ends with. */
    private static Result replayed(final Result result, final GuardEngine engine)
    {
        result.replayed = true;
        result.stateHashHex = engine.stateHash().hex();
        result.rulesVersion = engine.rulesVersion();
        result.rulesChangeSeq = engine.rulesChangeSeq();
        result.differences = result.rules.differences(engine.config());
        final String violation = engine.checkInvariants();
        if (violation != null)
        {
            return result.fail(result.lastCommandEntry, "after replaying to seq=" + result.lastSeq +
                " an invariant is broken: " + violation);
        }
        return result;
    }

    /**
     * @return a fresh guard under the journal's rules to replay into, at the anchor's snapshot when the journal begins
     *     at one; {@code null} when there is nothing to replay (no rules, or no snapshot at the anchor), or when that
     *     snapshot does not hold the state the anchor names (then the result says so).
     */
    private GuardEngine replayEngine(final Result result)
    {
        if (result.rules == null)
        {
            return null;
        }
        final GuardEngine engine = new GuardEngine(result.rules.rules());
        if (result.anchor == null)
        {
            return engine;
        }
        try
        {
            return fromAnchorSnapshot(result, engine);
        }
        catch (final RuntimeException ex)
        {
            result.fail(result.anchor.entryIndex(), "the snapshot at the anchor's seq=" + result.anchor.seq() +
                " cannot be replayed from: " + ex.getMessage());
            return null;
        }
    }

    /**
     * A journal that begins at an anchor is replayed from the state it names: the snapshot at the anchor's sequence
     * in its {@code snapshots} directory, which the node kept when it started from the cluster's snapshot.
     *
     * @return the engine holding that state; {@code null} when no such snapshot is there, or it does not hold that
     *     state (the result then fails).
     */
    private GuardEngine fromAnchorSnapshot(final Result result, final GuardEngine engine)
    {
        final JournalReader.Anchor anchor = result.anchor;
        for (final Path file : SnapshotStore.inJournal(directory).list())
        {
            if (SnapshotStore.seqOf(file) == anchor.seq())
            {
                final SnapshotStore.Loaded loaded = SnapshotStore.load(file, engine);
                if (loaded.seq() != anchor.seq())
                {
                    result.fail(anchor.entryIndex(), "snapshot " + directory.relativize(file) + " holds seq=" +
                        loaded.seq() + ", not the anchor's seq=" + anchor.seq());
                    return null;
                }
                if (!loaded.stateHashHex().equals(anchor.stateHashHex()))
                {
                    result.fail(anchor.entryIndex(), "the anchor names state hash " + anchor.stateHashHex() +
                        " at seq=" + anchor.seq() + " but snapshot " + directory.relativize(file) + " holds " +
                        loaded.stateHashHex());
                    return null;
                }
                result.anchorSnapshot = directory.relativize(file);
                return engine;
            }
        }
        // Without the state it begins from, the decisions after the anchor cannot be checked: not a pass.
        result.fail(anchor.entryIndex(), "the journal begins at an anchor after seq=" + anchor.seq() + " but " +
            directory.resolve("snapshots") + " holds no snapshot at that seq to replay from: the decisions after it " +
            "cannot be checked; put the snapshot the node started from there (it was kept there when the node was " +
            "seeded)");
        return null;
    }

    private static boolean isHex(final String text)
    {
        if (text.length() != HEX_LENGTH)
        {
            return false;
        }
        for (int i = 0; i < text.length(); i++)
        {
            if (Character.digit(text.charAt(i), 16) < 0)
            {
                return false;
            }
        }
        return true;
    }

    /**
     * What a verification found: the journal's extent and what was checked, or the first problem.
     */
    public static final class Result
    {
        private final Path directory;
        private long entries;
        private long rulesEntries;
        private long commands;
        private long firstSeq;
        private long lastSeq;
        private long firstTimestampNs;
        private long lastTimestampNs;
        private long lastCommandEntry;
        private String chainHeadHex;
        private List<JournalReader.Checkpoint> checkpoints = List.of();
        private List<JournalReader.Cut> cuts = List.of();
        private JournalReader.Anchor anchor;
        private Path anchorSnapshot;
        private long checkpointsChecked;
        private long stateHashesChecked;
        private long decisionsCompared;
        private boolean replayed;
        private String stateHashHex;
        private JournalRules rules;
        private long rulesVersion;
        private long rulesChangeSeq;
        private List<String> differences = List.of();
        private long expectedHeadEntry = -1;
        private int snapshots;
        private long failedEntry = -1;
        private String problem;
        private String remedy;

        Result(final Path directory)
        {
            this.directory = directory;
        }

        Result fail(final long entryIndex, final String problem)
        {
            this.failedEntry = entryIndex;
            this.problem = problem;
            return this;
        }

        /**
         * @return true when every check passed.
         */
        public boolean ok()
        {
            return problem == null;
        }

        /**
         * @return the index of the first bad entry (0 is the header; the journal's entry count when entries are
         *         missing at its end), or -1 when every check passed.
         */
        public long failedEntry()
        {
            return failedEntry;
        }

        /**
         * @return what is wrong with that entry, or {@code null}.
         */
        public String problem()
        {
            return problem;
        }

        /**
         * @return entries read and verified, the header included.
         */
        public long entries()
        {
            return entries;
        }

        /**
         * @return command entries.
         */
        public long commands()
        {
            return commands;
        }

        /**
         * @return the sequence of the last command, 0 when none.
         */
        public long lastSeq()
        {
            return lastSeq;
        }

        /**
         * @return the chain value after the last entry, 64 hex digits: the value to publish, and to give to a later
         *         verify as {@code --expect-head}.
         */
        public String chainHeadHex()
        {
            return chainHeadHex;
        }

        /**
         * @return checkpoints whose chain value was checked.
         */
        public long checkpointsChecked()
        {
            return checkpointsChecked;
        }

        /**
         * @return checkpoints whose state hash was checked against the replay.
         */
        public long stateHashesChecked()
        {
            return stateHashesChecked;
        }

        /**
         * @return replayed decisions compared with the recorded ones.
         */
        public long decisionsCompared()
        {
            return decisionsCompared;
        }

        /**
         * @return the state hash after the replay, or {@code null} when there was none.
         */
        public String stateHashHex()
        {
            return stateHashHex;
        }

        /**
         * @return the rule changes the replay accepted: the version of the rules in force at the end.
         */
        public long rulesVersion()
        {
            return rulesVersion;
        }

        /**
         * @return what the configuration file given differs in from the rules in force at the end of the replay,
         *         each as {@code name: in force -> file}; empty when none was given, or they agree.
         */
        public List<String> differences()
        {
            return differences;
        }

        /**
         * Print the verdict: a summary, or the first problem.
         *
         * @param out where it goes.
         */
        public void print(final PrintWriter out)
        {
            if (!ok())
            {
                out.println("verify: FAILED at entry " + failedEntry + ": " + problem);
                out.println("  journal       " + directory);
                out.println("  verified      " + (failedEntry == 0 ? "nothing before it" : "entries 0.." +
                    (failedEntry - 1) + " before it" +
                    (commands > 0 && failedEntry > lastCommandEntry ? ", up to seq=" + lastSeq : "")));
                if (remedy != null)
                {
                    out.println("  to go on      " + remedy);
                }
                out.flush();
                return;
            }
            out.println("verify: OK " + directory);
            out.println("  entries       " + entries + ": the header, " + (rulesEntries == 0 ? "no genesis rules" :
                rulesEntries + " of genesis rules") + ", " + commands + " commands, " +
                checkpoints.size() + " checkpoints" + (cuts.isEmpty() ? "" : ", " + cuts.size() + " cut"));
            for (final JournalReader.Cut cut : cuts)
            {
                out.println("  cut           entry " + cut.entryIndex() + ": " + EntryText.cut(cut));
            }
            if (anchor != null)
            {
                out.println("  anchor        entry " + anchor.entryIndex() + ": begins after seq=" + anchor.seq() +
                    " (a node started from the cluster's snapshot), chained on " + anchor.chainHeadHex() +
                    ", from state " + anchor.stateHashHex() + ": the chain head vouches for the entries after " +
                    "it only; compare that chain value with another node's journal at seq=" + anchor.seq() +
                    ", and the state hash below with the other nodes' at the same seq");
            }
            if (commands > 0)
            {
                out.println("  commands      seq " + firstSeq + ".." + lastSeq + ", " +
                    EntryText.time(firstTimestampNs) + " .. " + EntryText.time(lastTimestampNs));
            }
            out.println("  chain         every entry's SHA-256 chain value verified; every entry whole in its file");
            out.println("  checkpoints   " + checkpointsChecked + " of " + checkpoints.size() +
                " name the chain value of their seq's entry");
            if (expectedHeadEntry >= 0)
            {
                out.println("  expected head reached at entry " + expectedHeadEntry);
            }
            out.println("  snapshots     " + (snapshots == 0 ? "none" : snapshots + " in " +
                directory.resolve("snapshots") + ", none taken after the last seq"));
            if (replayed)
            {
                printRules(out);
                out.println("  replay        " + (anchorSnapshot == null ? "" : "from " + anchorSnapshot + " (the " +
                    "anchor's state hash): ") + decisionsCompared + " decisions equal to the recorded ones; " +
                    stateHashesChecked + " checkpoint state hashes equal; invariants hold");
                out.println("  state hash    " + stateHashHex);
            }
            else
            {
                out.println("  replay        not run: the journal was begun before rules were journaled and holds " +
                    "none of its own; give --config FILE to replay the decisions and state hashes");
            }
            out.println("  chain head    " + chainHeadHex);
            out.flush();
        }

        private void printRules(final PrintWriter out)
        {
            out.println("  rules         " + rules.describe(rulesVersion, rulesChangeSeq) +
                (rules.inJournal() ? "; tables sized " + rules.tableSizes() : ""));
            if (rules.inJournal() && rules.file() != null)
            {
                final String file = rules.fileText();
                if (differences.isEmpty())
                {
                    out.println("  config file   " + file + " agrees with the rules in force at the end");
                    return;
                }
                out.println("  config file   " + file + " differs from the rules in force at the end in " +
                    differences.size() + (differences.size() == 1 ? " setting" : " settings") + ", reported and " +
                    "not applied (the journal is the authority); in force -> file:");
                for (final String difference : differences)
                {
                    out.println("    " + difference);
                }
            }
        }
    }
}
