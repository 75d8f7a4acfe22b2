package io.ledgerguard.core;

import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The guard's configuration (SPEC §9): assets, wallets, table limits, and the approvers of privileged commands
 * (SPEC §6). Filled in by a loader or by code, then
 * {@link #conclude()}d, which checks every value and the relations between them once, at start-up, and names the key
 * of the first problem found.
 */
public final class GuardConfig
{
    /** Most assets one guard serves. */
    public static final int ASSETS_MAX = 1024;
    /** Most wallets one guard knows. */
    public static final int WALLETS_MAX = 4096;
    /** Largest off-heap table, in bytes: tables are addressed with int offsets. */
    public static final long TABLE_BYTES_MAX = Integer.MAX_VALUE - 64;

    private static final Pattern ASSET_CODE = Pattern.compile("[A-Z0-9]{2,12}");
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1," + Command.KEY_ID_LENGTH_MAX + "}");
    /** Most approver keys one configuration names. */
    public static final int KEYS_MAX = 256;
    /** Most clients of the gateway ever named, revoked ones included (SPEC §12). */
    public static final int CLIENTS_MAX = 256;
    /** Most roles one configuration names. */
    public static final int ROLES_MAX = 64;
    /** Connections one client may hold at once unless its entry says otherwise. */
    public static final int CONNECTIONS_MAX_DEFAULT = 16;
    /** Most connections one client's entry may allow. */
    public static final int CLIENT_CONNECTIONS_MAX = 4096;
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1," + Command.CLIENT_ID_LENGTH_MAX + "}");
    private static final Pattern ROLE_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Default for {@code approvals.validityMsMax}: how far ahead a signed command's expiry may lie. */
    public static final long APPROVAL_VALIDITY_MS_DEFAULT = 3_600_000;
    /**
     * Fewest approvers a class that can put credit on the ledger may require when it requires any: no single key
     * credits. {@link ApprovalClass#ADJUST} credits directly; {@link ApprovalClass#CUSTODY_FEED} through an
     * {@code INFLOW} that a {@code DEPOSIT} then credits; {@link ApprovalClass#REVERSE} by giving a credited inflow
     * back to be credited again.
     */
    public static final int CREDITING_APPROVERS_MIN = 2;
    /** Longest {@code approvals.domain}. */
    public static final int APPROVAL_DOMAIN_LENGTH_MAX = 64;
    private static final Pattern APPROVAL_DOMAIN =
        Pattern.compile("[A-Za-z0-9._:-]{0," + APPROVAL_DOMAIN_LENGTH_MAX + "}");

    private final List<AssetConfig> assets = new ArrayList<>();
    private final List<WalletConfig> wallets = new ArrayList<>();
    private final Limits limits = new Limits();
    private final Retention retention = new Retention();
    private final List<KeyConfig> keys = new ArrayList<>();
    private final Map<String, Long> roles = new java.util.LinkedHashMap<>();
    private final List<ClientConfig> clients = new ArrayList<>();
    private boolean clientsInRules = true;
    private final Map<ApprovalClass, ApprovalRule> approvalRules = new EnumMap<>(ApprovalClass.class);
    private final int[] approvalsRequired = new int[ApprovalClass.values().length];
    private long approvalValidityMsMax = APPROVAL_VALIDITY_MS_DEFAULT;
    private String approvalDomain = "";
    private boolean concluded;

    /**
     * @param asset to add.
     * @return this for a fluent style.
     */
    public GuardConfig asset(final AssetConfig asset)
    {
        checkNotConcluded();
        assets.add(asset);
        return this;
    }

    /**
     * @param wallet to add.
     * @return this for a fluent style.
     */
    public GuardConfig wallet(final WalletConfig wallet)
    {
        checkNotConcluded();
        wallets.add(wallet);
        return this;
    }

    /**
     * @param name         a role's name (SPEC §12).
     * @param commandKinds bit {@link CommandType#code()} set for each command type it allows.
     * @return this for a fluent style.
     */
    public GuardConfig role(final String name, final long commandKinds)
    {
        checkNotConcluded();
        if (roles.put(name, commandKinds) != null)
        {
            throw new ConfigurationException("roles", "duplicate role '" + name + "'");
        }
        return this;
    }

    /**
     * @param client a client of the gateway to add (SPEC §12).
     * @return this for a fluent style.
     */
    public GuardConfig client(final ClientConfig client)
    {
        checkNotConcluded();
        clients.add(client);
        return this;
    }

    /**
     * @param inRules false for the rules of a journal begun before the gateway's clients and roles were rules
     *                (SPEC §13): it names none, and no change may set them (its gateway takes the file's).
     * @return this for a fluent style.
     */
    public GuardConfig clientsInRules(final boolean inRules)
    {
        checkNotConcluded();
        clientsInRules = inRules;
        return this;
    }

    /**
     * @return true when the gateway's clients and roles are part of these rules: always, but for the rules of a
     *     journal begun before they were.
     */
    public boolean clientsInRules()
    {
        return clientsInRules;
    }

    /**
     * @return the roles by name, in the configuration's order: each the command types it allows, one bit per
     *     {@link CommandType#code()}.
     */
    public Map<String, Long> roles()
    {
        return Collections.unmodifiableMap(roles);
    }

    /**
     * @return the gateway's clients, in the configuration's order, revoked ones included; empty when the gateway
     *     is open to whoever reaches it.
     */
    public List<ClientConfig> clients()
    {
        return Collections.unmodifiableList(clients);
    }

    /**
     * @param key an approver's public key to add.
     * @return this for a fluent style.
     */
    public GuardConfig key(final KeyConfig key)
    {
        checkNotConcluded();
        keys.add(key);
        return this;
    }

    /**
     * @param approvalClass a class of privileged commands.
     * @param rule          its approvers and how many of them must sign.
     * @return this for a fluent style.
     */
    public GuardConfig approvals(final ApprovalClass approvalClass, final ApprovalRule rule)
    {
        checkNotConcluded();
        approvalRules.put(approvalClass, rule);
        return this;
    }

    /**
     * @param validityMsMax how far ahead of the sequenced time a signed command's expiry may lie.
     * @return this for a fluent style.
     */
    public GuardConfig approvalValidityMsMax(final long validityMsMax)
    {
        checkNotConcluded();
        approvalValidityMsMax = validityMsMax;
        return this;
    }

    /**
     * @param domain names this guard in what approvers sign (e.g. {@code prod-kr-1}), so that an approval given to one
     *               guard (staging) is worthless to another (production) that shares its keys.
     * @return this for a fluent style.
     */
    public GuardConfig approvalDomain(final String domain)
    {
        checkNotConcluded();
        approvalDomain = domain;
        return this;
    }

    /**
     * @return the domain signed into every approval; empty when not configured.
     */
    public String approvalDomain()
    {
        return approvalDomain;
    }

    /**
     * @return the approver keys, in configuration order.
     */
    public List<KeyConfig> keys()
    {
        return Collections.unmodifiableList(keys);
    }

    /**
     * @param approvalClass a class of privileged commands.
     * @return its rule, or {@code null} when the class is open (needs no approval).
     */
    public ApprovalRule approvalRule(final ApprovalClass approvalClass)
    {
        return approvalRules.get(approvalClass);
    }

    /**
     * @param approvalClass a class of privileged commands.
     * @return how many distinct approvers must sign a command of the class; 0 when the class is open.
     */
    public int approvalsRequired(final ApprovalClass approvalClass)
    {
        return approvalsRequired[approvalClass.ordinal()];
    }

    /**
     * @return how far ahead of the sequenced time a signed command's expiry may lie, in milliseconds.
     */
    public long approvalValidityMsMax()
    {
        return approvalValidityMsMax;
    }

    /**
     * @return the classes of privileged commands that need no approval under this configuration: a production
     *     configuration leaves none open (SPEC §6).
     */
    public List<ApprovalClass> openApprovalClasses()
    {
        final List<ApprovalClass> open = new ArrayList<>();
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            // CONFIGURE is never open: without approvers no change is taken (SPEC §13).
            if (!approvalRules.containsKey(approvalClass) && approvalClass != ApprovalClass.CONFIGURE)
            {
                open.add(approvalClass);
            }
        }
        return open;
    }

    /**
     * @return the assets, in configuration order.
     */
    public List<AssetConfig> assets()
    {
        return concluded ? assets : Collections.unmodifiableList(assets);
    }

    /**
     * @return the wallets, in configuration order.
     */
    public List<WalletConfig> wallets()
    {
        return concluded ? wallets : Collections.unmodifiableList(wallets);
    }

    /**
     * @return the table limits.
     */
    public Limits limits()
    {
        return limits;
    }

    /**
     * @return how long decided txIds and reversible credits are kept (SPEC §11).
     */
    public Retention retention()
    {
        return retention;
    }

    /**
     * @param code an asset code.
     * @return the asset, or {@code null}.
     */
    public AssetConfig assetByCode(final String code)
    {
        for (final AssetConfig asset : assets)
        {
            if (asset.code.equals(code))
            {
                return asset;
            }
        }
        return null;
    }

    /**
     * @param id an asset id.
     * @return the asset, or {@code null}.
     */
    public AssetConfig assetById(final int id)
    {
        for (final AssetConfig asset : assets)
        {
            if (asset.id == id)
            {
                return asset;
            }
        }
        return null;
    }

    /**
     * Check every value and relation; afterwards the configuration cannot change.
     *
     * @return this, concluded.
     * @throws ConfigurationException naming the first offending key.
     */
    public GuardConfig conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (assets.isEmpty())
        {
            throw new ConfigurationException("assets", "at least one asset is required");
        }
        if (assets.size() > ASSETS_MAX)
        {
            throw new ConfigurationException("assets",
                "too many assets: count=" + assets.size() + ", max=" + ASSETS_MAX);
        }
        final Set<String> codes = new HashSet<>();
        final Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < assets.size(); i++)
        {
            final AssetConfig asset = assets.get(i);
            final String key = "assets[" + i + "]";
            asset.validate(key);
            if (!codes.add(asset.code))
            {
                throw new ConfigurationException(key + ".code", "duplicate asset code '" + asset.code + "'");
            }
            if (!ids.add(asset.id))
            {
                throw new ConfigurationException(key + ".id", "duplicate asset id " + asset.id);
            }
        }
        if (wallets.size() > WALLETS_MAX)
        {
            throw new ConfigurationException("wallets",
                "too many wallets: count=" + wallets.size() + ", max=" + WALLETS_MAX);
        }
        final Map<Long, Integer> walletIds = new HashMap<>();
        for (int i = 0; i < wallets.size(); i++)
        {
            final WalletConfig wallet = wallets.get(i);
            final String key = "wallets[" + i + "]";
            wallet.validate(key);
            if (walletIds.put(wallet.id, i) != null)
            {
                throw new ConfigurationException(key + ".id", "duplicate wallet id " + wallet.id);
            }
            final AssetConfig asset = assetByCode(wallet.asset);
            if (asset == null)
            {
                throw new ConfigurationException(key + ".asset", "unknown asset '" + wallet.asset + "'");
            }
            if (asset.retired && !wallet.retired)
            {
                throw new ConfigurationException(key + ".retired", "the wallet's asset " + asset.code +
                    " is retired: its wallets are retired first, or with it");
            }
        }
        limits.validate("limits");
        retention.validate("retention");
        concludeClients();
        concludeApprovals();
        concluded = true;
        return this;
    }

    private void concludeClients()
    {
        if (!clientsInRules && (!roles.isEmpty() || !clients.isEmpty()))
        {
            throw new ConfigurationException("clients", "rules without clients name none");
        }
        if (roles.size() > ROLES_MAX)
        {
            throw new ConfigurationException("roles", "too many roles: count=" + roles.size() + ", max=" + ROLES_MAX);
        }
        long known = 0;
        for (final CommandType type : CommandType.values())
        {
            known |= 1L << type.code();
        }
        for (final Map.Entry<String, Long> role : roles.entrySet())
        {
            if (!ROLE_NAME.matcher(role.getKey()).matches())
            {
                throw new ConfigurationException("roles", "a role's name must match [A-Za-z0-9._-]{1,64}, was '" +
                    role.getKey() + "'");
            }
            if (role.getValue() == 0 || (role.getValue() & ~known) != 0)
            {
                throw new ConfigurationException("roles." + role.getKey() + ".commands",
                    "must name at least one command type, and only command types");
            }
        }
        if (clients.size() > CLIENTS_MAX)
        {
            throw new ConfigurationException("clients", "too many clients: count=" + clients.size() + ", max=" +
                CLIENTS_MAX);
        }
        final Set<String> ids = new HashSet<>();
        for (int i = 0; i < clients.size(); i++)
        {
            final ClientConfig client = clients.get(i);
            final String key = "clients[" + i + "]";
            if (client.id == null || !CLIENT_ID.matcher(client.id).matches() || !ids.add(client.id))
            {
                throw new ConfigurationException(key + ".id", "must match [A-Za-z0-9._-]{1," +
                    Command.CLIENT_ID_LENGTH_MAX + "} and be no other client's, was " +
                    (client.id == null ? "missing" : "'" + client.id + "'"));
            }
            if (client.publicKey == null)
            {
                throw new ConfigurationException(key + ".publicKey", "is required");
            }
            if (client.role == null || !roles.containsKey(client.role))
            {
                throw new ConfigurationException(key + ".role", "names no role under roles (" +
                    String.join(", ", roles.keySet()) + "), was " +
                    (client.role == null ? "missing" : "'" + client.role + "'"));
            }
            if (client.connectionsMax < 1 || client.connectionsMax > CLIENT_CONNECTIONS_MAX)
            {
                throw new ConfigurationException(key + ".connectionsMax", "must be 1.." + CLIENT_CONNECTIONS_MAX +
                    ", was " + client.connectionsMax);
            }
        }
    }

    private void concludeApprovals()
    {
        if (keys.size() > KEYS_MAX)
        {
            throw new ConfigurationException("keys", "too many keys: count=" + keys.size() + ", max=" + KEYS_MAX);
        }
        final Map<String, Integer> keyIndex = new HashMap<>();
        final Set<String> encodedKeys = new HashSet<>();
        for (int i = 0; i < keys.size(); i++)
        {
            final KeyConfig key = keys.get(i);
            final String path = "keys[" + i + "]";
            key.validate(path);
            if (keyIndex.put(key.id, i) != null)
            {
                throw new ConfigurationException(path + ".id", "duplicate key id '" + key.id + "'");
            }
            if (!encodedKeys.add(Arrays.toString(key.publicKey.getEncoded())))
            {
                throw new ConfigurationException(path + ".publicKey", "the same public key as key id '" +
                    sameKeyAs(key, i) + "': one approver, one key");
            }
        }
        if (approvalDomain == null || !APPROVAL_DOMAIN.matcher(approvalDomain).matches())
        {
            throw new ConfigurationException("approvals.domain", "must match [A-Za-z0-9._:-]{0," +
                APPROVAL_DOMAIN_LENGTH_MAX + "}, was " +
                (approvalDomain == null ? "missing" : "'" + approvalDomain + "'"));
        }
        if (approvalValidityMsMax <= 0)
        {
            throw new ConfigurationException("approvals.validityMsMax", "must be > 0, was " + approvalValidityMsMax);
        }
        for (final Map.Entry<ApprovalClass, ApprovalRule> entry : approvalRules.entrySet())
        {
            final ApprovalClass approvalClass = entry.getKey();
            final ApprovalRule rule = entry.getValue();
            final String path = "approvals." + approvalClass.name();
            if (rule.keys.isEmpty())
            {
                throw new ConfigurationException(path + ".keys", "at least one key is required");
            }
            final Set<String> seen = new HashSet<>();
            for (int i = 0; i < rule.keys.size(); i++)
            {
                final String keyId = rule.keys.get(i);
                if (!keyIndex.containsKey(keyId))
                {
                    throw new ConfigurationException(path + ".keys[" + i + "]", "unknown key id '" + keyId + "'");
                }
                if (!seen.add(keyId))
                {
                    throw new ConfigurationException(path + ".keys[" + i + "]", "key id '" + keyId + "' listed twice");
                }
            }
            if (rule.required < 1 || rule.required > rule.keys.size())
            {
                throw new ConfigurationException(path + ".required", "must be 1.." + rule.keys.size() +
                    " (the number of keys), was " + rule.required);
            }
            if (approvalClass != ApprovalClass.LIFT && rule.required < CREDITING_APPROVERS_MIN)
            {
                throw new ConfigurationException(path + ".required", "must be at least " + CREDITING_APPROVERS_MIN +
                    ": no single key may credit, was " + rule.required);
            }
            if (rule.required > Command.APPROVALS_MAX)
            {
                throw new ConfigurationException(path + ".required", "a command carries at most " +
                    Command.APPROVALS_MAX + " approvals, was " + rule.required);
            }
            approvalsRequired[approvalClass.ordinal()] = rule.required;
        }
    }

    private String sameKeyAs(final KeyConfig key, final int index)
    {
        for (int i = 0; i < index; i++)
        {
            if (Arrays.equals(keys.get(i).publicKey.getEncoded(), key.publicKey.getEncoded()))
            {
                return keys.get(i).id;
            }
        }
        return "?";
    }

    /**
     * @param keyId a key id.
     * @return the key with that id, or {@code null}.
     */
    public KeyConfig keyById(final String keyId)
    {
        for (final KeyConfig key : keys)
        {
            if (key.id.equals(keyId))
            {
                return key;
            }
        }
        return null;
    }

    /**
     * @return true once {@link #conclude()} has succeeded.
     */
    public boolean isConcluded()
    {
        return concluded;
    }

    private void checkNotConcluded()
    {
        if (concluded)
        {
            throw new IllegalStateException("configuration already concluded");
        }
    }

    static long tableBytes(final long entriesMax, final int slotBytes)
    {
        return (long)capacityFor(entriesMax) * slotBytes;
    }

    /**
     * The slot count of an open-addressing table for a number of entries: a power of two keeping the load at or
     * below 70%, so that probe sequences stay short.
     *
     * @param entriesMax the most entries the table will hold.
     * @return the number of slots.
     */
    public static int capacityFor(final long entriesMax)
    {
        final long wanted = Math.max(16, (entriesMax * 10 + 6) / 7);
        final long capacity = Long.highestOneBit(wanted - 1) << 1;
        return capacity > (1 << 30) ? -1 : (int)capacity;
    }

    /**
     * One asset (SPEC §9 {@code assets[]}).
     */
    public static final class AssetConfig
    {
        public String code;
        public int id;
        public int scale = -1;
        public long reserveBufferMinorUnits;
        public long breachToleranceMinorUnits;
        public long creditCapMinorUnits = Long.MAX_VALUE;
        public long attestationAgeMsMax = 60_000;
        public long volumeAlertWindowMs = 60_000;
        /** Volume alert multiple of holdings, in basis points (1.0 is 10000). */
        public long volumeAlertHoldingsMultipleBps = 10_000;
        public long outflowWindowMs = 3_600_000;
        public long outflowMinorUnitsMax = Long.MAX_VALUE;
        public long outflowHotShareBpsMax = 10_000;
        /** Withdrawals rejected for velocity within the window that halt the asset's outflows (SPEC §5.4). */
        public long outflowBurstRejectionsMax = 3;
        public long hotShareBpsMax = 2_000;
        /**
         * Retired by a {@link CommandType#CONFIGURE} command once nothing was owed or held in it and its wallets were
         * retired (SPEC §13): it keeps its place in the state's layout and its code, and commands naming it are
         * refused {@link Reason#ASSET_NOT_FOUND}.
         */
        public boolean retired;

        /**
         * @param code  the asset code, [A-Z0-9]{2,12}.
         * @param id    the asset id, &gt; 0.
         * @param scale decimal places of the minor unit.
         */
        public AssetConfig(final String code, final int id, final int scale)
        {
            this.code = code;
            this.id = id;
            this.scale = scale;
        }

        /**
         * An asset to be filled in field by field by a loader.
         */
        public AssetConfig()
        {
        }

        void validate(final String key)
        {
            if (code == null || !ASSET_CODE.matcher(code).matches())
            {
                throw new ConfigurationException(key + ".code", "must match [A-Z0-9]{2,12}, was " +
                    (code == null ? "missing" : "'" + code + "'"));
            }
            if (id <= 0)
            {
                throw new ConfigurationException(key + ".id", "must be an integer > 0, was " + id);
            }
            if (scale < 0 || scale > 18)
            {
                throw new ConfigurationException(key + ".scale",
                    "must be 0..18, was " + (scale < 0 ? "missing" : scale));
            }
            requireNotNegative(key + ".reserveBufferMinorUnits", reserveBufferMinorUnits);
            requireNotNegative(key + ".breachToleranceMinorUnits", breachToleranceMinorUnits);
            requirePositive(key + ".creditCapMinorUnits", creditCapMinorUnits);
            requirePositive(key + ".attestationAgeMsMax", attestationAgeMsMax);
            requirePositive(key + ".volumeAlert.windowMs", volumeAlertWindowMs);
            requirePositive(key + ".volumeAlert.holdingsMultiple", volumeAlertHoldingsMultipleBps);
            requirePositive(key + ".outflow.windowMs", outflowWindowMs);
            requirePositive(key + ".outflow.minorUnitsMax", outflowMinorUnitsMax);
            requireBps(key + ".outflow.hotShareBpsMax", outflowHotShareBpsMax);
            requirePositive(key + ".outflow.burstRejections", outflowBurstRejectionsMax);
            requireBps(key + ".hotShareBpsMax", hotShareBpsMax);
        }
    }

    /**
     * One wallet (SPEC §9 {@code wallets[]}).
     */
    public static final class WalletConfig
    {
        public long id;
        public String asset;
        public WalletKind kind;
        public long driftToleranceMinorUnits;
        /**
         * Retired by a {@link CommandType#CONFIGURE} command once it held nothing (SPEC §13): it stays in the state's
         * layout, and commands naming it are refused {@link Reason#WALLET_NOT_FOUND}.
         */
        public boolean retired;

        /**
         * @param id    the wallet id, &gt; 0.
         * @param asset the asset code.
         * @param kind  hot, cold, custodian or bank.
         */
        public WalletConfig(final long id, final String asset, final WalletKind kind)
        {
            this.id = id;
            this.asset = asset;
            this.kind = kind;
        }

        /**
         * A wallet to be filled in field by field by a loader.
         */
        public WalletConfig()
        {
        }

        void validate(final String key)
        {
            if (id <= 0)
            {
                throw new ConfigurationException(key + ".id", "must be an integer > 0, was " + id);
            }
            if (asset == null)
            {
                throw new ConfigurationException(key + ".asset", "is required");
            }
            if (kind == null)
            {
                throw new ConfigurationException(key + ".kind", "is required: one of HOT, COLD, CUSTODIAN, BANK");
            }
            requireNotNegative(key + ".driftToleranceMinorUnits", driftToleranceMinorUnits);
        }
    }

    /**
     * One client of the gateway (SPEC §12): the id its {@code Hello} names, the Ed25519 key it proves, its role, and
     * how many connections it may hold at once.
     */
    public static final class ClientConfig
    {
        public String id;
        public PublicKey publicKey;
        public String role;
        public int connectionsMax = CONNECTIONS_MAX_DEFAULT;
        /**
         * Revoked by a {@link CommandType#CONFIGURE} command (SPEC §13): it keeps its place and its id, is refused at
         * the handshake, and its connections may send nothing.
         */
        public boolean revoked;

        /**
         * @param id        the client id, [A-Za-z0-9._-]{1,32}.
         * @param publicKey its Ed25519 public key.
         * @param role      the name of its role.
         */
        public ClientConfig(final String id, final PublicKey publicKey, final String role)
        {
            this.id = id;
            this.publicKey = publicKey;
            this.role = role;
        }
    }

    /**
     * An approver's Ed25519 public key under an id that approvals name.
     */
    public static final class KeyConfig
    {
        /** Prefix of the X.509 SubjectPublicKeyInfo of an Ed25519 key, before its 32 raw bytes. */
        private static final byte[] ED25519_X509_PREFIX =
            {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        private static final int RAW_KEY_LENGTH = 32;

        public String id;
        public PublicKey publicKey;

        /**
         * @param id        the key id, [A-Za-z0-9._-]{1,32}.
         * @param publicKey the Ed25519 public key.
         */
        public KeyConfig(final String id, final PublicKey publicKey)
        {
            this.id = id;
            this.publicKey = publicKey;
        }

        /**
         * Decode a public key as configurations give it: 32 raw bytes (as libsodium and most Ed25519 libraries
         * print them) or the X.509 SubjectPublicKeyInfo the JDK encodes (44 bytes).
         *
         * @param key     the configuration key to name in an error.
         * @param encoded the bytes, after base64.
         * @return the public key.
         * @throws ConfigurationException naming the key when the bytes are not an Ed25519 public key.
         */
        public static PublicKey decodePublicKey(final String key, final byte[] encoded)
        {
            final byte[] x509;
            if (encoded.length == RAW_KEY_LENGTH)
            {
                x509 = Arrays.copyOf(ED25519_X509_PREFIX, ED25519_X509_PREFIX.length + RAW_KEY_LENGTH);
                System.arraycopy(encoded, 0, x509, ED25519_X509_PREFIX.length, RAW_KEY_LENGTH);
            }
            else if (encoded.length == ED25519_X509_PREFIX.length + RAW_KEY_LENGTH &&
                Arrays.equals(encoded, 0, ED25519_X509_PREFIX.length, ED25519_X509_PREFIX, 0,
                    ED25519_X509_PREFIX.length))
            {
                x509 = encoded;
            }
            else
            {
                throw new ConfigurationException(key, "not an Ed25519 public key: expected 32 raw bytes or a 44-byte " +
                    "X.509 encoding (base64), got " + encoded.length + " bytes");
            }
            try
            {
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(x509));
            }
            catch (final NoSuchAlgorithmException | InvalidKeySpecException ex)
            {
                throw new ConfigurationException(key, "not an Ed25519 public key: " + ex.getMessage());
            }
        }

        void validate(final String key)
        {
            if (id == null || !KEY_ID.matcher(id).matches())
            {
                throw new ConfigurationException(key + ".id", "must match [A-Za-z0-9._-]{1," +
                    Command.KEY_ID_LENGTH_MAX + "}, was " + (id == null ? "missing" : "'" + id + "'"));
            }
            if (publicKey == null)
            {
                throw new ConfigurationException(key + ".publicKey", "missing");
            }
            if (!"Ed25519".equals(publicKey.getAlgorithm()) && !"EdDSA".equals(publicKey.getAlgorithm()))
            {
                throw new ConfigurationException(key + ".publicKey", "not an Ed25519 key: " +
                    publicKey.getAlgorithm());
            }
        }
    }

    /**
     * The approvers of one class of privileged commands and how many of them must sign: M of N.
     */
    public static final class ApprovalRule
    {
        public int required;
        public List<String> keys = new ArrayList<>();

        /**
         * @param required M: distinct approvers that must sign.
         * @param keys     N: the key ids that may.
         */
        public ApprovalRule(final int required, final List<String> keys)
        {
            this.required = required;
            this.keys = new ArrayList<>(keys);
        }
    }

    /**
     * Capacities of the off-heap tables (SPEC §9 {@code limits}); each table is sized for its limit up front.
     */
    public static final class Limits
    {
        public long accountsMax = 1_000_000;
        public long positionsMax = 4_000_000;
        public long holdsMax = 1_000_000;
        public long txIdsMax = 16_000_000;
        public long inflowsMax = 1_000_000;
        /** Reversible credits (deposits and crediting adjustments) kept for REVERSE (SPEC §5.6). */
        public long creditsMax = 1_000_000;

        /**
         * SPEC §11: txIds kept beyond {@link #txIdsMax} for control commands ({@code HALT}, {@code FREEZE},
         * {@code RESUME}, {@code UNFREEZE}, {@code ATTEST}, {@code INFLOW}), so that a table full of ordinary
         * commands never stops the controls: a hundredth of the limit, at least 1,024.
         *
         * @return how many.
         */
        public long txIdsReserve()
        {
            return Math.max(1_024, txIdsMax / 100);
        }

        /**
         * @param table a table.
         * @return the most entries it holds: its configured limit, with the control reserve for txIds.
         */
        public long entriesMax(final TableKind table)
        {
            return table == TableKind.TX_IDS ? txIdsMax + txIdsReserve() : limitOf(table);
        }

        /**
         * @param table a table.
         * @return its configured limit.
         */
        public long limitOf(final TableKind table)
        {
            switch (table)
            {
                case ACCOUNTS: return accountsMax;
                case POSITIONS: return positionsMax;
                case HOLDS: return holdsMax;
                case TX_IDS: return txIdsMax;
                case INFLOWS: return inflowsMax;
                case CREDITS: return creditsMax;
                default: throw new IllegalArgumentException(String.valueOf(table));
            }
        }

        void validate(final String key)
        {
            for (final TableKind table : TableKind.values())
            {
                final String limitKey = key + "." + table.limitKey();
                final long max = limitOf(table);
                requirePositive(limitKey, max);
                final long entriesMax = entriesMax(table);
                final int capacity = capacityFor(entriesMax);
                final long bytes = capacity < 0 ? Long.MAX_VALUE :
                    tableBytes(entriesMax, io.ledgerguard.core.internal.Descriptors.slotBytes(table));
                if (bytes > TABLE_BYTES_MAX)
                {
                    throw new ConfigurationException(limitKey, "too large for one table: " + table.limitKey() + "=" +
                        max + " needs " + bytes + " bytes, more than " + TABLE_BYTES_MAX);
                }
            }
        }
    }

    /**
     * SPEC §11: the guard runs for years on fixed tables, so what it remembers for idempotency and reversal is kept
     * for a window of sequenced time, then forgotten. A command whose own time is older than the txId window is
     * refused, so that a late resubmission of a forgotten txId can never be applied twice.
     */
    public static final class Retention
    {
        /** An hour: a client that lost an answer resubmits within seconds or minutes. */
        public static final long TX_ID_WINDOW_MS_DEFAULT = 3_600_000L;
        /** A week to reverse an erroneous credit with {@code REVERSE}; an approved {@code ADJUST} corrects later. */
        public static final long CREDIT_REVERSAL_WINDOW_MS_DEFAULT = 7 * 86_400_000L;

        /** How long a decided txId is remembered: a resubmission within it gets the original decision (I6). */
        public long txIdWindowMs = TX_ID_WINDOW_MS_DEFAULT;
        /** How long a credit can be reversed by {@code REVERSE} (SPEC §5.6). */
        public long creditReversalWindowMs = CREDIT_REVERSAL_WINDOW_MS_DEFAULT;

        void validate(final String key)
        {
            requirePositive(key + ".txIdWindowMs", txIdWindowMs);
            requirePositive(key + ".creditReversalWindowMs", creditReversalWindowMs);
        }
    }

    private static void requireNotNegative(final String key, final long value)
    {
        if (value < 0)
        {
            throw new ConfigurationException(key, "must be >= 0, was " + value);
        }
    }

    private static void requirePositive(final String key, final long value)
    {
        if (value <= 0)
        {
            throw new ConfigurationException(key, "must be > 0, was " + value);
        }
    }

    private static void requireBps(final String key, final long value)
    {
        if (value < 0 || value > 10_000)
        {
            throw new ConfigurationException(key, "must be 0..10000 basis points, was " + value);
        }
    }
}
