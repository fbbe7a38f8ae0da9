/**
 * Test support shipped in the library's test jar ({@code baton-coordination} with classifier {@code tests}):
 * {@link dev.baton.testing.ConsulExtension} starts a real {@code consul agent -dev} per test JVM and hands
 * each test a {@link dev.baton.testing.TestConsul}; {@link dev.baton.testing.ConsulProcess} is the agent
 * itself, {@link dev.baton.testing.ChildJvm} a client in another JVM, {@link dev.baton.testing.Await} the one
 * bounded poll.
 *
 * <p>Not part of the API and not a module: the test jar is a plain class-path jar without a module
 * descriptor. {@link dev.baton.testing.TestConsul#transport()} reaches into the library's internals
 * ({@code dev.baton.internal.consul}), so a test that calls it needs the library on the class path too; the
 * rest uses the exported API only and also works beside the library on the module path (the examples' tests
 * do that). The library's own tests run on the module path with these classes patched into its module.
 */
package dev.baton.testing;
