package io.ledgerguard.audit;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.SortedMap;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;

/**
 * One-line, ASCII-only text of journal contents for people: commands with the field names of the command file
 * (SPEC §9), decisions with their reason codes, alerts with their figures, times in UTC. Not for the apply path.
 */
final class EntryText
{
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private EntryText()
    {
    }

    /**
     * @param timestampNs epoch nanoseconds.
     * @return the instant in ISO-8601 UTC, as {@code 2026-01-01T00:00:06Z}.
     */
    static String time(final long timestampNs)
    {
        return DateTimeFormatter.ISO_INSTANT.format(instant(timestampNs));
    }

    /**
     * @param cut a cut entry ({@code audit repair}).
     * @return what it records, for a line of text.
     */
    static String cut(final io.ledgerguard.journal.JournalReader.Cut cut)
    {
        return "after seq=" + cut.seq() + " (entry " + cut.lastEntryIndex() + ", chain value " + cut.chainHeadHex() +
            ") at " + time(cut.timestampNs()) + ": dropped " + cut.droppedEntries() + " whole entries" +
            (cut.droppedFirstSeq() == 0 ? "" : ", seq " + cut.droppedFirstSeq() + ".." + cut.droppedLastSeq()) +
            "; " + cut.note();
    }

    /**
     * @param timestampNs epoch nanoseconds.
     * @return the instant.
     */
    static Instant instant(final long timestampNs)
    {
        return Instant.ofEpochSecond(Math.floorDiv(timestampNs, NANOS_PER_SECOND),
            Math.floorMod(timestampNs, NANOS_PER_SECOND));
    }

    /**
     * @param epochMs epoch milliseconds.
     * @return the instant in ISO-8601 UTC.
     */
    static String timeMs(final long epochMs)
    {
        return time(epochMs * NANOS_PER_MILLI);
    }

    /**
     * @param assetId an asset id from a command or alert.
     * @param config  the configuration, or {@code null} when none was given.
     * @return the asset's code when the configuration knows it, else {@code assetId=N}.
     */
    static String asset(final int assetId, final GuardConfig config)
    {
        if (assetId == Command.ASSET_ID_UNKNOWN)
        {
            return "(a code the configuration does not know)";
        }
        final GuardConfig.AssetConfig asset = config == null ? null : config.assetById(assetId);
        return asset != null ? asset.code : "assetId=" + assetId;
    }

    /**
     * @param assetId an asset id from a command or alert.
     * @param config  the configuration, or {@code null} when none was given.
     * @return {@code asset=CODE} when the configuration knows the asset, else {@code assetId=N}.
     */
    static String assetField(final int assetId, final GuardConfig config)
    {
        final String asset = asset(assetId, config);
        return asset.startsWith("assetId=") ? asset : "asset=" + asset;
    }

    /**
     * @param type a command type.
     * @return true when the type carries an amount, so that an amount of zero is worth showing.
     */
    static boolean carriesAmount(final CommandType type)
    {
        if (type == null)
        {
            return false;
        }
        switch (type)
        {
            case INFLOW:
            case SWEEP:
            case DEPOSIT:
            case TRANSFER:
            case HOLD:
            case RELEASE:
            case WITHDRAW:
            case ADJUST:
            case ATTEST:
                return true;
            default:
                return false;
        }
    }

    /**
     * @param command a command, top-level or inner.
     * @param config  for asset codes; may be {@code null}.
     * @return the command's type and the fields it sets, as {@code TRANSFER txId=6 debitAccountId=1001 ...}.
     */
    static String command(final Command command, final GuardConfig config)
    {
        final StringBuilder text = new StringBuilder(128);
        appendCommand(text, command, config);
        return text.toString();
    }

    private static void appendCommand(final StringBuilder text, final Command command, final GuardConfig config)
    {
        text.append(command.type == null ? "(no type)" : command.type.name()).append(" txId=").append(command.txId);
        if (command.clientIdLength() > 0)
        {
            text.append(" client=").append(command.clientIdString());
        }
        appendIfSet(text, "holdId", command.holdId);
        appendIfSet(text, "accountId", command.accountId);
        appendIfSet(text, "debitAccountId", command.debitAccountId);
        appendIfSet(text, "creditAccountId", command.creditAccountId);
        appendIfSet(text, "walletId", command.walletId);
        appendIfSet(text, "toWalletId", command.toWalletId);
        if (command.assetId != 0)
        {
            text.append(' ').append(assetField(command.assetId, config));
        }
        if (command.amount != 0 || carriesAmount(command.type))
        {
            text.append(command.type == CommandType.ATTEST ? " balance=" : " amount=").append(command.amount);
        }
        appendIfSet(text, "reversedTxId", command.reversedTxId);
        if (command.accountKind != null)
        {
            text.append(" kind=").append(command.accountKind.name());
        }
        if (command.creditLimitCount > 0)
        {
            text.append(" creditLimit={");
            for (int i = 0; i < command.creditLimitCount; i++)
            {
                text.append(i == 0 ? "" : ", ").append(asset(command.creditLimitAssetIds[i], config)).append(':')
                    .append(command.creditLimits[i]);
            }
            text.append('}');
        }
        if (command.chainRefLength > 0)
        {
            text.append(" chainRef=").append(quoted(command.chainRefString()));
        }
        if (command.memoLength > 0)
        {
            text.append(" memo=").append(quoted(command.memoString()));
        }
        if (command.settingsLength() > 0)
        {
            text.append(" settings=").append(settings(command.settingsString()));
        }
        if (command.canHoldBatch() && command.batchCount > 0)
        {
            text.append(" [");
            for (int i = 0; i < command.batchCount; i++)
            {
                if (i > 0)
                {
                    text.append("; ");
                }
                appendCommand(text, command.inner(i), config);
            }
            text.append(']');
        }
    }

    /**
     * @param text the settings of a {@code CONFIGURE} command, {@code name=value} lines ({@link Rules}).
     * @return them on one line, as {@code {assets.BTC.creditCapMinorUnits=20000000000, keys=ops-1,ops-2}}: a name or
     *         value that is not printable ASCII, or holds a space, a quote or a brace, in quotes (so that ", " only
     *         separates); text that is not settings quoted whole.
     */
    static String settings(final String text)
    {
        final SortedMap<String, String> settings;
        try
        {
            settings = Rules.parse(text);
        }
        catch (final ConfigurationException ex)
        {
            // A change the guard refused may carry anything: show it as it is.
            return quoted(text);
        }
        final StringBuilder line = new StringBuilder(text.length() + 16).append('{');
        for (final Map.Entry<String, String> setting : settings.entrySet())
        {
            line.append(line.length() == 1 ? "" : ", ").append(setting(setting.getKey(), setting.getValue()));
        }
        return line.append('}').toString();
    }

    /**
     * @param name  a setting's name.
     * @param value its value.
     * @return {@code name=value}, either in quotes when it is not printable ASCII or holds a space, brace or quote.
     */
    static String setting(final String name, final String value)
    {
        return plain(name) + "=" + plain(value);
    }

    /**
     * @param value a setting's name or value.
     * @return it as it is when it is printable ASCII without a space, brace, quote or backslash; else {@link #quoted}.
     */
    private static String plain(final String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c <= ' ' || c >= 0x7F || c == '{' || c == '}' || c == '"' || c == '\\')
            {
                return quoted(value);
            }
        }
        return value;
    }

    /**
     * @param decision a decision.
     * @return its outcome, reason and code, and for a batch the inner reasons, as
     *         {@code REJECTED LINKED_COMMAND_FAILED (6002) linked=[18 INSUFFICIENT_AVAILABLE, ...]}.
     */
    static String decision(final Decision decision)
    {
        final StringBuilder text = new StringBuilder(64);
        text.append(reason(decision.reason));
        if (decision.duplicate)
        {
            text.append(" duplicate (the original decision, returned again)");
        }
        if (decision.exhaustedTable != null)
        {
            text.append(" table=").append(decision.exhaustedTable.name());
        }
        if (decision.linkedCount > 0)
        {
            text.append(" linked=[");
            for (int i = 0; i < decision.linkedCount; i++)
            {
                text.append(i == 0 ? "" : ", ").append(decision.linkedTxIds[i]).append(' ')
                    .append(decision.linkedReasons[i] == null ? "?" : decision.linkedReasons[i].name());
            }
            text.append(']');
        }
        if (decision.alertsDropped > 0)
        {
            text.append(" alertsDropped=").append(decision.alertsDropped);
        }
        return text.toString();
    }

    /**
     * @param reason a reason.
     * @return {@code ACCEPTED OK} or {@code REJECTED NAME (code)}.
     */
    static String reason(final Reason reason)
    {
        if (reason == null)
        {
            return "(no reason)";
        }
        return reason.isAccepted() ? "ACCEPTED OK" : "REJECTED " + reason.name() + " (" + reason.code() + ")";
    }

    /**
     * @param alert  an alert.
     * @param config for asset codes; may be {@code null}.
     * @return its type, scope, target and figures.
     */
    static String alert(final Alert alert, final GuardConfig config)
    {
        final StringBuilder text = new StringBuilder(96);
        text.append(alert.type == null ? "(no type)" : alert.type.name())
            .append(" scope=").append(alert.scope == null ? "?" : alert.scope.name());
        if (alert.assetId != 0)
        {
            text.append(' ').append(assetField(alert.assetId, config));
        }
        appendIfSet(text, "walletId", alert.walletId);
        appendIfSet(text, "accountId", alert.accountId);
        text.append(" txId=").append(alert.txId);
        if (alert.type != null)
        {
            for (int i = 0; i < alert.type.figureCount(); i++)
            {
                text.append(' ').append(alert.type.figureName(i)).append('=').append(alert.figure(i));
            }
        }
        return text.toString();
    }

    /**
     * @param decision a decision.
     * @param config   for asset codes; may be {@code null}.
     * @return its alerts, separated by {@code "; "}, or {@code none}.
     */
    static String alerts(final Decision decision, final GuardConfig config)
    {
        if (decision.alertCount == 0)
        {
            return "none";
        }
        final StringBuilder text = new StringBuilder(96 * decision.alertCount);
        for (int i = 0; i < decision.alertCount; i++)
        {
            text.append(i == 0 ? "" : "; ").append(alert(decision.alert(i), config));
        }
        return text.toString();
    }

    /**
     * @param value any text, from a journal or a user.
     * @return the text in double quotes, with quotes, backslashes, control and non-ASCII characters escaped as in
     *         Java source ({@code \"}, {@code \\}, {@code \u00e9}), so that output stays ASCII and on one line.
     */
    static String quoted(final String value)
    {
        final StringBuilder text = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\')
            {
                text.append('\\').append(c);
            }
            else if (c < 0x20 || c >= 0x7F)
            {
                text.append(String.format("\\u%04x", (int)c));
            }
            else
            {
                text.append(c);
            }
        }
        return text.append('"').toString();
    }

    private static void appendIfSet(final StringBuilder text, final String name, final long value)
    {
        if (value != 0)
        {
            text.append(' ').append(name).append('=').append(value);
        }
    }
}
