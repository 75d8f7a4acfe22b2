package io.ledgerguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.keys.KeyFile;
import io.ledgerguard.keys.KeyFileException;
import io.ledgerguard.keys.LineSigner;

/**
 * {@code ledger-guard keys}: approver keys and approvals (SPEC §6) without writing code.
 */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    description = "Approver keys for privileged commands (SPEC 6): generate a key pair, sign a command line.",
    subcommands = {KeysCommand.Generate.class, KeysCommand.Sign.class})
final class KeysCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_USAGE;
    }

    @Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Generates an Ed25519 key pair into a new file readable by its owner only, and prints the entry for the " +
                "configuration's keys: list.",
            "Example: ledger-guard keys generate --id alice --out alice.key"
        })
    static final class Generate implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Option(names = "--id", required = true, paramLabel = "ID",
            description = "The key id approvals will name: [A-Za-z0-9._-], 1..32 characters.")
        private String id;

        @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "The key file to create; never overwritten.")
        private Path out;

        @Override
        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            final PrintWriter outWriter = spec.commandLine().getOut();
            try
            {
                final KeyFile key = KeyFile.generate(id, out);
                outWriter.println("# add under keys: in the configuration, and name '" + key.id() +
                    "' in the approvals of its classes");
                outWriter.println(key.configEntry());
                outWriter.flush();
                err.println("ledger-guard keys: wrote " + out + " (keep it secret)");
                err.flush();
                return LedgerGuardCli.EXIT_OK;
            }
            catch (final KeyFileException ex)
            {
                err.println("ledger-guard keys generate: " + ex.getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_USAGE;
            }
        }
    }

    @Command(
        name = "sign",
        mixinStandardHelpOptions = true,
        description = {
            "Adds your approval to a command line and prints the line. Approvers sign in turn, each passing the " +
                "printed line to the next.",
            "The line is --command TEXT, line N of --commands FILE, or standard input.",
            "Example: ledger-guard keys sign --key alice.key --config guard.yaml --commands adjust.jsonl --line 1"
        })
    static final class Sign implements Callable<Integer>
    {
        private static final long VALID_FOR_MS_DEFAULT = 600_000;

        @Spec
        private CommandSpec spec;

        @Option(names = "--key", required = true, paramLabel = "FILE", description = "Your key file.")
        private Path key;

        @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The guard's configuration (YAML): asset codes, and the approvers the line will need.")
        private Path config;

        @Option(names = "--command", paramLabel = "JSON", description = "The command line to sign.")
        private String command;

        @Option(names = "--commands", paramLabel = "FILE", description = "A command file holding the line.")
        private Path commands;

        @Option(names = "--line", paramLabel = "N", description = "The line number in --commands, from 1.")
        private Integer lineNumber;

        @Option(names = "--expires-at-ms", paramLabel = "MS",
            description = "The approval's expiry (epoch milliseconds); default: the line's own, else atMs plus " +
                "--valid-for-ms.")
        private Long expiresAtMs;

        @Option(names = "--valid-for-ms", paramLabel = "MS", defaultValue = "600000",
            description = "How long after the command's atMs the approval holds, when the line has no expiry " +
                "(default ${DEFAULT-VALUE}).")
        private long validForMs = VALID_FOR_MS_DEFAULT;

        @Option(names = "--show-payload",
            description = "Also print, on standard error, the canonical text that is signed.")
        private boolean showPayload;

        @Override
        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            final PrintWriter outWriter = spec.commandLine().getOut();
            try
            {
                final String line = line();
                final GuardConfig guardConfig = ConfigLoader.load(config);
                final KeyFile keyFile = KeyFile.read(key);
                if (validForMs <= 0)
                {
                    throw new KeyFileException("--valid-for-ms: must be > 0, was " + validForMs);
                }
                final LineSigner signer = new LineSigner(guardConfig);
                final String signed = signer.sign(line, keyFile, expiresAtMs, validForMs, System.currentTimeMillis());
                if (showPayload)
                {
                    err.print(signer.canonicalText(signed));
                    err.flush();
                }
                outWriter.println(signed);
                outWriter.flush();
                return LedgerGuardCli.EXIT_OK;
            }
            catch (final ConfigurationException ex)
            {
                err.println("ledger-guard keys sign: configuration error: " + ex.getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_USAGE;
            }
            catch (final KeyFileException ex)
            {
                err.println("ledger-guard keys sign: " + ex.getMessage());
                err.flush();
                return LedgerGuardCli.EXIT_USAGE;
            }
        }

        private String line()
        {
            final int sources = (command != null ? 1 : 0) + (commands != null ? 1 : 0);
            if (sources > 1)
            {
                throw new KeyFileException("give --command or --commands, not both");
            }
            if (lineNumber != null && commands == null)
            {
                throw new KeyFileException("--line: only with --commands");
            }
            if (command != null)
            {
                return command;
            }
            try
            {
                final List<String> lines;
                if (commands != null)
                {
                    if (lineNumber == null)
                    {
                        throw new KeyFileException("--line: required with --commands");
                    }
                    lines = Files.readAllLines(commands, StandardCharsets.UTF_8);
                    if (lineNumber < 1 || lineNumber > lines.size())
                    {
                        throw new KeyFileException("--line: " + commands + " has " + lines.size() + " lines, was " +
                            lineNumber);
                    }
                    return lines.get(lineNumber - 1);
                }
                final String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8).strip();
                if (input.isEmpty() || input.indexOf('\n') >= 0)
                {
                    throw new KeyFileException("standard input: expected exactly one command line");
                }
                return input;
            }
            catch (final IOException ex)
            {
                throw new KeyFileException((commands != null ? commands.toString() : "standard input") +
                    ": cannot read: " + ex);
            }
        }
    }
}
