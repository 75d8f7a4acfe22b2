package io.ledgerguard.config;

import java.security.KeyPairGenerator;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.ConfigurationException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SPEC §12 in the configuration: {@code roles:} and {@code clients:} load into {@link ClientSettings}, and every
 * mistake in them is named by key and line.
 */
class ClientSettingsLoaderTest
{
    private static final String BASE = """
        assets:
          - { code: BTC, id: 1, scale: 8 }
        wallets:
          - { id: 1, asset: BTC, kind: HOT }
        limits: { accountsMax: 100, positionsMax: 400, holdsMax: 100, txIdsMax: 1000 }
        """;
    private static final String ROLES = """
        roles:
          - { name: order-gateway, commands: [HOLD, RELEASE, TRANSFER, BATCH] }
          - { name: wallet-service, commands: [WITHDRAW, WITHDRAW_CANCEL] }
        """;

    private final String key = publicKey();

    @Test
    void shouldLoadRolesAndClients()
    {
        final ClientSettings settings = ConfigLoader.parseClientSettings(BASE + ROLES + "clients:\n" +
            "  - { id: orders-1, role: order-gateway, connectionsMax: 4, publicKey: \"" + key + "\" }\n" +
            "  - { id: wallets-1, role: wallet-service, publicKey: \"" + key + "\" }\n");
        assertTrue(settings.required());
        final ClientSettings.Client orders = settings.find("orders-1");
        assertEquals(1, orders.number());
        assertEquals(4, orders.connectionsMax());
        assertEquals("order-gateway", orders.role());
        assertEquals("TRANSFER, HOLD, RELEASE, BATCH", ClientSettings.describe(orders.commandKinds()));
        assertEquals(ClientSettings.CONNECTIONS_MAX_DEFAULT, settings.find("wallets-1").connectionsMax());
        assertEquals(2, settings.find("wallets-1").number());
        assertNull(settings.find("nobody"));

        final Command transfer = new Command();
        transfer.type = CommandType.TRANSFER;
        assertNull(orders.forbidden(transfer));
        final Command batch = new Command();
        batch.type = CommandType.BATCH;
        batch.addInner().type = CommandType.TRANSFER;
        batch.addInner().type = CommandType.WITHDRAW;
        assertEquals(CommandType.WITHDRAW, orders.forbidden(batch), "an inner command is checked too");
    }

    @Test
    void shouldLeaveTheGatewayOpenWhenNoClientIsNamed()
    {
        assertFalse(ConfigLoader.parseClientSettings(BASE).required());
        assertFalse(ConfigLoader.parseClientSettings(BASE + ROLES).required());
    }

    @Test
    void shouldNameEveryMistakeByKeyAndLine()
    {
        assertEquals("roles[0].commands[1]: must be a command type (OPEN_ACCOUNT, INFLOW, DEPOSIT, TRANSFER, HOLD, " +
            "RELEASE, WITHDRAW, WITHDRAW_SETTLE, WITHDRAW_CANCEL, ADJUST, ATTEST, REVERSE, FREEZE, UNFREEZE, HALT, " +
            "RESUME, BATCH, SWEEP, CONFIGURE), was 'SEND_MONEY' (line 7)",
            refused("roles:\n  - { name: x, commands: [HOLD, SEND_MONEY] }\n"));
        assertEquals("roles[1].name: must be a name no other role has, was 'x' (line 8)",
            refused("roles:\n  - { name: x, commands: [HOLD] }\n  - { name: x, commands: [HOLD] }\n"));
        assertEquals("roles[0].commands: must name at least one command type (line 7)",
            refused("roles:\n  - { name: x, commands: [] }\n"));
        assertEquals("clients[0].role: names no role under roles: (order-gateway, wallet-service), was 'admin' " +
            "(line 10)", refused(ROLES + "clients:\n  - { id: a, role: admin, publicKey: \"" + key + "\" }\n"));
        assertEquals("clients[1].id: must match [A-Za-z0-9._-]{1," + Command.CLIENT_ID_LENGTH_MAX + "} and be no " +
            "other client's, was 'a' (line 11)", refused(ROLES + "clients:\n" +
            "  - { id: a, role: order-gateway, publicKey: \"" + key + "\" }\n" +
            "  - { id: a, role: order-gateway, publicKey: \"" + key + "\" }\n"));
        assertEquals("clients[0].id: must match [A-Za-z0-9._-]{1," + Command.CLIENT_ID_LENGTH_MAX + "} and be no " +
            "other client's, was 'has space' (line 10)",
            refused(ROLES + "clients:\n  - { id: has space, role: order-gateway, publicKey: \"" + key + "\" }\n"));
        assertEquals("clients[0].publicKey: missing required key (line 10)",
            refused(ROLES + "clients:\n  - { id: a, role: order-gateway }\n"));
        assertTrue(refused(ROLES + "clients:\n  - { id: a, role: order-gateway, publicKey: \"AAAA\" }\n")
            .startsWith("clients[0].publicKey: "));
        assertEquals("clients[0].connectionsMax: must be 1..4096, was 0 (line 10)", refused(ROLES + "clients:\n" +
            "  - { id: a, role: order-gateway, connectionsMax: 0, publicKey: \"" + key + "\" }\n"));
        final String unknown = refused(ROLES + "clients:\n  - { id: a, role: order-gateway, colour: red, " +
            "publicKey: \"" + key + "\" }\n");
        assertTrue(unknown.startsWith("clients[0].colour: unknown key; expected one of id, publicKey, role, " +
            "connectionsMax"), unknown);
    }

    private static String refused(final String section)
    {
        // The whole configuration is checked whichever part is asked for: the guard's own load refuses it too.
        final ConfigurationException ex = assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parse(BASE + section));
        assertEquals(ex.getMessage(), assertThrows(ConfigurationException.class,
            () -> ConfigLoader.parseClientSettings(BASE + section)).getMessage());
        return ex.getMessage();
    }

    private static String publicKey()
    {
        try
        {
            return Base64.getEncoder().encodeToString(
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
        }
        catch (final java.security.GeneralSecurityException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
