package io.ledgerguard.core.approval;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;

/**
 * The canonical bytes an approver signs for a privileged command (SPEC §6), documented in {@code docs/approvals.md}
 * so that a client in any language can produce them: UTF-8 text, one {@code name=value} line per field, each ending
 * in a line feed, in a fixed order per command type, after a version line and the guard's domain:
 * <pre>
 * ledger-guard-approval-v1
 * domain=prod-kr-1
 * type=ADJUST
 * txId=13
 * accountId=1001
 * asset=BTC
 * amount=-10
 * memo=fee correction
 * expiresAtMs=1767225600000
 * </pre>
 * Integers are written in decimal with a leading {@code -} when negative; the asset is its code, empty when the command
 * names none; strings are their UTF-8 bytes as given. A command has no canonical form, and cannot be signed, when a
 * memo or chain reference holds a control character (below U+0020, or U+007F) or bytes that are not UTF-8, or when it
 * names an asset the configuration does not know. A {@code CONFIGURE} command signs each of its settings as a line
 * {@code set.name=value}, in the order of their names; settings that are not {@code name=value} lines have no form.
 */
public final class SigningPayload
{
    /** The first line: the version of this form. */
    public static final String VERSION_LINE = "ledger-guard-approval-v1";

    private SigningPayload()
    {
    }

    /**
     * @param command a top-level privileged command.
     * @param config  the configuration, for asset codes.
     * @return the canonical bytes, or {@code null} when the command is not privileged or has no canonical form.
     */
    public static byte[] of(final Command command, final GuardConfig config)
    {
        final String text = text(command, config);
        return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param command a top-level privileged command.
     * @param config  the configuration, for asset codes.
     * @return the canonical form as text, or {@code null} when the command is not privileged or has no canonical
     *     form.
     */
    public static String text(final Command command, final GuardConfig config)
    {
        final CommandType type = command.type;
        if (!signable(type))
        {
            return null;
        }
        final StringBuilder sb = new StringBuilder(160);
        sb.append(VERSION_LINE).append('\n');
        line(sb, "domain", config.approvalDomain());
        line(sb, "type", type.name());
        if (command.assetId != 0 && config.assetById(command.assetId) == null)
        {
            return null;
        }
        line(sb, "txId", command.txId);
        switch (type)
        {
            case ADJUST:
                line(sb, "accountId", command.accountId);
                line(sb, "asset", assetCode(command, config));
                line(sb, "amount", command.amount);
                if (!signable(command.memo, command.memoLength, Command.MEMO_LENGTH_MAX))
                {
                    return null;
                }
                line(sb, "memo", command.memoString());
                break;
            case REVERSE:
                line(sb, "reversedTxId", command.reversedTxId);
                break;
            case UNFREEZE:
            case FREEZE:
                line(sb, "accountId", command.accountId);
                break;
            case RESUME:
            case HALT:
                line(sb, "asset", assetCode(command, config));
                line(sb, "walletId", command.walletId);
                break;
            case ATTEST:
                line(sb, "walletId", command.walletId);
                line(sb, "asset", assetCode(command, config));
                line(sb, "balance", command.amount);
                break;
            case SWEEP:
            case INFLOW:
                line(sb, "walletId", command.walletId);
                if (type == CommandType.SWEEP)
                {
                    line(sb, "toWalletId", command.toWalletId);
                }
                line(sb, "asset", assetCode(command, config));
                line(sb, "amount", command.amount);
                if (!signable(command.chainRef, command.chainRefLength, Command.CHAIN_REF_LENGTH_MAX))
                {
                    return null;
                }
                line(sb, "chainRef", command.chainRefString());
                break;
            case CONFIGURE:
                if (!settingLines(sb, command))
                {
                    return null;
                }
                break;
            default:
                throw new IllegalStateException("privileged type without a canonical form: " + type);
        }
        line(sb, "expiresAtMs", command.expiresAtMs);
        return sb.toString();
    }

    /**
     * @param type a command type.
     * @return true when commands of the type can carry approvals: the privileged ones, and {@code FREEZE} and
     *     {@code HALT}, which need approvals only where the channel has no other authentication (over HTTP).
     */
    public static boolean signable(final CommandType type)
    {
        return ApprovalClass.of(type) != null || type == CommandType.FREEZE || type == CommandType.HALT;
    }

    private static String assetCode(final Command command, final GuardConfig config)
    {
        if (command.assetId == 0)
        {
            return "";
        }
        final GuardConfig.AssetConfig asset = config.assetById(command.assetId);
        assert asset != null : "unknown asset checked before";
        return asset.code;
    }

    private static boolean signable(final byte[] bytes, final int length, final int lengthMax)
    {
        if (length > lengthMax)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            final int b = bytes[i] & 0xFF;
            if (b < 0x20 || b == 0x7F)
            {
                return false;
            }
        }
        // Strictly UTF-8: lenient decoding would map different bytes to the same replacement character, so that one
        // signature would cover several chain references.
        try
        {
            StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes, 0, length));
            return true;
        }
        catch (final CharacterCodingException ex)
        {
            return false;
        }
    }

    /**
     * One line per setting, in the order of their names, as the command carries them (SPEC §13).
     *
     * @return false when the settings are not {@code name=value} lines of UTF-8 without control characters.
     */
    private static boolean settingLines(final StringBuilder sb, final Command command)
    {
        final int length = command.settingsLength();
        if (length <= 0 || length > Rules.CHANGE_LENGTH_MAX)
        {
            return false;
        }
        final byte[] bytes = command.settingsBuffer();
        int lineStart = 0;
        for (int i = 0; i <= length; i++)
        {
            if (i == length || bytes[i] == '\n')
            {
                if (!signable(Arrays.copyOfRange(bytes, lineStart, i), i - lineStart, Rules.CHANGE_LENGTH_MAX))
                {
                    return false;
                }
                lineStart = i + 1;
            }
        }
        final Map<String, String> settings;
        try
        {
            settings = Rules.parse(bytes, length);
        }
        catch (final ConfigurationException ex)
        {
            return false;
        }
        for (final Map.Entry<String, String> setting : settings.entrySet())
        {
            line(sb, "set." + setting.getKey(), setting.getValue());
        }
        return true;
    }

    private static void line(final StringBuilder sb, final String name, final long value)
    {
        sb.append(name).append('=').append(value).append('\n');
    }

    private static void line(final StringBuilder sb, final String name, final String value)
    {
        sb.append(name).append('=').append(value).append('\n');
    }
}
