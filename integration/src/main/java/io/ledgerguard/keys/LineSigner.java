package io.ledgerguard.keys;

import java.util.Base64;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.approval.SigningPayload;
import io.ledgerguard.json.CommandLineParser;
import io.ledgerguard.json.MalformedCommandException;

/**
 * Adds one approver's approval to a command file line (SPEC §6, §9): sets the line's {@code expiresAtMs} when it has
 * none, signs the command's canonical bytes ({@link SigningPayload}) and appends {@code {"keyId", "signature"}} to its
 * {@code approvals}, replacing an earlier approval by the same key. Approvers sign the same line in turn, each
 * passing the output on to the next; the order does not matter, since approvals are not part of what is signed.
 */
public final class LineSigner
{
    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
        // The guard's parser refuses a duplicate key: what the approver reads must be what is signed.
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final GuardConfig config;
    private final CommandLineParser parser;
    private final Command command = new Command();

    /**
     * @param config the configuration whose asset codes the lines name.
     */
    public LineSigner(final GuardConfig config)
    {
        this.config = config.conclude();
        this.parser = new CommandLineParser(config);
    }

    /**
     * @param line        one command file line.
     * @param key         the approver's key.
     * @param expiresAtMs the expiry to set, or {@code null} to keep the line's own, or else to take
     *                    {@code atMs + validForMs}.
     * @param validForMs  how long the approval holds after the command's {@code atMs}, when the line has no expiry.
     * @param nowMs       the signer's clock: an expiry further than {@code approvals.validityMsMax} past it is refused,
     *                    so that no approval is made to be held back and used later.
     * @return the line with the approval added, as compact JSON.
     * @throws KeyFileException naming the field when the line cannot be signed.
     */
    public String sign(final String line, final KeyFile key, final Long expiresAtMs, final long validForMs,
        final long nowMs)
    {
        final ObjectNode object = objectOf(line);
        final CommandType type = typeOf(object);
        if (!SigningPayload.signable(type))
        {
            throw new KeyFileException("a " + type + " takes no approvals; privileged commands are ADJUST, REVERSE, " +
                "UNFREEZE, RESUME, ATTEST, INFLOW and SWEEP, and FREEZE and HALT take them over HTTP");
        }
        final JsonNode existing = object.get("approvals");
        final boolean hasApprovals = existing instanceof ArrayNode && existing.size() > 0;
        setExpiry(object, hasApprovals, expiresAtMs, validForMs, nowMs);

        final String unsigned;
        try
        {
            unsigned = JSON.writeValueAsString(object);
            parser.parse(unsigned, command);
        }
        catch (final JsonProcessingException ex)
        {
            throw new KeyFileException("cannot write the line: " + ex.getOriginalMessage());
        }
        catch (final MalformedCommandException ex)
        {
            throw new KeyFileException(ex.getMessage());
        }
        final byte[] signature;
        try
        {
            signature = ApprovalVerifier.sign(command, config, key.privateKey());
        }
        catch (final IllegalArgumentException ex)
        {
            throw new KeyFileException(ex.getMessage());
        }

        object.set("approvals", approvalsWith(existing, key, signature));
        try
        {
            return JSON.writeValueAsString(object);
        }
        catch (final JsonProcessingException ex)
        {
            throw new KeyFileException("cannot write the line: " + ex.getOriginalMessage());
        }
    }

    private static ObjectNode objectOf(final String line)
    {
        final JsonNode root;
        try
        {
            root = JSON.readTree(line);
        }
        catch (final JsonProcessingException ex)
        {
            throw new KeyFileException("not a JSON command line: " + ex.getOriginalMessage());
        }
        if (!(root instanceof ObjectNode))
        {
            throw new KeyFileException("not a JSON object");
        }
        return (ObjectNode)root;
    }

    /**
     * Give the line the expiry asked for, or keep its own, or else set {@code atMs + validForMs}; then refuse an
     * expiry too far past the signer's clock.
     */
    private void setExpiry(
        final ObjectNode object, final boolean hasApprovals, final Long expiresAtMs, final long validForMs,
        final long nowMs)
    {
        final JsonNode currentExpiry = object.get("expiresAtMs");
        if (expiresAtMs != null)
        {
            if (hasApprovals && currentExpiry != null && currentExpiry.asLong() != expiresAtMs)
            {
                throw new KeyFileException("--expires-at-ms " + expiresAtMs + " differs from the line's expiresAtMs " +
                    currentExpiry.asText() + ", which its approvals signed: changing it would void them");
            }
            object.put("expiresAtMs", expiresAtMs.longValue());
        }
        else if (currentExpiry == null)
        {
            final JsonNode atMs = object.get("atMs");
            if (atMs == null || !atMs.canConvertToLong())
            {
                throw new KeyFileException("field 'atMs': needed to set expiresAtMs = atMs + valid-for; " +
                    "or give --expires-at-ms");
            }
            if (atMs.asLong() > Long.MAX_VALUE - validForMs)
            {
                throw new KeyFileException("field 'atMs': too large to add --valid-for-ms " + validForMs);
            }
            object.put("expiresAtMs", atMs.asLong() + validForMs);
        }
        final long expiry = object.get("expiresAtMs").asLong();
        if (expiry - config.approvalValidityMsMax() > nowMs)
        {
            throw new KeyFileException("field 'expiresAtMs': " + expiry + " is more than approvals.validityMsMax (" +
                config.approvalValidityMsMax() + " ms) past this machine's clock (" + nowMs + "); an approval is " +
                "given for now, not to be held back");
        }
    }

    /**
     * @return the line's approvals with this key's replaced by the new one.
     */
    private static ArrayNode approvalsWith(final JsonNode existing, final KeyFile key, final byte[] signature)
    {
        final ArrayNode approvals = JSON.createArrayNode();
        if (existing instanceof ArrayNode)
        {
            for (final JsonNode approval : existing)
            {
                if (!key.id().equals(approval.path("keyId").asText(null)))
                {
                    approvals.add(approval);
                }
            }
        }
        if (approvals.size() == Command.APPROVALS_MAX)
        {
            throw new KeyFileException("field 'approvals': already " + Command.APPROVALS_MAX + " approvals, the " +
                "most a command carries");
        }
        approvals.addObject()
            .put("keyId", key.id())
            .put("signature", Base64.getEncoder().encodeToString(signature));
        return approvals;
    }

    /**
     * @param line a command file line.
     * @return the canonical text its approvers sign, for a reviewer to read before signing.
     * @throws KeyFileException naming the field when the line is not a signable command.
     */
    public String canonicalText(final String line)
    {
        try
        {
            parser.parse(line, command);
        }
        catch (final MalformedCommandException ex)
        {
            throw new KeyFileException(ex.getMessage());
        }
        final String text = SigningPayload.text(command, config);
        if (text == null)
        {
            throw new KeyFileException("not a signable command: " + command.type);
        }
        return text;
    }

    private static CommandType typeOf(final ObjectNode object)
    {
        final JsonNode type = object.get("type");
        if (type == null || !type.isTextual())
        {
            throw new KeyFileException("field 'type': missing or not a string");
        }
        for (final CommandType candidate : CommandType.values())
        {
            if (candidate.name().equals(type.asText()))
            {
                return candidate;
            }
        }
        throw new KeyFileException("field 'type': unknown type '" + type.asText() + "'");
    }
}
