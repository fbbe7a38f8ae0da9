package dev.baton;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import dev.baton.internal.consul.ConsulTransport;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The library's structure, checked on its compiled classes (so it holds whatever the sources look like):
 * arrows point down only — facade ({@link Coordinator}) → algorithms ({@code dev.baton.internal}) → transport
 * ({@code dev.baton.internal.consul}) — and no two files depend on each other in a circle.
 */
class StructureTest {
  private static final JavaClasses LIBRARY = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .importPackages("dev.baton");

  @Test
  void nothingInsideCallsBackIntoTheFacade() {
    noClasses().that().resideInAPackage("dev.baton.internal..")
        .should().dependOnClassesThat().belongToAnyOf(Coordinator.class)
        .because("primitives receive the internal runtime, never the public Coordinator")
        .check(LIBRARY);
  }

  @Test
  void theApiDoesNotExposeInternals() {
    noClasses().that().resideInAPackage("dev.baton").and().doNotBelongToAnyOf(Coordinator.class)
        .should().dependOnClassesThat().resideInAPackage("dev.baton.internal..")
        .because("users' types must not drag internals along; only the facade creates the runtime")
        .check(LIBRARY);
  }

  @Test
  void theTransportKnowsNothingOfOursButTheExceptions() {
    classes().that().resideInAPackage("dev.baton.internal.consul..")
        .should().onlyDependOnClassesThat(describe("the transport's own classes, the JDK, its libraries and "
            + "Baton's exception types", StructureTest::allowedForTransport))
        .check(LIBRARY);
  }

  @Test
  void everyBlockingQueryGoesThroughTheWatchEngine() {
    noClasses().that().resideInAPackage("dev.baton.internal")
        .and(describe("are not the watch engine", c -> !c.getName().startsWith("dev.baton.internal.Watches")))
        .should().callMethod(ConsulTransport.class, "kvRead", String.class, boolean.class, String.class,
            long.class, Duration.class)
        .orShould().callMethod(ConsulTransport.class, "kvGet", String.class, long.class, Duration.class)
        .orShould().callMethod(ConsulTransport.class, "kvList", String.class, long.class, Duration.class)
        .orShould().callMethod(ConsulTransport.class, "kvWatch", String.class, boolean.class, String.class,
            long.class, Duration.class)
        .orShould().callMethod(ConsulTransport.class, "healthService", String.class, String.class, long.class,
            Duration.class)
        .because("the engine bounds the connections that wait in Consul (issue 12)")
        .check(LIBRARY);
  }

  @Test
  void noFileIsInACircle() {
    slices().assignedFrom(TOP_LEVEL_CLASS).should().beFreeOfCycles().check(LIBRARY);
  }

  private static boolean allowedForTransport(JavaClass c) {
    String pkg = c.getPackageName();
    if (pkg.startsWith("dev.baton.internal.consul")) return true;
    if (pkg.equals("dev.baton")) return c.isAssignableTo(CoordinationException.class);
    return !pkg.startsWith("dev.baton");
  }

  /** One slice per top-level class (nested classes belong to theirs): a circle between files fails. */
  private static final SliceAssignment TOP_LEVEL_CLASS = new SliceAssignment() {
    @Override
    public SliceIdentifier getIdentifierOf(JavaClass c) {
      if (!c.getPackageName().startsWith("dev.baton")) return SliceIdentifier.ignore();
      JavaClass top = c;
      while (top.getEnclosingClass().isPresent()) top = top.getEnclosingClass().get();
      return SliceIdentifier.of(top.getName());
    }

    @Override
    public String getDescription() {
      return "top-level classes of dev.baton";
    }
  };
}
