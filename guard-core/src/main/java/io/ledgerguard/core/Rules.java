package io.ledgerguard.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import io.ledgerguard.core.GuardConfig.ApprovalRule;
import io.ledgerguard.core.GuardConfig.AssetConfig;
import io.ledgerguard.core.GuardConfig.KeyConfig;
import io.ledgerguard.core.GuardConfig.WalletConfig;

/**
 * The rules of a configuration as the journal keeps them (SPEC §13): every setting that decides commands, flattened
 * to {@code name=value} pairs, one per line in the order of their names. The same form is the genesis a new journal
 * records, the body of a {@link CommandType#CONFIGURE} command (the settings it changes), what a snapshot carries and
 * what {@code config diff} compares, so that a difference is always named by the setting.
 * <pre>
 * approvals.ADJUST.keys=ops-1,ops-2      approvals.ADJUST.required=2
 * approvals.domain=prod-kr-1             approvals.validityMsMax=3600000
 * assets=BTC,ETH                         assets.BTC.id=1   assets.BTC.scale=8   assets.BTC.outflow.minorUnitsMax=...
 * keys=ops-1,ops-2                       keys.ops-1.publicKey=(base64 of the X.509 form)
 * retention.txIdWindowMs=3600000         retention.creditReversalWindowMs=604800000
 * wallets=101,102                        wallets.101.asset=BTC   wallets.101.kind=HOT   wallets.101.retired=true
 * roles=order-gateway                    roles.order-gateway.commands=HOLD,RELEASE,TRANSFER,BATCH
 * clients=orders-1                       clients.orders-1.publicKey=...   clients.orders-1.role=order-gateway
 * </pre>
 * The lists {@code assets}, {@code wallets}, {@code roles}, {@code clients} and {@code keys} keep the configuration's
 * order; the state's layout follows the first two, which a change only appends to ({@link #APPENDED}). Table sizes
 * ({@code limits}) are not rules: they size memory and stay start-up settings.
 * <p>
 * Not for the apply path: everything here allocates. A rule change is rare, privileged and approved.
 */
public final class Rules
{
    /** Longest body of a {@link CommandType#CONFIGURE} command, in bytes of UTF-8. */
    public static final int CHANGE_LENGTH_MAX = 4096;

    /** Settings of an asset that a change may set; the others (id, scale, window lengths) are fixed at listing. */
    public static final List<String> ASSET_CHANGEABLE = List.of("reserveBufferMinorUnits",
        "breachToleranceMinorUnits", "creditCapMinorUnits", "attestationAgeMsMax", "hotShareBpsMax",
        "volumeAlert.holdingsMultipleBps", "outflow.minorUnitsMax", "outflow.hotShareBpsMax",
        "outflow.burstRejections");
    /** The settings of a gateway client (SPEC §12). */
    public static final List<String> CLIENT_SETTINGS = List.of("publicKey", "role", "connectionsMax", "revoked");
    /** The lists a change may only append to, given whole or as {@code +ITEM,...}: each item keeps its place. */
    public static final List<String> APPENDED = List.of("assets", "wallets", "roles", "clients");
    /** Settings of an asset fixed when it is listed: its identity and the lengths of its windows' buckets. */
    public static final List<String> ASSET_FIXED = List.of("id", "scale", "volumeAlert.windowMs", "outflow.windowMs");

    private Rules()
    {
    }

    /**
     * @param config a configuration.
     * @return its rules as settings, by name.
     */
    public static SortedMap<String, String> settings(final GuardConfig config)
    {
        final SortedMap<String, String> settings = new TreeMap<>();
        settings.put("approvals.domain", config.approvalDomain());
        settings.put("approvals.validityMsMax", Long.toString(config.approvalValidityMsMax()));
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            final ApprovalRule rule = config.approvalRule(approvalClass);
            if (rule != null)
            {
                settings.put("approvals." + approvalClass.name() + ".required", Integer.toString(rule.required));
                settings.put("approvals." + approvalClass.name() + ".keys", String.join(",", rule.keys));
            }
        }
        final List<String> codes = new ArrayList<>();
        for (final AssetConfig asset : config.assets())
        {
            codes.add(asset.code);
            final String p = "assets." + asset.code + ".";
            settings.put(p + "id", Integer.toString(asset.id));
            settings.put(p + "scale", Integer.toString(asset.scale));
            settings.put(p + "reserveBufferMinorUnits", Long.toString(asset.reserveBufferMinorUnits));
            settings.put(p + "breachToleranceMinorUnits", Long.toString(asset.breachToleranceMinorUnits));
            settings.put(p + "creditCapMinorUnits", Long.toString(asset.creditCapMinorUnits));
            settings.put(p + "attestationAgeMsMax", Long.toString(asset.attestationAgeMsMax));
            settings.put(p + "hotShareBpsMax", Long.toString(asset.hotShareBpsMax));
            settings.put(p + "volumeAlert.windowMs", Long.toString(asset.volumeAlertWindowMs));
            settings.put(p + "volumeAlert.holdingsMultipleBps", Long.toString(asset.volumeAlertHoldingsMultipleBps));
            settings.put(p + "outflow.windowMs", Long.toString(asset.outflowWindowMs));
            settings.put(p + "outflow.minorUnitsMax", Long.toString(asset.outflowMinorUnitsMax));
            settings.put(p + "outflow.hotShareBpsMax", Long.toString(asset.outflowHotShareBpsMax));
            settings.put(p + "outflow.burstRejections", Long.toString(asset.outflowBurstRejectionsMax));
            if (asset.retired)
            {
                settings.put(p + "retired", "true");
            }
        }
        settings.put("assets", String.join(",", codes));
        final List<String> walletIds = new ArrayList<>();
        for (final WalletConfig wallet : config.wallets())
        {
            walletIds.add(Long.toString(wallet.id));
            final String p = "wallets." + wallet.id + ".";
            settings.put(p + "asset", wallet.asset);
            settings.put(p + "kind", wallet.kind.name());
            settings.put(p + "driftToleranceMinorUnits", Long.toString(wallet.driftToleranceMinorUnits));
            if (wallet.retired)
            {
                settings.put(p + "retired", "true");
            }
        }
        settings.put("wallets", String.join(",", walletIds));
        final List<String> keyIds = new ArrayList<>();
        for (final KeyConfig key : config.keys())
        {
            keyIds.add(key.id);
            settings.put("keys." + key.id + ".publicKey",
                Base64.getEncoder().encodeToString(key.publicKey.getEncoded()));
        }
        settings.put("keys", String.join(",", keyIds));
        clientSettings(config, settings);
        settings.put("retention.txIdWindowMs", Long.toString(config.retention().txIdWindowMs));
        settings.put("retention.creditReversalWindowMs", Long.toString(config.retention().creditReversalWindowMs));
        return settings;
    }

    /**
     * SPEC §12: the roles, each with the command types it allows, and the clients, each with its key, role and
     * connection limit; both lists always named (empty when there are none), but in the rules of a journal begun
     * before clients were rules, which name neither.
     */
    private static void clientSettings(final GuardConfig config, final SortedMap<String, String> settings)
    {
        if (!config.clientsInRules())
        {
            return;
        }
        settings.put("roles", String.join(",", config.roles().keySet()));
        for (final Map.Entry<String, Long> role : config.roles().entrySet())
        {
            final List<String> types = new ArrayList<>();
            for (final CommandType type : CommandType.values())
            {
                if ((role.getValue() & (1L << type.code())) != 0)
                {
                    types.add(type.name());
                }
            }
            settings.put("roles." + role.getKey() + ".commands", String.join(",", types));
        }
        final List<String> ids = new ArrayList<>();
        for (final GuardConfig.ClientConfig client : config.clients())
        {
            ids.add(client.id);
            final String p = "clients." + client.id + ".";
            settings.put(p + "publicKey", Base64.getEncoder().encodeToString(client.publicKey.getEncoded()));
            settings.put(p + "role", client.role);
            settings.put(p + "connectionsMax", Integer.toString(client.connectionsMax));
            if (client.revoked)
            {
                settings.put(p + "revoked", "true");
            }
        }
        settings.put("clients", String.join(",", ids));
    }

    /**
     * @param config a configuration.
     * @return its rules as text: {@code name=value} lines in the order of their names.
     */
    public static String text(final GuardConfig config)
    {
        return text(settings(config));
    }

    /**
     * @param config a configuration.
     * @return the genesis a new journal records: its rules, and the table sizes it was begun with
     *     ({@code limits.*}), which are not rules (a restart takes the file's) but let tools that read the journal
     *     alone size their tables.
     */
    public static String genesis(final GuardConfig config)
    {
        final SortedMap<String, String> settings = settings(config);
        final GuardConfig.Limits limits = config.limits();
        settings.put("limits.accountsMax", Long.toString(limits.accountsMax));
        settings.put("limits.positionsMax", Long.toString(limits.positionsMax));
        settings.put("limits.holdsMax", Long.toString(limits.holdsMax));
        settings.put("limits.txIdsMax", Long.toString(limits.txIdsMax));
        settings.put("limits.inflowsMax", Long.toString(limits.inflowsMax));
        settings.put("limits.creditsMax", Long.toString(limits.creditsMax));
        return text(settings);
    }

    /**
     * @param settings settings by name.
     * @return them as text, one {@code name=value} line each, in the map's order.
     */
    public static String text(final Map<String, String> settings)
    {
        final StringBuilder sb = new StringBuilder(settings.size() * 48);
        for (final Map.Entry<String, String> setting : settings.entrySet())
        {
            sb.append(setting.getKey()).append('=').append(setting.getValue()).append('\n');
        }
        return sb.toString();
    }

    /**
     * Read settings from their text.
     *
     * @param text {@code name=value} lines.
     * @return the settings by name.
     * @throws ConfigurationException naming the line that is not a setting, or a setting given twice.
     */
    public static SortedMap<String, String> parse(final String text)
    {
        final SortedMap<String, String> settings = new TreeMap<>();
        final String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i];
            if (line.isEmpty())
            {
                continue;
            }
            final int eq = line.indexOf('=');
            if (eq <= 0)
            {
                throw new ConfigurationException("line " + (i + 1), "not a setting: expected name=value, was '" +
                    line + "'");
            }
            final String name = line.substring(0, eq);
            if (settings.put(name, line.substring(eq + 1)) != null)
            {
                throw new ConfigurationException(name, "given twice");
            }
        }
        return settings;
    }

    /**
     * @param text {@code name=value} lines, as UTF-8.
     * @return the settings by name.
     */
    public static SortedMap<String, String> parse(final byte[] text, final int length)
    {
        return parse(new String(text, 0, length, StandardCharsets.UTF_8));
    }

    /**
     * Build a configuration from its rules and the start-up settings that size memory.
     *
     * @param settings the rules, every one of them (as {@link #settings} gives them); and table sizes
     *                 ({@code limits.*}, as {@link #genesis} records them) when {@code limits} is {@code null}.
     * @param limits   table sizes; {@code null} to take them from the settings.
     * @return the configuration, concluded.
     * @throws ConfigurationException naming the first setting that is missing, unknown or out of range.
     */
    public static GuardConfig build(final Map<String, String> settings, final GuardConfig.Limits limits)
    {
        final Reader in = new Reader(settings);
        final GuardConfig config = new GuardConfig();
        config.approvalDomain(in.string("approvals.domain"));
        config.approvalValidityMsMax(in.number("approvals.validityMsMax"));
        for (final String code : in.list("assets"))
        {
            final String p = "assets." + code + ".";
            final AssetConfig asset = new AssetConfig(code, (int)in.number(p + "id", Integer.MAX_VALUE),
                (int)in.number(p + "scale", 18));
            asset.reserveBufferMinorUnits = in.number(p + "reserveBufferMinorUnits");
            asset.breachToleranceMinorUnits = in.number(p + "breachToleranceMinorUnits");
            asset.creditCapMinorUnits = in.number(p + "creditCapMinorUnits");
            asset.attestationAgeMsMax = in.number(p + "attestationAgeMsMax");
            asset.hotShareBpsMax = in.number(p + "hotShareBpsMax");
            asset.volumeAlertWindowMs = in.number(p + "volumeAlert.windowMs");
            asset.volumeAlertHoldingsMultipleBps = in.number(p + "volumeAlert.holdingsMultipleBps");
            asset.outflowWindowMs = in.number(p + "outflow.windowMs");
            asset.outflowMinorUnitsMax = in.number(p + "outflow.minorUnitsMax");
            asset.outflowHotShareBpsMax = in.number(p + "outflow.hotShareBpsMax");
            asset.outflowBurstRejectionsMax = in.number(p + "outflow.burstRejections");
            asset.retired = in.flag(p + "retired");
            config.asset(asset);
        }
        for (final String id : in.list("wallets"))
        {
            final String p = "wallets." + id + ".";
            final long walletId;
            try
            {
                walletId = Long.parseLong(id);
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigurationException("wallets", "not a wallet id: '" + id + "'");
            }
            final String kindName = in.string(p + "kind");
            final WalletKind kind;
            try
            {
                kind = WalletKind.valueOf(kindName);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigurationException(p + "kind", "must be one of " + Arrays.toString(WalletKind.values()) +
                    ", was '" + kindName + "'");
            }
            final WalletConfig wallet = new WalletConfig(walletId, in.string(p + "asset"), kind);
            wallet.driftToleranceMinorUnits = in.number(p + "driftToleranceMinorUnits");
            wallet.retired = in.flag(p + "retired");
            config.wallet(wallet);
        }
        for (final String id : in.list("keys"))
        {
            final String name = "keys." + id + ".publicKey";
            final byte[] encoded;
            try
            {
                encoded = Base64.getDecoder().decode(in.string(name));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigurationException(name, "not base64: " + ex.getMessage());
            }
            config.key(new KeyConfig(id, KeyConfig.decodePublicKey(name, encoded)));
        }
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            final String p = "approvals." + approvalClass.name() + ".";
            if (settings.containsKey(p + "required") || settings.containsKey(p + "keys"))
            {
                config.approvals(approvalClass,
                    new ApprovalRule((int)in.number(p + "required", Command.APPROVALS_MAX), in.list(p + "keys")));
            }
        }
        buildClients(in, config);
        config.retention().txIdWindowMs = in.number("retention.txIdWindowMs");
        config.retention().creditReversalWindowMs = in.number("retention.creditReversalWindowMs");
        buildLimits(in, config.limits(), limits);
        in.requireAllRead();
        return config.conclude();
    }

    private static void buildLimits(final Reader in, final GuardConfig.Limits to, final GuardConfig.Limits limits)
    {
        if (limits == null)
        {
            to.accountsMax = in.number("limits.accountsMax");
            to.positionsMax = in.number("limits.positionsMax");
            to.holdsMax = in.number("limits.holdsMax");
            to.txIdsMax = in.number("limits.txIdsMax");
            to.inflowsMax = in.number("limits.inflowsMax");
            to.creditsMax = in.number("limits.creditsMax");
        }
        else
        {
            in.skip("limits.");
            to.accountsMax = limits.accountsMax;
            to.positionsMax = limits.positionsMax;
            to.holdsMax = limits.holdsMax;
            to.txIdsMax = limits.txIdsMax;
            to.inflowsMax = limits.inflowsMax;
            to.creditsMax = limits.creditsMax;
        }
    }

    private static void buildClients(final Reader in, final GuardConfig config)
    {
        // Rules that name neither list are of a journal begun before clients were rules (SPEC §13).
        config.clientsInRules(in.has("clients") || in.has("roles"));
        for (final String role : in.optionalList("roles"))
        {
            long kinds = 0;
            final String name = "roles." + role + ".commands";
            for (final String typeName : in.list(name))
            {
                try
                {
                    kinds |= 1L << CommandType.valueOf(typeName).code();
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new ConfigurationException(name, "not a command type: '" + typeName + "'");
                }
            }
            config.role(role, kinds);
        }
        for (final String id : in.optionalList("clients"))
        {
            final String p = "clients." + id + ".";
            final byte[] encoded;
            try
            {
                encoded = Base64.getDecoder().decode(in.string(p + "publicKey"));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigurationException(p + "publicKey", "not base64: " + ex.getMessage());
            }
            final GuardConfig.ClientConfig client = new GuardConfig.ClientConfig(id,
                KeyConfig.decodePublicKey(p + "publicKey", encoded), in.string(p + "role"));
            client.connectionsMax = (int)in.number(p + "connectionsMax", GuardConfig.CLIENT_CONNECTIONS_MAX);
            client.revoked = in.flag(p + "revoked");
            config.client(client);
        }
    }

    /**
     * Apply a change to the rules in force, as a {@link CommandType#CONFIGURE} command does: the settings it gives
     * replace those of the same names; a key no longer listed in {@code keys} is dropped with its settings. A change
     * lists an asset or adds a wallet by appending it to {@code assets} or {@code wallets} (the whole list, or
     * {@code +CODE} for the list in force with CODE appended) with every one of its settings, and retires one with its
     * {@code retired} setting. It must keep what identifies the state: the assets
     * and wallets listed and their order, each asset's id, scale and window lengths, each wallet's asset and kind; a
     * retired asset or wallet stays retired; the approval domain and the retention windows stay as they are.
     *
     * @param current the rules in force.
     * @param change  the settings to set.
     * @return the rules after the change, concluded.
     * @throws ConfigurationException naming the setting the change may not make, or the first invalid one.
     */
    public static GuardConfig change(final GuardConfig current, final Map<String, String> change)
    {
        if (change.isEmpty())
        {
            throw new ConfigurationException("settings", "a change must set at least one setting");
        }
        final SortedMap<String, String> before = settings(current);
        final SortedMap<String, String> after = new TreeMap<>(before);
        for (final Map.Entry<String, String> setting : change.entrySet())
        {
            final String name = setting.getKey();
            final String value = appended(name, setting.getValue(), before);
            checkChangeable(name, value, before);
            after.put(name, value);
        }
        final List<String> keyIds = List.of(after.get("keys").isEmpty() ? new String[0] :
            after.get("keys").split(",", -1));
        for (final String name : change.keySet())
        {
            if (name.startsWith("keys.") && !keyIds.contains(keyOf(name)))
            {
                throw new ConfigurationException(name, "the key is not in 'keys', which lists the keys in force: " +
                    "add it there too");
            }
        }
        after.keySet().removeIf(name -> name.startsWith("keys.") && !keyIds.contains(keyOf(name)));
        return build(after, current.limits());
    }

    /**
     * Check a change as {@link #change} does, for adapters that name a mistake before sequencing.
     *
     * @param current  the rules in force.
     * @param settings the change's settings as text.
     * @return what is wrong, naming the setting; {@code null} when the change can be made.
     */
    public static String problem(final GuardConfig current, final String settings)
    {
        try
        {
            change(current, parse(settings));
            return null;
        }
        catch (final ConfigurationException ex)
        {
            return ex.getMessage();
        }
    }

    /**
     * A change may give the list of {@code assets} or {@code wallets} as {@code +A,B}: the list in force with A and
     * B appended, so that a listing names what it adds rather than the whole list.
     */
    private static String appended(final String name, final String value, final Map<String, String> before)
    {
        if (APPENDED.contains(name) && value.startsWith("+"))
        {
            final String was = before.getOrDefault(name, "");
            return was.isEmpty() ? value.substring(1) : was + "," + value.substring(1);
        }
        return value;
    }

    private static String keyOf(final String name)
    {
        final int end = name.lastIndexOf(".publicKey");
        return end > "keys.".length() ? name.substring("keys.".length(), end) : "";
    }

    private static void checkChangeable(final String name, final String value, final Map<String, String> before)
    {
        if (APPENDED.contains(name))
        {
            if (name.equals("roles") || name.equals("clients"))
            {
                requireClientsInRules(name, before);
            }
            final String was = before.getOrDefault(name, "");
            if (!value.equals(was) && !(was.isEmpty() ? !value.isEmpty() : value.startsWith(was + ",")))
            {
                throw new ConfigurationException(name, name + " are only appended to: each keeps its place in the " +
                    "state for good (retire one with its 'retired' setting); was '" + was + "', the change gives '" +
                    value + "'");
            }
            return;
        }
        if (name.startsWith("assets."))
        {
            checkAssetSetting(name, value, before);
            return;
        }
        if (name.startsWith("wallets."))
        {
            checkWalletSetting(name, value, before);
            return;
        }
        if (name.startsWith("clients.") || name.startsWith("roles."))
        {
            requireClientsInRules(name, before);
            checkClientSetting(name, value, before);
            return;
        }
        if (name.equals("approvals.domain") || name.startsWith("retention."))
        {
            if (!Objects.equals(before.get(name), value))
            {
                throw new ConfigurationException(name, "not changed by a command: " + (name.startsWith("retention.") ?
                    "the retention windows decide what the tables have already forgotten" :
                    "every approval signed so far names the domain"));
            }
            return;
        }
        if (name.equals("keys") || name.equals("approvals.validityMsMax") ||
            (name.startsWith("keys.") && name.endsWith(".publicKey")) ||
            (name.startsWith("approvals.") && (name.endsWith(".required") || name.endsWith(".keys"))))
        {
            if (name.startsWith("keys.") && before.containsKey(name) && !Objects.equals(before.get(name), value))
            {
                throw new ConfigurationException(name, "a key id names one key for good: give the new key a new id");
            }
            return;
        }
        throw new ConfigurationException(name, "not a setting");
    }

    /**
     * The part of a setting's name that names its asset or wallet, {@code assets.BTC.} or {@code wallets.101.} (codes
     * and wallet ids hold no dots), and the setting's own name after it.
     */
    private record Of(String prefix, String setting)
    {
        static Of name(final String name, final String list)
        {
            final String rest = name.substring(list.length() + 1);
            final int dot = rest.indexOf('.');
            return new Of(list + "." + (dot < 0 ? rest : rest.substring(0, dot)) + ".",
                dot < 0 ? "" : rest.substring(dot + 1));
        }
    }

    /**
     * What an asset's and a wallet's settings have in common: one the change adds is checked whole by the build,
     * but may not be retired at once; {@code retired} is only ever set to {@code true}; a retired one changes no
     * more.
     *
     * @return true when nothing is left to check.
     */
    private static boolean checkRetirable(final String name, final String value, final Map<String, String> before,
        final Of of, final boolean added, final String noun)
    {
        final String what = (noun.equals("asset") ? "an " : "a ") + noun;
        if (added)
        {
            if (of.setting().equals("retired"))
            {
                throw new ConfigurationException(name, what + " is " + (noun.equals("asset") ? "listed" : "added") +
                    " first, and retired by a later change");
            }
            return true;
        }
        if (of.setting().equals("retired"))
        {
            requireTrue(name, value, what);
            return true;
        }
        if (before.containsKey(of.prefix() + "retired") && !Objects.equals(before.get(name), value))
        {
            throw new ConfigurationException(name, "the " + noun + " is retired");
        }
        return false;
    }

    private static void checkAssetSetting(final String name, final String value, final Map<String, String> before)
    {
        final Of of = Of.name(name, "assets");
        final String setting = of.setting();
        // An asset the change lists: all its settings are given, and checked as the file's are.
        if (checkRetirable(name, value, before, of, !before.containsKey(of.prefix() + "id"), "asset"))
        {
            return;
        }
        if (!before.containsKey(name))
        {
            throw new ConfigurationException(name, "not a setting of a listed asset");
        }
        if (!ASSET_CHANGEABLE.contains(setting) && !Objects.equals(before.get(name), value))
        {
            throw new ConfigurationException(name, "fixed when the asset was listed: it identifies the asset " +
                "or sizes its windows");
        }
    }

    private static void checkWalletSetting(final String name, final String value, final Map<String, String> before)
    {
        final Of of = Of.name(name, "wallets");
        final boolean added = !before.containsKey(of.prefix() + "asset");
        if (added && of.setting().equals("asset") && before.containsKey("assets." + value + ".retired"))
        {
            throw new ConfigurationException(name, "the asset " + value + " is retired");
        }
        // A wallet the change adds: all its settings are given, and checked as the file's are.
        if (checkRetirable(name, value, before, of, added, "wallet"))
        {
            return;
        }
        if (!of.setting().equals("driftToleranceMinorUnits") && !Objects.equals(before.get(name), value))
        {
            throw new ConfigurationException(name, "fixed when the wallet was added (changeable: " +
                "driftToleranceMinorUnits, retired)");
        }
    }

    private static void checkClientSetting(final String name, final String value, final Map<String, String> before)
    {
        if (name.startsWith("roles."))
        {
            if (!name.endsWith(".commands"))
            {
                throw new ConfigurationException(name, "not a setting (a role has 'commands')");
            }
            return;
        }
        // A client id may hold dots: the setting is known by its ending.
        final String id = clientOf(name);
        if (id == null)
        {
            throw new ConfigurationException(name, "not a setting (a client has " + String.join(", ",
                CLIENT_SETTINGS) + ")");
        }
        final String setting = name.substring("clients.".length() + id.length() + 1);
        final String prefix = "clients." + id + ".";
        if (!before.containsKey(prefix + "publicKey"))
        {
            // A client the change adds: its key, role and connection limit, checked as the file's are.
            if (setting.equals("revoked"))
            {
                throw new ConfigurationException(name, "a client is added first, and revoked by a later change");
            }
            return;
        }
        if (setting.equals("revoked"))
        {
            requireTrue(name, value, "a client", "revoked");
            return;
        }
        if (setting.equals("publicKey") && !Objects.equals(before.get(name), value))
        {
            throw new ConfigurationException(name, "a client id names one key for good: give the new key a new " +
                "id, and revoke the old one");
        }
        if (before.containsKey(prefix + "revoked") && !Objects.equals(before.get(name), value))
        {
            throw new ConfigurationException(name, "the client is revoked");
        }
    }

    private static void requireClientsInRules(final String name, final Map<String, String> before)
    {
        if (!before.containsKey("clients"))
        {
            throw new ConfigurationException(name, "the journal was begun before the gateway's clients and roles " +
                "were rules: its gateway takes the file's, and no change sets them");
        }
    }

    /**
     * @param config a configuration file's rules.
     * @return the same without the gateway's clients and roles: the rules a journal begun before they were rules is
     *     read under (SPEC §13), whose state hash and snapshots never held them.
     */
    public static GuardConfig withoutClients(final GuardConfig config)
    {
        final SortedMap<String, String> settings = settings(config);
        settings.keySet().removeIf(name -> name.equals("roles") || name.equals("clients") ||
            name.startsWith("roles.") || name.startsWith("clients."));
        return build(settings, config.limits());
    }

    /**
     * @param name a setting's name.
     * @return the id of the client it is a setting of ({@code clients.ID.SETTING}, the id dots and all), or
     *     {@code null} when it is not one.
     */
    public static String clientOf(final String name)
    {
        if (name.startsWith("clients."))
        {
            for (final String setting : CLIENT_SETTINGS)
            {
                final int end = name.length() - setting.length() - 1;
                if (end > "clients.".length() && name.endsWith("." + setting))
                {
                    return name.substring("clients.".length(), end);
                }
            }
        }
        return null;
    }

    private static void requireTrue(final String name, final String value, final String what)
    {
        requireTrue(name, value, what, "retired");
    }

    private static void requireTrue(final String name, final String value, final String what, final String state)
    {
        if (!value.equals("true"))
        {
            throw new ConfigurationException(name, what + " is " + state + " with 'true', and stays " + state +
                "; was '" + value + "'");
        }
    }

    /**
     * @param before settings by name.
     * @param after  settings by name.
     * @return the settings that differ, each as {@code name: before -> after} ({@code (none)} for a missing one), in
     *     the order of their names.
     */
    public static List<String> diff(final Map<String, String> before, final Map<String, String> after)
    {
        final List<String> lines = new ArrayList<>();
        final TreeSet<String> names = new TreeSet<>(before.keySet());
        names.addAll(after.keySet());
        for (final String name : names)
        {
            final String a = before.get(name);
            final String b = after.get(name);
            if (!Objects.equals(a, b))
            {
                lines.add(name + ": " + (a == null ? "(none)" : a) + " -> " + (b == null ? "(none)" : b));
            }
        }
        return lines;
    }

    /**
     * @param before settings by name.
     * @param after  settings by name.
     * @return the settings of {@code after} that differ from {@code before}, in the order of their names.
     */
    public static SortedMap<String, String> changed(final Map<String, String> before, final Map<String, String> after)
    {
        final SortedMap<String, String> changed = new TreeMap<>();
        for (final Map.Entry<String, String> setting : after.entrySet())
        {
            if (!Objects.equals(before.get(setting.getKey()), setting.getValue()))
            {
                changed.put(setting.getKey(), setting.getValue());
            }
        }
        return changed;
    }

    /**
     * @param config a configuration.
     * @param other  another.
     * @return true when they hold the same approvers: for every class, the same {@code required} and the same keys
     *     under the same ids. A key no class names, or the order of the lists, does not make approvers.
     */
    public static boolean sameApprovers(final GuardConfig config, final GuardConfig other)
    {
        return approvers(config).equals(approvers(other));
    }

    private static Map<ApprovalClass, Map<String, String>> approvers(final GuardConfig config)
    {
        final Map<ApprovalClass, Map<String, String>> approvers = new java.util.EnumMap<>(ApprovalClass.class);
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            final ApprovalRule rule = config.approvalRule(approvalClass);
            if (rule != null)
            {
                final Map<String, String> keys = new TreeMap<>();
                keys.put("", Integer.toString(rule.required));
                for (final String keyId : rule.keys)
                {
                    keys.put(keyId, Base64.getEncoder().encodeToString(config.keyById(keyId).publicKey.getEncoded()));
                }
                approvers.put(approvalClass, keys);
            }
        }
        return approvers;
    }

    private static final class Reader
    {
        private final Map<String, String> settings;
        private final java.util.Set<String> read = new java.util.HashSet<>();

        Reader(final Map<String, String> settings)
        {
            this.settings = settings;
        }

        String string(final String name)
        {
            final String value = settings.get(name);
            if (value == null)
            {
                throw new ConfigurationException(name, "missing");
            }
            read.add(name);
            return value;
        }

        long number(final String name)
        {
            return number(name, Long.MAX_VALUE);
        }

        long number(final String name, final long max)
        {
            final String value = string(name);
            try
            {
                final long number = Long.parseLong(value);
                if (number < 0 || number > max)
                {
                    throw new ConfigurationException(name, "must be 0.." + max + ", was " + number);
                }
                return number;
            }
            catch (final NumberFormatException ex)
            {
                throw new ConfigurationException(name, "not an integer: '" + value + "'");
            }
        }

        boolean flag(final String name)
        {
            final String value = settings.get(name);
            if (value == null)
            {
                return false;
            }
            read.add(name);
            if (!value.equals("true"))
            {
                throw new ConfigurationException(name, "must be 'true' or absent, was '" + value + "'");
            }
            return true;
        }

        boolean has(final String name)
        {
            return settings.containsKey(name);
        }

        List<String> optionalList(final String name)
        {
            return settings.containsKey(name) ? list(name) : List.of();
        }

        List<String> list(final String name)
        {
            final String value = string(name);
            return value.isEmpty() ? List.of() : List.of(value.split(",", -1));
        }

        void skip(final String prefix)
        {
            for (final String name : settings.keySet())
            {
                if (name.startsWith(prefix))
                {
                    read.add(name);
                }
            }
        }

        void requireAllRead()
        {
            for (final String name : settings.keySet())
            {
                if (!read.contains(name))
                {
                    throw new ConfigurationException(name, "not a setting (or of an asset, wallet or key not listed)");
                }
            }
        }
    }
}
