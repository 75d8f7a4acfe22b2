package io.ledgerguard.json;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonGenerator;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.ApprovalFault;
import io.ledgerguard.core.GuardConfig;

/**
 * Writes alerts as JSON Lines (SPEC §9):
 * <pre>
 * {"seq":9,"atMs":9,"type":"RESERVE_COVER_BREACH","scope":"ASSET","asset":"BTC","txId":13,
 *  "figures":{"holdings":1,"obligations":2,"amount":1,"reserveBuffer":0}}
 * </pre>
 * {@code asset} is the asset's code (or {@code assetId} for an id the configuration does not know), and appears
 * only for an alert about an asset; {@code walletId} and {@code accountId} appear when set; {@code node} and
 * {@code term} (the cluster node that published it and its leadership term, SPEC §10) only in a cluster. Figures
 * are named as {@link io.ledgerguard.core.AlertType#figureName(int)} says. Closing flushes but leaves the writer open.
 */
public final class AlertPublisher implements Flushable, Closeable
{
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final JsonOutput.LineWriter lines;
    private final Supplier<GuardConfig> rules;

    /**
     * @param out    where the lines go.
     * @param config the configuration, for asset codes.
     * @throws IOException when the generator cannot be made.
     */
    public AlertPublisher(final Writer out, final GuardConfig config) throws IOException
    {
        this(out, () -> config);
    }

    /**
     * @param out   where the lines go.
     * @param rules the rules in force, for asset codes: those of assets listed by a rule change too (SPEC §13).
     * @throws IOException when the generator cannot be made.
     */
    public AlertPublisher(final Writer out, final Supplier<GuardConfig> rules) throws IOException
    {
        this.lines = new JsonOutput.LineWriter(out);
        this.rules = rules;
    }

    /**
     * @param alert the alert to write.
     * @throws IOException when the line cannot be written.
     */
    public void onAlert(final Alert alert) throws IOException
    {
        final JsonGenerator json = lines.startLine();
        json.writeNumberField("seq", alert.seq);
        json.writeNumberField("atMs", Math.floorDiv(alert.timestampNs, NANOS_PER_MILLI));
        json.writeStringField("type", alert.type.name());
        json.writeStringField("scope", alert.scope.name());
        if (alert.assetId != 0)
        {
            final GuardConfig.AssetConfig asset = rules.get().assetById(alert.assetId);
            if (asset != null)
            {
                json.writeStringField("asset", asset.code);
            }
            else
            {
                json.writeNumberField("assetId", alert.assetId);
            }
        }
        if (alert.walletId != 0)
        {
            json.writeNumberField("walletId", alert.walletId);
        }
        if (alert.accountId != 0)
        {
            json.writeNumberField("accountId", alert.accountId);
        }
        json.writeNumberField("txId", alert.txId);
        if (alert.node != Alert.NO_NODE)
        {
            json.writeNumberField("node", alert.node);
            json.writeNumberField("term", alert.term);
        }
        json.writeObjectFieldStart("figures");
        for (int i = 0; i < alert.type.figureCount(); i++)
        {
            json.writeNumberField(alert.type.figureName(i), alert.figure(i));
        }
        json.writeEndObject();
        writeFaultName(json, alert);
        lines.endLine();
    }

    /**
     * An {@link AlertType#UNAUTHORIZED} alert also names its fault, so that no one has to look the code up.
     *
     * @param json  the alert's object, open.
     * @param alert the alert.
     * @throws IOException when it cannot be written.
     */
    public static void writeFaultName(final JsonGenerator json, final Alert alert) throws IOException
    {
        if (alert.type == AlertType.UNAUTHORIZED)
        {
            final ApprovalFault fault = ApprovalFault.fromCode((int)alert.figure(0));
            json.writeStringField("fault", fault == null ? "UNKNOWN" : fault.name());
        }
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
