package dev.baton.testing;

import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one real Consul dev agent per test JVM (started on first use, stopped when the JVM's
 * tests end), and a {@link TestConsul} parameter with a unique key prefix for each test.
 *
 * <pre>{@code
 * @ExtendWith(ConsulExtension.class)
 * class MyTest {
 *   @Test void works(TestConsul consul) { try (Coordinator c = consul.coordinator()) { ... } }
 * }
 * }</pre>
 */
public final class ConsulExtension implements ParameterResolver {
  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ConsulExtension.class);

  /** Closed by JUnit when the root context ends (the store closes AutoCloseable values). */
  private static final class Shared implements AutoCloseable {
    final ConsulProcess process = ConsulProcess.start();

    @Override
    public void close() {
      process.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
    return p.getParameter().getType() == TestConsul.class;
  }

  @Override
  public Object resolveParameter(ParameterContext p, ExtensionContext e) {
    Shared shared = e.getRoot().getStore(NS).getOrComputeIfAbsent(Shared.class, k -> new Shared(), Shared.class);
    String test = e.getTestClass().map(Class::getSimpleName).orElse("test") + "/"
        + e.getTestMethod().map(m -> m.getName()).orElse("all");
    String prefix = "test/" + test + "-" + UUID.randomUUID().toString().substring(0, 8) + "/";
    return new TestConsul(shared.process, prefix);
  }
}
