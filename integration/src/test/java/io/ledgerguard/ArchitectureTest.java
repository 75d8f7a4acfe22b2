package io.ledgerguard;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * Which package of the program may use which, read from the package graph. The command line ({@code cli}) is the top:
 * nothing uses it, and only it uses the demo; only those two start a gateway. {@code json} is the format and nothing
 * else. Each framework stays in the one package that needs it: picocli in {@code cli}, Prometheus in {@code gateway},
 * the SBE codecs behind the gateway and the client, Chronicle in the journal and the audit tools. The
 * client artifact's packages know no package of the program. No package reaches back into one that uses it. Only the
 * command line writes to standard error.
 * <p>
 * Every module's main classes under {@code io.ledgerguard} on the class path are analysed, so guard-core, journal and
 * client are held to the rules that speak of them too. {@code ArchitectureViolationsTest} proves that each rule fails
 * on code that breaks it.
 */
@AnalyzeClasses(packages = "io.ledgerguard", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest
{
    /** Every package of the integration module. */
    static final String[] INTEGRATION = {
        "io.ledgerguard.alerts..", "io.ledgerguard.audit..", "io.ledgerguard.cli..", "io.ledgerguard.config..",
        "io.ledgerguard.demo..", "io.ledgerguard.gateway..", "io.ledgerguard.json..", "io.ledgerguard.keys..",
        "io.ledgerguard.replay.."};

    @ArchTest
    static final ArchRule NOTHING_BUT_THE_COMMAND_LINE_USES_PICOCLI = noClasses()
        .that().resideOutsideOfPackage("io.ledgerguard.cli..")
        .should().dependOnClassesThat().resideInAPackage("picocli..");

    @ArchTest
    static final ArchRule NOTHING_USES_THE_COMMAND_LINE = noClasses()
        .that().resideOutsideOfPackage("io.ledgerguard.cli..")
        .should().dependOnClassesThat().resideInAPackage("io.ledgerguard.cli..");

    @ArchTest
    static final ArchRule ONLY_THE_COMMAND_LINE_USES_THE_DEMO = noClasses()
        .that().resideOutsideOfPackages("io.ledgerguard.cli..", "io.ledgerguard.demo..")
        .should().dependOnClassesThat().resideInAPackage("io.ledgerguard.demo..");

    @ArchTest
    static final ArchRule ONLY_THE_COMMAND_LINE_AND_THE_DEMO_START_A_GATEWAY = noClasses()
        .that().resideOutsideOfPackages("io.ledgerguard.gateway..", "io.ledgerguard.cli..", "io.ledgerguard.demo..")
        .should().dependOnClassesThat().resideInAPackage("io.ledgerguard.gateway..");

    @ArchTest
    static final ArchRule JSON_IS_THE_FORMAT_AND_NOTHING_ELSE = classes()
        .that().resideInAPackage("io.ledgerguard.json..")
        .should().onlyDependOnClassesThat(resideInAnyPackage(
                "io.ledgerguard.json..", "io.ledgerguard.core..", "com.fasterxml.jackson.core..", "java..")
            .and(resideInAPackage("io.ledgerguard.core.pipeline..").negate()));

    @ArchTest
    static final ArchRule THE_WIRE_FORMAT_STAYS_BEHIND_THE_GATEWAY_AND_THE_CLIENT = noClasses()
        .that().resideOutsideOfPackages("io.ledgerguard.gateway..", "io.ledgerguard.client..",
            "io.ledgerguard.protocol..")
        .should().dependOnClassesThat().resideInAPackage("io.ledgerguard.protocol.sbe..");

    @ArchTest
    static final ArchRule THE_CLIENT_KNOWS_NO_PACKAGE_OF_THE_PROGRAM = noClasses()
        .that().resideInAnyPackage("io.ledgerguard.client..", "io.ledgerguard.protocol..")
        .should().dependOnClassesThat().resideInAnyPackage(INTEGRATION);

    @ArchTest
    static final ArchRule PROMETHEUS_ONLY_IN_THE_GATEWAY = noClasses()
        .that().resideOutsideOfPackage("io.ledgerguard.gateway..")
        .should().dependOnClassesThat().resideInAPackage("io.prometheus..");

    /** config is there because the journal's context hands its roll cycle back as Chronicle's {@code RollCycle}. */
    @ArchTest
    static final ArchRule CHRONICLE_ONLY_IN_THE_JOURNAL_AND_THE_AUDIT_TOOLS = noClasses()
        .that().resideOutsideOfPackages("io.ledgerguard.journal..", "io.ledgerguard.audit..", "io.ledgerguard.config..")
        .should().dependOnClassesThat().resideInAPackage("net.openhft..");

    /** Aeron (its driver, archive and cluster) stays behind the cluster module's own types. */
    @ArchTest
    static final ArchRule AERON_ONLY_IN_THE_CLUSTER_MODULE = noClasses()
        .that().resideOutsideOfPackage("io.ledgerguard.cluster..")
        .should().dependOnClassesThat().resideInAnyPackage("io.aeron..");

    @ArchTest
    static final ArchRule ONLY_THE_COMMAND_LINE_WRITES_TO_STANDARD_ERROR = noClasses()
        .that().resideOutsideOfPackage("io.ledgerguard.cli..")
        .should().accessField(System.class, "err")
        .orShould().callMethod(Throwable.class, "printStackTrace");

    @ArchTest
    static final ArchRule NO_PACKAGE_REACHES_BACK_INTO_ONE_THAT_USES_IT = slices()
        .matching("io.ledgerguard.(*)..")
        .should().beFreeOfCycles();
}
