package io.ledgerguard.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig.KeyConfig;

/**
 * An approver's Ed25519 key pair in a small text file, readable by the owner only:
 * <pre>
 * # ledger-guard approver key: keep this file secret
 * id=alice
 * privateKey=MC4CAQAwBQYDK2VwBCIEI...   (PKCS#8, base64)
 * publicKey=MCowBQYDK2VwAyEA...         (X.509, base64: what the configuration's keys list takes)
 * </pre>
 */
public final class KeyFile
{
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._-]{1," + Command.KEY_ID_LENGTH_MAX + "}");

    private final String id;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    private KeyFile(final String id, final PrivateKey privateKey, final PublicKey publicKey)
    {
        this.id = id;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
    }

    /**
     * Generate a key pair and write it to a new file, readable and writable by the owner only.
     *
     * @param id   the key id approvals will name.
     * @param file a file that does not exist yet.
     * @return the key.
     * @throws KeyFileException when the id is not valid or the file exists or cannot be written.
     */
    public static KeyFile generate(final String id, final Path file)
    {
        if (!KEY_ID.matcher(id).matches())
        {
            throw new KeyFileException("--id: must match [A-Za-z0-9._-]{1," + Command.KEY_ID_LENGTH_MAX + "}, was '" +
                id + "'");
        }
        final KeyPair pair;
        try
        {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new KeyFileException("this JDK cannot generate Ed25519 keys: " + ex.getMessage());
        }
        final KeyFile key = new KeyFile(id, pair.getPrivate(), pair.getPublic());
        final String text = "# ledger-guard approver key: keep this file secret\n" +
            "id=" + id + "\n" +
            "privateKey=" + Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n" +
            "publicKey=" + key.publicKeyBase64() + "\n";
        try
        {
            try
            {
                Files.createFile(file,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            catch (final UnsupportedOperationException ex)
            {
                Files.createFile(file);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        }
        catch (final FileAlreadyExistsException ex)
        {
            throw new KeyFileException(file + ": already exists; a key file is never overwritten");
        }
        catch (final IOException ex)
        {
            try
            {
                // Created but not written: leave nothing that would block the next attempt.
                Files.deleteIfExists(file);
            }
            catch (final IOException ignored)
            {
                // The message below names the file; its owner can remove it.
            }
            throw new KeyFileException(file + ": cannot write: " + ex);
        }
        return key;
    }

    /**
     * @param file a key file written by {@link #generate(String, Path)}.
     * @return the key.
     * @throws KeyFileException naming the file and line of the problem.
     */
    public static KeyFile read(final Path file)
    {
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new KeyFileException(file + ": cannot read: " + ex);
        }
        String id = null;
        String privateText = null;
        String publicText = null;
        int privateLine = 0;
        int publicLine = 0;
        for (int i = 0; i < lines.size(); i++)
        {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final int eq = line.indexOf('=');
            final String name = eq < 0 ? line : line.substring(0, eq);
            final String value = eq < 0 ? "" : line.substring(eq + 1);
            switch (name)
            {
                case "id": id = value; break;
                case "privateKey": privateText = value; privateLine = i + 1; break;
                case "publicKey": publicText = value; publicLine = i + 1; break;
                default: throw new KeyFileException(file + ": line " + (i + 1) + ": unknown entry '" + name +
                    "'; expected id, privateKey, publicKey");
            }
        }
        if (id == null || !KEY_ID.matcher(id).matches())
        {
            throw new KeyFileException(file + ": " + (id == null ? "missing 'id'" : "invalid id '" + id +
                "': must match [A-Za-z0-9._-]{1," + Command.KEY_ID_LENGTH_MAX + "}"));
        }
        if (privateText == null || publicText == null)
        {
            throw new KeyFileException(file + ": missing '" + (privateText == null ? "privateKey" : "publicKey") + "'");
        }
        final PrivateKey privateKey;
        try
        {
            privateKey = KeyFactory.getInstance("Ed25519")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(privateText)));
        }
        catch (final GeneralSecurityException | IllegalArgumentException ex)
        {
            throw new KeyFileException(file + ": line " + privateLine + ": privateKey is not an Ed25519 PKCS#8 key " +
                "in base64: " + ex.getMessage());
        }
        final PublicKey publicKey;
        try
        {
            publicKey = KeyConfig.decodePublicKey("publicKey", Base64.getDecoder().decode(publicText));
        }
        catch (final RuntimeException ex)
        {
            throw new KeyFileException(file + ": line " + publicLine + ": publicKey is not an Ed25519 key in base64: " +
                ex.getMessage());
        }
        return new KeyFile(id, privateKey, publicKey);
    }

    /**
     * @return the key id.
     */
    public String id()
    {
        return id;
    }

    /**
     * @return the private key.
     */
    public PrivateKey privateKey()
    {
        return privateKey;
    }

    /**
     * @return the public key.
     */
    public PublicKey publicKey()
    {
        return publicKey;
    }

    /**
     * @return the public key as the configuration takes it.
     */
    public String publicKeyBase64()
    {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }

    /**
     * @return the entry for the configuration's {@code keys:} list.
     */
    public String configEntry()
    {
        return "- { id: " + id + ", publicKey: \"" + publicKeyBase64() + "\" }";
    }
}
