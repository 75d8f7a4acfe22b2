package io.ledgerguard.json;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;

import com.fasterxml.jackson.core.JsonGenerator;

import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;

/**
 * Writes decisions as JSON Lines (SPEC §9), one line per command:
 * <pre>
 * {"seq":1,"txId":1,"status":"ACCEPTED","reason":"OK","code":0}
 * {"seq":7,"txId":9,"status":"ACCEPTED","reason":"OK","code":0,"duplicate":true}
 * {"seq":8,"txId":17,"status":"REJECTED","reason":"LINKED_COMMAND_FAILED","code":6002,
 *  "linked":[{"txId":18,"reason":"INSUFFICIENT_AVAILABLE","code":2001},
 *            {"txId":19,"reason":"LINKED_COMMAND_FAILED","code":6002}]}
 * {"line":7,"txId":12,"status":"REJECTED","reason":"MALFORMED_COMMAND","code":1000,"error":"field 'amount': ..."}
 * </pre>
 * {@code duplicate} appears only on a returned original decision, {@code table} only with {@code CAPACITY_EXHAUSTED},
 * {@code linked} only for a batch, {@code alertsDropped} only when the command raised more alerts than a decision
 * holds. A line that was never sequenced has {@code line} instead of {@code seq}, and {@code txId} only when known.
 * Closing the publisher flushes it but leaves the writer open.
 */
public final class DecisionPublisher implements Flushable, Closeable
{
    private final JsonOutput.LineWriter lines;

    /**
     * @param out where the lines go.
     * @throws IOException when the generator cannot be made.
     */
    public DecisionPublisher(final Writer out) throws IOException
    {
        this.lines = new JsonOutput.LineWriter(out);
    }

    /**
     * Write the decision on a sequenced command.
     *
     * @param decision the decision.
     * @param batch    true when the command was a {@code BATCH}: its inner reasons are written as {@code linked}.
     * @throws IOException when the line cannot be written.
     */
    public void onDecision(final Decision decision, final boolean batch) throws IOException
    {
        final JsonGenerator json = lines.startLine();
        json.writeNumberField("seq", decision.seq);
        json.writeNumberField("txId", decision.txId);
        writeReason(json, decision.reason);
        if (decision.duplicate)
        {
            json.writeBooleanField("duplicate", true);
        }
        if (decision.reason == Reason.CAPACITY_EXHAUSTED && decision.exhaustedTable != null)
        {
            json.writeStringField("table", decision.exhaustedTable.name());
        }
        if (batch)
        {
            json.writeArrayFieldStart("linked");
            for (int i = 0; i < decision.linkedCount; i++)
            {
                json.writeStartObject();
                json.writeNumberField("txId", decision.linkedTxIds[i]);
                json.writeStringField("reason", decision.linkedReasons[i].name());
                json.writeNumberField("code", decision.linkedReasons[i].code());
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        if (decision.alertsDropped > 0)
        {
            json.writeNumberField("alertsDropped", decision.alertsDropped);
        }
        lines.endLine();
    }

    /**
     * Write the decision on a line that was rejected before sequencing.
     *
     * @param line   the line number in the command file, from 1.
     * @param txId   the line's txId, or 0 when it could not be read.
     * @param reason {@link Reason#MALFORMED_COMMAND}, or the reason the guard would have given.
     * @param error  what is wrong, naming the field.
     * @throws IOException when the line cannot be written.
     */
    public void onNotSequenced(final long line, final long txId, final Reason reason, final String error)
        throws IOException
    {
        final JsonGenerator json = lines.startLine();
        json.writeNumberField("line", line);
        if (txId != 0)
        {
            json.writeNumberField("txId", txId);
        }
        writeReason(json, reason);
        json.writeStringField("error", error);
        lines.endLine();
    }

    private static void writeReason(final JsonGenerator json, final Reason reason) throws IOException
    {
        json.writeStringField("status", reason.isAccepted() ? "ACCEPTED" : "REJECTED");
        json.writeStringField("reason", reason.name());
        json.writeNumberField("code", reason.code());
    }

    @Override
    public void flush() throws IOException
    {
        lines.flush();
    }

    @Override
    public void close() throws IOException
    {
        lines.close();
    }
}
