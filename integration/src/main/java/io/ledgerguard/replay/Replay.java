package io.ledgerguard.replay;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.util.EnumMap;
import java.util.Map;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.Journal;
import io.ledgerguard.core.Reason;
import io.ledgerguard.json.AlertPublisher;
import io.ledgerguard.json.BatchTooLargeException;
import io.ledgerguard.json.CommandLineParser;
import io.ledgerguard.json.DecisionPublisher;
import io.ledgerguard.json.LineReader;
import io.ledgerguard.json.MalformedCommandException;
import io.ledgerguard.json.StatePublisher;

/**
 * Applies a command file (SPEC §9) to a fresh guard, in file order, the guard's clock taken from each line's
 * {@code atMs}: {@code ledger-guard replay} without the command line.
 * <p>
 * Each non-blank line yields exactly one decision line, so nothing is lost: a line that parses is sequenced
 * ({@code seq} 1, 2, 3, ...) and applied; one that does not is answered {@code MALFORMED_COMMAND} with its line number
 * and the replay goes on. Blank lines are skipped but counted in line numbers. A batch with more inner commands than
 * the guard holds is answered {@code BATCH_TOO_LARGE}, unsequenced, for the same reason as a malformed line: the
 * guard never saw it, so it takes no place in the sequence (I7). At the end the invariants are checked.
 * <p>
 * One use: build, {@link #run}, then {@link #writeState} if wanted. Single-threaded.
 */
public final class Replay
{
    /** Longest command line, in bytes: a full batch with memos and approvals fits many times over. */
    public static final int LINE_BYTES_MAX = 1 << 20;
    /** Commands between journal flushes, as a pipeline flushes at the end of each batch of ring events. */
    public static final int JOURNAL_FLUSH_EVERY = 1024;

    private final GuardConfig config;
    private final GuardEngine engine;
    private final CommandLineParser parser;
    private final ApprovalVerifier verifier;
    private final Command command = new Command();
    private final Decision decision = new Decision();
    private final Map<Reason, Long> rejectedByReason = new EnumMap<>(Reason.class);
    private boolean ran;
    private Journal journal;
    // What the run did so far, for its summary.
    private long lines;
    private long seq;
    private long accepted;
    private long malformed;
    private long alertCount;

    /**
     * Allocate a guard for the configuration.
     *
     * @param config the guard's configuration; concluded here if it was not.
     */
    public Replay(final GuardConfig config)
    {
        this.config = config.conclude();
        this.engine = new GuardEngine(config);
        this.parser = new CommandLineParser(engine::config);
        // The approvers in force as the file's CONFIGURE lines change them (SPEC §13).
        this.verifier = new ApprovalVerifier(engine::rulesInForce);
    }

    /**
     * Journal every sequenced command before it is applied, as a serving guard's journal stage does, so that a
     * command file's run can be verified and replayed with the journal tools.
     *
     * @param journal a journal holding no commands yet (replay sequences from 1); flushed every
     *                {@link #JOURNAL_FLUSH_EVERY} commands and at the end, not closed.
     * @return this for a fluent style.
     */
    public Replay journal(final Journal journal)
    {
        this.journal = journal;
        return this;
    }

    /**
     * @return the guard, for reading its state after {@link #run}.
     */
    public GuardEngine engine()
    {
        return engine;
    }

    /**
     * Apply every line of a command file and write a decision for each.
     *
     * @param commands  the command file, UTF-8 JSON Lines; read to the end, not closed.
     * @param decisions where decision lines go; flushed, not closed.
     * @param alerts    where alert lines go, or {@code null} to count alerts without writing them; flushed, not closed.
     * @return what the replay did.
     * @throws IOException when the input cannot be read or an output written.
     */
    public ReplaySummary run(final InputStream commands, final Writer decisions, final Writer alerts)
        throws IOException
    {
        if (ran)
        {
            throw new IllegalStateException("a replay runs once");
        }
        ran = true;

        final LineReader reader = new LineReader(commands, LINE_BYTES_MAX);
        try (DecisionPublisher decisionPublisher = new DecisionPublisher(decisions);
            AlertPublisher alertPublisher = alerts == null ? null : new AlertPublisher(alerts, engine::config))
        {
            while (reader.next())
            {
                replayLine(reader, decisionPublisher, alertPublisher);
            }
        }
        if (journal != null)
        {
            journal.flush();
        }
        return new ReplaySummary(lines, seq, accepted, malformed, alertCount, rejectedByReason,
            engine.stateHash().hex(), engine.checkInvariants());
    }

    /**
     * Answer one line: blank, skipped; not a command, a decision line that is not sequenced; a command, applied.
     */
    private void replayLine(
        final LineReader reader, final DecisionPublisher decisionPublisher, final AlertPublisher alertPublisher)
        throws IOException
    {
        final long lineNumber = reader.lineNumber();
        if (reader.isTooLong())
        {
            lines++;
            malformed++;
            decisionPublisher.onNotSequenced(lineNumber, 0, Reason.MALFORMED_COMMAND,
                "line too long: bytes max=" + LINE_BYTES_MAX);
            return;
        }
        final String text;
        try
        {
            text = reader.text();
        }
        catch (final CharacterCodingException ex)
        {
            lines++;
            malformed++;
            decisionPublisher.onNotSequenced(lineNumber, 0, Reason.MALFORMED_COMMAND, "not UTF-8 text");
            return;
        }
        if (text.isBlank())
        {
            return;
        }
        lines++;

        try
        {
            parser.parse(text, command);
        }
        catch (final BatchTooLargeException ex)
        {
            malformed++;
            decisionPublisher.onNotSequenced(lineNumber, ex.txId(), Reason.BATCH_TOO_LARGE, ex.getMessage());
            return;
        }
        catch (final MalformedCommandException ex)
        {
            malformed++;
            decisionPublisher.onNotSequenced(lineNumber, parser.lastTxId(), Reason.MALFORMED_COMMAND,
                ex.getMessage());
            return;
        }
        apply(decisionPublisher, alertPublisher);
    }

    /**
     * Sequence the parsed command, apply it, journal it, count it and publish its decision and alerts.
     */
    private void apply(final DecisionPublisher decisionPublisher, final AlertPublisher alertPublisher)
        throws IOException
    {
        // Before sequencing, on this thread: the guard only compares the count with the requirement.
        verifier.verify(command);
        command.seq = ++seq;
        engine.apply(command, decision);
        assert decision.seq == command.seq : "decision for another command: seq=" + decision.seq;
        if (journal != null)
        {
            // As the pipeline does: the guard decides, then the journal records the command with its decision.
            journal.append(command, decision);
            if (seq % JOURNAL_FLUSH_EVERY == 0)
            {
                journal.flush();
            }
        }
        if (decision.accepted())
        {
            accepted++;
        }
        else
        {
            rejectedByReason.merge(decision.reason, 1L, Long::sum);
        }
        decisionPublisher.onDecision(decision, command.type == CommandType.BATCH);
        alertCount += decision.alertCount + decision.alertsDropped;
        if (alertPublisher != null)
        {
            for (int i = 0; i < decision.alertCount; i++)
            {
                alertPublisher.onAlert(decision.alert(i));
            }
        }
    }

    /**
     * Write the guard's state as SPEC §9's final state file.
     *
     * @param out where the document goes; flushed, not closed.
     * @throws IOException when it cannot be written.
     */
    public void writeState(final Writer out) throws IOException
    {
        StatePublisher.write(engine, out);
    }
}
