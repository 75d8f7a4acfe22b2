package io.ledgerguard.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One run of the launcher's commands in this process, as the audit and configuration tests make them: the exit code
 * and what was printed, which must be ASCII.
 */
final class CliRun
{
    final int code;
    final String out;
    final String err;

    private CliRun(final int code, final String out, final String err)
    {
        this.code = code;
        this.out = out;
        this.err = err;
    }

    /**
     * @param args the command line, after {@code ledger-guard}.
     * @return what the run printed and its exit code.
     */
    static CliRun execute(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = new CommandLine(new LedgerGuardCli());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        final int code = commandLine.execute(args);
        final CliRun run = new CliRun(code, out.toString(), err.toString());
        assertTrue(run.text().chars().allMatch(c -> c < 0x80), "ASCII-only output:\n" + run.text());
        return run;
    }

    String text()
    {
        return "exit " + code + "\nout:\n" + out + "\nerr:\n" + err;
    }
}
