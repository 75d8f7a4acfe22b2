package io.ledgerguard.audit;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonGenerator;

import io.ledgerguard.core.AccountStatus;
import io.ledgerguard.core.AssetCounters;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalEntryDescriptor;
import io.ledgerguard.journal.JournalFormatException;

/**
 * {@code audit explain}: one transaction's command, where it is in the journal, the decision and alerts the guard
 * recorded, and what it did: the positions, wallets and per-asset reserve figures it touches, before and after it,
 * found by replaying the journal up to it.
 * <p>
 * The command is found by its txId, top-level or inside a linked batch; when the txId was submitted more than once,
 * the first submission is explained and the later ones are listed. A command names some of what it touches only
 * through a hold or an earlier transaction ({@code RELEASE holdId=77}); those are resolved from the journal, from the
 * accepted command that opened the hold or made the credit.
 * <p>
 * The replay takes the rules the journal holds when it holds a genesis (SPEC §13, {@link JournalRules}), and names the
 * version of the rules that decided the command: the changes accepted before it. A {@code CONFIGURE} command is shown
 * with its settings, whether it was accepted, and what it changed.
 */
public final class DecisionExplainer
{
    private static final int POSITION_AVAILABLE = 0;
    private static final int POSITION_HELD = 1;
    private static final int WALLET_ATTESTED = 0;
    private static final int WALLET_EXPECTED = 1;
    private static final int WALLET_PENDING = 2;
    private static final int REF_ACCOUNT = 0;
    private static final int REF_ASSET = 1;
    private static final int REF_WALLET = 2;
    /** {@link #indexOf} of a command that is not the txId's. */
    private static final int NOT_FOUND = -2;
    /** {@link #indexOf} of a top-level command that is the txId's. */
    private static final int TOP_LEVEL = -1;

    private DecisionExplainer()
    {
    }

    /**
     * Find and explain a transaction.
     *
     * @param directory the journal.
     * @param config    the configuration the journal was written with; {@code null} for a journal that holds its
     *                  rules (a genesis), which are taken in any case ({@link JournalRules}).
     * @param txId      the transaction id.
     * @return the explanation.
     * @throws AuditArgumentException  when the journal holds no genesis and no configuration was given.
     * @throws AuditException          when the txId is not in the journal, or the replay decides differently from the
     *                                 journal before reaching it (another configuration).
     * @throws JournalFormatException  when the directory is not a journal of this version.
     * @throws JournalCorruptException when an entry up to the end of the journal fails verification.
     */
    public static Explanation explain(final Path directory, final GuardConfig config, final long txId)
    {
        return explain(directory, JournalRules.of(directory, config, null), txId);
    }

    /**
     * Find and explain a transaction.
     *
     * @param directory the journal.
     * @param rules     the rules to replay it under.
     * @param txId      the transaction id.
     * @return the explanation.
     * @throws AuditException          when the txId is not in the journal, or the replay decides differently from the
     *                                 journal before reaching it.
     * @throws JournalFormatException  when the directory is not a journal of this version.
     * @throws JournalCorruptException when an entry up to the end of the journal fails verification.
     */
    public static Explanation explain(final Path directory, final JournalRules rules, final long txId)
    {
        final Explanation explanation = find(directory, rules, txId);
        replay(directory, explanation);
        return explanation;
    }

    /**
     * The first pass: every submission of the txId, the whole journal verified on the way.
     */
    private static Explanation find(final Path directory, final JournalRules rules, final long txId)
    {
        final Command command = new Command();
        final Decision decision = new Decision();
        Explanation explanation = null;
        long commands = 0;
        try (JournalCursor cursor = JournalCursor.open(directory))
        {
            int kind;
            while ((kind = cursor.next(command, decision)) >= 0)
            {
                // Before looking for the txId: one decided before the anchor is in another node's journal.
                cursor.refuseAnchor(kind, "audit explain");
                if (kind != JournalEntryDescriptor.KIND_COMMAND)
                {
                    continue;
                }
                final int inner = indexOf(command, txId);
                if (inner == NOT_FOUND)
                {
                    continue;
                }
                if (explanation == null)
                {
                    explanation = new Explanation(directory, rules, txId, cursor.entryIndex(), command, decision,
                        inner);
                }
                else
                {
                    explanation.later.add(new Submission(command.seq, cursor.entryIndex(), inner,
                        inner < 0 ? 0 : command.txId, innerReason(decision, txId, inner), decision.duplicate));
                }
            }
            commands = cursor.reader().commands();
            if (!cursor.reader().headerRead())
            {
                throw new AuditException("txId=" + txId + " is not in journal " + directory +
                    ": it holds no entry, not even its header");
            }
        }
        if (explanation == null)
        {
            throw new AuditException("txId=" + txId + " is not in journal " + directory + " (" + commands +
                " commands searched, batches' inner commands included)");
        }
        return explanation;
    }

    private static int indexOf(final Command command, final long txId)
    {
        if (command.txId == txId)
        {
            return TOP_LEVEL;
        }
        if (command.type == CommandType.BATCH)
        {
            for (int i = 0; i < command.batchCount; i++)
            {
                if (command.inner(i).txId == txId)
                {
                    return i;
                }
            }
        }
        return NOT_FOUND;
    }

    private static Reason innerReason(final Decision decision, final long txId, final int inner)
    {
        if (inner < 0)
        {
            return decision.reason;
        }
        for (int i = 0; i < decision.linkedCount; i++)
        {
            if (decision.linkedTxIds[i] == txId)
            {
                return decision.linkedReasons[i];
            }
        }
        // A batch rejected before its inner commands were looked at records no inner reasons.
        return decision.reason;
    }

    /**
     * The second pass: replay to the command, resolving the holds and credits it refers to on the way, and take the
     * figures before and after it.
     */
    private static void replay(final Path directory, final Explanation explanation)
    {
        final GuardEngine engine = new GuardEngine(explanation.rules.rules());
        final Command target = explanation.command;
        final Set<Long> holdIds = new HashSet<>();
        final Set<Long> reversedTxIds = new HashSet<>();
        forEachCommand(target, each ->
        {
            if (each.holdId != 0)
            {
                holdIds.add(each.holdId);
            }
            if (each.reversedTxId != 0)
            {
                reversedTxIds.add(each.reversedTxId);
            }
        });
        final Map<Long, long[]> holds = new HashMap<>();
        final Map<Long, long[]> credits = new HashMap<>();

        final Command command = new Command();
        final Decision recorded = new Decision();
        final Decision replayed = new Decision();
        try (JournalCursor cursor = JournalCursor.open(directory))
        {
            int kind;
            while ((kind = cursor.next(command, recorded)) >= 0)
            {
                cursor.refuseAnchor(kind, "audit explain");
                if (kind != JournalEntryDescriptor.KIND_COMMAND)
                {
                    continue;
                }
                final boolean isTarget = command.seq == explanation.seq;
                if (isTarget)
                {
                    explanation.resolveTouched(engine, holds, credits);
                    explanation.before = Figures.capture(engine, explanation);
                    explanation.rulesVersion = engine.rulesVersion();
                    explanation.rulesChangeSeq = engine.rulesChangeSeq();
                    explanation.rulesBefore = engine.config();
                }
                engine.replay(command, replayed, recorded);
                if (!DecisionCodec.sameOutcome(replayed, recorded))
                {
                    throw new AuditException("replaying journal " + directory + " to seq=" + explanation.seq +
                        " decided seq=" + command.seq + " txId=" + command.txId + " (entry " + cursor.entryIndex() +
                        ") differently: journal recorded " + EntryText.decision(recorded) + ", replay decided " +
                        EntryText.decision(replayed) + "; " + explanation.rules.mismatchHint());
                }
                if (isTarget)
                {
                    explanation.after = Figures.capture(engine, explanation);
                    explanation.rulesVersionAfter = engine.rulesVersion();
                    explanation.rulesAfter = engine.config();
                    return;
                }
                if (recorded.accepted() && !recorded.duplicate)
                {
                    remember(command, holdIds, reversedTxIds, holds, credits);
                }
            }
        }
        throw new AuditException("journal " + directory + " ended before seq=" + explanation.seq +
            " on the second reading: was it changed meanwhile?");
    }

    /**
     * Receives a command and, for a batch, each inner command.
     */
    @FunctionalInterface
    private interface CommandVisitor
    {
        void onCommand(Command command);
    }

    private static void forEachCommand(final Command command, final CommandVisitor visitor)
    {
        visitor.onCommand(command);
        if (command.canHoldBatch())
        {
            for (int i = 0; i < command.batchCount; i++)
            {
                visitor.onCommand(command.inner(i));
            }
        }
    }

    private static void remember(
        final Command accepted, final Set<Long> holdIds, final Set<Long> reversedTxIds, final Map<Long, long[]> holds,
        final Map<Long, long[]> credits)
    {
        forEachCommand(accepted, command ->
        {
            if ((command.type == CommandType.HOLD || command.type == CommandType.WITHDRAW) &&
                holdIds.contains(command.holdId))
            {
                holds.put(command.holdId, new long[] {command.accountId, command.assetId, command.walletId});
            }
            if (reversedTxIds.contains(command.txId))
            {
                final long credited = command.type == CommandType.TRANSFER ? command.creditAccountId :
                    command.accountId;
                credits.put(command.txId, new long[] {credited, command.assetId, command.walletId});
            }
        });
    }

    /**
     * A later submission of the txId.
     */
    static final class Submission
    {
        final long seq;
        final long entryIndex;
        final int inner;
        final long batchTxId;
        final Reason reason;
        final boolean duplicate;

        Submission(
            final long seq, final long entryIndex, final int inner, final long batchTxId, final Reason reason,
            final boolean duplicate)
        {
            this.seq = seq;
            this.entryIndex = entryIndex;
            this.inner = inner;
            this.batchTxId = batchTxId;
            this.reason = reason;
            this.duplicate = duplicate;
        }

        String text()
        {
            return "seq " + seq + " (entry " + entryIndex + ")" +
                (inner >= 0 ? " inside BATCH txId=" + batchTxId : "") + ": " + EntryText.reason(reason) +
                (duplicate ? " duplicate (the original decision, returned again)" : "");
        }
    }

    /**
     * The figures of what the command touches at one moment.
     */
    static final class Figures
    {
        final Map<Long, AccountStatus> accountStatus = new HashMap<>();
        /** Per account, per asset index: {available, held}. */
        final Map<Long, long[][]> positions = new HashMap<>();
        /** Per wallet index: {attested, expected, pending}. */
        final long[][] wallets;
        final AssetCounters.Snapshot[] assets;

        private Figures(final int walletCount, final int assetCount)
        {
            wallets = new long[walletCount][];
            assets = new AssetCounters.Snapshot[assetCount];
        }

        static Figures capture(final GuardEngine engine, final Explanation explanation)
        {
            final int assetCount = engine.assetCount();
            final Figures figures = new Figures(engine.walletCount(), assetCount);
            for (final long accountId : explanation.accounts)
            {
                figures.accountStatus.put(accountId, engine.accountStatus(accountId));
                final long[][] byAsset = new long[assetCount][];
                for (int a = 0; a < assetCount; a++)
                {
                    byAsset[a] = new long[] {engine.available(accountId, a), engine.heldOf(accountId, a)};
                }
                figures.positions.put(accountId, byAsset);
            }
            for (int w = 0; w < engine.walletCount(); w++)
            {
                figures.wallets[w] = new long[] {engine.walletAttested(w), engine.walletExpected(w),
                    engine.walletPending(w)};
            }
            for (int a = 0; a < assetCount; a++)
            {
                final AssetCounters.Snapshot snapshot = new AssetCounters.Snapshot();
                // The replay is stopped between commands: nothing writes the counters while they are read.
                final boolean read = engine.counters().read(a, snapshot);
                assert read : "asset counters busy with no writer";
                figures.assets[a] = snapshot;
            }
            return figures;
        }
    }

    /**
     * An explained transaction: print it as text or JSON.
     */
    public static final class Explanation
    {
        private final Path directory;
        private final JournalRules rules;
        /** For asset codes: the rules it is read under (a change never renames an asset). */
        private final GuardConfig config;
        private final long txId;
        private final long seq;
        private final long entryIndex;
        private final long timestampNs;
        private final Command command = new Command();
        private final Decision decision = new Decision();
        private final int inner;
        private final List<Submission> later = new ArrayList<>();
        private final Set<Long> accounts = new LinkedHashSet<>();
        private final Set<Integer> assets = new TreeSet<>();
        private final Set<Integer> wallets = new TreeSet<>();
        private Figures before;
        private Figures after;
        private long rulesVersion;
        private long rulesChangeSeq;
        private long rulesVersionAfter;
        private GuardConfig rulesBefore;
        private GuardConfig rulesAfter;
        private String[] walletAssetCodes = new String[0];
        private String[] assetCodes = new String[0];
        private long[] walletIds = new long[0];

        Explanation(
            final Path directory, final JournalRules rules, final long txId, final long entryIndex,
            final Command command, final Decision decision, final int inner)
        {
            this.directory = directory;
            this.rules = rules;
            this.config = rules.rules();
            this.txId = txId;
            this.seq = command.seq;
            this.entryIndex = entryIndex;
            this.timestampNs = command.timestampNs;
            this.command.copyFrom(command);
            this.decision.copyFrom(decision);
            this.inner = inner;
        }

        /**
         * @return the sequence of the (first) submission.
         */
        public long seq()
        {
            return seq;
        }

        /**
         * @return the index of its journal entry.
         */
        public long entryIndex()
        {
            return entryIndex;
        }

        /**
         * @return the version of the rules that decided the command: the rule changes accepted before it.
         */
        public long rulesVersion()
        {
            return rulesVersion;
        }

        /**
         * @return the sequence of the last rule change before the command; 0 when the rules were the genesis.
         */
        public long rulesChangeSeq()
        {
            return rulesChangeSeq;
        }

        /**
         * @return the sequences of later submissions of the same txId, in order.
         */
        public List<Long> laterSeqs()
        {
            final List<Long> seqs = new ArrayList<>(later.size());
            for (final Submission submission : later)
            {
                seqs.add(submission.seq);
            }
            return seqs;
        }

        /**
         * @return the explained command itself: the inner command when the txId is inside a batch.
         */
        private Command explained()
        {
            return inner >= 0 ? command.inner(inner) : command;
        }

        void resolveTouched(final GuardEngine engine, final Map<Long, long[]> holds, final Map<Long, long[]> credits)
        {
            assetCodes = new String[engine.assetCount()];
            for (int a = 0; a < assetCodes.length; a++)
            {
                assetCodes[a] = engine.assetCode(a);
            }
            walletIds = new long[engine.walletCount()];
            walletAssetCodes = new String[engine.walletCount()];
            for (int w = 0; w < walletIds.length; w++)
            {
                walletIds[w] = engine.walletId(w);
                walletAssetCodes[w] = engine.assetCode(engine.walletAssetIndex(w));
            }
            if (inner >= 0)
            {
                touch(engine, command.inner(inner), inner, holds, credits);
            }
            else
            {
                touch(engine, command, 0, holds, credits);
                for (int i = 0; i < command.batchCount; i++)
                {
                    touch(engine, command.inner(i), i, holds, credits);
                }
            }
        }

        private void touch(
            final GuardEngine engine, final Command touching, final int innerIndex, final Map<Long, long[]> holds,
            final Map<Long, long[]> credits)
        {
            addAccount(touching.accountId);
            addAccount(touching.debitAccountId);
            addAccount(touching.creditAccountId);
            addAsset(engine, touching.assetId);
            addWallet(engine, touching.walletId);
            for (int i = 0; i < touching.creditLimitCount; i++)
            {
                addAsset(engine, touching.creditLimitAssetIds[i]);
            }
            if (touching.holdId != 0)
            {
                long[] hold = holds.get(touching.holdId);
                // A hold opened earlier in the same batch.
                for (int i = 0; i < innerIndex; i++)
                {
                    final Command earlier = command.inner(i);
                    if ((earlier.type == CommandType.HOLD || earlier.type == CommandType.WITHDRAW) &&
                        earlier.holdId == touching.holdId)
                    {
                        hold = new long[] {earlier.accountId, earlier.assetId, earlier.walletId};
                    }
                }
                addReference(engine, hold);
            }
            if (touching.reversedTxId != 0)
            {
                addReference(engine, credits.get(touching.reversedTxId));
            }
            final boolean killSwitch = touching.type == CommandType.HALT || touching.type == CommandType.RESUME;
            if (killSwitch && touching.assetId == 0 && touching.walletId == 0)
            {
                // A kill switch over everything touches every asset.
                for (int a = 0; a < engine.assetCount(); a++)
                {
                    assets.add(a);
                }
            }
        }

        private void addReference(final GuardEngine engine, final long[] reference)
        {
            if (reference != null)
            {
                addAccount(reference[REF_ACCOUNT]);
                addAsset(engine, (int)reference[REF_ASSET]);
                addWallet(engine, reference[REF_WALLET]);
            }
        }

        private void addAccount(final long accountId)
        {
            if (accountId != 0)
            {
                accounts.add(accountId);
            }
        }

        private void addAsset(final GuardEngine engine, final int assetId)
        {
            final int index = assetId > 0 ? engine.indexOfAsset(assetId) : -1;
            if (index >= 0)
            {
                assets.add(index);
            }
        }

        private void addWallet(final GuardEngine engine, final long walletId)
        {
            for (int w = 0; walletId != 0 && w < engine.walletCount(); w++)
            {
                if (engine.walletId(w) == walletId)
                {
                    wallets.add(w);
                    assets.add(engine.walletAssetIndex(w));
                }
            }
        }

        /**
         * @return the asset indices whose positions to show for an account: those the command touches, or, for a
         *         command naming no asset, every asset the account holds anything in before or after it.
         */
        private List<Integer> positionAssets(final long accountId)
        {
            final List<Integer> shown = new ArrayList<>();
            if (!assets.isEmpty())
            {
                shown.addAll(assets);
                return shown;
            }
            final long[][] was = before.positions.get(accountId);
            final long[][] is = after.positions.get(accountId);
            for (int a = 0; a < assetCodes.length; a++)
            {
                if (was[a][POSITION_AVAILABLE] != 0 || was[a][POSITION_HELD] != 0 ||
                    is[a][POSITION_AVAILABLE] != 0 || is[a][POSITION_HELD] != 0)
                {
                    shown.add(a);
                }
            }
            return shown;
        }

        /**
         * Print the explanation for people.
         *
         * @param out where it goes.
         */
        public void printText(final PrintWriter out)
        {
            final Command explained = explained();
            out.println("explain: txId=" + txId + " in " + directory);
            out.println("  command       " + EntryText.command(explained, config));
            if (inner >= 0)
            {
                out.println("  in batch      BATCH txId=" + command.txId + ", inner command " + (inner + 1) + " of " +
                    command.batchCount + ", all or nothing: the figures are the whole batch's");
            }
            out.println("  seq           " + seq + " (entry " + entryIndex + ") at " + EntryText.time(timestampNs));
            out.println("  sent by       " + (command.clientIdString() == null ?
                "no client that proved its key (linked in, a command file, the admin server or an open gateway)" :
                "client '" + command.clientIdString() + "'"));
            out.println("  rules         " + rulesText());
            if (inner >= 0)
            {
                out.println("  decision      " + EntryText.reason(innerReason(decision, txId, inner)) +
                    "; the batch: " + EntryText.decision(decision));
            }
            else
            {
                out.println("  decision      " + EntryText.decision(decision));
            }
            if (command.type == CommandType.CONFIGURE && inner < 0)
            {
                printChange(out);
            }
            out.println("  alerts        " + (decision.alertCount == 0 ? "none" : decision.alertCount + ""));
            for (int i = 0; i < decision.alertCount; i++)
            {
                out.println("    " + EntryText.alert(decision.alert(i), config));
            }
            printAccounts(out);
            printWallets(out);
            printAssets(out);
            if (later.isEmpty())
            {
                out.println("  submitted again  no");
            }
            else
            {
                out.println("  submitted again  " + later.size() +
                    " times; only the first submission is applied (I6):");
                for (final Submission submission : later)
                {
                    out.println("    " + submission.text());
                }
            }
            out.flush();
        }

        /**
         * @return the version of the rules that decided the command, and where they come from.
         */
        private String rulesText()
        {
            if (rulesVersion == 0)
            {
                return "version 0: " + (rules.inJournal() ? "the genesis" : rules.source());
            }
            return "version " + rulesVersion + ": the last change at seq " + rulesChangeSeq +
                (rules.inJournal() ? "" : ", over " + rules.source());
        }

        private boolean changed()
        {
            return rulesVersionAfter > rulesVersion;
        }

        private void printChange(final PrintWriter out)
        {
            final String text = command.settingsString();
            SortedMap<String, String> settings = null;
            try
            {
                settings = Rules.parse(text);
            }
            catch (final ConfigurationException ex)
            {
                out.println("  settings      not settings: " + EntryText.quoted(text));
            }
            if (settings != null)
            {
                out.println("  settings      " + settings.size() + " to set:");
                settings.forEach((name, value) -> out.println("    " + EntryText.setting(name, value)));
            }
            if (!changed())
            {
                out.println("  change        not made: the rules stay at version " + rulesVersion);
                return;
            }
            final List<String> lines = Rules.diff(Rules.settings(rulesBefore), Rules.settings(rulesAfter));
            out.println("  change        made: rules version " + rulesVersionAfter + " in force from seq " + seq +
                (lines.isEmpty() ? "; every setting already had its value" : "; before -> after:"));
            for (final String line : lines)
            {
                out.println("    " + line);
            }
        }

        private void printAccounts(final PrintWriter out)
        {
            if (!accounts.isEmpty())
            {
                out.println("  accounts      status before -> after");
                for (final long accountId : accounts)
                {
                    out.println("    " + accountId + "  " + status(before.accountStatus.get(accountId)) + " -> " +
                        status(after.accountStatus.get(accountId)));
                }
            }
            if (!accounts.isEmpty())
            {
                final List<String> rows = new ArrayList<>();
                for (final long accountId : accounts)
                {
                    final long[][] was = before.positions.get(accountId);
                    final long[][] is = after.positions.get(accountId);
                    for (final int a : positionAssets(accountId))
                    {
                        final String name = "    " + accountId + " " + assetCodes[a];
                        rows.add(numbers(name + " available", was[a][POSITION_AVAILABLE], is[a][POSITION_AVAILABLE]));
                        rows.add(numbers(name + " held", was[a][POSITION_HELD], is[a][POSITION_HELD]));
                    }
                }
                if (rows.isEmpty())
                {
                    out.println("  positions     none, before or after");
                }
                else
                {
                    out.println(row("  positions (minor units)", "before", "after", "change"));
                    rows.forEach(out::println);
                }
            }
        }

        private void printWallets(final PrintWriter out)
        {
            if (!wallets.isEmpty())
            {
                out.println(row("  wallets (minor units)", "before", "after", "change"));
                for (final int w : wallets)
                {
                    final String name = "    wallet " + walletIds[w] + " " + walletAssetCodes[w];
                    out.println(numbers(name + " attested", before.wallets[w][WALLET_ATTESTED],
                        after.wallets[w][WALLET_ATTESTED]));
                    out.println(numbers(name + " expected", before.wallets[w][WALLET_EXPECTED],
                        after.wallets[w][WALLET_EXPECTED]));
                    out.println(numbers(name + " pending", before.wallets[w][WALLET_PENDING],
                        after.wallets[w][WALLET_PENDING]));
                }
            }
        }

        private void printAssets(final PrintWriter out)
        {
            if (assets.isEmpty())
            {
                out.println("  assets        none touched");
            }
            else
            {
                out.println(row("  assets (minor units)", "before", "after", "change"));
                for (final int a : assets)
                {
                    final AssetCounters.Snapshot was = before.assets[a];
                    final AssetCounters.Snapshot is = after.assets[a];
                    final String name = "    " + assetCodes[a];
                    out.println(numbers(name + " obligations", was.obligations, is.obligations));
                    out.println(numbers(name + " holdings", was.holdings, is.holdings));
                    out.println(numbers(name + " held", was.held, is.held));
                    out.println(numbers(name + " headroom", was.headroom(), is.headroom()));
                    final long wasBps = was.coverageBps();
                    final long isBps = is.coverageBps();
                    out.println(row(name + " coverage", coverage(wasBps), coverage(isBps),
                        wasBps < 0 || isBps < 0 || wasBps == isBps ? "" : signed(isBps - wasBps) + " bps"));
                    out.println(row(name + " status", was.status.name(), is.status.name(),
                        was.status == is.status ? "" : "changed"));
                }
            }
        }

        /**
         * Write the explanation as one JSON document.
         *
         * @param out where it goes; flushed, not closed.
         * @throws IOException when it cannot be written.
         */
        public void writeJson(final Writer out) throws IOException
        {
            try (JsonGenerator json = EntryJson.generator(out))
            {
                json.writeStartObject();
                json.writeStringField("journal", directory.toString());
                json.writeNumberField("txId", txId);
                json.writeNumberField("seq", seq);
                json.writeNumberField("entryIndex", entryIndex);
                json.writeNumberField("timestampNs", timestampNs);
                json.writeStringField("time", EntryText.time(timestampNs));
                json.writeStringField("client", command.clientIdString());
                json.writeFieldName("command");
                EntryJson.writeCommand(json, explained(), config);
                json.writeObjectFieldStart("rules");
                json.writeStringField("source", rules.inJournal() ? "genesis" : "config");
                json.writeNumberField("version", rulesVersion);
                if (rulesVersion == 0)
                {
                    json.writeNullField("lastChangeSeq");
                }
                else
                {
                    json.writeNumberField("lastChangeSeq", rulesChangeSeq);
                }
                json.writeEndObject();
                if (command.type == CommandType.CONFIGURE && inner < 0)
                {
                    writeChangeJson(json);
                }
                if (inner >= 0)
                {
                    json.writeObjectFieldStart("batch");
                    json.writeNumberField("txId", command.txId);
                    json.writeNumberField("index", inner);
                    json.writeNumberField("count", command.batchCount);
                    json.writeEndObject();
                }
                json.writeObjectFieldStart("decision");
                if (inner >= 0)
                {
                    EntryJson.writeReasonFields(json, innerReason(decision, txId, inner));
                    json.writeObjectFieldStart("batch");
                    EntryJson.writeDecisionFields(json, decision);
                    json.writeEndObject();
                }
                else
                {
                    EntryJson.writeDecisionFields(json, decision);
                }
                json.writeEndObject();
                json.writeArrayFieldStart("alerts");
                for (int i = 0; i < decision.alertCount; i++)
                {
                    EntryJson.writeAlert(json, decision.alert(i), config);
                }
                json.writeEndArray();
                writeAccountsJson(json);
                writeWalletsJson(json);
                writeAssetsJson(json);
                json.writeArrayFieldStart("laterSubmissions");
                for (final Submission submission : later)
                {
                    json.writeStartObject();
                    json.writeNumberField("seq", submission.seq);
                    json.writeNumberField("entryIndex", submission.entryIndex);
                    if (submission.inner >= 0)
                    {
                        json.writeNumberField("batchTxId", submission.batchTxId);
                    }
                    EntryJson.writeReasonFields(json, submission.reason);
                    if (submission.duplicate)
                    {
                        json.writeBooleanField("duplicate", true);
                    }
                    json.writeEndObject();
                }
                json.writeEndArray();
                json.writeEndObject();
                json.writeRaw('\n');
            }
            out.flush();
        }

        private void writeChangeJson(final JsonGenerator json) throws IOException
        {
            json.writeObjectFieldStart("change");
            json.writeBooleanField("made", changed());
            json.writeNumberField("version", rulesVersionAfter);
            json.writeArrayFieldStart("changed");
            final SortedMap<String, String> was = Rules.settings(rulesBefore);
            final SortedMap<String, String> is = Rules.settings(rulesAfter);
            final Set<String> names = new TreeSet<>(was.keySet());
            names.addAll(is.keySet());
            for (final String name : names)
            {
                if (!Objects.equals(was.get(name), is.get(name)))
                {
                    json.writeStartObject();
                    json.writeStringField("setting", name);
                    json.writeStringField("before", was.get(name));
                    json.writeStringField("after", is.get(name));
                    json.writeEndObject();
                }
            }
            json.writeEndArray();
            json.writeEndObject();
        }

        private void writeAccountsJson(final JsonGenerator json) throws IOException
        {
            json.writeArrayFieldStart("accounts");
            for (final long accountId : accounts)
            {
                json.writeStartObject();
                json.writeNumberField("accountId", accountId);
                json.writeObjectFieldStart("before");
                writeAccountJson(json, accountId, before);
                json.writeEndObject();
                json.writeObjectFieldStart("after");
                writeAccountJson(json, accountId, after);
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndArray();
        }

        private void writeAccountJson(final JsonGenerator json, final long accountId, final Figures figures)
            throws IOException
        {
            final AccountStatus status = figures.accountStatus.get(accountId);
            json.writeStringField("status", status == null ? null : status.name());
            json.writeObjectFieldStart("positions");
            final long[][] positions = figures.positions.get(accountId);
            for (final int a : positionAssets(accountId))
            {
                json.writeObjectFieldStart(assetCodes[a]);
                json.writeNumberField("available", positions[a][POSITION_AVAILABLE]);
                json.writeNumberField("held", positions[a][POSITION_HELD]);
                json.writeEndObject();
            }
            json.writeEndObject();
        }

        private void writeWalletsJson(final JsonGenerator json) throws IOException
        {
            json.writeArrayFieldStart("wallets");
            for (final int w : wallets)
            {
                json.writeStartObject();
                json.writeNumberField("walletId", walletIds[w]);
                json.writeStringField("asset", walletAssetCodes[w]);
                for (final Figures figures : new Figures[] {before, after})
                {
                    json.writeObjectFieldStart(figures == before ? "before" : "after");
                    json.writeNumberField("attested", figures.wallets[w][WALLET_ATTESTED]);
                    json.writeNumberField("expected", figures.wallets[w][WALLET_EXPECTED]);
                    json.writeNumberField("pending", figures.wallets[w][WALLET_PENDING]);
                    json.writeEndObject();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        }

        private void writeAssetsJson(final JsonGenerator json) throws IOException
        {
            json.writeArrayFieldStart("assets");
            for (final int a : assets)
            {
                json.writeStartObject();
                json.writeStringField("asset", assetCodes[a]);
                for (final Figures figures : new Figures[] {before, after})
                {
                    final AssetCounters.Snapshot snapshot = figures.assets[a];
                    json.writeObjectFieldStart(figures == before ? "before" : "after");
                    json.writeNumberField("obligations", snapshot.obligations);
                    json.writeNumberField("holdings", snapshot.holdings);
                    json.writeNumberField("held", snapshot.held);
                    json.writeNumberField("headroom", snapshot.headroom());
                    EntryJson.writeCoverageFields(json, snapshot.coverageBps());
                    json.writeStringField("status", snapshot.status.name());
                    json.writeEndObject();
                }
                json.writeEndObject();
            }
            json.writeEndArray();
        }

        private static String status(final AccountStatus status)
        {
            return status == null ? "(no account)" : status.name();
        }

        private static String numbers(final String label, final long before, final long after)
        {
            return row(label, Long.toString(before), Long.toString(after), after == before ? "" :
                signed(after - before));
        }

        private static String signed(final long value)
        {
            return value > 0 ? "+" + value : Long.toString(value);
        }

        private static String coverage(final long bps)
        {
            return bps < 0 ? "unbounded" : BigDecimal.valueOf(bps, 4).toPlainString() + "x";
        }

        private static String row(final String label, final String before, final String after, final String change)
        {
            return String.format("%-34s %20s %20s %16s", label, before, after, change).stripTrailing();
        }
    }
}
