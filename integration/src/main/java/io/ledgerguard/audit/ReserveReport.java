package io.ledgerguard.audit;

import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

import io.ledgerguard.core.AssetCounters;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalEntryDescriptor;
import io.ledgerguard.journal.JournalFormatException;

/**
 * {@code audit report}: the reserve disclosure as of a sequence, by replaying the journal to it. Per asset: the
 * holdings of each wallet (attested, and expected: attested plus inflows less settled outflows since), the total
 * holdings, the obligations to customers, the headroom (holdings less obligations), the coverage (holdings over
 * obligations) and the asset's status. Every replayed decision is compared with the recorded one, so that the figures
 * are those the guard itself had. The replay takes the rules the journal holds when it holds a genesis (SPEC §13,
 * {@link JournalRules}); the report names the version of the rules in force at its sequence and lists the changes
 * that made it.
 */
public final class ReserveReport
{
    private static final int BPS_SCALE = 4;
    private static final String CSV_HEADER = "seq,asset,row,walletId,kind,attested,expected,pending,attestedAt," +
        "holdings,obligations,held,headroom,coverageBps,coverage,status";

    private final Path directory;
    private final long seq;
    private final long timestampNs;
    private final long entryIndex;
    private final String chainHeadHex;
    private final long chainHeadEntry;
    private final String stateHashHex;
    private final String invariantViolation;
    private final List<AssetRow> assets = new ArrayList<>();
    private final boolean rulesInJournal;
    private final long rulesVersion;
    private final long rulesChangeSeq;
    private final List<Genesis.Change> ruleChanges;

    private ReserveReport(
        final Path directory, final long seq, final long timestampNs, final long entryIndex, final String chainHeadHex,
        final long chainHeadEntry, final GuardEngine engine, final JournalRules rules, final RuleChanges changes)
    {
        this.directory = directory;
        this.rulesInJournal = rules.inJournal();
        this.rulesVersion = engine.rulesVersion();
        this.rulesChangeSeq = engine.rulesChangeSeq();
        this.ruleChanges = List.copyOf(changes.all());
        this.seq = seq;
        this.timestampNs = timestampNs;
        this.entryIndex = entryIndex;
        this.chainHeadHex = chainHeadHex;
        this.chainHeadEntry = chainHeadEntry;
        this.stateHashHex = engine.stateHash().hex();
        this.invariantViolation = engine.checkInvariants();
        for (int a = 0; a < engine.assetCount(); a++)
        {
            final AssetCounters.Snapshot counters = new AssetCounters.Snapshot();
            // The replay is stopped: nothing writes the counters while they are read.
            final boolean read = engine.counters().read(a, counters);
            assert read : "asset counters busy with no writer";
            final AssetRow row = new AssetRow(engine.assetCode(a), counters);
            for (int w = 0; w < engine.walletCount(); w++)
            {
                if (engine.walletAssetIndex(w) == a)
                {
                    row.wallets.add(new WalletRow(engine.walletId(w), engine.walletKind(w), engine.walletAttested(w),
                        engine.walletExpected(w), engine.walletPending(w), engine.walletAttestedAtMs(w)));
                }
            }
            assets.add(row);
        }
    }

    /**
     * Replay a journal to a sequence and take the disclosure there.
     *
     * @param directory the journal.
     * @param config    the configuration the journal was written with; {@code null} for a journal that holds its
     *                  rules (a genesis), which are taken in any case ({@link JournalRules}).
     * @param atSeq     the sequence to report at (0: before the first command), or -1 for the journal's end.
     * @return the report.
     * @throws AuditArgumentException  when {@code atSeq} is beyond the journal's last command, or the journal holds
     *                                 no genesis and no configuration was given.
     * @throws AuditException          when a replayed decision differs from the recorded one.
     * @throws JournalFormatException  when the directory is not a journal of this version.
     * @throws JournalCorruptException when an entry up to {@code atSeq} fails verification.
     */
    public static ReserveReport at(final Path directory, final GuardConfig config, final long atSeq)
    {
        return at(directory, JournalRules.of(directory, config, null), atSeq);
    }

    /**
     * Replay a journal to a sequence and take the disclosure there.
     *
     * @param directory the journal.
     * @param rules     the rules to replay it under.
     * @param atSeq     the sequence to report at (0: before the first command), or -1 for the journal's end.
     * @return the report.
     * @throws AuditArgumentException  when {@code atSeq} is beyond the journal's last command.
     * @throws AuditException          when a replayed decision differs from the recorded one.
     * @throws JournalFormatException  when the directory is not a journal of this version.
     * @throws JournalCorruptException when an entry up to {@code atSeq} fails verification.
     */
    public static ReserveReport at(final Path directory, final JournalRules rules, final long atSeq)
    {
        return at(directory, rules, atSeq, engine -> { });
    }

    /**
     * As {@link #at(Path, JournalRules, long)}, handing the replayed engine, stopped at the sequence, to a reader
     * before the report is taken: {@code audit liabilities} reads the accounts' positions there.
     */
    static ReserveReport at(final Path directory, final JournalRules rules, final long atSeq,
        final java.util.function.Consumer<GuardEngine> atTheSequence)
    {
        if (atSeq < -1)
        {
            throw new AuditArgumentException("--at must be >= 0, was " + atSeq);
        }
        final GuardEngine engine = new GuardEngine(rules.rules());
        final RuleChanges changes = new RuleChanges();
        final Command command = new Command();
        final Decision recorded = new Decision();
        final Decision replayed = new Decision();
        long lastSeq = 0;
        long lastTimestampNs = 0;
        long lastEntry = 0;
        String chainHead = null;
        long chainHeadEntry = -1;
        try (JournalCursor cursor = JournalCursor.open(directory))
        {
            if (atSeq == 0)
            {
                atTheSequence.accept(engine);
                return new ReserveReport(directory, 0, 0, 0, null, -1, engine, rules, changes);
            }
            int kind;
            while ((kind = cursor.next(command, recorded)) >= 0)
            {
                cursor.refuseAnchor(kind, "audit report");
                if (kind != JournalEntryDescriptor.KIND_COMMAND)
                {
                    continue;
                }
                engine.replay(command, replayed, recorded);
                if (!DecisionCodec.sameOutcome(replayed, recorded))
                {
                    throw new AuditException("replaying journal " + directory + " decided seq=" + command.seq +
                        " txId=" + command.txId + " (entry " + cursor.entryIndex() + ") differently: journal " +
                        "recorded " + EntryText.decision(recorded) + ", replay decided " +
                        EntryText.decision(replayed) + "; " + rules.mismatchHint());
                }
                changes.offer(command, recorded);
                lastSeq = command.seq;
                lastTimestampNs = command.timestampNs;
                lastEntry = cursor.entryIndex();
                if (lastSeq == atSeq)
                {
                    break;
                }
            }
            if (lastSeq > 0)
            {
                // The chain value of the last entry read: the command at --at, or the journal's last entry.
                chainHead = cursor.reader().chainHeadHex();
                chainHeadEntry = cursor.entryIndex();
            }
        }
        if (atSeq > lastSeq)
        {
            throw new AuditArgumentException("--at " + atSeq + " is beyond journal " + directory +
                ", whose last command is seq=" + lastSeq);
        }
        atTheSequence.accept(engine);
        return new ReserveReport(directory, lastSeq, lastTimestampNs, lastEntry, chainHead, chainHeadEntry, engine,
            rules, changes);
    }

    /**
     * @return what {@code GuardEngine.checkInvariants()} found wrong at the sequence; null when they hold.
     */
    public String invariantViolation()
    {
        return invariantViolation;
    }

    /**
     * @return the chain value of the entry reported at, 64 hex digits; null at sequence 0.
     */
    public String chainHeadHex()
    {
        return chainHeadHex;
    }

    /**
     * @return the time of the command reported at, epoch nanoseconds; 0 at sequence 0.
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    /**
     * @param asset an asset's position in the rules.
     * @return its holdings (the sum of its wallets' expected holdings) at the sequence.
     */
    public long holdings(final int asset)
    {
        return assets.get(asset).counters.holdings;
    }

    /**
     * @param asset an asset's position in the rules.
     * @return its obligations (the sum over positions of their balances above zero) at the sequence.
     */
    public long obligations(final int asset)
    {
        return assets.get(asset).counters.obligations;
    }

    /**
     * @return the sequence reported at.
     */
    public long seq()
    {
        return seq;
    }

    /**
     * Write the report as one JSON document.
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
            json.writeNumberField("seq", seq);
            if (seq > 0)
            {
                json.writeNumberField("entryIndex", entryIndex);
                json.writeStringField("time", EntryText.time(timestampNs));
                json.writeStringField("chainHead", chainHeadHex);
                json.writeNumberField("chainHeadEntryIndex", chainHeadEntry);
            }
            json.writeStringField("stateHash", stateHashHex);
            json.writeStringField("invariants", invariantViolation == null ? "hold" : invariantViolation);
            json.writeObjectFieldStart("rules");
            json.writeStringField("source", rulesInJournal ? "genesis" : "config");
            RuleChanges.writeFields(json, rulesVersion, rulesChangeSeq, ruleChanges);
            json.writeEndObject();
            json.writeArrayFieldStart("assets");
            for (final AssetRow asset : assets)
            {
                json.writeStartObject();
                json.writeStringField("asset", asset.code);
                json.writeArrayFieldStart("wallets");
                for (final WalletRow wallet : asset.wallets)
                {
                    json.writeStartObject();
                    json.writeNumberField("walletId", wallet.walletId);
                    json.writeStringField("kind", wallet.kind.name());
                    json.writeNumberField("attested", wallet.attested);
                    json.writeNumberField("expected", wallet.expected);
                    json.writeNumberField("pending", wallet.pending);
                    json.writeStringField("attestedAt", wallet.attestedAt());
                    json.writeEndObject();
                }
                json.writeEndArray();
                final AssetCounters.Snapshot counters = asset.counters;
                json.writeNumberField("holdings", counters.holdings);
                json.writeNumberField("obligations", counters.obligations);
                json.writeNumberField("held", counters.held);
                json.writeNumberField("headroom", counters.headroom());
                EntryJson.writeCoverageFields(json, counters.coverageBps());
                json.writeStringField("status", counters.status.name());
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
            json.writeRaw('\n');
        }
        out.flush();
    }

    /**
     * @return the version of the rules in force at the sequence reported at: the rule changes accepted up to it.
     */
    public long rulesVersion()
    {
        return rulesVersion;
    }

    /**
     * @return the rule changes accepted up to the sequence reported at, in order.
     */
    public List<Genesis.Change> ruleChanges()
    {
        return ruleChanges;
    }

    /**
     * Write the report as CSV with a header row: per asset one {@code wallet} row per wallet and one {@code asset}
     * row with the totals. Coverage is empty when there are no obligations (it is unbounded). The rule changes are
     * in the JSON form only.
     *
     * @param out where it goes; flushed, not closed.
     * @throws IOException when it cannot be written.
     */
    public void writeCsv(final Writer out) throws IOException
    {
        out.write(CSV_HEADER);
        out.write('\n');
        for (final AssetRow asset : assets)
        {
            long attested = 0;
            long pending = 0;
            for (final WalletRow wallet : asset.wallets)
            {
                attested += wallet.attested;
                pending += wallet.pending;
                out.write(csv(seq, asset.code, "wallet", wallet.walletId, wallet.kind.name(), wallet.attested,
                    wallet.expected, wallet.pending, nullToEmpty(wallet.attestedAt()), wallet.expected, "", "", "", "",
                    "", ""));
            }
            final AssetCounters.Snapshot counters = asset.counters;
            final long bps = counters.coverageBps();
            out.write(csv(seq, asset.code, "asset", "", "", attested, counters.holdings, pending, "",
                counters.holdings, counters.obligations, counters.held, counters.headroom(), bps < 0 ? "" : bps,
                bps < 0 ? "" : BigDecimal.valueOf(bps, BPS_SCALE).toPlainString(), counters.status.name()));
        }
        out.flush();
    }

    private static String csv(final Object... fields)
    {
        final StringBuilder line = new StringBuilder(128);
        for (int i = 0; i < fields.length; i++)
        {
            final String field = String.valueOf(fields[i]);
            line.append(i == 0 ? "" : ",");
            if (field.indexOf(',') >= 0 || field.indexOf('"') >= 0 || field.indexOf('\n') >= 0)
            {
                line.append('"').append(field.replace("\"", "\"\"")).append('"');
            }
            else
            {
                line.append(field);
            }
        }
        return line.append('\n').toString();
    }

    private static String nullToEmpty(final String value)
    {
        return value == null ? "" : value;
    }

    private static final class AssetRow
    {
        final String code;
        final AssetCounters.Snapshot counters;
        final List<WalletRow> wallets = new ArrayList<>();

        AssetRow(final String code, final AssetCounters.Snapshot counters)
        {
            this.code = code;
            this.counters = counters;
        }
    }

    private static final class WalletRow
    {
        final long walletId;
        final WalletKind kind;
        final long attested;
        final long expected;
        final long pending;
        final long attestedAtMs;

        WalletRow(
            final long walletId, final WalletKind kind, final long attested, final long expected, final long pending,
            final long attestedAtMs)
        {
            this.walletId = walletId;
            this.kind = kind;
            this.attested = attested;
            this.expected = expected;
            this.pending = pending;
            this.attestedAtMs = attestedAtMs;
        }

        String attestedAt()
        {
            return attestedAtMs == Long.MIN_VALUE ? null : EntryText.timeMs(attestedAtMs);
        }
    }
}
