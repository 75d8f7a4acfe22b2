package io.ledgerguard.client;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The client artifact holds what a client needs and nothing more: its classes use guard-core's command and decision
 * types, Agrona and the JDK only, never the pipeline (so Disruptor can stay off a client's class path), never a
 * logging library and never standard error; and the protocol's codecs, which the gateway server shares, do not know
 * the client. {@code ArchitectureViolationsTest} proves that each rule fails on code that breaks it.
 */
@AnalyzeClasses(
    packages = {"io.ledgerguard.client", "io.ledgerguard.protocol"},
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest
{
    @ArchTest
    static final ArchRule THE_CLIENT_USES_CORE_TYPES_AGRONA_AND_THE_JDK_ONLY = classes()
        .that().resideInAnyPackage("io.ledgerguard.client..", "io.ledgerguard.protocol..")
        .should().onlyDependOnClassesThat(resideInAnyPackage(
            "io.ledgerguard.client..", "io.ledgerguard.protocol..", "io.ledgerguard.core..", "org.agrona..", "java.."));

    @ArchTest
    static final ArchRule THE_CLIENT_DOES_NOT_KNOW_THE_PIPELINE = noClasses()
        .that().resideInAnyPackage("io.ledgerguard.client..", "io.ledgerguard.protocol..")
        .should().dependOnClassesThat().resideInAnyPackage("io.ledgerguard.core.pipeline..", "com.lmax.disruptor..");

    @ArchTest
    static final ArchRule THE_PROTOCOL_DOES_NOT_KNOW_THE_CLIENT = noClasses()
        .that().resideInAPackage("io.ledgerguard.protocol..")
        .should().dependOnClassesThat(resideInAPackage("io.ledgerguard.client.."));

    @ArchTest
    static final ArchRule THE_CLIENT_DOES_NOT_WRITE_TO_STANDARD_ERROR = noClasses()
        .that().resideInAnyPackage("io.ledgerguard.client..", "io.ledgerguard.protocol..")
        .should().accessField(System.class, "err")
        .orShould().callMethod(Throwable.class, "printStackTrace");
}
