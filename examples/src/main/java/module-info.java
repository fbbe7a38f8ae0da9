/**
 * Baton's examples, a module of their own like an application's: they compile against the exported API of
 * {@code dev.baton} only, so the build proves that API is enough and the internals are out of reach. The demo
 * script runs them on the class path, where this descriptor is ignored.
 */
module dev.baton.examples {
  requires dev.baton;
  requires java.net.http;           // ConfigHotReload's operator writes the key over HTTP
  opens dev.baton.examples to com.google.gson;   // ConfigWatch decodes RateLimits with Gson
}
