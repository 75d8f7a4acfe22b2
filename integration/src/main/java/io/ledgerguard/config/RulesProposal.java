package io.ledgerguard.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Rules;

/**
 * What a configuration file would change of the rules a journal holds (SPEC §13), and the {@code CONFIGURE} commands
 * that would make the change: the work of {@code ledger-guard config diff} and {@code config propose}.
 * <p>
 * Each difference is named by its setting, and marked when no command can make it (removing an asset, the approval
 * domain, a retention window, ...), with {@link Rules#change}'s reason. The commands are grouped so that each is one
 * thing to review and approve: one per asset (listing one carries {@code assets=+CODE}; retiring one carries its
 * wallets' retirements), one per wallet, and the keys and approvers together, since a rotation replaces a key and the
 * approvers naming it at once. The keys and approvers come last: a change of the approvers
 * voids every approval counted against the approvers it replaces, so the other commands are approved and applied
 * under the approvers in force before it. Every command's settings fit {@link Rules#CHANGE_LENGTH_MAX}; a group that
 * does not is split, and every command is checked with {@link Rules#change} against the rules the ones before it
 * leave, so that they are valid in their order and end at the file's rules.
 */
public final class RulesProposal
{
    /** The group of the keys and approvers: {@code keys}, {@code keys.*} and {@code approvals.*} but the domain. */
    public static final String APPROVERS = "keys and approvers";

    private final GuardConfig inForce;
    private final GuardConfig file;
    private final SortedMap<String, String> before;
    private final SortedMap<String, String> after;
    private final List<Difference> differences = new ArrayList<>();

    /**
     * @param inForce the rules in force: a journal's genesis with the changes it accepted.
     * @param file    a configuration file's rules, concluded.
     */
    public RulesProposal(final GuardConfig inForce, final GuardConfig file)
    {
        this.inForce = inForce;
        this.file = file;
        this.before = Rules.settings(inForce);
        // A journal begun before clients were rules leaves them to the file: nothing to propose for them.
        this.after = Rules.settings(inForce.clientsInRules() ? file : Rules.withoutClients(file));
        final Map<String, String> refusals = refusals();
        for (final String line : Rules.diff(before, after))
        {
            // Setting names hold no ": " (codes, ids, key ids and class names do not), so the name ends at the first.
            final String name = line.substring(0, line.indexOf(": "));
            differences.add(new Difference(name, line, refusals.get(name)));
        }
    }

    /**
     * One setting the file gives otherwise than the rules in force.
     *
     * @param name    the setting.
     * @param line    {@code name: in force -> file}, as {@link Rules#diff} gives it.
     * @param refusal why no command can make it; {@code null} when a command can.
     */
    public record Difference(String name, String line, String refusal)
    {
    }

    /**
     * One proposed {@code CONFIGURE} command.
     *
     * @param group         what it changes: {@code asset BTC}, {@code wallet 3} or {@link #APPROVERS}.
     * @param settings      the settings it sets.
     * @param approvers     the {@code approvals.CONFIGURE} rule in force before it: who must approve it.
     * @param validityMsMax {@code approvals.validityMsMax} in force before it.
     */
    public record Change(String group, SortedMap<String, String> settings, GuardConfig.ApprovalRule approvers,
        long validityMsMax)
    {
    }

    /**
     * @return the settings that differ, in the order of their names; empty when the file agrees.
     */
    public List<Difference> differences()
    {
        return Collections.unmodifiableList(differences);
    }

    /**
     * @return the differences no command can make, in the order of their names.
     */
    public List<Difference> refused()
    {
        final List<Difference> refused = new ArrayList<>();
        for (final Difference difference : differences)
        {
            if (difference.refusal() != null)
            {
                refused.add(difference);
            }
        }
        return refused;
    }

    /**
     * The commands that change the rules in force into the file's, in the order they are to be applied.
     *
     * @return the commands; empty when the file agrees.
     * @throws ConfigurationException naming the setting when the file holds a difference no command can make, when no
     *                                change can be approved (no approvers for {@code CONFIGURE} are in force), or a
     *                                command would not be valid after the ones before it.
     */
    public List<Change> changes()
    {
        for (final Difference difference : differences)
        {
            if (difference.refusal() != null)
            {
                throw new ConfigurationException(difference.name(), difference.refusal());
            }
        }
        final List<Change> changes = new ArrayList<>();
        if (differences.isEmpty())
        {
            return changes;
        }
        if (inForce.approvalRule(ApprovalClass.CONFIGURE) == null)
        {
            throw new ConfigurationException("approvals.CONFIGURE", "the rules in force name no approvers for " +
                "CONFIGURE commands, so no change can be approved: the journal keeps its rules");
        }
        GuardConfig rules = inForce;
        for (final Map.Entry<String, SortedMap<String, String>> group : groups(Rules.changed(before, after)).entrySet())
        {
            for (final SortedMap<String, String> settings : split(group.getKey(), group.getValue()))
            {
                if (!fits(settings))
                {
                    throw new ConfigurationException(settings.firstKey(), "the change is longer than " +
                        Rules.CHANGE_LENGTH_MAX + " bytes as name=value lines, the most one command carries, and " +
                        "cannot be split further");
                }
                final GuardConfig.ApprovalRule approvers = rules.approvalRule(ApprovalClass.CONFIGURE);
                final long validityMsMax = rules.approvalValidityMsMax();
                rules = Rules.change(rules, settings);
                changes.add(new Change(group.getKey(), Collections.unmodifiableSortedMap(settings),
                    new GuardConfig.ApprovalRule(approvers.required, approvers.keys), validityMsMax));
            }
        }
        final List<String> left = Rules.diff(Rules.settings(rules), after);
        if (!left.isEmpty())
        {
            throw new ConfigurationException(left.get(0).substring(0, left.get(0).indexOf(": ")),
                "no command makes this difference: " + left.get(0));
        }
        return changes;
    }

    /**
     * Why each setting the file changes cannot be changed by a command: its group (an asset, a wallet, the keys and
     * approvers) is tried as one change, and the setting {@link Rules#change} names is set aside, until the rest
     * goes through. A setting the file leaves out that the rules in force hold cannot be removed by a change, but
     * for a key's public key, which goes when the key is no longer listed.
     */
    private Map<String, String> refusals()
    {
        final Map<String, String> refusals = new TreeMap<>();
        // In order, each group against the rules the ones before it leave: a wallet of an asset listed before it.
        GuardConfig rules = inForce;
        for (final SortedMap<String, String> group : groups(Rules.changed(before, after)).values())
        {
            final SortedMap<String, String> trying = new TreeMap<>(group);
            while (!trying.isEmpty())
            {
                try
                {
                    rules = Rules.change(rules, trying);
                    break;
                }
                catch (final ConfigurationException ex)
                {
                    if (trying.remove(ex.key()) != null)
                    {
                        refusals.put(ex.key(), problem(ex));
                        continue;
                    }
                    // Named another setting: the group cannot be made as the file has it.
                    for (final String name : trying.keySet())
                    {
                        refusals.put(name, ex.getMessage());
                    }
                    break;
                }
            }
        }
        for (final String name : before.keySet())
        {
            if (!after.containsKey(name))
            {
                final String refusal = removalRefusal(name, refusals);
                if (refusal != null)
                {
                    refusals.put(name, refusal);
                }
            }
        }
        return refusals;
    }

    private String removalRefusal(final String name, final Map<String, String> refusals)
    {
        if (name.startsWith("keys.") && name.endsWith(".publicKey"))
        {
            // Dropped with its key once the keys list no longer names it.
            return refusals.containsKey("keys") ? "goes with keys, which no command can set as the file has it" :
                null;
        }
        if (name.startsWith("assets.") && name.endsWith(".retired") &&
            list(after.get("assets")).contains(assetOf(name)))
        {
            return "a retired asset stays retired: the file must say retired: true";
        }
        if (name.startsWith("assets."))
        {
            return "an asset listed stays listed, in its place: retire it instead (retired: true)";
        }
        if (name.startsWith("wallets.") && name.endsWith(".retired") &&
            list(after.get("wallets")).contains(walletOf(name)))
        {
            return "a retired wallet stays retired: the file must say retired: true";
        }
        if (name.startsWith("wallets."))
        {
            return "a wallet added stays, in its place: retire it instead (retired: true)";
        }
        if (name.startsWith("clients.") && name.endsWith(".revoked"))
        {
            return "a revoked client stays revoked: the file must say revoked: true";
        }
        if (name.startsWith("clients.") || name.startsWith("roles."))
        {
            return "a client or role named stays, in its place: revoke a client instead (revoked: true)";
        }
        if (name.startsWith("approvals."))
        {
            return "a change sets settings and removes none: a class's approvers can be replaced, not removed " +
                "(the class would be open)";
        }
        return "a change sets settings and removes none";
    }

    /**
     * Group changed settings: one group per asset and per wallet in the file's order, then the keys and approvers;
     * anything else (the lists of assets and wallets, the domain, the retention windows) alone, under its name.
     */
    private Map<String, SortedMap<String, String>> groups(final SortedMap<String, String> original)
    {
        final SortedMap<String, String> changed = new TreeMap<>(original);
        final Map<String, SortedMap<String, String>> groups = new LinkedHashMap<>();
        for (final GuardConfig.AssetConfig asset : file.assets())
        {
            groups.put("asset " + asset.code, new TreeMap<>());
        }
        for (final GuardConfig.WalletConfig wallet : file.wallets())
        {
            groups.put("wallet " + wallet.id, new TreeMap<>());
        }
        for (final String role : file.roles().keySet())
        {
            groups.put("role " + role, new TreeMap<>());
        }
        for (final GuardConfig.ClientConfig client : file.clients())
        {
            groups.put("client " + client.id, new TreeMap<>());
        }
        groups.put(APPROVERS, new TreeMap<>());
        // A listing carries its place in the list: +CODE appends it to the list the changes before it leave.
        appendEach(changed, groups, "assets", "asset ");
        appendEach(changed, groups, "wallets", "wallet ");
        appendEach(changed, groups, "roles", "role ");
        appendEach(changed, groups, "clients", "client ");
        for (final Map.Entry<String, String> setting : changed.entrySet())
        {
            groups.computeIfAbsent(groupOf(setting.getKey()), g -> new TreeMap<>())
                .put(setting.getKey(), setting.getValue());
        }
        // An asset is retired with its wallets, or after them: their retirements go with it.
        for (final GuardConfig.WalletConfig wallet : file.wallets())
        {
            final String retired = "wallets." + wallet.id + ".retired";
            final SortedMap<String, String> asset = groups.get("asset " + wallet.asset);
            if (asset != null && asset.containsKey("assets." + wallet.asset + ".retired") &&
                groups.get("wallet " + wallet.id).containsKey(retired))
            {
                asset.put(retired, groups.get("wallet " + wallet.id).remove(retired));
            }
        }
        groups.values().removeIf(Map::isEmpty);
        return groups;
    }

    /**
     * When the file's list only appends to the list in force, each item appended goes into its own group as
     * {@code +ITEM}; otherwise the list stays a group of its own, which no command can make.
     */
    private void appendEach(final SortedMap<String, String> changed,
        final Map<String, SortedMap<String, String>> groups, final String list, final String groupPrefix)
    {
        final String value = changed.get(list);
        final List<String> was = list(before.get(list));
        final List<String> now = list(value);
        if (value == null || now.size() <= was.size() || !now.subList(0, was.size()).equals(was))
        {
            return;
        }
        changed.remove(list);
        for (final String item : now.subList(was.size(), now.size()))
        {
            groups.computeIfAbsent(groupPrefix + item, g -> new TreeMap<>()).put(list, "+" + item);
        }
    }

    private static String groupOf(final String name)
    {
        if (name.startsWith("assets."))
        {
            final String rest = name.substring("assets.".length());
            return "asset " + (rest.indexOf('.') < 0 ? rest : rest.substring(0, rest.indexOf('.')));
        }
        if (name.startsWith("wallets."))
        {
            return "wallet " + walletOf(name);
        }
        if (name.startsWith("roles.") && name.endsWith(".commands"))
        {
            // A role's name may hold dots.
            return "role " + name.substring("roles.".length(), name.length() - ".commands".length());
        }
        if (Rules.clientOf(name) != null)
        {
            return "client " + Rules.clientOf(name);
        }
        if (name.equals("keys") || name.startsWith("keys.") ||
            (name.startsWith("approvals.") && !name.equals("approvals.domain")))
        {
            return APPROVERS;
        }
        return name;
    }

    private static String assetOf(final String name)
    {
        final String rest = name.substring("assets.".length());
        return rest.indexOf('.') < 0 ? rest : rest.substring(0, rest.indexOf('.'));
    }

    private static String walletOf(final String name)
    {
        final String rest = name.substring("wallets.".length());
        return rest.indexOf('.') < 0 ? rest : rest.substring(0, rest.indexOf('.'));
    }

    /**
     * One command for a group when it fits. Else an asset's or a wallet's settings are packed into as few commands as
     * fit; the keys and approvers in three steps, each valid on its own: list the new keys (a few at a time), then
     * set each class's approvers (its required count and keys together) and the validity, then list the keys as
     * the file does, which drops those it no longer names. Split so, a rotation is no longer atomic: each step is
     * approved by the approvers the step before it left.
     */
    private List<SortedMap<String, String>> split(final String group, final SortedMap<String, String> settings)
    {
        if (fits(settings))
        {
            return List.of(settings);
        }
        if (!group.equals(APPROVERS))
        {
            final List<SortedMap<String, String>> units = new ArrayList<>();
            for (final Map.Entry<String, String> setting : settings.entrySet())
            {
                units.add(new TreeMap<>(Map.of(setting.getKey(), setting.getValue())));
            }
            return pack(units);
        }
        final List<String> forceKeys = list(before.get("keys"));
        final List<String> fileKeys = list(after.get("keys"));
        final List<String> listed = new ArrayList<>(forceKeys);
        final List<SortedMap<String, String>> commands = new ArrayList<>();
        SortedMap<String, String> adding = new TreeMap<>();
        for (final String id : fileKeys)
        {
            if (listed.contains(id))
            {
                continue;
            }
            listed.add(id);
            final String name = "keys." + id + ".publicKey";
            SortedMap<String, String> next = new TreeMap<>(adding);
            next.put(name, after.get(name));
            next.put("keys", String.join(",", listed));
            if (!adding.isEmpty() && !fits(next))
            {
                commands.add(adding);
                next = new TreeMap<>(Map.of(name, after.get(name), "keys", String.join(",", listed)));
            }
            adding = next;
        }
        if (!adding.isEmpty())
        {
            commands.add(adding);
        }
        final Map<String, SortedMap<String, String>> approvals = new LinkedHashMap<>();
        for (final Map.Entry<String, String> setting : settings.entrySet())
        {
            final String name = setting.getKey();
            if (name.startsWith("approvals."))
            {
                final String unit = name.equals("approvals.validityMsMax") ? name :
                    name.substring(0, name.lastIndexOf('.'));
                approvals.computeIfAbsent(unit, u -> new TreeMap<>()).put(name, setting.getValue());
            }
        }
        commands.addAll(pack(approvals.values()));
        if (!fileKeys.equals(listed))
        {
            commands.add(new TreeMap<>(Map.of("keys", String.join(",", fileKeys))));
        }
        return commands;
    }

    /**
     * @return the units packed in order into as few sets of settings as fit a command; a unit too long alone stays
     *     alone (and is refused).
     */
    private static List<SortedMap<String, String>> pack(final Collection<SortedMap<String, String>> units)
    {
        final List<SortedMap<String, String>> commands = new ArrayList<>();
        SortedMap<String, String> current = new TreeMap<>();
        for (final SortedMap<String, String> unit : units)
        {
            SortedMap<String, String> next = new TreeMap<>(current);
            next.putAll(unit);
            if (!current.isEmpty() && !fits(next))
            {
                commands.add(current);
                next = new TreeMap<>(unit);
            }
            current = next;
        }
        if (!current.isEmpty())
        {
            commands.add(current);
        }
        return commands;
    }

    private static boolean fits(final Map<String, String> settings)
    {
        return Rules.text(settings).getBytes(StandardCharsets.UTF_8).length <= Rules.CHANGE_LENGTH_MAX;
    }

    private static List<String> list(final String value)
    {
        return value == null || value.isEmpty() ? List.of() : List.of(value.split(",", -1));
    }

    /**
     * @return the exception's problem without the setting's name in front, which the difference's line shows, nor a
     *     "not changed by a command", which the difference's mark says.
     */
    private static String problem(final ConfigurationException ex)
    {
        final String prefix = ex.key() + ": ";
        final String problem = ex.getMessage().startsWith(prefix) ? ex.getMessage().substring(prefix.length()) :
            ex.getMessage();
        final String said = "not changed by a command: ";
        return problem.startsWith(said) ? problem.substring(said.length()) : problem;
    }
}
