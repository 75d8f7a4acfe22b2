package io.ledgerguard.alerts;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Supplier;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.json.AlertPublisher;

/**
 * Appends every alert to a file as one JSON line (SPEC §9, the format of {@code replay --alerts}), flushing each
 * line so that an operator tailing the file sees it at once. Runs on the dispatcher's thread; an I/O error is thrown
 * to the dispatcher, which counts it and goes on.
 */
public final class JsonLinesAlertSink implements AlertListener, AutoCloseable
{
    private final Path file;
    private final BufferedWriter writer;
    private final AlertPublisher publisher;

    /**
     * @param file   appended to, created when missing.
     * @param config the configuration, for asset codes.
     * @throws UncheckedIOException naming the file when it cannot be opened.
     */
    public JsonLinesAlertSink(final Path file, final GuardConfig config)
    {
        this(file, () -> config);
    }

    /**
     * @param file  appended to, created when missing.
     * @param rules the rules in force, for asset codes: those of assets a rule change listed too (SPEC §13).
     * @throws UncheckedIOException naming the file when it cannot be opened.
     */
    public JsonLinesAlertSink(final Path file, final Supplier<GuardConfig> rules)
    {
        this.file = file;
        try
        {
            writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
            publisher = new AlertPublisher(writer, rules);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open the alert file: file=" + file + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void onAlert(final Alert alert)
    {
        try
        {
            publisher.onAlert(alert);
            publisher.flush();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write an alert: file=" + file + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close()
    {
        try
        {
            publisher.close();
            writer.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot close the alert file: file=" + file + ": " + ex.getMessage(), ex);
        }
    }
}
