package io.ledgerguard.json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;

/**
 * Decodes one line of a command file (SPEC §9, JSON Lines) into a {@link Command}.
 * <p>
 * What is checked here is the shape of the line: a JSON object, a known {@code type}, exactly the fields of that type
 * (an unknown field is an error, never ignored), integers where integers are due. Amounts and ids are JSON integers or
 * decimal-integer strings ({@code "100"}), never fractions or exponents, and must fit in 64 bits. Everything about
 * values is left to the guard, which answers it with a reason: a txId of 0, a negative amount, an asset code the
 * configuration does not know (given {@link Command#ASSET_ID_UNKNOWN}, so the guard rejects it
 * {@code ASSET_NOT_FOUND}), a chain reference or memo too long, a nested batch (filled in as an inner {@code BATCH}
 * so the guard rejects it {@code BATCH_MUST_NOT_BE_NESTED}).
 * <p>
 * A batch with more than {@link Command#BATCH_COMMANDS_MAX} inner commands cannot be held by a {@link Command}; it is
 * a {@link BatchTooLargeException}, which carries the batch's txId. {@code approvals} and {@code expiresAtMs} are
 * taken on top-level privileged commands (SPEC §6) and checked for shape: a key id of 1..32 bytes, a base64 signature
 * of 64 bytes; whether they verify is the approval verifier's business, not the parser's. Not thread-safe: one parser
 * per reading thread.
 */
public final class CommandLineParser
{
    /** Most approvals one privileged command may carry. */
    public static final int APPROVALS_MAX = Command.APPROVALS_MAX;
    /** Deepest nesting of objects and arrays in a line; a batch of commands with approvals needs five. */
    public static final int DEPTH_MAX = 8;

    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final String IN_MINOR_UNITS = "an integer in minor units";
    private static final String AN_INTEGER = "an integer";
    private static final Pattern DECIMAL_INTEGER = Pattern.compile("-?[0-9]+");
    private static final Object NULL = new Object();

    private static final Map<String, CommandType> TYPES = new HashMap<>();
    private static final Map<CommandType, List<String>> FIELDS = new EnumMap<>(CommandType.class);
    /** A batch inside a batch: its id is kept so the guard can name it; what it holds is never looked at. */
    private static final List<String> NESTED_BATCH_FIELDS = List.of("commands?");
    private static final Set<String> APPROVAL_FIELDS = Set.of("keyId", "signature");

    static
    {
        for (final CommandType type : CommandType.values())
        {
            TYPES.put(type.name(), type);
        }
        // The fields of each type beyond type, txId and atMs, as in SPEC §9; '?' marks an optional one.
        FIELDS.put(CommandType.OPEN_ACCOUNT, List.of("accountId", "kind", "creditLimit?"));
        FIELDS.put(CommandType.ATTEST, List.of("walletId", "asset", "balance", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.INFLOW,
            List.of("walletId", "asset", "amount", "chainRef", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.DEPOSIT, List.of("accountId", "asset", "amount", "chainRef"));
        FIELDS.put(CommandType.TRANSFER, List.of("debitAccountId", "creditAccountId", "asset", "amount", "holdId?"));
        FIELDS.put(CommandType.HOLD, List.of("holdId", "accountId", "asset", "amount"));
        FIELDS.put(CommandType.RELEASE, List.of("holdId", "amount"));
        FIELDS.put(CommandType.WITHDRAW, List.of("holdId", "accountId", "walletId", "asset", "amount"));
        FIELDS.put(CommandType.WITHDRAW_SETTLE, List.of("holdId"));
        FIELDS.put(CommandType.WITHDRAW_CANCEL, List.of("holdId"));
        FIELDS.put(CommandType.ADJUST, List.of("accountId", "asset", "amount", "memo?", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.REVERSE, List.of("reversedTxId", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.FREEZE, List.of("accountId", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.UNFREEZE, List.of("accountId", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.HALT, List.of("asset?", "walletId?", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.RESUME, List.of("asset?", "walletId?", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.BATCH, List.of("commands"));
        FIELDS.put(CommandType.SWEEP,
            List.of("walletId", "toWalletId", "asset", "amount", "chainRef", "expiresAtMs?", "approvals?"));
        FIELDS.put(CommandType.CONFIGURE, List.of("settings", "expiresAtMs?", "approvals?"));
        assert FIELDS.size() == CommandType.values().length : "a command type without fields";
    }

    private final JsonFactory factory = JsonFactory.builder().build();
    private final Supplier<GuardConfig> rules;
    /** The asset codes of {@link #rulesSeen}. */
    private final Map<String, Integer> assetIds = new HashMap<>();
    /** Codes a rule change parsed here lists, for the lines after it that the guard has not yet applied it for. */
    private final Map<String, Integer> listedIds = new HashMap<>();
    private GuardConfig rulesSeen;
    private long lastTxId;

    /**
     * @param config the configuration whose asset codes the lines name, for good.
     */
    public CommandLineParser(final GuardConfig config)
    {
        this(() -> config);
    }

    /**
     * @param rules the rules in force (SPEC §13), whose asset codes the lines name: an asset a rule change lists is
     *              known from then on. A code they do not list is taken from a rule change parsed here that lists
     *              it, which the guard may not have applied yet; an unknown code is left for the guard to refuse.
     */
    public CommandLineParser(final Supplier<GuardConfig> rules)
    {
        this.rules = rules;
    }

    /**
     * Decode one line into a command, which is {@link Command#reset()} first. The command's {@link Command#timestampNs}
     * is the line's {@code atMs} in nanoseconds; its {@link Command#seq} is left for sequencing.
     *
     * @param line    one line of a command file, without its line terminator.
     * @param command filled in; undefined when the line is malformed.
     * @throws MalformedCommandException naming the field and the problem.
     */
    public void parse(final String line, final Command command) throws MalformedCommandException
    {
        lastTxId = 0;
        command.reset();
        final Object root = readTree(line);
        if (!(root instanceof JsonObject))
        {
            throw new MalformedCommandException("not a JSON object");
        }
        fill((JsonObject)root, command, "", true);
    }

    /**
     * @return the txId of the last line parsed, when its top-level {@code txId} could be read, malformed line or not;
     * otherwise 0.
     */
    public long lastTxId()
    {
        return lastTxId;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // JSON to a tree that keeps every number as written.
    // ---------------------------------------------------------------------------------------------------------------

    private Object readTree(final String line) throws MalformedCommandException
    {
        try (JsonParser parser = factory.createParser(line))
        {
            if (parser.nextToken() == null)
            {
                throw new MalformedCommandException("not a JSON object");
            }
            final Object root = readValue(parser, 1, true);
            if (parser.nextToken() != null)
            {
                throw new MalformedCommandException("unexpected content after the command object, column " +
                    parser.currentTokenLocation().getColumnNr());
            }
            return root;
        }
        catch (final JsonProcessingException ex)
        {
            throw new MalformedCommandException("invalid JSON" +
                (ex.getLocation() == null ? "" : " at column " + ex.getLocation().getColumnNr()) + ": " +
                summarize(ex.getOriginalMessage()));
        }
        catch (final IOException ex)
        {
            throw new MalformedCommandException("unreadable line: " + ex.getMessage());
        }
    }

    /**
     * Read the value at the parser's current token. Recursive, which STYLE.md avoids on hot paths; here the depth is
     * bounded by {@link #DEPTH_MAX}.
     */
    private Object readValue(final JsonParser parser, final int depth, final boolean root)
        throws IOException, MalformedCommandException
    {
        final JsonToken token = parser.currentToken();
        switch (token)
        {
            case START_OBJECT:
            {
                checkDepth(parser, depth);
                final JsonObject object = new JsonObject();
                while (parser.nextToken() == JsonToken.FIELD_NAME)
                {
                    final String name = parser.currentName();
                    parser.nextToken();
                    final Object value = readValue(parser, depth + 1, false);
                    if (object.fields.putIfAbsent(name, value) != null)
                    {
                        throw new MalformedCommandException("duplicate field '" + name + "'");
                    }
                    if (root && "txId".equals(name))
                    {
                        // Known as early as possible, so that a line broken further on can still be answered by txId.
                        lastTxId = integerOrZero(value);
                    }
                }
                return object;
            }
            case START_ARRAY:
            {
                checkDepth(parser, depth);
                final JsonArray array = new JsonArray();
                while (parser.nextToken() != JsonToken.END_ARRAY)
                {
                    array.items.add(readValue(parser, depth + 1, false));
                }
                return array;
            }
            case VALUE_STRING: return parser.getText();
            case VALUE_NUMBER_INT: return new JsonNumber(parser.getText(), true);
            case VALUE_NUMBER_FLOAT: return new JsonNumber(parser.getText(), false);
            case VALUE_TRUE: return Boolean.TRUE;
            case VALUE_FALSE: return Boolean.FALSE;
            case VALUE_NULL: return NULL;
            default: throw new MalformedCommandException("invalid JSON: unexpected " + token);
        }
    }

    private static void checkDepth(final JsonParser parser, final int depth) throws MalformedCommandException
    {
        if (depth > DEPTH_MAX)
        {
            throw new MalformedCommandException("nested too deeply at column " +
                parser.currentTokenLocation().getColumnNr() + ": depth max=" + DEPTH_MAX);
        }
    }

    /**
     * Jackson's messages may name the source and span lines; keep the first sentence.
     */
    private static String summarize(final String message)
    {
        if (message == null)
        {
            return "unreadable";
        }
        String text = message;
        final int newline = text.indexOf('\n');
        if (newline >= 0)
        {
            text = text.substring(0, newline);
        }
        final int marker = text.indexOf(" (start marker at");
        if (marker >= 0)
        {
            text = text.substring(0, marker);
        }
        return text.trim();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tree to command.
    // ---------------------------------------------------------------------------------------------------------------

    private void fill(final JsonObject object, final Command command, final String prefix, final boolean topLevel)
        throws MalformedCommandException
    {
        final CommandType type = type(object, prefix);
        command.type = type;

        final Object txId = object.fields.get("txId");
        if (txId == null)
        {
            throw new MalformedCommandException("missing field '" + prefix + "txId' for " + type);
        }
        command.txId = integer(txId, prefix + "txId", AN_INTEGER);

        if (topLevel)
        {
            final Object atMs = object.fields.get("atMs");
            if (atMs == null)
            {
                throw new MalformedCommandException("missing field 'atMs' for " + type);
            }
            command.timestampNs = timestampNs(atMs);
        }

        final boolean nestedBatch = !topLevel && type == CommandType.BATCH;
        final List<String> fields = nestedBatch ? NESTED_BATCH_FIELDS : FIELDS.get(type);
        checkFieldNames(object, type, prefix, topLevel, fields);
        if (nestedBatch)
        {
            return;
        }

        for (final String spec : fields)
        {
            final String name = spec.endsWith("?") ? spec.substring(0, spec.length() - 1) : spec;
            final Object value = object.fields.get(name);
            if (value != null)
            {
                decodeField(name, value, prefix + name, command, topLevel);
            }
        }
    }

    private static CommandType type(final JsonObject object, final String prefix) throws MalformedCommandException
    {
        final Object typeValue = object.fields.get("type");
        if (typeValue == null)
        {
            throw new MalformedCommandException("missing field '" + prefix + "type'");
        }
        if (!(typeValue instanceof String))
        {
            throw new MalformedCommandException("field '" + prefix + "type': expected a command type, was " +
                describe(typeValue));
        }
        final CommandType type = TYPES.get(typeValue);
        if (type == null)
        {
            throw new MalformedCommandException("unknown type '" + typeValue + "'" +
                (prefix.isEmpty() ? "" : " in " + prefix.substring(0, prefix.length() - 1)));
        }
        return type;
    }

    /**
     * Every field given must be one the type takes, and every field the type requires must be given.
     */
    private static void checkFieldNames(
        final JsonObject object, final CommandType type, final String prefix, final boolean topLevel,
        final List<String> fields) throws MalformedCommandException
    {
        for (final String name : object.fields.keySet())
        {
            if (name.equals("type") || name.equals("txId") || (topLevel && name.equals("atMs")))
            {
                continue;
            }
            if (!fields.contains(name) && !fields.contains(name + "?"))
            {
                if (!topLevel && (name.equals("approvals") || name.equals("expiresAtMs")))
                {
                    throw new MalformedCommandException("field '" + prefix + name + "' on an inner command: " +
                        "approvals are given on top-level commands only, so a privileged command cannot be linked");
                }
                if (name.equals("atMs"))
                {
                    throw new MalformedCommandException("unknown field '" + prefix + name + "' for " + type +
                        ": an inner command takes its batch's atMs");
                }
                throw new MalformedCommandException("unknown field '" + prefix + name + "' for " + type +
                    "; expected one of " + expected(topLevel, fields));
            }
        }
        for (final String spec : fields)
        {
            if (!spec.endsWith("?") && !object.fields.containsKey(spec))
            {
                throw new MalformedCommandException("missing field '" + prefix + spec + "' for " + type);
            }
        }
    }

    private void decodeField(
        final String name, final Object value, final String field, final Command command, final boolean topLevel)
        throws MalformedCommandException
    {
        switch (name)
        {
            case "accountId": command.accountId = integer(value, field, AN_INTEGER); break;
            case "debitAccountId": command.debitAccountId = integer(value, field, AN_INTEGER); break;
            case "creditAccountId": command.creditAccountId = integer(value, field, AN_INTEGER); break;
            case "walletId": command.walletId = integer(value, field, AN_INTEGER); break;
            case "toWalletId": command.toWalletId = integer(value, field, AN_INTEGER); break;
            case "holdId": command.holdId = integer(value, field, AN_INTEGER); break;
            case "reversedTxId": command.reversedTxId = integer(value, field, AN_INTEGER); break;
            case "amount":
            case "balance": command.amount = integer(value, field, IN_MINOR_UNITS); break;
            case "asset": command.assetId = assetId(value, field); break;
            case "chainRef": command.chainRef(string(value, field)); break;
            case "memo": command.memo(string(value, field)); break;
            case "kind": command.accountKind = accountKind(value, field); break;
            case "creditLimit": creditLimits(value, field, command); break;
            case "approvals":
                requireTopLevel(field, topLevel);
                approvals(value, field, command);
                break;
            case "expiresAtMs":
                requireTopLevel(field, topLevel);
                command.expiresAtMs = integer(value, field, AN_INTEGER);
                if (command.expiresAtMs <= 0)
                {
                    throw new MalformedCommandException("field '" + field + "': must be > 0 (epoch milliseconds), " +
                        "was " + command.expiresAtMs);
                }
                break;
            case "commands": batch(value, field, command); break;
            case "settings":
                requireTopLevel(field, topLevel);
                settings(value, field, command);
                break;
            default: throw new IllegalStateException("field without a decoder: " + name);
        }
    }

    /**
     * A rule change's settings (SPEC §13): an object of setting names to values, strings or integers, kept as the
     * text form of {@link Rules}. Whether they are a valid change is the guard's to decide against the rules in force.
     */
    private void settings(final Object value, final String field, final Command command)
        throws MalformedCommandException
    {
        if (!(value instanceof JsonObject))
        {
            throw new MalformedCommandException("field '" + field + "': expected an object of settings, " +
                "{\"name\": value}, was " + describe(value));
        }
        final SortedMap<String, String> settings = new TreeMap<>();
        for (final Map.Entry<String, Object> setting : ((JsonObject)value).fields.entrySet())
        {
            final String name = setting.getKey();
            final String settingField = field + "." + name;
            final Object settingValue = setting.getValue();
            final String text;
            if (settingValue instanceof String)
            {
                text = (String)settingValue;
            }
            else if (settingValue instanceof JsonNumber && ((JsonNumber)settingValue).integral)
            {
                text = ((JsonNumber)settingValue).text;
            }
            else if (settingValue == Boolean.TRUE)
            {
                text = "true";
            }
            else
            {
                throw new MalformedCommandException("field '" + settingField + "': expected a string or an " +
                    "integer, was " + describe(settingValue));
            }
            if (name.isEmpty() || name.indexOf('=') >= 0 || hasLineBreak(name) || hasLineBreak(text))
            {
                throw new MalformedCommandException("field '" + settingField + "': a setting's name holds no '=' " +
                    "and neither name nor value a line break");
            }
            settings.put(name, text);
            learnListed(name, text);
        }
        if (settings.isEmpty())
        {
            throw new MalformedCommandException("field '" + field + "': at least one setting is required");
        }
        final String text = Rules.text(settings);
        if (text.getBytes(StandardCharsets.UTF_8).length > Rules.CHANGE_LENGTH_MAX)
        {
            throw new MalformedCommandException("field '" + field + "': longer than " + Rules.CHANGE_LENGTH_MAX +
                " bytes as name=value lines: split the change");
        }
        command.settings(text);
    }

    private void learnListed(final String name, final String value)
    {
        if (name.startsWith("assets.") && name.endsWith(".id") && name.length() > "assets..id".length())
        {
            try
            {
                listedIds.put(name.substring("assets.".length(), name.length() - ".id".length()),
                    Integer.parseInt(value));
            }
            catch (final NumberFormatException ex)
            {
                // Not an id: the guard refuses the change, naming the setting.
            }
        }
    }

    private static boolean hasLineBreak(final String text)
    {
        return text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0;
    }

    private static void requireTopLevel(final String field, final boolean topLevel) throws MalformedCommandException
    {
        if (!topLevel)
        {
            throw new MalformedCommandException("field '" + field + "' on an inner command: approvals are given on " +
                "top-level commands only, so a privileged command cannot be linked");
        }
    }

    private void batch(final Object value, final String field, final Command command) throws MalformedCommandException
    {
        if (!(value instanceof JsonArray))
        {
            throw new MalformedCommandException("field '" + field + "': expected an array of commands, was " +
                describe(value));
        }
        final List<Object> items = ((JsonArray)value).items;
        if (items.size() > Command.BATCH_COMMANDS_MAX)
        {
            throw new BatchTooLargeException(command.txId, items.size());
        }
        for (int i = 0; i < items.size(); i++)
        {
            final Object item = items.get(i);
            final String itemField = field + "[" + i + "]";
            if (!(item instanceof JsonObject))
            {
                throw new MalformedCommandException("field '" + itemField + "': expected a command object, was " +
                    describe(item));
            }
            final Command inner = command.addInner();
            assert inner != null : "batch full below BATCH_COMMANDS_MAX";
            fill((JsonObject)item, inner, itemField + ".", false);
        }
    }

    private void creditLimits(final Object value, final String field, final Command command)
        throws MalformedCommandException
    {
        if (!(value instanceof JsonObject))
        {
            throw new MalformedCommandException("field '" + field +
                "': expected an object of asset code to amount, was " + describe(value));
        }
        final Map<String, Object> limits = ((JsonObject)value).fields;
        if (limits.size() > Command.CREDIT_LIMITS_MAX)
        {
            throw new MalformedCommandException("field '" + field + "': too many assets: count=" + limits.size() +
                ", max=" + Command.CREDIT_LIMITS_MAX);
        }
        for (final Map.Entry<String, Object> entry : limits.entrySet())
        {
            final long limit = integer(entry.getValue(), field + "." + entry.getKey(), IN_MINOR_UNITS);
            final int assetId = assetIdOf(entry.getKey());
            final boolean added = command.addCreditLimit(assetId, limit);
            assert added : "credit limits full below CREDIT_LIMITS_MAX";
        }
    }

    private static void approvals(final Object value, final String field, final Command command)
        throws MalformedCommandException
    {
        if (!(value instanceof JsonArray))
        {
            throw new MalformedCommandException("field '" + field + "': expected an array of approvals, was " +
                describe(value));
        }
        final List<Object> items = ((JsonArray)value).items;
        if (items.size() > APPROVALS_MAX)
        {
            throw new MalformedCommandException("field '" + field + "': too many approvals: count=" + items.size() +
                ", max=" + APPROVALS_MAX);
        }
        for (int i = 0; i < items.size(); i++)
        {
            final String itemField = field + "[" + i + "]";
            final Object item = items.get(i);
            if (!(item instanceof JsonObject))
            {
                throw new MalformedCommandException("field '" + itemField +
                    "': expected an approval {keyId, signature}, was " + describe(item));
            }
            final Map<String, Object> approval = ((JsonObject)item).fields;
            for (final String name : approval.keySet())
            {
                if (!APPROVAL_FIELDS.contains(name))
                {
                    throw new MalformedCommandException("unknown field '" + itemField + "." + name +
                        "'; expected one of keyId, signature");
                }
            }
            final Object keyId = approval.get("keyId");
            final Object signature = approval.get("signature");
            if (keyId == null || signature == null)
            {
                throw new MalformedCommandException("missing field '" + itemField + "." +
                    (keyId == null ? "keyId" : "signature") + "'");
            }
            final String keyIdText = string(keyId, itemField + ".keyId");
            final int keyIdBytes = keyIdText.getBytes(StandardCharsets.UTF_8).length;
            if (keyIdBytes == 0 || keyIdBytes > Command.KEY_ID_LENGTH_MAX)
            {
                throw new MalformedCommandException("field '" + itemField + ".keyId': must be 1.." +
                    Command.KEY_ID_LENGTH_MAX + " bytes, was " + keyIdBytes);
            }
            final String encoded = string(signature, itemField + ".signature");
            final byte[] signatureBytes;
            try
            {
                signatureBytes = Base64.getDecoder().decode(encoded);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new MalformedCommandException("field '" + itemField + ".signature': expected base64, was " +
                    describe(encoded));
            }
            if (signatureBytes.length != Command.SIGNATURE_LENGTH)
            {
                throw new MalformedCommandException("field '" + itemField + ".signature': an Ed25519 signature is " +
                    Command.SIGNATURE_LENGTH + " bytes, was " + signatureBytes.length);
            }
            final boolean added = command.addApproval(keyIdText, signatureBytes);
            assert added : "approval " + i + " did not fit";
        }
    }

    private int assetId(final Object value, final String field) throws MalformedCommandException
    {
        if (!(value instanceof String))
        {
            throw new MalformedCommandException("field '" + field + "': expected an asset code, was " +
                describe(value));
        }
        return assetIdOf((String)value);
    }

    private int assetIdOf(final String code)
    {
        final GuardConfig now = rules.get();
        if (now != rulesSeen)
        {
            assetIds.clear();
            for (final GuardConfig.AssetConfig asset : now.assets())
            {
                assetIds.put(asset.code, asset.id);
            }
            rulesSeen = now;
        }
        final Integer id = assetIds.get(code);
        if (id != null)
        {
            return id;
        }
        // A listing not applied yet, or refused: its id is taken only when no asset in force has it, so that a
        // refused listing can never point a code at another asset.
        final Integer listed = listedIds.get(code);
        return listed != null && !assetIds.containsValue(listed) ? listed : Command.ASSET_ID_UNKNOWN;
    }

    private static AccountKind accountKind(final Object value, final String field) throws MalformedCommandException
    {
        if (value instanceof String)
        {
            for (final AccountKind kind : AccountKind.values())
            {
                if (kind.name().equals(value))
                {
                    return kind;
                }
            }
        }
        throw new MalformedCommandException("field '" + field + "': expected one of CUSTOMER, OPERATOR, CREDIT_LINE, " +
            "was " + describe(value));
    }

    private static String string(final Object value, final String field) throws MalformedCommandException
    {
        if (!(value instanceof String))
        {
            throw new MalformedCommandException("field '" + field + "': expected a string, was " + describe(value));
        }
        return (String)value;
    }

    private static long timestampNs(final Object value) throws MalformedCommandException
    {
        final long atMs = integer(value, "atMs", "an integer in epoch milliseconds");
        if (atMs < 0)
        {
            throw new MalformedCommandException("field 'atMs': must be >= 0, was " + atMs);
        }
        if (atMs > Long.MAX_VALUE / NANOS_PER_MILLI)
        {
            throw new MalformedCommandException("field 'atMs': out of range for epoch nanoseconds, was " + atMs);
        }
        return atMs * NANOS_PER_MILLI;
    }

    /**
     * An integer given as a JSON integer or a decimal-integer string, within 64 bits.
     */
    private static long integer(final Object value, final String field, final String what)
        throws MalformedCommandException
    {
        final String text;
        if (value instanceof JsonNumber && ((JsonNumber)value).integral)
        {
            text = ((JsonNumber)value).text;
        }
        else if (value instanceof String && DECIMAL_INTEGER.matcher((String)value).matches())
        {
            text = (String)value;
        }
        else
        {
            throw new MalformedCommandException("field '" + field + "': expected " + what + ", was " +
                describe(value));
        }
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new MalformedCommandException("field '" + field + "': out of range for a 64-bit integer, was " +
                describe(value));
        }
    }

    private static long integerOrZero(final Object value)
    {
        try
        {
            return integer(value, "txId", AN_INTEGER);
        }
        catch (final MalformedCommandException ex)
        {
            return 0;
        }
    }

    private static String expected(final boolean topLevel, final List<String> fields)
    {
        final StringBuilder sb = new StringBuilder(topLevel ? "type, txId, atMs" : "type, txId");
        for (final String spec : fields)
        {
            sb.append(", ").append(spec.endsWith("?") ? spec.substring(0, spec.length() - 1) : spec);
        }
        return sb.toString();
    }

    /**
     * @return a value as an error message shows it after "was": strings quoted, numbers as written.
     */
    private static String describe(final Object value)
    {
        if (value instanceof String)
        {
            final String text = (String)value;
            return '"' + (text.length() > 64 ? text.substring(0, 64) + "..." : text) + '"';
        }
        if (value instanceof JsonNumber)
        {
            final String text = ((JsonNumber)value).text;
            return text.length() > 64 ? text.substring(0, 64) + "..." : text;
        }
        if (value instanceof JsonObject)
        {
            return "an object";
        }
        if (value instanceof JsonArray)
        {
            return "an array";
        }
        if (value == NULL)
        {
            return "null";
        }
        return String.valueOf(value);
    }

    /** A JSON object: fields in line order. */
    private static final class JsonObject
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
    }

    /** A JSON array. */
    private static final class JsonArray
    {
        final List<Object> items = new ArrayList<>();
    }

    /** A JSON number exactly as written, so that {@code 1e3} is reported as such and never rounded. */
    private static final class JsonNumber
    {
        final String text;
        final boolean integral;

        JsonNumber(final String text, final boolean integral)
        {
            this.text = text;
            this.integral = integral;
        }
    }
}
