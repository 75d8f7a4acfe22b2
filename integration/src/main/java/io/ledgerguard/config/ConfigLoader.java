package io.ledgerguard.config;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardConfig.ApprovalRule;
import io.ledgerguard.core.GuardConfig.AssetConfig;
import io.ledgerguard.core.GuardConfig.KeyConfig;
import io.ledgerguard.core.GuardConfig.Limits;
import io.ledgerguard.core.GuardConfig.WalletConfig;
import io.ledgerguard.core.WalletKind;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.JournalDurability;

/**
 * Loads the YAML configuration of SPEC §9 into a concluded {@link GuardConfig}.
 * <p>
 * Strict, because a typo must never pass silently in a money system: an unknown key, a duplicate key, a value of the
 * wrong type (a quoted number, a fraction where an integer is due, an octal-looking {@code 012}) and a value out of
 * range are all errors. Every error is a {@link ConfigurationException} whose key is the path of the offending key
 * ({@code assets[1].scale}) and whose problem ends with {@code (line N)} when the line is known. A file that cannot be
 * read has its path as the key; a document that is not YAML has {@value #DOCUMENT_KEY}.
 * <p>
 * {@code volumeAlert.holdingsMultiple} is the one decimal: it is stored exactly in basis points, so it may have at
 * most four decimal places. {@code limits.inflowsMax} is accepted beyond the keys of SPEC §9.
 */
public final class ConfigLoader
{
    /** Key of an error about the document as a whole. */
    public static final String DOCUMENT_KEY = "(document)";
    /** Largest configuration file read: far beyond {@link GuardConfig#ASSETS_MAX} assets and their wallets. */
    public static final long DOCUMENT_BYTES_MAX = 16L << 20;
    /** Deepest nesting of mappings and lists accepted; the schema needs four. */
    private static final int DEPTH_MAX = 8;

    private static final List<String> TOP_KEYS =
        List.of("assets", "wallets", "limits", "retention", "journal", "keys", "approvals", "admin", "roles",
            "clients");
    private static final List<String> ROLE_KEYS = List.of("name", "commands");
    private static final List<String> CLIENT_KEYS = List.of("id", "publicKey", "role", "connectionsMax", "revoked");
    private static final int ROLES_MAX = GuardConfig.ROLES_MAX;
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1," + Command.CLIENT_ID_LENGTH_MAX + "}");
    private static final List<String> ADMIN_KEYS = List.of("tokens", "alertStreamDeadlineMs");
    private static final List<String> TOKEN_KEYS = List.of("name", "role", "sha256");
    private static final int ADMIN_TOKENS_MAX = 64;
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final List<String> RETENTION_KEYS = List.of("txIdWindowMs", "creditReversalWindowMs");
    private static final List<String> KEY_KEYS = List.of("id", "publicKey");
    private static final List<String> RULE_KEYS = List.of("required", "keys");
    private static final String VALIDITY_KEY = "validityMsMax";
    private static final String DOMAIN_KEY = "domain";
    private static final List<String> JOURNAL_KEYS = List.of(
        "durability", "rollCycle", "snapshotEveryCommands", "snapshotIntervalMs", "snapshotsKept",
        "diskFreeBytesMin");
    private static final List<String> ASSET_KEYS = List.of(
        "code", "id", "scale", "reserveBufferMinorUnits", "breachToleranceMinorUnits", "creditCapMinorUnits",
        "attestationAgeMsMax", "volumeAlert", "outflow", "hotShareBpsMax", "retired");
    private static final List<String> VOLUME_ALERT_KEYS = List.of("windowMs", "holdingsMultiple");
    private static final List<String> OUTFLOW_KEYS =
        List.of("windowMs", "minorUnitsMax", "hotShareBpsMax", "burstRejections");
    private static final List<String> WALLET_KEYS =
        List.of("id", "asset", "kind", "driftToleranceMinorUnits", "retired");
    private static final List<String> LIMIT_KEYS =
        List.of("accountsMax", "positionsMax", "holdsMax", "txIdsMax", "inflowsMax", "creditsMax");

    /** A decimal integer as YAML writes one, digit groups separated by underscores allowed; no base or zero pad. */
    private static final Pattern INTEGER = Pattern.compile("-?(0|[1-9][0-9]*(_[0-9]+)*)");
    private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]*)(\\.[0-9]+)?");
    private static final int BPS_DECIMAL_PLACES = 4;
    private static final long BPS_MAX = 10_000;

    private static final YAMLFactory YAML = YAMLFactory.builder().build();

    /** Path of every node read, to the line it starts on: errors found by {@link GuardConfig#conclude()} need it. */
    private final Map<String, Integer> lines = new HashMap<>();

    private ConfigLoader()
    {
    }

    /**
     * Read, check and conclude a configuration file.
     *
     * @param file the YAML file.
     * @return the concluded configuration.
     * @throws ConfigurationException naming the file when it cannot be read, else the offending key.
     */
    public static GuardConfig load(final Path file)
    {
        return parse(read(file));
    }

    /**
     * Read and check the {@code journal:} section of a configuration file (the rest is checked too).
     *
     * @param file the YAML file.
     * @return the journal settings, defaults where the file is silent.
     * @throws ConfigurationException naming the file when it cannot be read, else the offending key.
     */
    public static JournalSettings loadJournalSettings(final Path file)
    {
        final ConfigLoader loader = new ConfigLoader();
        final ConfigNode root = loader.readTree(read(file));
        loader.toConfig(root);
        final ConfigNode journal = root.entries().get("journal");
        return journal == null ? new JournalSettings() : loader.toJournal(journal, "journal");
    }

    /**
     * Read and check the {@code admin:} section of a configuration file (the rest is checked too).
     *
     * @param file the YAML file.
     * @return the admin settings; without tokens when the file has none.
     * @throws ConfigurationException naming the file when it cannot be read, else the offending key.
     */
    public static AdminSettings loadAdminSettings(final Path file)
    {
        final ConfigLoader loader = new ConfigLoader();
        final ConfigNode root = loader.readTree(read(file));
        loader.toConfig(root);
        final ConfigNode admin = root.entries().get("admin");
        return admin == null ? AdminSettings.none() : loader.toAdmin(admin, "admin");
    }

    /**
     * Read and check the {@code roles:} and {@code clients:} sections of a configuration file (the rest is checked
     * too).
     *
     * @param file the YAML file.
     * @return the clients that may connect to the gateway; none when the file names none.
     * @throws ConfigurationException naming the file when it cannot be read, else the offending key.
     */
    public static ClientSettings loadClientSettings(final Path file)
    {
        return parseClientSettings(read(file));
    }

    /**
     * As {@link #loadClientSettings(Path)}, from the YAML text.
     */
    public static ClientSettings parseClientSettings(final String yaml)
    {
        final ConfigLoader loader = new ConfigLoader();
        return ClientSettings.of(loader.toConfig(loader.readTree(yaml)).conclude());
    }

    private static String read(final Path file)
    {
        final String key = file.toString();
        final String text;
        try
        {
            final long size = Files.size(file);
            if (size > DOCUMENT_BYTES_MAX)
            {
                throw new ConfigurationException(key, "configuration file too large: bytes=" + size + ", max=" +
                    DOCUMENT_BYTES_MAX);
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigurationException(key, "cannot read configuration file: " + describe(ex));
        }
        return text;
    }

    /**
     * Check and conclude a configuration given as YAML text.
     *
     * @param yaml the document.
     * @return the concluded configuration.
     * @throws ConfigurationException naming the offending key.
     */
    public static GuardConfig parse(final String yaml)
    {
        final ConfigLoader loader = new ConfigLoader();
        return loader.toConfig(loader.readTree(yaml));
    }

    /**
     * @param ex an I/O failure.
     * @return a short description of it for an error message.
     */
    static String describe(final IOException ex)
    {
        if (ex instanceof NoSuchFileException)
        {
            return "no such file";
        }
        if (ex instanceof AccessDeniedException)
        {
            return "permission denied";
        }
        if (ex instanceof CharacterCodingException)
        {
            return "not UTF-8 text";
        }
        return ex.getClass().getSimpleName() + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
    }

    // ---------------------------------------------------------------------------------------------------------------
    // YAML to a tree with line numbers.
    // ---------------------------------------------------------------------------------------------------------------

    private ConfigNode readTree(final String yaml)
    {
        try (JsonParser parser = YAML.createParser(yaml))
        {
            if (parser.nextToken() == null)
            {
                throw new ConfigurationException(DOCUMENT_KEY, "empty configuration; expected keys " +
                    String.join(", ", TOP_KEYS));
            }
            final ConfigNode root = readValue(parser, "", 0);
            if (parser.nextToken() != null)
            {
                throw new ConfigurationException(DOCUMENT_KEY, "more than one YAML document (line " +
                    parser.currentTokenLocation().getLineNr() + ")");
            }
            return root;
        }
        catch (final JsonProcessingException ex)
        {
            throw new ConfigurationException(DOCUMENT_KEY, "YAML syntax error: " + summarize(ex.getOriginalMessage()) +
                (ex.getLocation() == null ? "" : " (line " + ex.getLocation().getLineNr() + ")"));
        }
        catch (final IOException ex)
        {
            throw new ConfigurationException(DOCUMENT_KEY, "cannot read configuration: " + describe(ex));
        }
    }

    /**
     * Read the value at the parser's current token. Recursive, which STYLE.md avoids on hot paths; this is start-up
     * code and the depth is bounded by {@link #DEPTH_MAX}.
     */
    private ConfigNode readValue(final JsonParser parser, final String path, final int depth) throws IOException
    {
        final int line = parser.currentTokenLocation().getLineNr();
        lines.put(path, line);
        final JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)
        {
            if (depth == DEPTH_MAX)
            {
                throw fail(path, line, "nested too deeply: depth max=" + DEPTH_MAX);
            }
        }
        if (token == JsonToken.START_OBJECT)
        {
            final ConfigNode mapping = ConfigNode.mapping(line);
            while (parser.nextToken() == JsonToken.FIELD_NAME)
            {
                final String name = parser.currentName();
                final String childPath = path.isEmpty() ? name : path + "." + name;
                final int keyLine = parser.currentTokenLocation().getLineNr();
                parser.nextToken();
                if (!mapping.put(name, readValue(parser, childPath, depth + 1)))
                {
                    throw fail(childPath, keyLine, "duplicate key");
                }
            }
            return mapping;
        }
        if (token == JsonToken.START_ARRAY)
        {
            final ConfigNode list = ConfigNode.list(line);
            int index = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY)
            {
                list.add(readValue(parser, path + "[" + index + "]", depth + 1));
                index++;
            }
            return list;
        }
        return ConfigNode.scalar(line, token, parser.getText());
    }

    /**
     * SnakeYAML's messages span several lines with a caret drawing; keep the sentences only.
     */
    private static String summarize(final String message)
    {
        if (message == null)
        {
            return "unreadable document";
        }
        final StringBuilder sb = new StringBuilder();
        for (final String part : message.split("\n"))
        {
            if (part.isBlank() || part.startsWith(" "))
            {
                continue;
            }
            sb.append(sb.length() == 0 ? "" : "; ").append(part.trim());
        }
        return sb.length() == 0 ? message.trim() : sb.toString();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Tree to configuration.
    // ---------------------------------------------------------------------------------------------------------------

    private GuardConfig toConfig(final ConfigNode root)
    {
        final GuardConfig config = new GuardConfig();
        requireMapping(root, DOCUMENT_KEY);
        checkKeys(root, "", TOP_KEYS);

        final ConfigNode assets = root.entries().get("assets");
        if (assets == null)
        {
            throw fail(DOCUMENT_KEY, root.line, "missing required key 'assets'");
        }
        requireList(assets, "assets");
        final List<ConfigNode> assetItems = assets.items();
        if (assetItems.size() > GuardConfig.ASSETS_MAX)
        {
            throw fail("assets", assets.line, "too many assets: count=" + assetItems.size() + ", max=" +
                GuardConfig.ASSETS_MAX);
        }
        for (int i = 0; i < assetItems.size(); i++)
        {
            config.asset(toAsset(assetItems.get(i), "assets[" + i + "]"));
        }

        final ConfigNode wallets = root.entries().get("wallets");
        if (wallets != null)
        {
            requireList(wallets, "wallets");
            final List<ConfigNode> walletItems = wallets.items();
            if (walletItems.size() > GuardConfig.WALLETS_MAX)
            {
                throw fail("wallets", wallets.line, "too many wallets: count=" + walletItems.size() + ", max=" +
                    GuardConfig.WALLETS_MAX);
            }
            for (int i = 0; i < walletItems.size(); i++)
            {
                config.wallet(toWallet(walletItems.get(i), "wallets[" + i + "]"));
            }
        }

        final ConfigNode limits = root.entries().get("limits");
        if (limits != null)
        {
            toLimits(limits, "limits", config.limits());
        }
        final ConfigNode retention = root.entries().get("retention");
        if (retention != null)
        {
            toRetention(retention, "retention", config.retention());
        }
        final ConfigNode journal = root.entries().get("journal");
        if (journal != null)
        {
            toJournal(journal, "journal");
        }
        final ConfigNode admin = root.entries().get("admin");
        if (admin != null)
        {
            toAdmin(admin, "admin");
        }
        toClients(root, config);
        final ConfigNode keys = root.entries().get("keys");
        if (keys != null)
        {
            requireList(keys, "keys");
            final List<ConfigNode> keyItems = keys.items();
            if (keyItems.size() > GuardConfig.KEYS_MAX)
            {
                throw fail("keys", keys.line, "too many keys: count=" + keyItems.size() + ", max=" +
                    GuardConfig.KEYS_MAX);
            }
            for (int i = 0; i < keyItems.size(); i++)
            {
                config.key(toKey(keyItems.get(i), "keys[" + i + "]"));
            }
        }
        final ConfigNode approvals = root.entries().get("approvals");
        if (approvals != null)
        {
            toApprovals(approvals, "approvals", config);
        }

        try
        {
            return config.conclude();
        }
        catch (final ConfigurationException ex)
        {
            // The core names the key; add the line the loader saw it on.
            final Integer line = lines.get(ex.key());
            if (line == null)
            {
                throw ex;
            }
            final String problem = ex.getMessage().substring(ex.key().length() + 2);
            throw new ConfigurationException(ex.key(), problem + " (line " + line + ")");
        }
    }

    private AssetConfig toAsset(final ConfigNode node, final String key)
    {
        requireMapping(node, key);
        checkKeys(node, key, ASSET_KEYS);
        final AssetConfig asset = new AssetConfig();
        asset.code = string(required(node, key, "code"), key + ".code");
        asset.id = (int)integer(required(node, key, "id"), key + ".id", 1, Integer.MAX_VALUE);
        asset.scale = (int)integer(required(node, key, "scale"), key + ".scale", 0, 18);
        final Map<String, ConfigNode> entries = node.entries();
        asset.reserveBufferMinorUnits =
            integer(entries, key, "reserveBufferMinorUnits", 0, Long.MAX_VALUE, asset.reserveBufferMinorUnits);
        asset.breachToleranceMinorUnits =
            integer(entries, key, "breachToleranceMinorUnits", 0, Long.MAX_VALUE, asset.breachToleranceMinorUnits);
        asset.creditCapMinorUnits =
            integer(entries, key, "creditCapMinorUnits", 1, Long.MAX_VALUE, asset.creditCapMinorUnits);
        asset.attestationAgeMsMax =
            integer(entries, key, "attestationAgeMsMax", 1, Long.MAX_VALUE, asset.attestationAgeMsMax);
        asset.hotShareBpsMax = integer(entries, key, "hotShareBpsMax", 0, BPS_MAX, asset.hotShareBpsMax);

        final ConfigNode volumeAlert = entries.get("volumeAlert");
        if (volumeAlert != null)
        {
            final String volumeKey = key + ".volumeAlert";
            requireMapping(volumeAlert, volumeKey);
            checkKeys(volumeAlert, volumeKey, VOLUME_ALERT_KEYS);
            asset.volumeAlertWindowMs =
                integer(volumeAlert.entries(), volumeKey, "windowMs", 1, Long.MAX_VALUE, asset.volumeAlertWindowMs);
            final ConfigNode multiple = volumeAlert.entries().get("holdingsMultiple");
            if (multiple != null)
            {
                asset.volumeAlertHoldingsMultipleBps = basisPoints(multiple, volumeKey + ".holdingsMultiple");
            }
        }

        final ConfigNode outflow = entries.get("outflow");
        if (outflow != null)
        {
            final String outflowKey = key + ".outflow";
            requireMapping(outflow, outflowKey);
            checkKeys(outflow, outflowKey, OUTFLOW_KEYS);
            final Map<String, ConfigNode> outflowEntries = outflow.entries();
            asset.outflowWindowMs =
                integer(outflowEntries, outflowKey, "windowMs", 1, Long.MAX_VALUE, asset.outflowWindowMs);
            asset.outflowMinorUnitsMax =
                integer(outflowEntries, outflowKey, "minorUnitsMax", 1, Long.MAX_VALUE, asset.outflowMinorUnitsMax);
            asset.outflowHotShareBpsMax =
                integer(outflowEntries, outflowKey, "hotShareBpsMax", 0, BPS_MAX, asset.outflowHotShareBpsMax);
            asset.outflowBurstRejectionsMax = integer(outflowEntries, outflowKey, "burstRejections", 1, 1_000_000,
                asset.outflowBurstRejectionsMax);
        }
        // SPEC §13: an asset a CONFIGURE retired; the file says so to agree with the journal (config diff, propose).
        asset.retired = flag(entries.get("retired"), key + ".retired");
        return asset;
    }

    private WalletConfig toWallet(final ConfigNode node, final String key)
    {
        requireMapping(node, key);
        checkKeys(node, key, WALLET_KEYS);
        final WalletConfig wallet = new WalletConfig();
        wallet.id = integer(required(node, key, "id"), key + ".id", 1, Long.MAX_VALUE);
        wallet.asset = string(required(node, key, "asset"), key + ".asset");
        final ConfigNode kind = required(node, key, "kind");
        final String kindName = string(kind, key + ".kind");
        for (final WalletKind candidate : WalletKind.values())
        {
            if (candidate.name().equals(kindName))
            {
                wallet.kind = candidate;
            }
        }
        if (wallet.kind == null)
        {
            throw fail(key + ".kind", kind.line, "must be one of " + names(WalletKind.values()) + ", was " +
                kind.describe());
        }
        wallet.driftToleranceMinorUnits = integer(
            node.entries(), key, "driftToleranceMinorUnits", 0, Long.MAX_VALUE, wallet.driftToleranceMinorUnits);
        // SPEC §13: a wallet a CONFIGURE retired; the file says so to agree with the journal (config diff, propose).
        wallet.retired = flag(node.entries().get("retired"), key + ".retired");
        return wallet;
    }

    private static boolean flag(final ConfigNode node, final String key)
    {
        if (node == null)
        {
            return false;
        }
        if (node.kind != ConfigNode.Kind.SCALAR ||
            (node.token != JsonToken.VALUE_TRUE && node.token != JsonToken.VALUE_FALSE))
        {
            throw fail(key, node.line, "must be true or false, was " + node.describe());
        }
        return node.token == JsonToken.VALUE_TRUE;
    }

    private KeyConfig toKey(final ConfigNode node, final String key)
    {
        requireMapping(node, key);
        checkKeys(node, key, KEY_KEYS);
        final String id = string(required(node, key, "id"), key + ".id");
        return new KeyConfig(id, publicKey(node, key));
    }

    /**
     * @return the Ed25519 public key of an entry's {@code publicKey} (X.509, base64).
     */
    private static java.security.PublicKey publicKey(final ConfigNode node, final String key)
    {
        final ConfigNode publicKey = required(node, key, "publicKey");
        final String text = string(publicKey, key + ".publicKey");
        final byte[] encoded;
        try
        {
            encoded = Base64.getDecoder().decode(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw fail(key + ".publicKey", publicKey.line, "not base64: " + ex.getMessage());
        }
        try
        {
            return KeyConfig.decodePublicKey(key + ".publicKey", encoded);
        }
        catch (final ConfigurationException ex)
        {
            throw fail(ex.key(), publicKey.line, ex.getMessage().substring(ex.key().length() + 2));
        }
    }

    private void toApprovals(final ConfigNode node, final String key, final GuardConfig config)
    {
        requireMapping(node, key);
        final List<String> expected = new ArrayList<>();
        expected.add(VALIDITY_KEY);
        expected.add(DOMAIN_KEY);
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            expected.add(approvalClass.name());
        }
        checkKeys(node, key, expected);
        config.approvalValidityMsMax(integer(node.entries(), key, VALIDITY_KEY, 1, Long.MAX_VALUE,
            GuardConfig.APPROVAL_VALIDITY_MS_DEFAULT));
        final ConfigNode domain = node.entries().get(DOMAIN_KEY);
        if (domain != null)
        {
            config.approvalDomain(string(domain, key + "." + DOMAIN_KEY));
        }
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            final ConfigNode rule = node.entries().get(approvalClass.name());
            if (rule == null)
            {
                continue;
            }
            final String ruleKey = key + "." + approvalClass.name();
            requireMapping(rule, ruleKey);
            checkKeys(rule, ruleKey, RULE_KEYS);
            final int required = (int)integer(required(rule, ruleKey, "required"), ruleKey + ".required", 1,
                Integer.MAX_VALUE);
            final ConfigNode keyList = required(rule, ruleKey, "keys");
            requireList(keyList, ruleKey + ".keys");
            final List<String> keyIds = new ArrayList<>();
            for (int i = 0; i < keyList.items().size(); i++)
            {
                keyIds.add(string(keyList.items().get(i), ruleKey + ".keys[" + i + "]"));
            }
            config.approvals(approvalClass, new ApprovalRule(required, keyIds));
        }
    }

    private void toLimits(final ConfigNode node, final String key, final Limits limits)
    {
        requireMapping(node, key);
        checkKeys(node, key, LIMIT_KEYS);
        final Map<String, ConfigNode> entries = node.entries();
        limits.accountsMax = integer(entries, key, "accountsMax", 1, Long.MAX_VALUE, limits.accountsMax);
        limits.positionsMax = integer(entries, key, "positionsMax", 1, Long.MAX_VALUE, limits.positionsMax);
        limits.holdsMax = integer(entries, key, "holdsMax", 1, Long.MAX_VALUE, limits.holdsMax);
        limits.txIdsMax = integer(entries, key, "txIdsMax", 1, Long.MAX_VALUE, limits.txIdsMax);
        limits.inflowsMax = integer(entries, key, "inflowsMax", 1, Long.MAX_VALUE, limits.inflowsMax);
        limits.creditsMax = integer(entries, key, "creditsMax", 1, Long.MAX_VALUE, limits.creditsMax);
    }

    private void toRetention(final ConfigNode node, final String key, final GuardConfig.Retention retention)
    {
        requireMapping(node, key);
        checkKeys(node, key, RETENTION_KEYS);
        final Map<String, ConfigNode> entries = node.entries();
        retention.txIdWindowMs = integer(entries, key, "txIdWindowMs", 1, Long.MAX_VALUE, retention.txIdWindowMs);
        retention.creditReversalWindowMs =
            integer(entries, key, "creditReversalWindowMs", 1, Long.MAX_VALUE, retention.creditReversalWindowMs);
    }

    private AdminSettings toAdmin(final ConfigNode node, final String key)
    {
        requireMapping(node, key);
        checkKeys(node, key, ADMIN_KEYS);
        final ConfigNode deadline = node.entries().get("alertStreamDeadlineMs");
        final long deadlineMs = deadline == null ? AdminSettings.none().alertStreamDeadlineMs() :
            integer(deadline, key + ".alertStreamDeadlineMs", 1, 600_000);
        final ConfigNode tokens = node.entries().get("tokens");
        if (tokens == null)
        {
            return new AdminSettings(List.of(), deadlineMs);
        }
        requireList(tokens, key + ".tokens");
        final List<ConfigNode> items = tokens.items();
        if (items.size() > ADMIN_TOKENS_MAX)
        {
            throw fail(key + ".tokens", tokens.line, "too many tokens: count=" + items.size() + ", max=" +
                ADMIN_TOKENS_MAX);
        }
        final List<AdminSettings.Token> result = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        final Set<String> digests = new HashSet<>();
        for (int i = 0; i < items.size(); i++)
        {
            final String itemKey = key + ".tokens[" + i + "]";
            final ConfigNode item = items.get(i);
            requireMapping(item, itemKey);
            checkKeys(item, itemKey, TOKEN_KEYS);
            final Map<String, ConfigNode> entries = item.entries();
            final String name = required(entries, item, itemKey, "name");
            final String role = required(entries, item, itemKey, "role");
            final String sha256 = required(entries, item, itemKey, "sha256");
            if (name.isEmpty() || !names.add(name))
            {
                throw fail(itemKey + ".name", entries.get("name").line, "must be a name no other token has, was '" +
                    name + "'");
            }
            if (!"viewer".equals(role) && !"auditor".equals(role))
            {
                throw fail(itemKey + ".role", entries.get("role").line,
                    "must be viewer or auditor, was '" + role + "'");
            }
            if (!SHA256_HEX.matcher(sha256).matches() || !digests.add(sha256))
            {
                throw fail(itemKey + ".sha256", entries.get("sha256").line, "must be the SHA-256 of the token as 64 " +
                    "lowercase hex digits, not another token's (printf %s \"$TOKEN\" | sha256sum)");
            }
            result.add(new AdminSettings.Token(name, AdminSettings.Role.valueOf(role.toUpperCase(Locale.ROOT)),
                HexFormat.of().parseHex(sha256)));
        }
        return new AdminSettings(result, deadlineMs);
    }

    /**
     * {@code roles:} (each a name and the command types it allows) and {@code clients:} (each an id, an Ed25519
     * public key as {@code keys:} takes it, a role, and optionally how many connections it may hold).
     */
    private void toClients(final ConfigNode root, final GuardConfig config)
    {
        final Map<String, Long> roles = new java.util.LinkedHashMap<>();
        final ConfigNode roleList = root.entries().get("roles");
        if (roleList != null)
        {
            requireList(roleList, "roles");
            if (roleList.items().size() > ROLES_MAX)
            {
                throw fail("roles", roleList.line, "too many roles: count=" + roleList.items().size() + ", max=" +
                    ROLES_MAX);
            }
            for (int i = 0; i < roleList.items().size(); i++)
            {
                final String itemKey = "roles[" + i + "]";
                final ConfigNode item = roleList.items().get(i);
                requireMapping(item, itemKey);
                checkKeys(item, itemKey, ROLE_KEYS);
                final String name = required(item.entries(), item, itemKey, "name");
                if (name.isEmpty() || roles.containsKey(name))
                {
                    throw fail(itemKey + ".name", item.entries().get("name").line, "must be a name no other role " +
                        "has, was '" + name + "'");
                }
                final ConfigNode commands = required(item, itemKey, "commands");
                requireList(commands, itemKey + ".commands");
                long kinds = 0;
                for (int j = 0; j < commands.items().size(); j++)
                {
                    final String commandKey = itemKey + ".commands[" + j + "]";
                    final String typeName = string(commands.items().get(j), commandKey);
                    final CommandType type;
                    try
                    {
                        type = CommandType.valueOf(typeName);
                    }
                    catch (final IllegalArgumentException ex)
                    {
                        throw fail(commandKey, commands.items().get(j).line, "must be a command type (" +
                            names(CommandType.values()) + "), was '" + typeName + "'");
                    }
                    kinds |= 1L << type.code();
                }
                if (kinds == 0)
                {
                    throw fail(itemKey + ".commands", commands.line, "must name at least one command type");
                }
                roles.put(name, kinds);
                config.role(name, kinds);
            }
        }
        final ConfigNode clientList = root.entries().get("clients");
        if (clientList == null)
        {
            return;
        }
        requireList(clientList, "clients");
        if (clientList.items().isEmpty())
        {
            // An empty list would leave the gateway open as if the section were absent: say so instead.
            throw fail("clients", clientList.line, "names no client; leave clients: out for a gateway open to local " +
                "processes, or name each client with its key and role");
        }
        if (clientList.items().size() > GuardConfig.CLIENTS_MAX)
        {
            throw fail("clients", clientList.line, "too many clients: count=" + clientList.items().size() +
                ", max=" + GuardConfig.CLIENTS_MAX);
        }
        final Set<String> ids = new HashSet<>();
        for (int i = 0; i < clientList.items().size(); i++)
        {
            final String itemKey = "clients[" + i + "]";
            final ConfigNode item = clientList.items().get(i);
            requireMapping(item, itemKey);
            checkKeys(item, itemKey, CLIENT_KEYS);
            final Map<String, ConfigNode> entries = item.entries();
            final String id = required(entries, item, itemKey, "id");
            if (!CLIENT_ID.matcher(id).matches() || !ids.add(id))
            {
                throw fail(itemKey + ".id", entries.get("id").line, "must match [A-Za-z0-9._-]{1," +
                    Command.CLIENT_ID_LENGTH_MAX + "} and be no other client's, was '" + id + "'");
            }
            final String role = required(entries, item, itemKey, "role");
            if (!roles.containsKey(role))
            {
                throw fail(itemKey + ".role", entries.get("role").line, "names no role under roles: (" +
                    String.join(", ", roles.keySet()) + "), was '" + role + "'");
            }
            final GuardConfig.ClientConfig client = new GuardConfig.ClientConfig(id, publicKey(item, itemKey), role);
            client.connectionsMax = entries.containsKey("connectionsMax") ?
                (int)integer(entries.get("connectionsMax"), itemKey + ".connectionsMax", 1,
                    GuardConfig.CLIENT_CONNECTIONS_MAX) : GuardConfig.CONNECTIONS_MAX_DEFAULT;
            // SPEC §13: a client a CONFIGURE revoked; the file says so to agree with the journal.
            client.revoked = flag(entries.get("revoked"), itemKey + ".revoked");
            config.client(client);
        }
    }

    private static String required(
        final Map<String, ConfigNode> entries, final ConfigNode item, final String key, final String name)
    {
        final ConfigNode node = entries.get(name);
        if (node == null)
        {
            throw fail(key + "." + name, item.line, "is required");
        }
        return string(node, key + "." + name);
    }

    private JournalSettings toJournal(final ConfigNode node, final String key)
    {
        requireMapping(node, key);
        checkKeys(node, key, JOURNAL_KEYS);
        final Map<String, ConfigNode> entries = node.entries();
        final JournalSettings settings = new JournalSettings();
        final ConfigNode durability = entries.get("durability");
        if (durability != null)
        {
            try
            {
                settings.durability(JournalDurability.fromName(string(durability, key + ".durability")));
            }
            catch (final ConfigurationException ex)
            {
                throw fail(key + ".durability", durability.line, "must be process or os, was " + durability.describe());
            }
        }
        final ConfigNode rollCycle = entries.get("rollCycle");
        if (rollCycle != null)
        {
            final String name = string(rollCycle, key + ".rollCycle");
            try
            {
                ChronicleJournalContext.rollCycleByName(name);
            }
            catch (final ConfigurationException ex)
            {
                throw fail(key + ".rollCycle", rollCycle.line, ex.getMessage().substring(ex.key().length() + 2));
            }
            settings.rollCycle(name);
        }
        settings.snapshotEveryCommands(integer(entries, key, "snapshotEveryCommands", 0, Long.MAX_VALUE,
            settings.snapshotEveryCommands()));
        settings.snapshotIntervalMs(integer(entries, key, "snapshotIntervalMs", 0, Long.MAX_VALUE,
            settings.snapshotIntervalMs()));
        settings.snapshotsKept((int)integer(entries, key, "snapshotsKept", 1, 1_000, settings.snapshotsKept()));
        settings.diskFreeBytesMin(integer(entries, key, "diskFreeBytesMin", 0, Long.MAX_VALUE,
            settings.diskFreeBytesMin()));
        return settings;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Values.
    // ---------------------------------------------------------------------------------------------------------------

    private static void requireMapping(final ConfigNode node, final String key)
    {
        if (node.kind != ConfigNode.Kind.MAPPING)
        {
            throw fail(key, node.line, "must be a mapping, was " + node.describe());
        }
    }

    private static void requireList(final ConfigNode node, final String key)
    {
        if (node.kind != ConfigNode.Kind.LIST)
        {
            throw fail(key, node.line, "must be a list, was " + node.describe());
        }
    }

    private void checkKeys(final ConfigNode node, final String key, final List<String> expected)
    {
        for (final String name : node.entries().keySet())
        {
            if (!expected.contains(name))
            {
                final String path = key.isEmpty() ? name : key + "." + name;
                throw fail(path, lines.getOrDefault(path, node.line), "unknown key; expected one of " +
                    String.join(", ", expected));
            }
        }
    }

    private static ConfigNode required(final ConfigNode node, final String key, final String name)
    {
        final ConfigNode value = node.entries().get(name);
        if (value == null)
        {
            throw fail(key + "." + name, node.line, "missing required key");
        }
        return value;
    }

    /**
     * A string-valued key takes any scalar's text: YAML 1.1 would read an asset code like {@code NO} as a boolean.
     */
    private static String string(final ConfigNode node, final String key)
    {
        if (node.kind != ConfigNode.Kind.SCALAR || node.token == JsonToken.VALUE_NULL)
        {
            throw fail(key, node.line, "must be a string, was " + node.describe());
        }
        return node.text;
    }

    private static long integer(
        final Map<String, ConfigNode> entries,
        final String key,
        final String name,
        final long min,
        final long max,
        final long defaultValue)
    {
        final ConfigNode node = entries.get(name);
        return node == null ? defaultValue : integer(node, key + "." + name, min, max);
    }

    private static long integer(final ConfigNode node, final String key, final long min, final long max)
    {
        final String range = range(min, max);
        if (node.kind != ConfigNode.Kind.SCALAR || node.token != JsonToken.VALUE_NUMBER_INT ||
            !INTEGER.matcher(node.text).matches())
        {
            throw fail(key, node.line, "must be an integer " + range + ", was " + node.describe());
        }
        final long value;
        try
        {
            value = Long.parseLong(node.text.replace("_", ""));
        }
        catch (final NumberFormatException ex)
        {
            throw fail(key, node.line, "must be an integer " + range + " that fits in 64 bits, was " + node.describe());
        }
        if (value < min || value > max)
        {
            throw fail(key, node.line, "must be " + range + ", was " + node.describe());
        }
        return value;
    }

    private static String range(final long min, final long max)
    {
        if (max == Long.MAX_VALUE)
        {
            return min == 1 ? "> 0" : ">= " + min;
        }
        if (max == BPS_MAX && min == 0)
        {
            return "0..10000 basis points";
        }
        return min + ".." + max;
    }

    private static long basisPoints(final ConfigNode node, final String key)
    {
        final boolean number = node.token == JsonToken.VALUE_NUMBER_INT || node.token == JsonToken.VALUE_NUMBER_FLOAT;
        if (node.kind != ConfigNode.Kind.SCALAR || !number || !DECIMAL.matcher(node.text).matches())
        {
            throw fail(key, node.line, "must be a decimal number > 0 such as 1.0, was " + node.describe());
        }
        final BigDecimal value = new BigDecimal(node.text);
        if (value.scale() > BPS_DECIMAL_PLACES)
        {
            throw fail(key, node.line, "must have at most " + BPS_DECIMAL_PLACES +
                " decimal places (it is kept in basis points), was " + node.describe());
        }
        if (value.signum() <= 0)
        {
            throw fail(key, node.line, "must be > 0, was " + node.describe());
        }
        try
        {
            return value.movePointRight(BPS_DECIMAL_PLACES).longValueExact();
        }
        catch (final ArithmeticException ex)
        {
            throw fail(key, node.line, "too large, was " + node.describe());
        }
    }

    private static String names(final Enum<?>[] values)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Enum<?> value : values)
        {
            sb.append(sb.length() == 0 ? "" : ", ").append(value.name());
        }
        return sb.toString();
    }

    private static ConfigurationException fail(final String key, final int line, final String problem)
    {
        return new ConfigurationException(key.isEmpty() ? DOCUMENT_KEY : key, problem + " (line " + line + ")");
    }
}
