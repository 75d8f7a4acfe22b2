package io.ledgerguard.alerts;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.pipeline.AlertListener;

/**
 * Logs every alert at WARN on the {@code io.ledgerguard.alerts} logger, in the text form of {@link Alert#toString()}.
 */
public final class LogAlertSink implements AlertListener
{
    private static final Logger LOG = LoggerFactory.getLogger("io.ledgerguard.alerts");

    @Override
    public void onAlert(final Alert alert)
    {
        if (LOG.isWarnEnabled())
        {
            LOG.warn("alert {}", alert);
        }
    }
}
