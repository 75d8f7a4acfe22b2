package io.ledgerguard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.ProfilersFailedException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The main class of {@code benchmarks.jar}: JMH's own command line ({@code -f}, {@code -wi}, {@code -i}, {@code -w},
 * {@code -r}, {@code -prof gc}, a regex of benchmarks, ...), with the JVM flags the libraries need appended to every
 * fork.
 * <p>
 * The flags come from {@code guard.jvm.flags} in {@code jvm.properties} at the repository root, copied into the
 * resource {@value #FLAGS_RESOURCE} by Maven resource filtering, so that they are written in one place only. A
 * {@code -jvmArgsAppend} given on the command line is kept and goes after them.
 */
public final class BenchMain
{
    static final String FLAGS_RESOURCE = "jvm-flags.properties";
    static final String FLAGS_PROP_NAME = "guard.jvm.flags";

    private BenchMain()
    {
    }

    /**
     * Run JMH as {@code org.openjdk.jmh.Main} would, with the guard's JVM flags appended to every fork.
     *
     * @param args JMH command-line arguments.
     * @throws IOException if the flags resource cannot be read.
     */
    public static void main(final String[] args) throws IOException
    {
        final CommandLineOptions commandLine;
        try
        {
            commandLine = new CommandLineOptions(args);
        }
        catch (final CommandLineOptionException ex)
        {
            System.err.println("Error parsing command line:");
            System.err.println(" " + ex.getMessage());
            System.exit(1);
            return;
        }

        final List<String> jvmArgsAppend = new ArrayList<>(jvmFlags());
        // OptionsBuilder's jvmArgsAppend replaces its parent's rather than adding to them: merge them here.
        jvmArgsAppend.addAll(commandLine.getJvmArgsAppend().orElse(Collections.emptyList()));
        final Options options = new OptionsBuilder()
            .parent(commandLine)
            .jvmArgsAppend(jvmArgsAppend.toArray(new String[0]))
            .build();

        try
        {
            final Runner runner = new Runner(options);
            if (commandLine.shouldHelp())
            {
                commandLine.showHelp();
            }
            else if (commandLine.shouldList())
            {
                runner.list();
            }
            else if (commandLine.shouldListWithParams())
            {
                runner.listWithParams(commandLine);
            }
            else if (commandLine.shouldListProfilers())
            {
                commandLine.listProfilers();
            }
            else if (commandLine.shouldListResultFormats())
            {
                commandLine.listResultFormats();
            }
            else
            {
                runner.run();
            }
        }
        catch (final NoBenchmarksException ex)
        {
            System.err.println("No matching benchmarks. Miss-spelled regexp? Use -l to list the benchmarks.");
            System.exit(1);
        }
        catch (final ProfilersFailedException ex)
        {
            System.err.println(ex.getMessage());
            System.exit(1);
        }
        catch (final RunnerException ex)
        {
            System.err.println("ERROR: " + ex.getMessage());
            ex.printStackTrace(System.err);
            System.exit(1);
        }
    }

    /**
     * @return the guard's JVM flags, one option per element.
     * @throws IOException if the resource cannot be read.
     */
    static Collection<String> jvmFlags() throws IOException
    {
        final Properties properties = new Properties();
        try (InputStream in = BenchMain.class.getResourceAsStream(FLAGS_RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("resource missing: resource=" + FLAGS_RESOURCE);
            }
            properties.load(in);
        }
        final String flags = properties.getProperty(FLAGS_PROP_NAME, "").trim();
        if (flags.isEmpty() || flags.contains("${"))
        {
            throw new IllegalStateException("JVM flags not filtered into the resource: resource=" + FLAGS_RESOURCE +
                ", " + FLAGS_PROP_NAME + "=" + flags);
        }
        final List<String> result = new ArrayList<>();
        for (final String flag : flags.split("\\s+"))
        {
            result.add(flag);
        }
        return result;
    }
}
