package io.ledgerguard.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The {@code admin:} section of the configuration (issue 14, SPEC §12): the bearer tokens that may read the admin HTTP
 * endpoints, each stored as the SHA-256 of the token, never the token. With none, the admin server is open to every
 * local user and may listen on loopback only. Also how long an alert stream's subscriber may leave a write unread
 * before its stream is closed and its slot freed.
 */
public final class AdminSettings
{
    /** A write to an alert stream not done after this long means its subscriber does not read. */
    public static final long ALERT_STREAM_DEADLINE_MS_DEFAULT = 10_000;
    /** The longest deadline taken: beyond it a subscriber that does not read would hold its slot all but forever. */
    public static final long ALERT_STREAM_DEADLINE_MS_MAX = 600_000;

    /**
     * What a token may read.
     */
    public enum Role
    {
        /** {@code /status}, {@code /metrics}, {@code /alerts} and {@code /alerts/stream}. */
        VIEWER,
        /** All a viewer may, and every account's balances: {@code /accounts/{id}}. */
        AUDITOR;

        /**
         * @param needed the role an endpoint needs.
         * @return true when this role may read it.
         */
        public boolean allows(final Role needed)
        {
            return ordinal() >= needed.ordinal();
        }
    }

    /**
     * One token: its name (for the log), its role, and its SHA-256.
     */
    public static final class Token
    {
        private final String name;
        private final Role role;
        private final byte[] sha256;

        /**
         * @param name   the token's name, for the log.
         * @param role   what it may read.
         * @param sha256 the SHA-256 of the token's UTF-8 bytes, 32 bytes.
         */
        public Token(final String name, final Role role, final byte[] sha256)
        {
            this.name = name;
            this.role = role;
            this.sha256 = sha256.clone();
        }

        public String name()
        {
            return name;
        }

        public Role role()
        {
            return role;
        }

        /**
         * @param presented a token as presented in a request.
         * @return true when it is this token (compared in constant time, by digest).
         */
        public boolean matches(final byte[] presentedSha256)
        {
            return MessageDigest.isEqual(sha256, presentedSha256);
        }
    }

    private final List<Token> tokens;
    private final long alertStreamDeadlineMs;

    /**
     * @param tokens the tokens; none for an admin server open to local users.
     */
    public AdminSettings(final List<Token> tokens)
    {
        this(tokens, ALERT_STREAM_DEADLINE_MS_DEFAULT);
    }

    /**
     * @param tokens                the tokens; none for an admin server open to local users.
     * @param alertStreamDeadlineMs how long a write to an alert stream may take before the stream is closed: its
     *                              subscriber does not read.
     * @throws IllegalArgumentException when the deadline is not positive or above
     *                                  {@link #ALERT_STREAM_DEADLINE_MS_MAX}.
     */
    public AdminSettings(final List<Token> tokens, final long alertStreamDeadlineMs)
    {
        if (alertStreamDeadlineMs <= 0 || alertStreamDeadlineMs > ALERT_STREAM_DEADLINE_MS_MAX)
        {
            throw new IllegalArgumentException("the alert stream deadline must be positive and at most " +
                ALERT_STREAM_DEADLINE_MS_MAX + " ms: alertStreamDeadlineMs=" + alertStreamDeadlineMs);
        }
        this.tokens = List.copyOf(tokens);
        this.alertStreamDeadlineMs = alertStreamDeadlineMs;
    }

    /**
     * @return settings without tokens.
     */
    public static AdminSettings none()
    {
        return new AdminSettings(List.of());
    }

    /**
     * @return the tokens.
     */
    public List<Token> tokens()
    {
        return tokens;
    }

    /**
     * @param alertStreamDeadlineMs how long a write to an alert stream may take before the stream is closed.
     * @return these settings with that deadline.
     */
    public AdminSettings withAlertStreamDeadlineMs(final long alertStreamDeadlineMs)
    {
        return new AdminSettings(tokens, alertStreamDeadlineMs);
    }

    /**
     * @return how long a write to an alert stream may take before the stream is closed: its subscriber does not read.
     */
    public long alertStreamDeadlineMs()
    {
        return alertStreamDeadlineMs;
    }

    /**
     * @param token a token as presented.
     * @return the configured token it is, or {@code null}.
     */
    public Token find(final String token)
    {
        final byte[] digest = sha256(token);
        Token found = null;
        for (final Token candidate : tokens)
        {
            // Every token is compared, found or not: the time taken says nothing about which one matched.
            if (candidate.matches(digest) && found == null)
            {
                found = candidate;
            }
        }
        return found;
    }

    /**
     * @param token a token.
     * @return the SHA-256 of its UTF-8 bytes.
     */
    public static byte[] sha256(final String token)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("SHA-256 is part of every JDK", ex);
        }
    }
}
