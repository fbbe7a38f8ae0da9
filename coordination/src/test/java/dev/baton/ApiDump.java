package dev.baton;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Renders the public API of the library's module, read by reflection from its compiled classes: the module's
 * unqualified exports (and transitive requires), then every public or protected type of the exported packages,
 * each followed by its public and protected fields, constructors and methods (indented), with generic
 * signatures, modifiers and throws clauses. Sorted, so the text is stable; {@link ApiBaselineTest} compares it
 * with the committed file.
 *
 * <p>It also collects every type the API mentions, so that a signature using an internal or third-party type
 * is caught ({@link #leaks()}).
 */
final class ApiDump {
  private final ModuleDescriptor module;
  private final Set<String> packages;
  private final Set<Class<?>> types;
  private final Set<Class<?>> mentioned = new LinkedHashSet<>();
  private final List<String> lines = new ArrayList<>();

  private ApiDump(ModuleDescriptor module, Set<Class<?>> types) {
    this.module = module;
    this.packages = exportedPackages(module);
    this.types = types;
  }

  /** The API of the module whose classes lie where {@code anchor} was loaded from. */
  static ApiDump of(Class<?> anchor) {
    Path location = location(anchor);
    ModuleDescriptor module = descriptor(location);
    Set<String> exported = exportedPackages(module);
    Set<Class<?>> types = new TreeSet<>(Comparator.comparing(ApiDump::name));
    for (String className : classNames(location)) {
      String pkg = className.substring(0, className.lastIndexOf('.'));
      if (!exported.contains(pkg)) continue;
      Class<?> c = load(className, anchor.getClassLoader());
      if (isApi(c)) types.add(c);
    }
    ApiDump dump = new ApiDump(module, types);
    dump.render();
    return dump;
  }

  /** The rendered lines, without line separators. */
  List<String> lines() {
    return List.copyOf(lines);
  }

  /** The text of the API file: the lines, each ended by {@code \n}. */
  String text() {
    return lines.stream().map(l -> l + "\n").collect(Collectors.joining());
  }

  /**
   * Types mentioned by the API that a user of the module could not see or should not depend on: anything
   * that is neither part of the rendered API nor of a {@code java.*} module.
   */
  Set<String> leaks() {
    Set<String> leaks = new TreeSet<>();
    for (Class<?> c : mentioned) {
      if (c.isPrimitive() || types.contains(c)) continue;
      String moduleName = c.getModule().getName();
      if (moduleName != null && moduleName.startsWith("java.")) continue;
      leaks.add(name(c) + (moduleName == null ? "" : " (module " + moduleName + ")"));
    }
    return leaks;
  }

  // ------------------------------------------------------------------------------------------ rendering

  private void render() {
    lines.add((module.isOpen() ? "open module " : "module ") + module.name());
    List<String> moduleLines = new ArrayList<>();
    for (String pkg : packages) moduleLines.add("  exports " + pkg);
    module.opens().stream().filter(o -> !o.isQualified())
        .forEach(o -> moduleLines.add("  opens " + o.source()));
    module.requires().stream().filter(r -> r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE))
        .forEach(r -> moduleLines.add("  requires transitive " + r.name()));
    moduleLines.stream().sorted().forEach(lines::add);
    for (Class<?> c : types) {
      lines.add("");
      lines.add(typeLine(c));
      members(c).forEach(m -> lines.add("  " + m));
    }
  }

  private String typeLine(Class<?> c) {
    StringBuilder b = new StringBuilder(annotations(c));
    int mods = c.getModifiers() & Modifier.classModifiers();
    String kind;
    if (c.isAnnotation()) {
      kind = "@interface";
      mods &= ~(Modifier.ABSTRACT | Modifier.STATIC);
    } else if (c.isInterface()) {
      kind = "interface";
      mods &= ~(Modifier.ABSTRACT | Modifier.STATIC);
    } else if (c.isEnum()) {
      kind = "enum";
      mods &= ~(Modifier.FINAL | Modifier.STATIC);
    } else if (c.isRecord()) {
      kind = "record";
      mods &= ~(Modifier.FINAL | Modifier.STATIC);
    } else {
      kind = "class";
    }
    b.append(modifiers(mods));
    if (c.isSealed()) b.append("sealed ");
    b.append(kind).append(' ').append(name(c)).append(typeParameters(c.getTypeParameters()));
    if (c.isRecord()) {
      b.append(Stream.of(c.getRecordComponents()).map(rc -> type(rc.getGenericType()) + " " + rc.getName())
          .collect(Collectors.joining(", ", "(", ")")));
    }
    Type superclass = c.getGenericSuperclass();
    if (superclass != null && !c.isEnum() && !c.isRecord() && superclass != Object.class) {
      b.append(" extends ").append(type(superclass));
    }
    Type[] interfaces = c.getGenericInterfaces();
    if (interfaces.length > 0 && !c.isAnnotation()) {
      b.append(c.isInterface() ? " extends " : " implements ")
          .append(Stream.of(interfaces).map(this::type).collect(Collectors.joining(", ")));
    }
    if (c.isSealed()) {
      b.append(" permits ").append(Stream.of(c.getPermittedSubclasses()).map(this::type)
          .collect(Collectors.joining(", ")));
    }
    return b.toString();
  }

  private List<String> members(Class<?> c) {
    List<String[]> keyed = new ArrayList<>();               // {order, sort key, line}
    for (Field f : c.getDeclaredFields()) {
      if (f.isSynthetic() || !visible(f.getModifiers())) continue;
      String line = annotations(f) + modifiers(f.getModifiers() & Modifier.fieldModifiers())
          + type(f.getGenericType()) + " " + f.getName();
      keyed.add(new String[] {"1", f.getName(), line});
    }
    for (Constructor<?> k : c.getDeclaredConstructors()) {
      if (k.isSynthetic() || !visible(k.getModifiers())) continue;
      String line = annotations(k) + modifiers(k.getModifiers() & Modifier.constructorModifiers())
          + withSpace(typeParameters(k.getTypeParameters())) + c.getSimpleName() + parameters(k) + exceptions(k);
      keyed.add(new String[] {"2", parameters(k), line});
    }
    for (Method m : c.getDeclaredMethods()) {
      if (m.isSynthetic() || m.isBridge() || !visible(m.getModifiers())) continue;
      int mods = m.getModifiers() & Modifier.methodModifiers();
      String line = annotations(m) + modifiers(mods) + (m.isDefault() ? "default " : "")
          + withSpace(typeParameters(m.getTypeParameters())) + type(m.getGenericReturnType()) + " " + m.getName()
          + parameters(m) + exceptions(m);
      keyed.add(new String[] {"3", m.getName() + parameters(m), line});
    }
    keyed.sort(Comparator.<String[], String>comparing(k -> k[0]).thenComparing(k -> k[1])
        .thenComparing(k -> k[2]));
    return keyed.stream().map(k -> k[2]).collect(Collectors.toList());
  }

  private String parameters(Executable e) {
    Type[] params = e.getGenericParameterTypes();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < params.length; i++) {
      String t = type(params[i]);
      if (e.isVarArgs() && i == params.length - 1 && t.endsWith("[]")) t = t.substring(0, t.length() - 2) + "...";
      out.add(t);
    }
    return out.stream().collect(Collectors.joining(", ", "(", ")"));
  }

  private String exceptions(Executable e) {
    Type[] thrown = e.getGenericExceptionTypes();
    if (thrown.length == 0) return "";
    return Stream.of(thrown).map(this::type).sorted().collect(Collectors.joining(", ", " throws ", ""));
  }

  private String typeParameters(TypeVariable<?>[] variables) {
    if (variables.length == 0) return "";
    List<String> out = new ArrayList<>();
    for (TypeVariable<?> v : variables) {
      List<String> bounds = Stream.of(v.getBounds()).filter(t -> t != Object.class).map(this::type)
          .collect(Collectors.toList());
      out.add(v.getName() + (bounds.isEmpty() ? "" : " extends " + String.join(" & ", bounds)));
    }
    return "<" + String.join(", ", out) + ">";
  }

  private String annotations(AnnotatedElement e) {
    StringBuilder b = new StringBuilder();
    for (Annotation a : e.getAnnotations()) {
      mentioned.add(a.annotationType());
      b.append('@').append(name(a.annotationType())).append(' ');
    }
    return b.toString();
  }

  /** A type as in source, with canonical names ({@code dev.baton.Coordinator.Builder}). */
  private String type(Type t) {
    if (t instanceof Class<?> c) {
      if (c.isArray()) return type(c.getComponentType()) + "[]";
      mentioned.add(c);
      return name(c);
    }
    if (t instanceof ParameterizedType p) {
      return type(p.getRawType()) + Stream.of(p.getActualTypeArguments()).map(this::type)
          .collect(Collectors.joining(", ", "<", ">"));
    }
    if (t instanceof WildcardType w) {
      if (w.getLowerBounds().length > 0) return "? super " + type(w.getLowerBounds()[0]);
      Type upper = w.getUpperBounds()[0];
      return upper == Object.class ? "?" : "? extends " + type(upper);
    }
    if (t instanceof GenericArrayType g) return type(g.getGenericComponentType()) + "[]";
    if (t instanceof TypeVariable<?> v) return v.getName();
    throw new IllegalArgumentException("unknown kind of type: " + t);
  }

  private static String withSpace(String s) {
    return s.isEmpty() ? "" : s + " ";
  }

  private static String modifiers(int mods) {
    String s = Modifier.toString(mods);
    return s.isEmpty() ? "" : s + " ";
  }

  // ------------------------------------------------------------------------------------------ reading

  private static String name(Class<?> c) {
    String canonical = c.getCanonicalName();
    return canonical != null ? canonical : c.getName();
  }

  private static boolean visible(int mods) {
    return Modifier.isPublic(mods) || Modifier.isProtected(mods);
  }

  /** A public or protected type, and so is every type it is nested in. */
  private static boolean isApi(Class<?> c) {
    if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) return false;
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      if (!visible(k.getModifiers())) return false;
    }
    return true;
  }

  private static Set<String> exportedPackages(ModuleDescriptor module) {
    return module.exports().stream().filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Path location(Class<?> anchor) {
    try {
      return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The module descriptor compiled from module-info.java, read from the classes themselves. */
  private static ModuleDescriptor descriptor(Path location) {
    try {
      if (Files.isDirectory(location)) {
        try (InputStream in = Files.newInputStream(location.resolve("module-info.class"))) {
          return ModuleDescriptor.read(in);
        }
      }
      try (JarFile jar = new JarFile(location.toFile());
           InputStream in = jar.getInputStream(jar.getEntry("module-info.class"))) {
        return ModuleDescriptor.read(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read module-info.class in " + location, e);
    }
  }

  /** Binary names of the classes in a directory or jar. */
  private static List<String> classNames(Path location) {
    try {
      List<String> files;
      if (Files.isDirectory(location)) {
        try (Stream<Path> walk = Files.walk(location)) {
          files = walk.filter(Files::isRegularFile).map(p -> location.relativize(p).toString().replace('\\', '/'))
              .collect(Collectors.toList());
        }
      } else {
        try (JarFile jar = new JarFile(location.toFile())) {
          files = jar.stream().map(e -> e.getName()).collect(Collectors.toList());
        }
      }
      return files.stream().filter(f -> f.endsWith(".class") && !f.endsWith("module-info.class")
              && !f.endsWith("package-info.class") && !f.startsWith("META-INF/"))
          .map(f -> f.substring(0, f.length() - ".class".length()).replace('/', '.')).sorted()
          .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the classes in " + location, e);
    }
  }

  private static Class<?> load(String name, ClassLoader loader) {
    try {
      return Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("cannot load " + name, e);
    }
  }
}
