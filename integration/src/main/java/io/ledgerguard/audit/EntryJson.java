package io.ledgerguard.audit;

import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.Map;
import java.util.SortedMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.json.AlertPublisher;

/**
 * The JSON the audit tools write: ASCII only (other characters escaped), indented like the final state file, the
 * target left open for the caller. Commands use the field names of the command file and decisions and alerts those
 * of the decision and alert files (SPEC §9), so that what an audit shows reads like what went in and came out.
 */
final class EntryJson
{
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
        .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .build();
    private static final int BPS_SCALE = 4;

    private EntryJson()
    {
    }

    /**
     * @param out where the document goes; not closed by the generator.
     * @return an indenting generator.
     * @throws IOException when it cannot be made.
     */
    static JsonGenerator generator(final Writer out) throws IOException
    {
        final JsonGenerator json = FACTORY.createGenerator(out);
        json.setPrettyPrinter(new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withSeparators(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
        return json;
    }

    /**
     * Write a command as an object of the command file's fields (SPEC §9), {@code seq} and {@code timestampNs} aside.
     *
     * @param json    the generator, where a value may go.
     * @param command the command, top-level or inner.
     * @param config  for asset codes; may be {@code null}, and then assets are written as {@code assetId}.
     * @throws IOException when it cannot be written.
     */
    static void writeCommand(final JsonGenerator json, final Command command, final GuardConfig config)
        throws IOException
    {
        json.writeStartObject();
        json.writeStringField("type", command.type == null ? null : command.type.name());
        json.writeNumberField("txId", command.txId);
        if (command.clientIdLength() > 0)
        {
            json.writeStringField("client", command.clientIdString());
        }
        writeIfSet(json, "holdId", command.holdId);
        writeIfSet(json, "accountId", command.accountId);
        writeIfSet(json, "debitAccountId", command.debitAccountId);
        writeIfSet(json, "creditAccountId", command.creditAccountId);
        writeIfSet(json, "walletId", command.walletId);
        writeIfSet(json, "toWalletId", command.toWalletId);
        if (command.assetId != 0)
        {
            writeAsset(json, command.assetId, config);
        }
        if (command.amount != 0 || EntryText.carriesAmount(command.type))
        {
            json.writeNumberField(command.type == CommandType.ATTEST ? "balance" : "amount", command.amount);
        }
        writeIfSet(json, "reversedTxId", command.reversedTxId);
        if (command.accountKind != null)
        {
            json.writeStringField("kind", command.accountKind.name());
        }
        if (command.creditLimitCount > 0)
        {
            json.writeObjectFieldStart("creditLimit");
            for (int i = 0; i < command.creditLimitCount; i++)
            {
                json.writeNumberField(EntryText.asset(command.creditLimitAssetIds[i], config), command.creditLimits[i]);
            }
            json.writeEndObject();
        }
        if (command.chainRefLength > 0)
        {
            json.writeStringField("chainRef", command.chainRefString());
        }
        if (command.memoLength > 0)
        {
            json.writeStringField("memo", command.memoString());
        }
        if (command.settingsLength() > 0)
        {
            json.writeFieldName("settings");
            writeSettings(json, command.settingsString());
        }
        if (command.expiresAtMs != 0)
        {
            json.writeNumberField("expiresAtMs", command.expiresAtMs);
        }
        if (command.approvalCount > 0)
        {
            // The evidence of who approved: the signatures as carried, and how many the verifier found valid.
            json.writeArrayFieldStart("approvals");
            for (int i = 0; i < command.approvalCount; i++)
            {
                json.writeStartObject();
                json.writeStringField("keyId", command.approvalKeyId(i));
                json.writeStringField("signature", java.util.Base64.getEncoder().encodeToString(
                    command.approvalSignature(i)));
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeNumberField("approvalsVerified", command.approvalsVerified);
        }
        if (command.canHoldBatch() && command.batchCount > 0)
        {
            json.writeArrayFieldStart("commands");
            for (int i = 0; i < command.batchCount; i++)
            {
                writeCommand(json, command.inner(i), config);
            }
            json.writeEndArray();
        }
        json.writeEndObject();
    }

    /**
     * Write the settings of a {@code CONFIGURE} command as the command file gives them: an object of setting names to
     * values, each value a string ({@link Rules} keeps them as text).
     *
     * @param json the generator, where a value may go.
     * @param text the settings, {@code name=value} lines; text that is not settings is written as one string.
     * @throws IOException when it cannot be written.
     */
    static void writeSettings(final JsonGenerator json, final String text) throws IOException
    {
        final SortedMap<String, String> settings;
        try
        {
            settings = Rules.parse(text);
        }
        catch (final ConfigurationException ex)
        {
            // A change the guard refused may carry anything: show it as it is.
            json.writeString(text);
            return;
        }
        json.writeStartObject();
        for (final Map.Entry<String, String> setting : settings.entrySet())
        {
            json.writeStringField(setting.getKey(), setting.getValue());
        }
        json.writeEndObject();
    }

    /**
     * Write an accepted change of the rules: its seq, time, txId and the settings it set.
     *
     * @param json   the generator, where a value may go.
     * @param change the change.
     * @throws IOException when it cannot be written.
     */
    static void writeChange(final JsonGenerator json, final Genesis.Change change) throws IOException
    {
        json.writeStartObject();
        json.writeNumberField("seq", change.seq());
        json.writeStringField("time", EntryText.time(change.timestampNs()));
        json.writeNumberField("txId", change.txId());
        json.writeFieldName("settings");
        writeSettings(json, change.settings());
        json.writeEndObject();
    }

    /**
     * Write a decision's fields as the decision file does, into the object the generator is in.
     *
     * @param json     the generator, inside an object.
     * @param decision the decision.
     * @throws IOException when it cannot be written.
     */
    static void writeDecisionFields(final JsonGenerator json, final Decision decision) throws IOException
    {
        writeReasonFields(json, decision.reason);
        if (decision.duplicate)
        {
            json.writeBooleanField("duplicate", true);
        }
        if (decision.exhaustedTable != null)
        {
            json.writeStringField("table", decision.exhaustedTable.name());
        }
        if (decision.linkedCount > 0)
        {
            json.writeArrayFieldStart("linked");
            for (int i = 0; i < decision.linkedCount; i++)
            {
                json.writeStartObject();
                json.writeNumberField("txId", decision.linkedTxIds[i]);
                writeReasonFields(json, decision.linkedReasons[i]);
                json.writeEndObject();
            }
            json.writeEndArray();
        }
        if (decision.alertsDropped > 0)
        {
            json.writeNumberField("alertsDropped", decision.alertsDropped);
        }
    }

    /**
     * @param json   the generator, inside an object.
     * @param reason a reason.
     * @throws IOException when it cannot be written.
     */
    static void writeReasonFields(final JsonGenerator json, final Reason reason) throws IOException
    {
        if (reason == null)
        {
            json.writeNullField("reason");
            return;
        }
        json.writeStringField("status", reason.isAccepted() ? "ACCEPTED" : "REJECTED");
        json.writeStringField("reason", reason.name());
        json.writeNumberField("code", reason.code());
    }

    /**
     * Write an alert as the alert file does.
     *
     * @param json   the generator, where a value may go.
     * @param alert  the alert.
     * @param config for asset codes; may be {@code null}.
     * @throws IOException when it cannot be written.
     */
    static void writeAlert(final JsonGenerator json, final Alert alert, final GuardConfig config) throws IOException
    {
        json.writeStartObject();
        json.writeStringField("type", alert.type == null ? null : alert.type.name());
        json.writeStringField("scope", alert.scope == null ? null : alert.scope.name());
        if (alert.assetId != 0)
        {
            writeAsset(json, alert.assetId, config);
        }
        writeIfSet(json, "walletId", alert.walletId);
        writeIfSet(json, "accountId", alert.accountId);
        json.writeNumberField("txId", alert.txId);
        json.writeObjectFieldStart("figures");
        if (alert.type != null)
        {
            for (int i = 0; i < alert.type.figureCount(); i++)
            {
                json.writeNumberField(alert.type.figureName(i), alert.figure(i));
            }
        }
        json.writeEndObject();
        AlertPublisher.writeFaultName(json, alert);
        json.writeEndObject();
    }

    /**
     * @param json        the generator, inside an object.
     * @param coverageBps coverage in basis points, or -1 when there are no obligations.
     * @throws IOException when it cannot be written.
     */
    static void writeCoverageFields(final JsonGenerator json, final long coverageBps) throws IOException
    {
        if (coverageBps < 0)
        {
            // No obligations: coverage is unbounded, which JSON has no number for.
            json.writeNullField("coverageBps");
            json.writeNullField("coverage");
            return;
        }
        json.writeNumberField("coverageBps", coverageBps);
        json.writeNumberField("coverage", BigDecimal.valueOf(coverageBps, BPS_SCALE));
    }

    private static void writeAsset(final JsonGenerator json, final int assetId, final GuardConfig config)
        throws IOException
    {
        final GuardConfig.AssetConfig asset = config == null ? null : config.assetById(assetId);
        if (asset != null)
        {
            json.writeStringField("asset", asset.code);
        }
        else
        {
            json.writeNumberField("assetId", assetId);
        }
    }

    private static void writeIfSet(final JsonGenerator json, final String name, final long value) throws IOException
    {
        if (value != 0)
        {
            json.writeNumberField(name, value);
        }
    }
}
