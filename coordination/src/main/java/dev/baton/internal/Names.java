package dev.baton.internal;

/** Validation of user-given names and key prefixes; messages name the parameter and the bad value. */
public final class Names {
  private Names() {}

  /**
   * A name below the key prefix: not null/blank, no leading or trailing {@code /}, no empty, {@code .} or
   * {@code ..} segment, no control characters.
   */
  public static String requireValidName(String parameter, String value) {
    check(parameter, value);
    if (value.endsWith("/")) throw bad(parameter, value, "must not end with '/'");
    return value;
  }

  /** A name that may end with '/' (a prefix to watch), returned as given. */
  public static String requireValidPath(String parameter, String value) {
    check(parameter, value);
    return value;
  }

  /** A key prefix: like a name but may end with '/'; the result always ends with '/'. */
  public static String requireValidPrefix(String parameter, String value) {
    check(parameter, value);
    return value.endsWith("/") ? value : value + "/";
  }

  private static void check(String parameter, String value) {
    if (value == null) throw new IllegalArgumentException(parameter + " must not be null");
    if (value.isBlank()) throw bad(parameter, value, "must not be empty or blank");
    if (value.startsWith("/")) throw bad(parameter, value, "must not start with '/'");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) {
        throw bad(parameter, value, "must not contain control characters (found U+"
            + String.format("%04X", (int) c) + " at index " + i + ")");
      }
    }
    String trimmed = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    for (String segment : trimmed.split("/", -1)) {
      if (segment.isEmpty()) throw bad(parameter, value, "must not contain an empty segment ('//')");
      if (segment.equals("..") || segment.equals(".")) {
        throw bad(parameter, value, "must not contain a '" + segment + "' segment");
      }
    }
  }

  private static IllegalArgumentException bad(String parameter, String value, String why) {
    return new IllegalArgumentException(parameter + " " + why + ": \"" + printable(value) + "\"");
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (Character.isISOControl(c)) b.append(String.format("\\u%04x", (int) c)); else b.append(c);
    }
    return b.toString();
  }
}
