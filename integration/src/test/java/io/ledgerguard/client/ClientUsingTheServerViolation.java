package io.ledgerguard.client;

import io.ledgerguard.gateway.GatewaySettings;

/**
 * Breaks {@code ArchitectureTest}'s rule that the client artifact knows no package of the program, on purpose: a
 * client class that reaches into the gateway server. Only {@code ArchitectureViolationsTest} imports it.
 */
final class ClientUsingTheServerViolation
{
    private ClientUsingTheServerViolation()
    {
    }

    static Object serverSettings()
    {
        return new GatewaySettings();
    }
}
