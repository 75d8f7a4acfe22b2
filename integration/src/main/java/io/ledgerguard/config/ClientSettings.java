package io.ledgerguard.config;

import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;

/**
 * The gateway's view of the roles and clients of the rules in force (SPEC §12, §13): who may connect to the binary
 * gateway, proven by an Ed25519 key, and which command types each may send. A rule change may add a client, set its
 * role or revoke it; the gateway then takes a new view ({@link #of}). With no clients the gateway is open to whoever
 * reaches it, which {@code serve} allows on loopback and the Unix socket only.
 */
public final class ClientSettings
{
    /** Most clients a configuration may name. */
    public static final int CLIENTS_MAX = GuardConfig.CLIENTS_MAX;
    /** Connections one client may hold at once unless its entry says otherwise. */
    public static final int CONNECTIONS_MAX_DEFAULT = GuardConfig.CONNECTIONS_MAX_DEFAULT;

    /**
     * One client: its id (the {@code Hello}'s {@code clientName}), its public key, its role and its connection limit.
     */
    public static final class Client
    {
        private final int number;
        private final String id;
        private final byte[] idBytes;
        private final PublicKey publicKey;
        private final String role;
        private final long commandKinds;
        private final int connectionsMax;
        private final boolean revoked;

        /**
         * @param number         its 1-based place in {@code clients:}: the figure alerts name it by.
         * @param id             its id, at most {@link Command#CLIENT_ID_LENGTH_MAX} bytes of ASCII.
         * @param publicKey      its Ed25519 public key.
         * @param role           the name of its role.
         * @param commandKinds   bit {@link CommandType#code()} set for each command type the role allows.
         * @param connectionsMax connections it may hold at once.
         */
        public Client(final int number, final String id, final PublicKey publicKey, final String role,
            final long commandKinds, final int connectionsMax)
        {
            this(number, id, publicKey, role, commandKinds, connectionsMax, false);
        }

        /**
         * @param number         its 1-based place in {@code clients}: the figure alerts name it by.
         * @param id             its id, at most {@link Command#CLIENT_ID_LENGTH_MAX} bytes of ASCII.
         * @param publicKey      its Ed25519 public key.
         * @param role           the name of its role.
         * @param commandKinds   bit {@link CommandType#code()} set for each command type the role allows.
         * @param connectionsMax connections it may hold at once.
         * @param revoked        revoked by a rule change: refused at the handshake, and allowed no command.
         */
        public Client(final int number, final String id, final PublicKey publicKey, final String role,
            final long commandKinds, final int connectionsMax, final boolean revoked)
        {
            this.number = number;
            this.id = id;
            this.idBytes = id.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            assert idBytes.length <= Command.CLIENT_ID_LENGTH_MAX : "client id of " + idBytes.length + " bytes";
            this.publicKey = publicKey;
            this.role = role;
            this.commandKinds = revoked ? 0 : commandKinds;
            this.connectionsMax = connectionsMax;
            this.revoked = revoked;
        }

        /**
         * @return true once a rule change revoked it.
         */
        public boolean revoked()
        {
            return revoked;
        }

        public int number()
        {
            return number;
        }

        public String id()
        {
            return id;
        }

        /**
         * @return its id's bytes, as the journal records them (not to be changed).
         */
        public byte[] idBytes()
        {
            return idBytes;
        }

        public PublicKey publicKey()
        {
            return publicKey;
        }

        public String role()
        {
            return role;
        }

        /**
         * @return bit {@link CommandType#code()} set for each command type its role allows.
         */
        public long commandKinds()
        {
            return commandKinds;
        }

        public int connectionsMax()
        {
            return connectionsMax;
        }

        /**
         * The role check: the command's type and, for a {@code BATCH}, every inner command's. Allocates nothing.
         *
         * @param command a decoded command.
         * @return the first command type the role does not allow, or {@code null} when it allows them all.
         */
        public CommandType forbidden(final Command command)
        {
            return command.firstTypeOutside(commandKinds);
        }
    }

    private final Map<String, Client> clients;

    /**
     * @param clients the clients, in the configuration's order.
     */
    public ClientSettings(final List<Client> clients)
    {
        final Map<String, Client> byId = new LinkedHashMap<>();
        for (final Client client : clients)
        {
            byId.put(client.id(), client);
        }
        this.clients = java.util.Collections.unmodifiableMap(byId);
    }

    /**
     * @param rules rules in force (SPEC §13).
     * @return the gateway's view of their roles and clients.
     */
    public static ClientSettings of(final GuardConfig rules)
    {
        final List<Client> clients = new java.util.ArrayList<>();
        for (int i = 0; i < rules.clients().size(); i++)
        {
            final GuardConfig.ClientConfig client = rules.clients().get(i);
            clients.add(new Client(i + 1, client.id, client.publicKey, client.role, rules.roles().get(client.role),
                client.connectionsMax, client.revoked));
        }
        return new ClientSettings(clients);
    }

    /**
     * @return settings that name no clients: the gateway is open.
     */
    public static ClientSettings none()
    {
        return new ClientSettings(List.of());
    }

    /**
     * @return true when clients are named: every connection must prove its key.
     */
    public boolean required()
    {
        return !clients.isEmpty();
    }

    /**
     * @param id a client id as a {@code Hello} gives it.
     * @return the client, or {@code null} when none has that id.
     */
    public Client find(final String id)
    {
        return clients.get(id);
    }

    /**
     * @return the clients, in the configuration's order.
     */
    public List<Client> clients()
    {
        return List.copyOf(clients.values());
    }

    /**
     * @param commandKinds a role's bits.
     * @return the command types they allow, by name, in code order.
     */
    public static String describe(final long commandKinds)
    {
        final StringBuilder text = new StringBuilder();
        for (final CommandType type : CommandType.values())
        {
            if ((commandKinds & (1L << type.code())) != 0)
            {
                text.append(text.length() == 0 ? "" : ", ").append(type);
            }
        }
        return text.toString();
    }
}
