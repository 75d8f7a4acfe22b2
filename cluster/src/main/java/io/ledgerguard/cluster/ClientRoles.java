package io.ledgerguard.cluster;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig;

/**
 * The command types each client of the rules in force may send (SPEC §12), by client id: what a node checks a
 * session's commands against, by the principal the leader admitted it as. Taken again from the rules when they
 * change, and read without allocating on the service's thread.
 */
final class ClientRoles
{
    private GuardConfig rules;
    private byte[][] ids = new byte[0][];
    private long[] kinds = new long[0];

    /**
     * @param inForce   the rules in force.
     * @param principal the session's principal: a client id, or empty for a session admitted while the rules named no
     *                  clients.
     * @param command   the command the session sent.
     * @return true when the rules name clients and the principal's role does not allow the command's type, or the type
     *     of one of its inner commands: also when the principal names no client of the rules, or a revoked one.
     */
    boolean refuses(final GuardConfig inForce, final byte[] principal, final Command command)
    {
        if (inForce != rules)
        {
            take(inForce);
        }
        if (ids.length == 0)
        {
            return false;
        }
        return command.firstTypeOutside(kindsOf(principal)) != null;
    }

    /**
     * @param inForce   the rules in force, which name clients.
     * @param principal a session's principal.
     * @return whether the principal's role allows {@code type}: false for a principal that names no client of the
     *     rules, or a revoked one.
     */
    boolean allows(final GuardConfig inForce, final byte[] principal, final io.ledgerguard.core.CommandType type)
    {
        if (inForce != rules)
        {
            take(inForce);
        }
        return (kindsOf(principal) & (1L << type.code())) != 0;
    }

    private long kindsOf(final byte[] principal)
    {
        for (int i = 0; i < ids.length; i++)
        {
            if (java.util.Arrays.equals(ids[i], principal))
            {
                return kinds[i];
            }
        }
        return 0;
    }

    private void take(final GuardConfig inForce)
    {
        final List<GuardConfig.ClientConfig> clients = inForce.clients();
        final byte[][] newIds = new byte[clients.size()][];
        final long[] newKinds = new long[clients.size()];
        for (int i = 0; i < newIds.length; i++)
        {
            final GuardConfig.ClientConfig client = clients.get(i);
            newIds[i] = client.id.getBytes(StandardCharsets.US_ASCII);
            final Long roleKinds = inForce.roles().get(client.role);
            newKinds[i] = client.revoked || roleKinds == null ? 0 : roleKinds;
        }
        ids = newIds;
        kinds = newKinds;
        rules = inForce;
    }
}
