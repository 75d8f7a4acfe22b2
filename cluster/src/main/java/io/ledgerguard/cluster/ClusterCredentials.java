package io.ledgerguard.cluster;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

import io.aeron.security.CredentialsSupplier;

import io.ledgerguard.core.Command;

/**
 * Who a client of a guard cluster is (SPEC §12): its client id, sent when it connects, and its Ed25519 key, which signs
 * the challenge the leader answers with. A cluster whose rules name clients admits only those, each to its role.
 */
public final class ClusterCredentials implements CredentialsSupplier
{
    /** Signed before the client id and the challenge, so that a signature made for anything else never passes here. */
    private static final byte[] DOMAIN = "ledger-guard cluster ingress 1\0".getBytes(StandardCharsets.US_ASCII);

    private final String clientId;
    private final byte[] clientIdBytes;
    private final PrivateKey key;

    /**
     * @param clientId the client's id, as the rules' {@code clients:} name it: at most
     *                 {@link Command#CLIENT_ID_LENGTH_MAX} ASCII characters.
     * @param key      its Ed25519 private key.
     * @throws IllegalArgumentException when the id is empty, too long or not ASCII, or the key is missing.
     */
    public ClusterCredentials(final String clientId, final PrivateKey key)
    {
        if (clientId == null || clientId.isEmpty() || clientId.length() > Command.CLIENT_ID_LENGTH_MAX ||
            !StandardCharsets.US_ASCII.newEncoder().canEncode(clientId))
        {
            throw new IllegalArgumentException("a cluster client's id must be 1.." + Command.CLIENT_ID_LENGTH_MAX +
                " ASCII characters, was '" + clientId + "'");
        }
        if (key == null)
        {
            throw new IllegalArgumentException("cluster client '" + clientId + "' has no key");
        }
        this.clientId = clientId;
        this.clientIdBytes = clientId.getBytes(StandardCharsets.US_ASCII);
        this.key = key;
    }

    /**
     * @return the client's id.
     */
    public String clientId()
    {
        return clientId;
    }

    @Override
    public byte[] encodedCredentials()
    {
        return clientIdBytes.clone();
    }

    @Override
    public byte[] onChallenge(final byte[] encodedChallenge)
    {
        try
        {
            final Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initSign(key);
            signed(ed25519, clientIdBytes, encodedChallenge);
            return ed25519.sign();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("cannot sign the cluster's challenge with the key of client '" + clientId +
                "': " + ex.getMessage(), ex);
        }
    }

    /**
     * @return true when {@code signature} is the client's signature of the challenge, by {@code publicKey}.
     */
    static boolean verify(
        final PublicKey publicKey, final byte[] clientId, final byte[] challenge, final byte[] signature)
    {
        try
        {
            final Signature ed25519 = Signature.getInstance("Ed25519");
            ed25519.initVerify(publicKey);
            signed(ed25519, clientId, challenge);
            return ed25519.verify(signature);
        }
        catch (final GeneralSecurityException ex)
        {
            // A malformed signature (a wrong length) fails like a wrong one.
            return false;
        }
    }

    private static void signed(final Signature ed25519, final byte[] clientId, final byte[] challenge)
        throws GeneralSecurityException
    {
        ed25519.update(DOMAIN);
        ed25519.update((byte)clientId.length);
        ed25519.update(clientId);
        ed25519.update(challenge);
    }

    @Override
    public String toString()
    {
        return "ClusterCredentials{clientId=" + clientId + "}";
    }
}
