package io.ledgerguard.gateway;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import com.sun.net.httpserver.HttpExchange;
import org.slf4j.Logger;

import io.ledgerguard.config.AdminSettings;

/**
 * The bearer-token check of the HTTP read endpoints (SPEC §12), the same for the admin server and a cluster node's
 * status server: with tokens configured ({@code admin.tokens}), a request must carry one
 * ({@code Authorization: Bearer TOKEN}) whose role may read the endpoint. A missing or unknown token is answered 401
 * with a {@code WWW-Authenticate} challenge and logged with the peer; a token whose role is too small, 403 naming both
 * roles. Without tokens every request passes.
 */
final class BearerTokens
{
    /** Why a request was refused, as the refusal counters name it. */
    enum Fault
    {
        TOKEN_MISSING,
        TOKEN_UNKNOWN,
        TOKEN_ROLE
    }

    /** Writes a JSON answer, as the server writes its others. */
    @FunctionalInterface
    interface Answer
    {
        void json(HttpExchange exchange, int status, Object body) throws IOException;
    }

    private BearerTokens()
    {
    }

    /**
     * @return the configured token the request's {@code Authorization: Bearer} header carries, or {@code null}
     *         (none configured, no such header, or an unknown token).
     */
    static AdminSettings.Token find(final AdminSettings settings, final HttpExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (settings.tokens().isEmpty() || header == null || !header.startsWith("Bearer "))
        {
            return null;
        }
        return settings.find(header.substring("Bearer ".length()).trim());
    }

    /**
     * @param settings the tokens; none for every request to pass.
     * @param exchange the request, answered here when refused.
     * @param path     the endpoint, for the answer and the log.
     * @param needed   the role the endpoint needs.
     * @param log      where refusals for want of a known token are logged, with {@code server} and the peer.
     * @param server   the server's name in the log: {@code admin}, {@code cluster status}.
     * @param counted  counts a refusal, before it is answered (a peer that hangs up is counted all the same).
     * @param answer   how the server writes JSON.
     * @return {@code null} when the request may be served; otherwise why it was refused (and answered).
     * @throws IOException when the refusal cannot be written.
     */
    static Fault check(
        final AdminSettings settings,
        final HttpExchange exchange,
        final String path,
        final AdminSettings.Role needed,
        final Logger log,
        final String server,
        final Consumer<Fault> counted,
        final Answer answer) throws IOException
    {
        if (settings.tokens().isEmpty())
        {
            return null;
        }
        final String header = exchange.getRequestHeaders().getFirst("Authorization");
        final AdminSettings.Token token = find(settings, exchange);
        if (token == null)
        {
            log.warn("{}: {} {} from {} refused: {}", server, exchange.getRequestMethod(), path,
                exchange.getRemoteAddress(), header == null ? "no bearer token" : "unknown token");
            final Fault fault = header == null ? Fault.TOKEN_MISSING : Fault.TOKEN_UNKNOWN;
            counted.accept(fault);
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"ledger-guard\"");
            answer.json(exchange, 401, Map.of("error", path + " needs a bearer token from admin.tokens"));
            return fault;
        }
        if (!token.role().allows(needed))
        {
            counted.accept(Fault.TOKEN_ROLE);
            answer.json(exchange, 403, Map.of("error", "token '" + token.name() + "' is a " +
                token.role().name().toLowerCase(Locale.ROOT) + "'s; " + path + " needs an " +
                needed.name().toLowerCase(Locale.ROOT) + "'s"));
            return Fault.TOKEN_ROLE;
        }
        return null;
    }
}
