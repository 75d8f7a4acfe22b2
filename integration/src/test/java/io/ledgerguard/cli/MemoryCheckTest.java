package io.ledgerguard.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.ledgerguard.audit.AuditJournals;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.MemoryBudget;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve}, {@code replay} and {@code demo} compare the off-heap memory their configuration needs with the JVM's
 * direct-memory limit before they allocate anything: too much is exit 2 naming the limits and the total, with nothing
 * started and no journal created. Each runs in a child JVM whose limit the test sets, so that the outcome does not
 * depend on this machine's memory.
 */
class MemoryCheckTest
{
    /** Far less than the example configuration's tables take. */
    private static final long DIRECT_MEMORY_MAX_BYTES = 2L << 20;
    private static final long CHILD_TIMEOUT_SECONDS = 120;

    @TempDir
    Path temp;

    @Test
    void shouldRefuseToServeWhenTwoEnginesDoNotFit() throws Exception
    {
        final long engine = MemoryBudget.of(ConfigLoader.load(AuditJournals.EXAMPLE_CONFIG)).engineBytes();
        assertTrue(engine > 2 * DIRECT_MEMORY_MAX_BYTES, "the example's tables exceed the limit: " + engine);
        final Path journal = temp.resolve("journal");

        final String[] served = run("serve", "--config", AuditJournals.EXAMPLE_CONFIG.toString(), "--journal",
            journal.toString(), "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--for-seconds", "1");

        assertEquals("2", served[0], served[1]);
        assertTrue(served[1].contains("configuration error: limits: the guard's off-heap state needs " + 2 * engine +
            " bytes (2 engines of " + engine + " bytes: limits.accountsMax=10000: "), served[1]);
        assertTrue(served[1].contains("limits.txIdsMax=100000: "), served[1]);
        assertTrue(served[1].contains("-XX:MaxDirectMemorySize"), served[1]);
        assertFalse(served[1].contains("\tat "), "no stack trace: " + served[1]);
        assertFalse(Files.exists(journal), "nothing was started");
    }

    @Test
    void shouldRefuseToReplayOrRunTheDemoWhenTheyDoNotFit() throws Exception
    {
        final String[] replayed = run("replay", "--config", AuditJournals.EXAMPLE_CONFIG.toString(), "--commands",
            AuditJournals.EXAMPLE_COMMANDS.toString());
        final String[] demo = run("demo", "--accounts", "1000", "--journal", temp.resolve("demo").toString());

        assertEquals("2", replayed[0], replayed[1]);
        assertTrue(replayed[1].contains("limits: the guard's off-heap state needs"), replayed[1]);
        assertFalse(replayed[1].contains("engines of"), "replay holds one engine: " + replayed[1]);
        assertEquals("2", demo[0], demo[1]);
        assertTrue(demo[1].contains("limits: the guard's off-heap state needs") &&
            demo[1].contains("3 engines of"), "the live guard, the snapshots' copy and the recovered one: " + demo[1]);
        assertFalse(Files.exists(temp.resolve("demo")), "nothing was started");
    }

    /**
     * @return the exit code and standard error of the command line in a JVM limited to
     *         {@link #DIRECT_MEMORY_MAX_BYTES} of direct memory.
     */
    private String[] run(final String... args) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!argument.startsWith("-agentlib") && !argument.startsWith("-javaagent") &&
                !argument.startsWith("-XX:MaxDirectMemorySize"))
            {
                command.add(argument);
            }
        }
        command.add("-XX:MaxDirectMemorySize=" + DIRECT_MEMORY_MAX_BYTES);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(LedgerGuardCli.class.getName());
        command.addAll(List.of(args));
        final Path err = Files.createTempFile(temp, "stderr", ".log");
        final Process process = new ProcessBuilder(command).redirectError(err.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!process.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the command did not end: " + String.join(" ", args));
        }
        return new String[] {String.valueOf(process.exitValue()), Files.readString(err)};
    }
}
