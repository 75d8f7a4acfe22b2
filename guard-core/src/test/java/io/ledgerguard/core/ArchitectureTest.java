package io.ledgerguard.core;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The module graph is the architecture: guard-core depends on Agrona, Disruptor and the JDK only, and the state
 * machine (everything outside the pipeline package) does no I/O, reads no clock and takes no lock.
 */
@AnalyzeClasses(packages = "io.ledgerguard.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest
{
    private static final String[] STATE_MACHINE =
        {"io.ledgerguard.core", "io.ledgerguard.core.engine", "io.ledgerguard.core.internal"};

    @ArchTest
    static final ArchRule CORE_DEPENDS_ON_AGRONA_DISRUPTOR_AND_THE_JDK_ONLY = classes()
        .that().resideInAPackage("io.ledgerguard.core..")
        .should().onlyDependOnClassesThat()
        .resideInAnyPackage("io.ledgerguard.core..", "java..", "org.agrona..", "com.lmax.disruptor..");

    @ArchTest
    static final ArchRule STATE_MACHINE_DOES_NO_IO = noClasses()
        .that().resideInAnyPackage(STATE_MACHINE)
        .should().dependOnClassesThat()
        .resideInAnyPackage("java.nio.file..", "java.net..", "java.nio.channels..", "java.sql..")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.File")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileInputStream")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.FileOutputStream")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.RandomAccessFile");

    @ArchTest
    static final ArchRule STATE_MACHINE_READS_NO_CLOCK = noClasses()
        .that().resideInAnyPackage(STATE_MACHINE)
        .should().callMethod(System.class, "nanoTime")
        .orShould().callMethod(System.class, "currentTimeMillis")
        .orShould().dependOnClassesThat().resideInAPackage("java.time..")
        .orShould().dependOnClassesThat().haveSimpleNameEndingWith("Clock");

    @ArchTest
    static final ArchRule STATE_MACHINE_TAKES_NO_LOCK = noClasses()
        .that().resideInAnyPackage(STATE_MACHINE)
        .should().dependOnClassesThat().resideInAPackage("java.util.concurrent.locks..")
        .orShould().callMethod(Object.class, "wait")
        .orShould().callMethod(Object.class, "notifyAll");

    @ArchTest
    static final ArchRule STATE_MACHINE_DOES_NOT_KNOW_THE_PIPELINE = noClasses()
        .that().resideInAnyPackage(STATE_MACHINE)
        .should().dependOnClassesThat().resideInAnyPackage("io.ledgerguard.core.pipeline..", "com.lmax.disruptor..");

    @ArchTest
    static final ArchRule ONLY_THE_ENGINE_ENTERS_ITS_ROOMS = classes()
        .that().resideInAPackage("io.ledgerguard.core.engine")
        .should().onlyBeAccessed().byClassesThat()
        .resideInAnyPackage("io.ledgerguard.core", "io.ledgerguard.core.engine");

    @ArchTest
    static final ArchRule ROOMS_DO_NOT_KNOW_THE_PUBLIC_ENGINE_BUT_FOR_ITS_VISITORS = noClasses()
        .that().resideInAPackage("io.ledgerguard.core.engine")
        .should().callMethodWhere(com.tngtech.archunit.base.DescribedPredicate.describe(
            "a method of GuardEngine", call -> call.getTargetOwner().getName().equals(GuardEngine.class.getName())));
}
