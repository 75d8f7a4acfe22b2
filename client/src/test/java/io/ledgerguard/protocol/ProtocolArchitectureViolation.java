package io.ledgerguard.protocol;

import io.ledgerguard.client.GatewayClient;

/**
 * Breaks {@code ArchitectureTest}'s rule that the protocol's codecs do not know the client, on purpose. Only
 * {@code ArchitectureViolationsTest} imports it.
 */
final class ProtocolArchitectureViolation
{
    private ProtocolArchitectureViolation()
    {
    }

    static String client(final GatewayClient client)
    {
        return String.valueOf(client);
    }
}
