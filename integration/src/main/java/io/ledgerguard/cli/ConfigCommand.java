package io.ledgerguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.config.RulesProposal;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.json.CommandLineParser;
import io.ledgerguard.json.MalformedCommandException;

/**
 * {@code ledger-guard config}: the rules a journal holds against a configuration file (SPEC §13). Once a journal
 * records its genesis, the journal is the authority: its genesis changed by the {@code CONFIGURE} commands it
 * accepted, whatever file is on disk. {@code config diff} says what of a file is not in force; {@code config propose}
 * turns that into the unsigned {@code CONFIGURE} command lines that would put it in force, for the approvers to sign
 * with {@code keys sign}. The work is done in {@link RulesProposal}; here are the options, the output and the exit
 * codes.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = {
        "The rules a journal holds against a configuration file (SPEC 13): the journal is the authority, and the " +
            "rules change only through approved CONFIGURE commands.",
        "diff says what of the file is not in force; propose writes the CONFIGURE command lines that would put it " +
            "in force, for the approvers to sign with keys sign."
    },
    subcommands = {ConfigCommand.Diff.class, ConfigCommand.Propose.class})
final class ConfigCommand implements Callable<Integer>
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    private CommandSpec spec;

    /**
     * Without a subcommand there is nothing to do: print the usage and report a usage error.
     */
    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_USAGE;
    }

    /**
     * A configuration file and the rules its journal holds, or why they cannot be read.
     */
    private static final class Read
    {
        private GuardConfig file;
        private Genesis.History history;
        private String problem;
        /** Exit code for the problem: a journal that does not verify is a failure, the rest usage errors. */
        private int exitCode = LedgerGuardCli.EXIT_USAGE;
    }

    /**
     * Load the file, then read the rules the journal holds at a sequence, sized by the file's limits (table sizes are
     * start-up settings, never rules).
     */
    private static Read read(final Path config, final Path journal, final long atSeq)
    {
        final Read read = new Read();
        try
        {
            read.file = ConfigLoader.load(config);
        }
        catch (final ConfigurationException ex)
        {
            read.problem = "configuration error: " + ex.getMessage();
            return read;
        }
        try
        {
            read.history = Genesis.history(journal, read.file.limits(), atSeq);
            if (read.history == null)
            {
                read.problem = "journal " + journal + " holds no rules: it was begun before rules were journaled, " +
                    "and is decided under the configuration file's rules, so there is nothing to compare the file " +
                    "with; a journal begun by this version records its rules";
            }
        }
        catch (final JournalFormatException ex)
        {
            read.problem = ex.getMessage();
        }
        catch (final ConfigurationException ex)
        {
            read.problem = "journal " + journal + ": its rules cannot be read: " + ex.getMessage();
        }
        catch (final JournalCorruptException ex)
        {
            read.problem = "journal " + journal + " FAILED at entry " + ex.entryIndex() + ": " + ex.problem() +
                (ex.remedy() == null ? "" : "; " + ex.remedy());
            read.exitCode = LedgerGuardCli.EXIT_FAILURE;
        }
        catch (final UncheckedIOException ex)
        {
            read.problem = "journal " + journal + ": I/O error: " + ex.getMessage();
            read.exitCode = LedgerGuardCli.EXIT_FAILURE;
        }
        return read;
    }

    /**
     * @return which rules are in force, e.g. {@code version 2 (changed last at seq 1042)}.
     */
    private static String version(final Genesis.History history)
    {
        final List<Genesis.Change> changes = history.changes();
        return "version " + changes.size() + (changes.isEmpty() ? " (the journal's genesis)" :
            " (changed last at seq " + changes.get(changes.size() - 1).seq() + ")");
    }

    /**
     * {@code config diff --journal DIR --config FILE}.
     */
    @Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        description = {
            "Prints what the configuration file would change of the rules the journal holds (its genesis changed by " +
                "the CONFIGURE commands it accepted), one line per setting: name: in force -> file. A setting no " +
                "command can change is marked so, with the reason. Then a summary line.",
            "Table sizes (limits) are start-up settings, not rules: they are taken from the file and not compared."
        },
        exitCodeListHeading = "%nExit codes (as diff's):%n",
        exitCodeList = {
            "0:the file agrees with the rules in force",
            "1:they differ",
            "2:usage or configuration error, not a journal, a journal without rules, or one that fails verification"
        })
    static final class Diff implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Option(names = "--journal", required = true, paramLabel = "DIR", description = "The journal directory.")
        private Path journal;

        @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The configuration file (YAML) to compare.")
        private Path config;

        @Option(names = "--at", paramLabel = "SEQ",
            description = "Compare with the rules in force at this sequence (0: the genesis); default: the " +
                "journal's end.")
        private Long at;

        @Override
        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            final PrintWriter out = spec.commandLine().getOut();
            if (at != null && at < 0)
            {
                err.println("ledger-guard config diff: --at must be >= 0, was " + at);
                err.flush();
                return LedgerGuardCli.EXIT_USAGE;
            }
            final Read read = read(config, journal, at == null ? Long.MAX_VALUE : at);
            if (read.problem != null)
            {
                err.println("ledger-guard config diff: " + read.problem);
                err.flush();
                // As diff(1): 1 means the inputs differ, so every trouble is 2.
                return LedgerGuardCli.EXIT_USAGE;
            }
            final RulesProposal changes;
            try
            {
                changes = new RulesProposal(read.history.rules(), read.file);
            }
            catch (final ConfigurationException ex)
            {
                err.println("ledger-guard config diff: configuration error: " + ex.getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_USAGE;
            }
            final String inForce = "rules in force" + (at == null ? "" : " at seq " + at) + ": " +
                version(read.history);
            final List<RulesProposal.Difference> differences = changes.differences();
            for (final RulesProposal.Difference difference : differences)
            {
                out.println(difference.line() + (difference.refusal() == null ? "" :
                    " (not changeable by a command: " + difference.refusal() + ")"));
            }
            final int refused = changes.refused().size();
            if (differences.isEmpty())
            {
                out.println("config diff: the file agrees with the " + inForce);
            }
            else
            {
                out.println("config diff: " + differences.size() + (differences.size() == 1 ? " setting differs" :
                    " settings differ") + (refused == 0 ? "" : " (" + refused + " not changeable by a command)") +
                    "; " + inForce);
            }
            out.flush();
            return differences.isEmpty() ? LedgerGuardCli.EXIT_OK : LedgerGuardCli.EXIT_FAILURE;
        }
    }

    /**
     * {@code config propose --journal DIR --config FILE --tx-id N}.
     */
    @Command(
        name = "propose",
        mixinStandardHelpOptions = true,
        description = {
            "Writes the unsigned CONFIGURE command lines (JSON Lines) that would change the rules the journal holds " +
                "into the configuration file's: one per asset (listing or retiring one), one per wallet, one per " +
                "role and per client, and the keys and approvers together and last. Each is checked against the " +
                "rules the ones before it leave.",
            "Refuses, proposing nothing, when the file holds a difference no command can make (an asset or wallet " +
                "removed or reordered, the approval domain, a retention window, ...).",
            "Next: the approvers of approvals.CONFIGURE in force sign each line with keys sign; then submit the " +
                "lines in order (POST /commands, or a command file for replay)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:commands written, or nothing to propose (the file agrees)",
            "1:runtime failure: the journal fails verification, an I/O error",
            "2:usage or configuration error, a difference no command can make, not a journal, a journal without rules"
        })
    static final class Propose implements Callable<Integer>
    {
        private static final long EXPIRES_IN_MS_DEFAULT = 3_600_000;

        @Spec
        private CommandSpec spec;

        @Option(names = "--journal", required = true, paramLabel = "DIR", description = "The journal directory.")
        private Path journal;

        @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The configuration file (YAML) holding the rules wanted.")
        private Path config;

        @Option(names = "--tx-id", required = true, paramLabel = "N",
            description = "The first command's txId; the next ones take N+1, N+2, ... (unused txIds).")
        private long txId;

        @Option(names = "--expires-in-ms", paramLabel = "MS",
            description = "How long from now the approvals may be given and the commands applied: their " +
                "expiresAtMs; default 3600000, or approvals.validityMsMax when that is shorter.")
        private Long expiresInMs;

        @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write the lines (a new file); standard output when omitted.")
        private Path out;

        @Override
        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            try
            {
                return propose(err);
            }
            finally
            {
                spec.commandLine().getOut().flush();
                err.flush();
            }
        }

        private int propose(final PrintWriter err)
        {
            final String prefix = "ledger-guard config propose: ";
            if (txId <= 0)
            {
                err.println(prefix + "--tx-id must be > 0, was " + txId);
                return LedgerGuardCli.EXIT_USAGE;
            }
            if (expiresInMs != null && expiresInMs <= 0)
            {
                err.println(prefix + "--expires-in-ms must be > 0, was " + expiresInMs);
                return LedgerGuardCli.EXIT_USAGE;
            }
            final Read read = read(config, journal, Long.MAX_VALUE);
            if (read.problem != null)
            {
                err.println(prefix + read.problem);
                return read.exitCode;
            }
            final RulesProposal ruleChanges;
            final List<RulesProposal.Change> changes;
            try
            {
                ruleChanges = new RulesProposal(read.history.rules(), read.file);
                final List<RulesProposal.Difference> refused = ruleChanges.refused();
                if (!refused.isEmpty())
                {
                    err.println(prefix + "the file holds " + refused.size() + (refused.size() == 1 ?
                        " difference" : " differences") + " no command can make; nothing proposed:");
                    for (final RulesProposal.Difference difference : refused)
                    {
                        err.println("  " + difference.name() + ": " + difference.refusal() + " (" +
                            difference.line() + ")");
                    }
                    return LedgerGuardCli.EXIT_USAGE;
                }
                changes = ruleChanges.changes();
            }
            catch (final ConfigurationException ex)
            {
                err.println(prefix + "nothing proposed: " + ex.getMessage());
                return LedgerGuardCli.EXIT_USAGE;
            }
            if (changes.isEmpty())
            {
                err.println(prefix + "nothing to propose: the file agrees with the rules in force: " +
                    version(read.history));
                return LedgerGuardCli.EXIT_OK;
            }
            if (txId > Long.MAX_VALUE - changes.size())
            {
                err.println(prefix + "--tx-id " + txId + ": too large for " + changes.size() + " commands");
                return LedgerGuardCli.EXIT_USAGE;
            }
            final long validityMsMax = validityMsMax(changes, read.file);
            final long expiresIn = expiresInMs == null ? Math.min(EXPIRES_IN_MS_DEFAULT, validityMsMax) : expiresInMs;
            if (expiresIn > validityMsMax)
            {
                // The guard refuses an expiry further ahead (EXPIRY_TOO_FAR), and keys sign one further past its clock.
                err.println(prefix + "--expires-in-ms " + expiresIn + " is more than approvals.validityMsMax (" +
                    validityMsMax + " ms) of the rules in force or of the file: the approvals would be refused");
                return LedgerGuardCli.EXIT_USAGE;
            }
            final long nowMs = System.currentTimeMillis();
            if (expiresIn > Long.MAX_VALUE - nowMs)
            {
                err.println(prefix + "--expires-in-ms " + expiresIn + ": too large");
                return LedgerGuardCli.EXIT_USAGE;
            }
            final List<String> lines = lines(changes, read.file, nowMs, nowMs + expiresIn);
            if (!write(lines, err))
            {
                return LedgerGuardCli.EXIT_FAILURE;
            }
            summarise(changes, read.history, nowMs + expiresIn, err);
            return LedgerGuardCli.EXIT_OK;
        }

        /**
         * @return the shortest {@code approvals.validityMsMax} any command is checked against: the rules in force
         *     before each, and the file's, which {@code keys sign --config FILE} checks against.
         */
        private static long validityMsMax(final List<RulesProposal.Change> changes, final GuardConfig file)
        {
            long validityMsMax = file.approvalValidityMsMax();
            for (final RulesProposal.Change change : changes)
            {
                validityMsMax = Math.min(validityMsMax, change.validityMsMax());
            }
            return validityMsMax;
        }

        /**
         * The command lines, each read back by the guard's own parser: what is written is what the guard takes.
         */
        private List<String> lines(
            final List<RulesProposal.Change> changes, final GuardConfig file, final long nowMs, final long expiresAtMs)
        {
            final CommandLineParser parser = new CommandLineParser(file);
            final io.ledgerguard.core.Command parsed = new io.ledgerguard.core.Command();
            final List<String> lines = new ArrayList<>();
            for (int i = 0; i < changes.size(); i++)
            {
                final Map<String, Object> command = new LinkedHashMap<>();
                command.put("type", CommandType.CONFIGURE.name());
                command.put("txId", txId + i);
                // A command file's line needs its time: replay takes it; serve stamps its own clock.
                command.put("atMs", nowMs);
                command.put("settings", changes.get(i).settings());
                command.put("expiresAtMs", expiresAtMs);
                try
                {
                    final String line = JSON.writeValueAsString(command);
                    parser.parse(line, parsed);
                    if (!parsed.settingsString().equals(Rules.text(changes.get(i).settings())))
                    {
                        throw new IllegalStateException("line " + (i + 1) + " reads back as other settings");
                    }
                    lines.add(line);
                }
                catch (final JsonProcessingException | MalformedCommandException ex)
                {
                    throw new IllegalStateException("line " + (i + 1) + " cannot be written: " + ex.getMessage(), ex);
                }
            }
            return lines;
        }

        private boolean write(final List<String> lines, final PrintWriter err)
        {
            if (out == null)
            {
                final PrintWriter target = spec.commandLine().getOut();
                lines.forEach(target::println);
                return true;
            }
            // Never over a file that may hold lines already signed.
            try (Writer target = Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE))
            {
                for (final String line : lines)
                {
                    target.write(line);
                    target.write('\n');
                }
                return true;
            }
            catch (final FileAlreadyExistsException ex)
            {
                err.println("ledger-guard config propose: --out " + out + " already exists; give a new file");
                return false;
            }
            catch (final IOException ex)
            {
                err.println("ledger-guard config propose: cannot write --out " + out + ": " + ex);
                return false;
            }
        }

        /**
         * On standard error: the commands, who approves them, what to run next.
         */
        private void summarise(final List<RulesProposal.Change> changes, final Genesis.History history,
            final long expiresAtMs, final PrintWriter err)
        {
            final int n = changes.size();
            err.println("config propose: " + n + " CONFIGURE command" + (n == 1 ? "" : "s") + " (txIds " + txId +
                (n == 1 ? "" : ".." + (txId + n - 1)) + ", expiresAtMs " + expiresAtMs + ") changing the rules in " +
                "force, " + version(history) + ", into the file's; submit them in this order:");
            final GuardConfig.ApprovalRule first = changes.get(0).approvers();
            boolean sameApprovers = true;
            for (int i = 0; i < n; i++)
            {
                final RulesProposal.Change change = changes.get(i);
                sameApprovers &= change.approvers().required == first.required &&
                    change.approvers().keys.equals(first.keys);
                final int settings = change.settings().size();
                err.println("  line " + (i + 1) + ", txId " + (txId + i) + ": " + change.group() + " (" + settings +
                    (settings == 1 ? " setting)" : " settings)"));
            }
            if (sameApprovers)
            {
                err.println("approved by approvals.CONFIGURE in force: " + approvers(first));
            }
            else
            {
                // A key and approver change too long for one command is split: each part needs the approvers the
                // part before it left.
                err.println("approved by approvals.CONFIGURE as in force before each line (the keys and approvers " +
                    "change is split, so each part changes who approves the next):");
                for (int i = 0; i < n; i++)
                {
                    err.println("  line " + (i + 1) + ": " + approvers(changes.get(i).approvers()));
                }
            }
            if (changes.get(n - 1).group().equals(RulesProposal.APPROVERS))
            {
                err.println("the keys and approvers change is last: once it is applied, approvals counted against " +
                    "the approvers it replaces are refused (APPROVERS_CHANGED), so submit the lines before it first");
            }
            final String file = out == null ? "PROPOSAL.jsonl (save the lines above, or give --out)" : out.toString();
            err.println("next: each approver signs each line in turn, e.g. line 1:");
            err.println("  ./ledger-guard keys sign --key A.key --config " + config + " --commands " + file +
                " --line 1 | ./ledger-guard keys sign --key B.key --config " + config);
            err.println("then submit the signed lines in order: POST /commands to the serving guard, one line each, " +
                "and check each decision before the next");
        }

        private static String approvers(final GuardConfig.ApprovalRule rule)
        {
            return rule.required + " of " + String.join(", ", rule.keys);
        }
    }
}
